// Digest server (RFC 3261 §22.2-§22.4, RFC 7616 §3.3-§3.5): stateless
// nonces, the check of credentials, and the response each outcome calls for.
#include "sippet/auth/server.hpp"

#include <mutex>

#include "server_state.hpp"
#include "sippet/message/builder.hpp"
#include "sippet/message/text.hpp"
#include "sippet/message/uri.hpp"

namespace sippet::auth {

// ---- Nonces ----------------------------------------------------------------
// nonce = hex( issued (8 octets, big-endian seconds) | salt (8 random octets)
//              | HMAC-SHA-256(secret, issued | salt | realm)[0..16) )
// The server checks it with its secret alone (RFC 7616 §3.3, §5.5: a
// timestamp and a MAC); the salt makes every challenge's nonce unique, so
// nonce counts are per challenge answered.
namespace {

constexpr std::size_t kStampOctets = 8, kSaltOctets = 8, kMacOctets = 16;
constexpr std::size_t kNonceHex = 2 * (kStampOctets + kSaltOctets + kMacOctets);

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string stamp_hex(std::int64_t issued) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * kStampOctets, '0');
  auto value = static_cast<std::uint64_t>(issued);
  for (std::size_t i = out.size(); i-- > 0; value >>= 4)
    out[i] = kDigits[value & 0xf];
  return out;
}

}  // namespace

struct Server::State {
  std::mutex mutex;
  detail::NonceCounts counts;
  detail::FailureLimiter failures;
  detail::KeyedMac mac;  // HMAC-SHA-256 with the secret
  explicit State(const ServerOptions& o)
      : counts(o.max_nonces),
        failures(o.max_failures, o.failure_window.count(), o.max_sources),
        mac(o.secret) {}
};

Server::Server(ServerOptions options, std::shared_ptr<const UserStore> users)
    : options_(std::move(options)), users_(std::move(users)) {
  if (options_.secret.empty()) options_.secret = random_hex(32);
  if (options_.algorithms.empty()) options_.algorithms.push_back(Algorithm::kMd5);
  state_ = std::make_unique<State>(options_);
}

Server::~Server() = default;

std::int64_t Server::now() const {
  if (options_.now) return options_.now();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Server::make_nonce() const {
  std::string nonce = stamp_hex(now()) + random_hex(kSaltOctets);
  nonce += state_->mac.hex(nonce + ":" + options_.realm, kMacOctets);
  return nonce;
}

std::optional<std::int64_t> Server::nonce_age(std::string_view nonce) const {
  if (nonce.size() != kNonceHex) return std::nullopt;
  std::uint64_t issued = 0;
  for (std::size_t i = 0; i < nonce.size(); ++i) {
    const int v = hex_value(nonce[i]);
    if (v < 0) return std::nullopt;
    if (i < 2 * kStampOctets) issued = issued << 4 | static_cast<unsigned>(v);
  }
  const std::size_t signed_part = 2 * (kStampOctets + kSaltOctets);
  const std::string mac =
      state_->mac.hex(std::string(nonce.substr(0, signed_part)) + ":" + options_.realm, kMacOctets);
  if (!constant_time_equal(mac, nonce.substr(signed_part))) return std::nullopt;
  return now() - static_cast<std::int64_t>(issued);
}

// ---- Challenges -------------------------------------------------------------

std::vector<std::string> Server::challenges(bool stale) const {
  std::vector<std::string> out;
  out.reserve(options_.algorithms.size());
  for (Algorithm a : options_.algorithms) {
    Challenge c;
    c.realm = options_.realm;
    c.nonce = make_nonce();
    c.algorithm = a;
    c.algorithm_given = true;
    c.qop_auth = options_.qop_auth;
    c.qop_auth_int = options_.qop_auth_int;
    c.stale = stale;
    c.userhash = options_.userhash;
    out.push_back(format_challenge(c));
  }
  return out;
}

message::HeaderId challenge_header(Kind kind) {
  return kind == Kind::kProxy ? message::HeaderId::kProxyAuthenticate
                              : message::HeaderId::kWwwAuthenticate;
}

message::HeaderId credentials_header(Kind kind) {
  return kind == Kind::kProxy ? message::HeaderId::kProxyAuthorization
                              : message::HeaderId::kAuthorization;
}

int challenge_status(Kind kind) {
  return kind == Kind::kProxy ? 407 : 401;
}

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kMissing:
      return "missing credentials";
    case Outcome::kUnknownUser:
      return "unknown user";
    case Outcome::kWrongPassword:
      return "wrong password";
    case Outcome::kStaleNonce:
      return "stale nonce";
    case Outcome::kReplayed:
      return "replayed nonce count";
    case Outcome::kMalformed:
      return "malformed credentials";
    case Outcome::kUnsupportedAlgorithm:
      return "unsupported algorithm";
    case Outcome::kRealmMismatch:
      return "realm mismatch";
    case Outcome::kUriMismatch:
      return "uri mismatch";
    case Outcome::kRateLimited:
      return "too many failures from the source";
  }
  return "?";
}

