// sippet passwd USER REALM [--algorithm A]: reads a password from stdin (one
// line) and prints the users file line `user realm algorithm HA1` (RFC 7616
// §3.4.2: H(user:realm:password)), so that the file keeps no password.
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "sippet/auth/users.hpp"

namespace sippet::app {

namespace {

void usage(std::FILE* out) {
  std::fputs(
      "usage: sippet passwd USER REALM [--algorithm MD5|SHA-256|SHA-512-256] < password\n"
      "prints `USER REALM ALGORITHM HA1` for a users file (default algorithm MD5)\n",
      out);
}

}  // namespace

int run_passwd(int argc, char** argv) {
  std::string user, realm;
  auth::Algorithm algorithm = auth::Algorithm::kMd5;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    }
    if (arg == "--algorithm") {
      auto parsed = i + 1 < argc ? auth::parse_algorithm(argv[i + 1]) : std::nullopt;
      if (!parsed) {
        std::fputs("sippet passwd: --algorithm: MD5, SHA-256 or SHA-512-256\n", stderr);
        return 2;
      }
      algorithm = *parsed;
      ++i;
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "sippet passwd: unknown option '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    } else if (user.empty()) {
      user = arg;
    } else if (realm.empty()) {
      realm = arg;
    } else {
      usage(stderr);
      return 2;
    }
  }
  if (user.empty() || realm.empty()) {
    usage(stderr);
    return 2;
  }
  std::string password;
  if (!std::getline(std::cin, password)) {
    std::fputs("sippet passwd: no password on stdin\n", stderr);
    return 2;
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  std::printf("%s\n", auth::users_file_line(user, realm, algorithm, password).c_str());
  return 0;
}

}  // namespace sippet::app
