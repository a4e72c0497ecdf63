#pragma once
// Digest authentication in `sippet serve --users FILE` (RFC 3261 §22,
// docs/auth.md "In sippet serve"): a REGISTER is challenged with 401
// (§22.2) and may only bind the address of record of the user who
// authenticated; a request one of our users sends through the proxy is
// challenged with 407 (§22.3), and the Proxy-Authorization it carried for
// our realm is consumed, not forwarded.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sippet/auth/server.hpp"
#include "sippet/message/message.hpp"
#include "sippet/message/result.hpp"
#include "sippet/transport/flow.hpp"

namespace sippet::app {

struct AuthenticatorOptions {
  std::string users_file;
  std::string realm;
  // The domains whose users we authenticate (empty: every domain is ours).
  std::vector<std::string> domains;
  // Challenges, the preferred first (RFC 8760 §2.4).
  std::vector<auth::Algorithm> algorithms{auth::Algorithm::kSha256, auth::Algorithm::kMd5};
  bool algorithms_given = false;  // --auth-algorithm seen: the list is the user's
};

// The usage lines of the options below.
extern const char* const kAuthUsage;

// Parses argv[i] when it is an authentication option (and its value,
// advancing i): 1 when it was one, 0 when it is not, -1 after printing an
// error.  --users FILE, --realm R, --auth-algorithm A (repeatable, in the
// order of preference).
int parse_auth_option(int argc, char** argv, int& i, const char* command,
                      AuthenticatorOptions& options);

// What a check decided: pass the request on, or refuse it with `response`
// (empty only when no response could be built; the request is refused all
// the same).
struct AuthCheck {
  bool pass = true;
  std::optional<message::Message> response;
};

class Authenticator {
 public:
  // Reads the users file (`user password` or `user realm algorithm HA1`
  // lines, `sippet passwd` writes the latter): an error names the file and
  // the line.
  static message::Result<std::unique_ptr<Authenticator>> load(AuthenticatorOptions options);

  // A REGISTER about to reach the registrar: pass, or the response to send
  // (401 with challenges, 403, 400).
  AuthCheck check_register(const message::Message& request, const transport::Flow& flow);

  // A request about to be proxied: pass (our realm's Proxy-Authorization
  // removed), or the response to send (407, 403, 400). Only requests that start something from one
  // of our users are challenged: not ACK or CANCEL (they cannot be answered with a challenge,
  // §22.1), not requests inside a dialog (To has a tag), not requests from other domains (calls to
  // our users).
  AuthCheck check_proxied(message::Message& request, const transport::Flow& flow);

  const std::string& realm() const { return options_.realm; }

 private:
  Authenticator(AuthenticatorOptions options, std::shared_ptr<auth::MemoryUsers> users);
  bool ours(const message::Uri& uri) const;
  AuthCheck refuse(const message::Message& request, const auth::Verdict& verdict) const;
  static AuthCheck forbid(const message::Message& request, std::string_view reason);

  AuthenticatorOptions options_;
  auth::Server server_;
};

}  // namespace sippet::app
