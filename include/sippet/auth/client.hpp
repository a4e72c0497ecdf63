#pragma once
// The client side of Digest (RFC 3261 §22.2, §22.3; RFC 7616 §3.4): given a
// request and the 401/407 it got, the request to send again with
// Authorization / Proxy-Authorization; and credentials for later requests
// to the same realms with the nonce already given (nc incremented, no extra
// round trip, §3.4.5).
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "sippet/auth/digest.hpp"
#include "sippet/auth/header.hpp"
#include "sippet/message/message.hpp"

namespace sippet::auth {

// A user's secret for one realm: the password, or pre-computed
// HA1 = H(user:realm:password) for some hash functions (keyed by base
// algorithm: MD5, SHA-256, SHA-512-256), or both.
struct UserSecret {
  std::string username;
  std::optional<std::string> password;
  std::map<Algorithm, std::string> ha1;
};

// realm -> the secret to answer it with; nullopt: no credentials for it.
// Called on the thread calling answer(), at most once per realm answered,
// and not for a stale=true challenge of a realm already answered.
using CredentialsCallback = std::function<std::optional<UserSecret>(std::string_view realm)>;

struct ClientOptions {
  // Use auth-int (the body hashed) when the challenge offers both.
  bool prefer_auth_int = false;
};

// Why a response could not be answered.
enum class AnswerError {
  kNotAChallenge,         // not a 401 with WWW-Authenticate or a 407 with Proxy-Authenticate
  kNoSupportedChallenge,  // only other schemes, unknown algorithms or malformed challenges
  kNoCredentials,         // the callback has no secret usable for a realm challenged
  kRejected,              // the request already carried credentials for the realm and the
                          // challenge is not stale: they were refused (§22.2: do not loop)
  kInvalidRequest,        // the request cannot be edited (no CSeq...)
};
const char* to_string(AnswerError error);

class [[nodiscard]] AnswerResult {
 public:
  AnswerResult(message::Message request) : v_(std::move(request)) {}  // NOLINT
  AnswerResult(AnswerError error) : v_(error) {}                      // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  message::Message& request() { return std::get<0>(v_); }
  AnswerError error() const { return std::get<1>(v_); }

 private:
  std::variant<message::Message, AnswerError> v_;
};

class Client {
 public:
  explicit Client(CredentialsCallback credentials, ClientOptions options = {});

  // The request to send again after `response` (401 or 407) to `request`:
  // a copy with, for each realm challenged, credentials answering its
  // strongest supported algorithm (SHA-512-256, then SHA-256, then MD5,
  // among those the secret allows; in the server's order on a tie), a fresh
  // cnonce and nc=00000001; the CSeq number incremented (§22.2) and the top
  // Via's branch replaced (a new transaction, §8.1.1.7) when there is one.
  // Credentials the request held for the realms answered are replaced;
  // those for realms answered before are written again with the next nc.
  AnswerResult answer(const message::Message& request, const message::Message& response);

  // Adds credentials to a new request for every realm answered before, with
  // the nonce then given and the next nc (§3.4.5). Returns how many it added
  // (0 when none is known). If the server finds a nonce stale, it answers
  // stale=true and answer() renews it without asking for credentials.
  std::size_t authorize(message::Message& request);

  // Forgets a realm's nonce and secret (e.g. after a 403).
  void forget(Kind kind, std::string_view realm);

 private:
  struct Session {
    std::string username;  // as sent (the userhash when userhash)
    bool userhash = false;
    std::string ha1;  // of the base algorithm
    std::string nonce;
    std::string opaque;
    Algorithm algorithm = Algorithm::kMd5;
    bool algorithm_given = false;
    Qop qop = Qop::kNone;
    std::uint32_t nc = 0;
  };
  std::string credentials_for(Session& session, std::string_view realm,
                              const message::Message& request);

  CredentialsCallback credentials_;
  ClientOptions options_;
  std::mutex mutex_;
  std::map<std::pair<Kind, std::string>, Session> sessions_;
  std::map<std::pair<Kind, std::string>, UserSecret> secrets_;
};

}  // namespace sippet::auth
