#pragma once
// The server side of Digest (RFC 3261 §22.2-§22.4, RFC 7616 §3.3-§3.5):
// challenges with nonces it can check without storing them, and the check
// of a request's credentials, whose outcome is a value a registrar or a
// proxy maps to its answer (accept, 401/407 with a fresh challenge, 403,
// 400). No I/O and no clock of its own: the time comes from a function the
// application may replace (tests give a manual one).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sippet/auth/digest.hpp"
#include "sippet/auth/header.hpp"
#include "sippet/auth/users.hpp"
#include "sippet/message/message.hpp"
#include "sippet/message/result.hpp"

namespace sippet::auth {

struct ServerOptions {
  std::string realm;
  // One challenge per algorithm, in this order (the client picks the
  // strongest it supports; RFC 7616 §3.7 and RFC 8760 §2.4 ask for the
  // preferred first).
  std::vector<Algorithm> algorithms{Algorithm::kSha256, Algorithm::kMd5};
  bool qop_auth = true;
  bool qop_auth_int = false;
  // Credentials without qop (RFC 2069's form, allowed by RFC 3261 §22.4).
  // Such a nonce may be used again until it expires: RFC 2069 has no nonce
  // count, so no replay protection beyond the nonce's lifetime.
  bool accept_no_qop = true;
  bool userhash = false;  // offer userhash=true (§3.4.4)
  // A nonce older than this is answered stale=true (§3.3).
  std::chrono::seconds nonce_lifetime{300};
  // The HMAC key of the nonces. Empty: 32 random octets drawn when the
  // Server is made, so that nonces of a previous run are stale.
  std::string secret;
  // Nonces whose last nonce count is remembered (replay protection). When
  // full, the oldest is forgotten; a nonce not older than a forgotten one is
  // then answered stale (never accepted without its count).
  std::size_t max_nonces = 65536;
  // Failed attempts (unknown user, wrong password, malformed, URI
  // mismatch) counted per source; beyond max_failures within
  // failure_window the source gets kRateLimited (403) without a hash being
  // computed. 0 disables. At most max_sources sources are tracked.
  unsigned max_failures = 20;
  std::chrono::seconds failure_window{60};
  std::size_t max_sources = 65536;
  // Seconds since an epoch; the system clock when empty.
  std::function<std::int64_t()> now;
};

// What the check of a request's credentials found.
enum class Outcome {
  kOk,                    // the credentials are right: serve the request
  kMissing,               // no credentials: 401/407 with challenges
  kUnknownUser,           // no such user in the realm: 403
  kWrongPassword,         // the response does not match: 403
  kStaleNonce,            // right digest, nonce expired, of another run or forgotten:
                          // 401/407 with stale=true
  kReplayed,              // right digest, nc not above the last one seen: 401/407, stale=true
  kMalformed,             // a Digest header that does not parse: 400
  kUnsupportedAlgorithm,  // an algorithm not offered: 401/407 with challenges
  kRealmMismatch,         // credentials for another realm only: 401/407 with challenges
  kUriMismatch,           // uri differs from the Request-URI (§22.4, RFC 2617 §3.2.2.5): 400
  kRateLimited,           // too many failures from this source: 403, nothing hashed
};
const char* to_string(Outcome outcome);

struct Verdict {
  Outcome outcome = Outcome::kMissing;
  Kind kind = Kind::kWww;
  std::string user;  // the user who authenticated (kOk) or claimed to (when known)
  Algorithm algorithm = Algorithm::kMd5;
  std::string reason;  // detail for logs (which parameter is malformed...)

  bool ok() const { return outcome == Outcome::kOk; }
  // The response code: 0 (kOk: no response), 401 or 407, 403 or 400.
  int status() const;
  // Whether the response carries fresh challenges, and with stale=true.
  bool challenges() const;
  bool stale() const { return outcome == Outcome::kStaleNonce || outcome == Outcome::kReplayed; }
};

class Server {
 public:
  Server(ServerOptions options, std::shared_ptr<const UserStore> users);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  const ServerOptions& options() const { return options_; }

  // Checks the request's Authorization (kWww) or Proxy-Authorization
  // (kProxy) for this realm. `source` names the sender for the failure
  // limit (e.g. its IP address); empty: not limited. Safe to call from
  // several threads at once.
  Verdict verify(const message::Message& request, Kind kind = Kind::kWww,
                 std::string_view source = {});

  // WWW-Authenticate / Proxy-Authenticate values: one per algorithm of the
  // options, in their order, each with a fresh nonce.
  std::vector<std::string> challenges(bool stale = false) const;

  // The response a verdict calls for: 401/407 with challenges, 403 or 400
  // (§8.2.6 build_response). An error for kOk.
  message::Result<message::Message> respond(const message::Message& request,
                                            const Verdict& verdict) const;

  // A fresh nonce, and whether a nonce is ours and its age in seconds
  // (nullopt: not made with this secret and realm).
  std::string make_nonce() const;
  std::optional<std::int64_t> nonce_age(std::string_view nonce) const;

 private:
  struct State;
  std::int64_t now() const;
  ServerOptions options_;
  std::shared_ptr<const UserStore> users_;
  std::unique_ptr<State> state_;
};

// Removes this realm's credentials from a request (a proxy consumes the
// Proxy-Authorization it checked and forwards the others, §22.3).
// Returns how many values it removed.
std::size_t remove_credentials(message::Message& request, Kind kind, std::string_view realm);

// The header ids of a kind: challenge (WWW-/Proxy-Authenticate) and
// credentials (Authorization / Proxy-Authorization), and the status (401/407).
message::HeaderId challenge_header(Kind kind);
message::HeaderId credentials_header(Kind kind);
int challenge_status(Kind kind);

}  // namespace sippet::auth
