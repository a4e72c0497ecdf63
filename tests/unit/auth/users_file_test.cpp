// Users files (load_users, users_file_line): both line forms, comments,
// and the errors naming their line.
#include <gtest/gtest.h>

#include <string>

#include "sippet/auth/users.hpp"

namespace sippet::auth {
namespace {

TEST(UsersFile, BothFormsAndComments) {
  const std::string sha_line = users_file_line("bob", "other.org", Algorithm::kSha256Sess, "pw2");
  EXPECT_EQ(sha_line,
            "bob other.org SHA-256 " + compute_ha1(Algorithm::kSha256, "bob", "other.org", "pw2"));
  const std::string text = "# users\r\n\nalice  secret\r\n\t" + sha_line + "\n" +
                           "carol example.com md5 " +
                           compute_ha1(Algorithm::kMd5, "carol", "example.com", "x") + "\n";
  MemoryUsers users;
  ASSERT_TRUE(load_users(text, "example.com", users));
  EXPECT_EQ(users.ha1("alice", "example.com", Algorithm::kSha512_256),
            compute_ha1(Algorithm::kSha512_256, "alice", "example.com", "secret"));
  EXPECT_EQ(users.ha1("bob", "other.org", Algorithm::kSha256),
            compute_ha1(Algorithm::kSha256, "bob", "other.org", "pw2"));
  EXPECT_FALSE(users.ha1("bob", "other.org", Algorithm::kMd5));
  EXPECT_EQ(users.ha1("carol", "example.com", Algorithm::kMd5Sess),
            compute_ha1(Algorithm::kMd5, "carol", "example.com", "x"));
  EXPECT_FALSE(users.ha1("#", "example.com", Algorithm::kMd5));
}

TEST(UsersFile, ErrorsNameTheLine) {
  MemoryUsers users;
  auto three = load_users("alice secret\nbob realm MD5\n", "r", users);
  ASSERT_FALSE(three);
  EXPECT_NE(three.error().reason.find("line 2"), std::string::npos) << three.error().reason;
  EXPECT_EQ(three.error().offset, 13u);
  auto algorithm = load_users("bob r SHA-1 " + std::string(40, 'a'), "r", users);
  ASSERT_FALSE(algorithm);
  EXPECT_NE(algorithm.error().reason.find("unknown algorithm"), std::string::npos);
  EXPECT_FALSE(load_users("bob r SHA-256 " + std::string(32, 'a'), "r", users));  // MD5 length
  EXPECT_FALSE(load_users("bob r MD5 " + std::string(32, 'g'), "r", users));
}

}  // namespace
}  // namespace sippet::auth
