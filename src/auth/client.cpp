// Digest client (RFC 3261 §22.2, §22.3; RFC 7616 §3.4, §3.4.5, §3.7).
#include "sippet/auth/client.hpp"

#include <algorithm>

#include "sippet/auth/server.hpp"
#include "sippet/message/builder.hpp"
#include "sippet/message/text.hpp"

namespace sippet::auth {
namespace {

// Whether `request` already carries credentials of `kind` for `realm`.
bool has_credentials(const message::Message& request, Kind kind, std::string_view realm) {
  for (const message::Field* field : request.get_all(credentials_header(kind))) {
    const auto* header = field->as<message::Auth>();
    if (header == nullptr || !message::iequals(header->scheme, "Digest")) continue;
    auto param = header->params.find("realm");
    if (param && param->text() == realm) return true;
  }
  return false;
}

bool secret_allows(const UserSecret& secret, Algorithm algorithm) {
  return secret.password.has_value() || secret.ha1.count(base_of(algorithm)) != 0;
}

}  // namespace

const char* to_string(AnswerError error) {
  switch (error) {
    case AnswerError::kNotAChallenge:
      return "not a 401/407 with a challenge";
    case AnswerError::kNoSupportedChallenge:
      return "no supported Digest challenge";
    case AnswerError::kNoCredentials:
      return "no credentials for the realm";
    case AnswerError::kRejected:
      return "credentials rejected";
    case AnswerError::kInvalidRequest:
      return "the request cannot be edited";
  }
  return "?";
}

Client::Client(CredentialsCallback credentials, ClientOptions options)
    : credentials_(std::move(credentials)), options_(options) {}

std::string Client::credentials_for(Session& s, std::string_view realm,
                                    const message::Message& request) {
  Credentials c;
  c.username = s.username;
  c.userhash = s.userhash;
  c.realm = std::string(realm);
  c.nonce = s.nonce;
  c.uri = std::string(request.request_line().uri.text);
  c.algorithm = s.algorithm;
  c.algorithm_given = s.algorithm_given;
  c.opaque = s.opaque;
  c.qop = s.qop;
  if (s.qop != Qop::kNone) {
    c.nc = ++s.nc;
    c.nc_text = format_nc(c.nc);
    c.cnonce = random_hex(16);
  }
  DigestInput in;
  in.algorithm = c.algorithm;
  in.qop = c.qop;
  in.ha1 = s.ha1;
  in.nonce = c.nonce;
  in.nc = c.nc_text;
  in.cnonce = c.cnonce;
  in.method = request.method_text();
  in.uri = c.uri;
  in.body = request.body();
  c.response = compute_response(in);
  return format_credentials(c);
}

AnswerResult Client::answer(const message::Message& request, const message::Message& response) {
  Kind kind;
  if (response.status_code() == 401) {
    kind = Kind::kWww;
  } else if (response.status_code() == 407) {
    kind = Kind::kProxy;
  } else {
    return AnswerError::kNotAChallenge;
  }
  const auto fields = response.get_all(challenge_header(kind));
  if (fields.empty()) return AnswerError::kNotAChallenge;

  // The usable challenges, by realm in the order the realms first appear.
  std::vector<std::pair<std::string, std::vector<Challenge>>> realms;
  for (const message::Field* field : fields) {
    const auto* header = field->as<message::Auth>();
    if (header == nullptr) continue;
    auto parsed = parse_challenge(*header);
    if (!parsed) continue;
    auto it = std::find_if(realms.begin(), realms.end(),
                           [&](const auto& r) { return r.first == parsed.value->realm; });
    if (it == realms.end()) {
      realms.emplace_back(parsed.value->realm, std::vector<Challenge>{});
      it = realms.end() - 1;
    }
    it->second.push_back(std::move(*parsed.value));
  }
  if (realms.empty()) return AnswerError::kNoSupportedChallenge;

  std::vector<std::pair<std::string, Session>> answered;
  for (auto& [realm, challenges] : realms) {
    // Strongest first; the server's order kept on a tie (RFC 7616 §3.7).
    std::stable_sort(challenges.begin(), challenges.end(), [](const auto& a, const auto& b) {
      return strength(a.algorithm) > strength(b.algorithm);
    });
    const bool stale = std::any_of(challenges.begin(), challenges.end(),
                                   [](const Challenge& c) { return c.stale; });
    if (has_credentials(request, kind, realm) && !stale) return AnswerError::kRejected;

    // A stale nonce is renewed with the secret already given (§3.3 stale).
    std::optional<UserSecret> secret;
    if (stale) {
      std::lock_guard lock(mutex_);
      auto it = secrets_.find(std::pair(kind, realm));
      if (it != secrets_.end()) secret = it->second;
    }
    if (!secret && credentials_) secret = credentials_(realm);
    if (!secret) return AnswerError::kNoCredentials;
    auto chosen = std::find_if(challenges.begin(), challenges.end(), [&](const Challenge& c) {
      return secret_allows(*secret, c.algorithm);
    });
    if (chosen == challenges.end()) return AnswerError::kNoCredentials;

    const Algorithm base = base_of(chosen->algorithm);
    Session s;
    s.userhash = chosen->userhash;
    s.username = s.userhash ? compute_userhash(base, secret->username, realm) : secret->username;
    if (auto it = secret->ha1.find(base); it != secret->ha1.end()) {
      s.ha1 = it->second;  // hashed as text: lower-case hex (RFC 7616 §3.4.1)
      for (char& ch : s.ha1)
        ch = message::ascii_lower(ch);
    } else {
      s.ha1 = compute_ha1(base, secret->username, realm, *secret->password);
    }
    s.nonce = chosen->nonce;
    s.opaque = chosen->opaque;
    s.algorithm = chosen->algorithm;
    s.algorithm_given = chosen->algorithm_given;
    if (chosen->qop_auth_int && (options_.prefer_auth_int || !chosen->qop_auth)) {
      s.qop = Qop::kAuthInt;
    } else if (chosen->qop_auth) {
      s.qop = Qop::kAuth;
    } else {
      s.qop = Qop::kNone;
    }
    {
      std::lock_guard lock(mutex_);
      secrets_[std::pair(kind, realm)] = std::move(*secret);
    }
    answered.emplace_back(realm, std::move(s));
  }

  // §22.2: the same request with credentials, a new CSeq number; a new
  // branch, for it is a new transaction.
  message::Message again = request.clone();
  const message::CSeq* cseq = again.cseq();
  if (cseq == nullptr) return AnswerError::kInvalidRequest;
  const std::string next_cseq =
      std::to_string(cseq->seq + 1) + " " + std::string(cseq->method_text);
  if (!again.put(message::HeaderId::kCSeq, next_cseq)) return AnswerError::kInvalidRequest;
  if (again.top_via() != nullptr &&
      !again.set_param(message::HeaderId::kVia, "branch", message::create_branch()))
    return AnswerError::kInvalidRequest;
  for (auto& [realm, session] : answered) {
    remove_credentials(again, kind, realm);
    const std::string value = credentials_for(session, realm, again);
    if (!again.put_back(credentials_header(kind), value)) return AnswerError::kInvalidRequest;
    std::lock_guard lock(mutex_);
    sessions_[std::pair(kind, realm)] = std::move(session);
  }
  // Credentials the request carries for realms answered before (a proxy's,
  // when a UAS challenges next) are written again with the next nc: the
  // same nc twice is a replay (§3.4.5).
  std::lock_guard lock(mutex_);
  for (auto& [key, session] : sessions_) {
    const Kind other_kind = key.first;
    const std::string& realm = key.second;
    if (other_kind == kind && std::any_of(answered.begin(), answered.end(),
                                          [&](const auto& a) { return a.first == realm; }))
      continue;
    if (remove_credentials(again, other_kind, realm) == 0) continue;
    if (!again.put_back(credentials_header(other_kind), credentials_for(session, realm, again)))
      return AnswerError::kInvalidRequest;
  }
  return again;
}

std::size_t Client::authorize(message::Message& request) {
  std::lock_guard lock(mutex_);
  std::size_t added = 0;
  for (auto& [key, session] : sessions_) {
    const auto& [kind, realm] = key;
    if (has_credentials(request, kind, realm)) continue;
    if (request.put_back(credentials_header(kind), credentials_for(session, realm, request)))
      ++added;
  }
  return added;
}

void Client::forget(Kind kind, std::string_view realm) {
  std::lock_guard lock(mutex_);
  const std::pair<Kind, std::string> key(kind, std::string(realm));
  sessions_.erase(key);
  secrets_.erase(key);
}

}  // namespace sippet::auth
