// `sippet passwd`: runs the built binary with a password on stdin; the HA1
// values expected are RFC 2617 §3.5's and RFC 7616 §3.9.1's inputs hashed by
// Python's hashlib (independent of the tool).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace {

struct PasswdRun {
  int exit_code = -1;
  std::string out;
};

PasswdRun passwd(const std::string& password, const std::string& args) {
  const std::string base = testing::TempDir() + "sippet_passwd_test_" + std::to_string(::getpid());
  const std::string in = base + "_in", out = base + "_out";
  std::ofstream(in, std::ios::binary) << password;
  const std::string cmd = std::string("'") + SIPPET_BINARY + "' passwd " + args + " <'" + in +
                          "' >'" + out + "' 2>/dev/null";
  const int status = std::system(cmd.c_str());
  PasswdRun r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream file(out, std::ios::binary);
  r.out.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  std::remove(in.c_str());
  std::remove(out.c_str());
  return r;
}

TEST(PasswdCommand, PrintsTheHa1Line) {
  PasswdRun md5 = passwd("Circle Of Life\n", "Mufasa testrealm@host.com");
  EXPECT_EQ(md5.exit_code, 0);
  EXPECT_EQ(md5.out, "Mufasa testrealm@host.com MD5 939e7578ed9e3c518a452acee763bce9\n");
  PasswdRun sha = passwd("Circle of Life", "Mufasa http-auth@example.org --algorithm SHA-256");
  EXPECT_EQ(sha.exit_code, 0);
  EXPECT_EQ(sha.out,
            "Mufasa http-auth@example.org SHA-256 "
            "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232\n");
}

TEST(PasswdCommand, UsageErrors) {
  EXPECT_EQ(passwd("x\n", "Mufasa").exit_code, 2);
  EXPECT_EQ(passwd("x\n", "Mufasa realm --algorithm SHA-1").exit_code, 2);
  EXPECT_EQ(passwd("", "Mufasa realm").exit_code, 2);  // no password
}

}  // namespace