int Verdict::status() const {
  switch (outcome) {
    case Outcome::kOk:
      return 0;
    case Outcome::kUnknownUser:
    case Outcome::kWrongPassword:
    case Outcome::kRateLimited:
      return 403;
    case Outcome::kMalformed:
    case Outcome::kUriMismatch:
      return 400;
    default:
      return challenge_status(kind);
  }
}

bool Verdict::challenges() const {
  return status() == 401 || status() == 407;
}

message::Result<message::Message> Server::respond(const message::Message& request,
                                                  const Verdict& verdict) const {
  if (verdict.ok())
    return message::Error{message::ErrorKind::kInvalidArgument, 0, 0,
                          "credentials accepted: no response to send"};
  auto response = message::build_response(request, verdict.status());
  if (!response || !verdict.challenges()) return response;
  for (const std::string& value : challenges(verdict.stale())) {
    if (auto put = response->put_back(challenge_header(verdict.kind), value); !put)
      return put.error();
  }
  return response;
}

std::size_t remove_credentials(message::Message& request, Kind kind, std::string_view realm) {
  const message::HeaderId id = credentials_header(kind);
  std::vector<std::string> keep;
  std::size_t removed = 0;
  for (const message::Field* field : request.get_all(id)) {
    const auto* header = field->as<message::Auth>();
    bool ours = false;
    if (header != nullptr && message::iequals(header->scheme, "Digest")) {
      auto realm_param = header->params.find("realm");
      ours = realm_param && realm_param->text() == realm;
    }
    if (ours) {
      ++removed;
    } else {
      keep.emplace_back(field->value);
    }
  }
  if (removed == 0) return 0;
  request.erase(id);
  for (const std::string& value : keep)
    (void)request.put_back(id, value);
  return removed;
}

// ---- Verification ------------------------------------------------------------
namespace {

// §22.4 / RFC 2617 §3.2.2.5: the uri of the credentials designates the
// Request-URI. Compared as URIs (§19.1.4) when both parse, else as text.
bool same_uri(std::string_view credentials_uri, const message::Message& request) {
  const auto& request_uri = request.request_line().uri;
  if (credentials_uri == request_uri.text) return true;
  auto parsed = message::parse_uri(credentials_uri);
  return parsed && message::uri_equal(*parsed, request_uri);
}

Verdict verdict_of(Outcome outcome, Kind kind, std::string reason = {}) {
  Verdict v;
  v.outcome = outcome;
  v.kind = kind;
  v.reason = std::move(reason);
  return v;
}

}  // namespace

Verdict Server::verify(const message::Message& request, Kind kind, std::string_view source) {
  const std::int64_t t = now();
  {
    std::lock_guard lock(state_->mutex);
    if (state_->failures.limited(source, t)) return verdict_of(Outcome::kRateLimited, kind);
  }
  auto fail = [&](Verdict v) {
    std::lock_guard lock(state_->mutex);
    state_->failures.failed(source, t);
    return v;
  };

  // The credentials for this realm (§22.3: a request may carry several, one
  // per realm); a malformed one is refused even beside others.
  std::optional<Credentials> found;
  bool other_realm = false;
  for (const message::Field* field : request.get_all(credentials_header(kind))) {
    const auto* header = field->as<message::Auth>();
    if (header == nullptr) continue;
    auto parsed = parse_credentials(*header);
    if (!parsed) {
      if (parsed.error == HeaderError::kNotDigest) continue;
      if (parsed.error == HeaderError::kUnsupported)
        return verdict_of(Outcome::kUnsupportedAlgorithm, kind, parsed.reason);
      return fail(verdict_of(Outcome::kMalformed, kind, parsed.reason));
    }
    if (parsed.value->realm != options_.realm) {
      other_realm = true;
      continue;
    }
    if (found) return fail(verdict_of(Outcome::kMalformed, kind, "two credentials for the realm"));
    found = std::move(parsed.value);
  }
  if (!found) return verdict_of(other_realm ? Outcome::kRealmMismatch : Outcome::kMissing, kind);
  Credentials& c = *found;

  Verdict v = verdict_of(Outcome::kOk, kind);
  v.algorithm = c.algorithm;
  bool offered = false;
  for (Algorithm a : options_.algorithms)
    offered = offered || a == c.algorithm;
  if (!offered) {
    v.outcome = Outcome::kUnsupportedAlgorithm;
    v.reason = std::string("algorithm ") + std::string(to_string(c.algorithm)) + " not offered";
    return v;
  }
  if ((c.qop == Qop::kNone && !options_.accept_no_qop) ||
      (c.qop == Qop::kAuth && !options_.qop_auth) ||
      (c.qop == Qop::kAuthInt && !options_.qop_auth_int)) {
    v.outcome = Outcome::kMalformed;
    v.reason = c.qop == Qop::kNone ? "no qop" : "qop not offered";
    return fail(std::move(v));
  }
  if (!same_uri(c.uri, request)) {
    v.outcome = Outcome::kUriMismatch;
    v.reason = "uri " + c.uri + " is not the Request-URI";
    return fail(std::move(v));
  }
  if (c.userhash && !options_.userhash) {
    v.outcome = Outcome::kMalformed;
    v.reason = "userhash not offered";
    return fail(std::move(v));
  }

  // The user and HA1 (§3.4.4: a userhash is looked up in the hashes).
  std::optional<std::string> user;
  if (c.userhash) {
    user = users_->user_of_hash(c.username, options_.realm, base_of(c.algorithm));
  } else {
    user = c.username;
  }
  std::optional<std::string> ha1;
  if (user) ha1 = users_->ha1(*user, options_.realm, base_of(c.algorithm));
  if (user) v.user = *user;
  if (!ha1) {
    v.outcome = Outcome::kUnknownUser;
    return fail(std::move(v));
  }

  DigestInput in;
  in.algorithm = c.algorithm;
  in.qop = c.qop;
  in.ha1 = *ha1;
  in.nonce = c.nonce;
  in.nc = c.nc_text;
  in.cnonce = c.cnonce;
  in.method = request.method_text();
  in.uri = c.uri;
  in.body = request.body();
  if (!constant_time_equal(compute_response(in), c.response)) {
    v.outcome = Outcome::kWrongPassword;
    return fail(std::move(v));
  }

  // The digest is right: is the nonce ours, fresh, and its count new?
  const auto age = nonce_age(c.nonce);
  if (!age || *age > options_.nonce_lifetime.count() || *age < -60) {
    v.outcome = Outcome::kStaleNonce;
    return v;
  }
  if (c.qop != Qop::kNone) {
    std::lock_guard lock(state_->mutex);
    const auto check =
        state_->counts.record(c.nonce, t - *age, c.nc, t - options_.nonce_lifetime.count());
    if (check == detail::NonceCounts::Check::kReplayed) v.outcome = Outcome::kReplayed;
    if (check == detail::NonceCounts::Check::kForgotten) v.outcome = Outcome::kStaleNonce;
  }
  return v;
}

}  // namespace sippet::auth
