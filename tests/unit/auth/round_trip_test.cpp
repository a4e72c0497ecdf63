// Our client against our server: every algorithm × qop, proxy and UAS
// kinds, the client's choices, nonce reuse, stale nonces and replays. Each
// message crosses as text (serialized and parsed again), as on the wire.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "auth_support.hpp"
#include "sippet/auth.hpp"
#include "sippet/message/parser.hpp"

namespace sippet::auth {
namespace {

using test::make_request;

message::Message wire(const message::Message& m) {
  auto parsed = message::parse_message(m.to_string());
  EXPECT_TRUE(parsed) << parsed.error().reason << "\n" << m.to_string();
  return std::move(parsed).value();
}

std::optional<Credentials> credentials_of(const message::Message& m, Kind kind) {
  const auto* field = m.get(credentials_header(kind));
  if (field == nullptr || field->as<message::Auth>() == nullptr) return std::nullopt;
  auto parsed = parse_credentials(*field->as<message::Auth>());
  if (!parsed) return std::nullopt;
  return parsed.value;
}

class RoundTrip : public ::testing::Test {
 protected:
  std::int64_t clock = 1'700'000'000;
  std::shared_ptr<MemoryUsers> users = std::make_shared<MemoryUsers>();
  int callback_calls = 0;
  std::string password = "secret";

  RoundTrip() { users->add_password("alice", "example.com", "secret"); }

  ServerOptions options(std::vector<Algorithm> algorithms = {Algorithm::kSha256, Algorithm::kMd5}) {
    ServerOptions o;
    o.realm = "example.com";
    o.algorithms = std::move(algorithms);
    o.now = [this] { return clock; };
    return o;
  }

  Client client(ClientOptions client_options = {}) {
    return Client(
        [this](std::string_view realm) -> std::optional<UserSecret> {
          ++callback_calls;
          if (realm != "example.com") return std::nullopt;
          UserSecret s;
          s.username = "alice";
          s.password = password;
          return s;
        },
        client_options);
  }

  // The request challenged by `server`, answered by `c`, as received.
  message::Message challenge_and_answer(Server& server, Client& c, const message::Message& request,
                                        Kind kind = Kind::kWww) {
    Verdict first = server.verify(wire(request), kind);
    EXPECT_EQ(first.outcome, Outcome::kMissing);
    auto challenge = server.respond(request, first);
    EXPECT_TRUE(challenge);
    auto answered = c.answer(request, wire(*challenge));
    EXPECT_TRUE(answered) << (answered ? "" : to_string(answered.error()));
    if (!answered) return request.clone();
    return wire(answered.request());
  }
};

TEST_F(RoundTrip, EveryAlgorithmAndQop) {
  for (Algorithm a : kAllAlgorithms) {
    for (Qop qop : {Qop::kNone, Qop::kAuth, Qop::kAuthInt}) {
      SCOPED_TRACE(std::string(to_string(a)) + " qop=" + std::string(to_string(qop)));
      ServerOptions o = options({a});
      o.qop_auth = qop == Qop::kAuth;
      o.qop_auth_int = qop == Qop::kAuthInt;
      Server server(o, users);
      Client c = client();
      auto request = make_request("INVITE", "sip:bob@example.com", "v=0\r\no=- 1 1 IN IP4 h\r\n");
      auto answered = challenge_and_answer(server, c, request);
      auto creds = credentials_of(answered, Kind::kWww);
      ASSERT_TRUE(creds);
      EXPECT_EQ(creds->algorithm, a);
      EXPECT_EQ(creds->qop, qop);
      EXPECT_EQ(creds->uri, "sip:bob@example.com");
      EXPECT_EQ(creds->response.size(), hex_size(a));
      // §22.2: a new CSeq number and (a new transaction) a new branch.
      EXPECT_EQ(answered.cseq()->seq, 2u);
      EXPECT_NE(answered.top_via()->branch, request.top_via()->branch);
      Verdict v = server.verify(answered);
      EXPECT_EQ(v.outcome, Outcome::kOk) << to_string(v.outcome) << " " << v.reason;
      EXPECT_EQ(v.user, "alice");
      EXPECT_EQ(v.status(), 0);
    }
  }
}

TEST_F(RoundTrip, ProxyAuthenticationUses407AndProxyHeaders) {
  Server server(options(), users);
  Client c = client();
  auto request = make_request("INVITE", "sip:bob@example.com");
  Verdict missing = server.verify(request, Kind::kProxy);
  EXPECT_EQ(missing.status(), 407);
  auto challenge = server.respond(request, missing);
  ASSERT_TRUE(challenge);
  EXPECT_EQ(challenge->status_code(), 407);
  EXPECT_EQ(challenge->count(message::HeaderId::kProxyAuthenticate), 2u);
  EXPECT_EQ(challenge->count(message::HeaderId::kWwwAuthenticate), 0u);
  auto answered = c.answer(request, wire(*challenge));
  ASSERT_TRUE(answered);
  auto received = wire(answered.request());
  EXPECT_TRUE(received.has(message::HeaderId::kProxyAuthorization));
  EXPECT_FALSE(received.has(message::HeaderId::kAuthorization));
  EXPECT_EQ(server.verify(received, Kind::kProxy).outcome, Outcome::kOk);
  // The proxy consumes its realm's credentials before forwarding (§22.3).
  EXPECT_EQ(remove_credentials(received, Kind::kProxy, "example.com"), 1u);
  EXPECT_FALSE(received.has(message::HeaderId::kProxyAuthorization));
}

// A proxy challenges (407), then the UAS (401): the second answer carries
// both, the proxy's written again with the next nc.
TEST_F(RoundTrip, ProxyThenUas) {
  users->add_password("alice", "proxy.example", "secret");
  ServerOptions proxy_options = options();
  proxy_options.realm = "proxy.example";
  Server proxy(proxy_options, users);
  Server uas(options(), users);
  Client c([](std::string_view) {
    UserSecret s;
    s.username = "alice";
    s.password = "secret";
    return std::optional<UserSecret>(s);
  });
  auto request = make_request("INVITE", "sip:bob@example.com");
  auto to_uas = challenge_and_answer(proxy, c, request, Kind::kProxy);
  ASSERT_EQ(proxy.verify(to_uas, Kind::kProxy).outcome, Outcome::kOk);
  Verdict missing = uas.verify(to_uas);
  ASSERT_EQ(missing.outcome, Outcome::kMissing);
  auto answered = c.answer(to_uas, wire(*uas.respond(to_uas, missing)));
  ASSERT_TRUE(answered) << to_string(answered.error());
  auto received = wire(answered.request());
  EXPECT_EQ(received.cseq()->seq, 3u);
  EXPECT_EQ(credentials_of(received, Kind::kProxy)->nc, 2u);
  EXPECT_EQ(proxy.verify(received, Kind::kProxy).outcome, Outcome::kOk);
  EXPECT_EQ(uas.verify(received).outcome, Outcome::kOk);
}

TEST_F(RoundTrip, ClientPicksTheStrongestOffered) {
  Server server(options({Algorithm::kMd5, Algorithm::kSha256, Algorithm::kSha512_256}), users);
  Client c = client();
  auto answered = challenge_and_answer(server, c, make_request());
  EXPECT_EQ(credentials_of(answered, Kind::kWww)->algorithm, Algorithm::kSha512_256);
  EXPECT_EQ(server.verify(answered).outcome, Outcome::kOk);
}

TEST_F(RoundTrip, ClientWithAnMd5Ha1OnlyAnswersMd5) {
  Server server(options({Algorithm::kSha512_256, Algorithm::kSha256, Algorithm::kMd5}), users);
  Client c([](std::string_view realm) -> std::optional<UserSecret> {
    UserSecret s;
    s.username = "alice";
    s.ha1[Algorithm::kMd5] = compute_ha1(Algorithm::kMd5, "alice", realm, "secret");
    return s;
  });
  auto answered = challenge_and_answer(server, c, make_request());
  EXPECT_EQ(credentials_of(answered, Kind::kWww)->algorithm, Algorithm::kMd5);
  EXPECT_EQ(server.verify(answered).outcome, Outcome::kOk);
}

TEST_F(RoundTrip, AuthIntCoversTheBody) {
  ServerOptions o = options();
  o.qop_auth = false;
  o.qop_auth_int = true;
  Server server(o, users);
  Client c = client();
  auto answered = challenge_and_answer(
      server, c, make_request("INVITE", "sip:bob@example.com", "v=0\r\ns=one\r\n"));
  EXPECT_EQ(credentials_of(answered, Kind::kWww)->qop, Qop::kAuthInt);
  auto tampered = answered.clone();
  tampered.set_body("v=0\r\ns=two\r\n");
  EXPECT_EQ(server.verify(wire(tampered)).outcome, Outcome::kWrongPassword);
  EXPECT_EQ(server.verify(answered).outcome, Outcome::kOk);
}

TEST_F(RoundTrip, PreferAuthIntWhenBothOffered) {
  ServerOptions o = options();
  o.qop_auth_int = true;
  Server server(o, users);
  Client plain = client();
  EXPECT_EQ(credentials_of(challenge_and_answer(server, plain, make_request()), Kind::kWww)->qop,
            Qop::kAuth);
  Client integrity = client({.prefer_auth_int = true});
  auto answered = challenge_and_answer(server, integrity, make_request());
  EXPECT_EQ(credentials_of(answered, Kind::kWww)->qop, Qop::kAuthInt);
  EXPECT_EQ(server.verify(answered).outcome, Outcome::kOk);
}

TEST_F(RoundTrip, Userhash) {
  ServerOptions o = options({Algorithm::kSha256});
  o.userhash = true;
  Server server(o, users);
  Client c = client();
  auto answered = challenge_and_answer(server, c, make_request());
  auto creds = credentials_of(answered, Kind::kWww);
  ASSERT_TRUE(creds);
  EXPECT_TRUE(creds->userhash);
  EXPECT_EQ(creds->username, compute_userhash(Algorithm::kSha256, "alice", "example.com"));
  EXPECT_EQ(answered.to_string().find("alice\""), std::string::npos);
  Verdict v = server.verify(answered);
  EXPECT_EQ(v.outcome, Outcome::kOk);
  EXPECT_EQ(v.user, "alice");
}

TEST_F(RoundTrip, LaterRequestsReuseTheNonceWithTheNextCount) {
  Server server(options(), users);
  Client c = client();
  auto first = challenge_and_answer(server, c, make_request());
  ASSERT_EQ(server.verify(first).outcome, Outcome::kOk);
  const std::string nonce = credentials_of(first, Kind::kWww)->nonce;
  for (std::uint32_t n = 2; n <= 4; ++n) {
    auto next = make_request("OPTIONS", "sip:carol@example.com");
    EXPECT_EQ(c.authorize(next), 1u);
    auto received = wire(next);
    auto creds = credentials_of(received, Kind::kWww);
    ASSERT_TRUE(creds);
    EXPECT_EQ(creds->nonce, nonce);
    EXPECT_EQ(creds->nc, n);
    EXPECT_EQ(server.verify(received).outcome, Outcome::kOk);
  }
  EXPECT_EQ(callback_calls, 1);
}

TEST_F(RoundTrip, ReplayedCountIsRefusedWithAStaleChallenge) {
  Server server(options(), users);
  Client c = client();
  auto answered = challenge_and_answer(server, c, make_request());
  ASSERT_EQ(server.verify(answered).outcome, Outcome::kOk);
  Verdict replay = server.verify(answered);
  EXPECT_EQ(replay.outcome, Outcome::kReplayed);
  EXPECT_EQ(replay.status(), 401);
  EXPECT_TRUE(replay.stale());
  // A count below the last one is a replay too.
  auto second = make_request();
  c.authorize(second);
  auto third = make_request();
  c.authorize(third);
  EXPECT_EQ(server.verify(third).outcome, Outcome::kOk);
  EXPECT_EQ(server.verify(second).outcome, Outcome::kReplayed);
}

TEST_F(RoundTrip, ExpiredNonceIsStaleAndRenewedWithoutAskingAgain) {
  Server server(options(), users);
  Client c = client();
  auto answered = challenge_and_answer(server, c, make_request());
  ASSERT_EQ(server.verify(answered).outcome, Outcome::kOk);
  clock += 301;
  auto later = make_request();
  c.authorize(later);
  Verdict stale = server.verify(later);
  EXPECT_EQ(stale.outcome, Outcome::kStaleNonce);
  EXPECT_EQ(stale.status(), 401);
  auto challenge = server.respond(later, stale);
  ASSERT_TRUE(challenge);
  EXPECT_NE(challenge->to_string().find("stale=true"), std::string::npos);
  auto renewed = c.answer(later, wire(*challenge));
  ASSERT_TRUE(renewed) << to_string(renewed.error());
  EXPECT_EQ(callback_calls, 1);
  EXPECT_EQ(server.verify(wire(renewed.request())).outcome, Outcome::kOk);
}

TEST_F(RoundTrip, NonceOfAnotherRunIsStale) {
  Server before(options(), users);
  Client c = client();
  auto answered = challenge_and_answer(before, c, make_request());
  Server after(options(), users);  // another random secret
  EXPECT_EQ(after.verify(answered).outcome, Outcome::kStaleNonce);
  // A configured secret keeps nonces valid across runs.
  ServerOptions o = options();
  o.secret = "configured";
  Server one(o, users);
  auto kept = challenge_and_answer(one, c, make_request());
  Server two(o, users);
  EXPECT_EQ(two.verify(kept).outcome, Outcome::kOk);
}

TEST_F(RoundTrip, ForgottenCountsAreStaleNeverAccepted) {
  ServerOptions o = options();
  o.max_nonces = 2;
  Server server(o, users);
  Client a = client(), b = client(), d = client();
  auto first = challenge_and_answer(server, a, make_request());
  ASSERT_EQ(server.verify(first).outcome, Outcome::kOk);
  clock += 1;
  auto second = challenge_and_answer(server, b, make_request());
  ASSERT_EQ(server.verify(second).outcome, Outcome::kOk);
  clock += 1;
  auto third = challenge_and_answer(server, d, make_request());
  ASSERT_EQ(server.verify(third).outcome, Outcome::kOk);
  // The first nonce's count was forgotten: its replay is not accepted.
  EXPECT_EQ(server.verify(first).outcome, Outcome::kStaleNonce);
  EXPECT_EQ(server.verify(third).outcome, Outcome::kReplayed);
}

TEST_F(RoundTrip, ClientDoesNotLoopOnRefusedCredentials) {
  Server server(options(), users);
  Client c = client();
  auto answered = challenge_and_answer(server, c, make_request());
  // A 401 without stale to a request that carried credentials: refused.
  Verdict v;
  v.outcome = Outcome::kMissing;
  auto again = server.respond(answered, v);
  ASSERT_TRUE(again);
  auto result = c.answer(answered, wire(*again));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), AnswerError::kRejected);
}

TEST_F(RoundTrip, ClientErrors) {
  Server server(options(), users);
  Client c = client();
  auto request = make_request();
  auto ok = message::build_response(request, 200).value();
  EXPECT_EQ(c.answer(request, ok).error(), AnswerError::kNotAChallenge);
  auto basic = message::build_response(request, 401).value();
  ASSERT_TRUE(basic.put(message::HeaderId::kWwwAuthenticate, "Basic realm=\"x\""));
  EXPECT_EQ(c.answer(request, basic).error(), AnswerError::kNoSupportedChallenge);
  auto unknown = message::build_response(request, 401).value();
  ASSERT_TRUE(unknown.put(message::HeaderId::kWwwAuthenticate,
                          "Digest realm=\"example.com\", nonce=\"n\", algorithm=SHA-1"));
  EXPECT_EQ(c.answer(request, unknown).error(), AnswerError::kNoSupportedChallenge);
  auto other = message::build_response(request, 401).value();
  ASSERT_TRUE(
      other.put(message::HeaderId::kWwwAuthenticate, "Digest realm=\"elsewhere\", nonce=\"n\""));
  EXPECT_EQ(c.answer(request, other).error(), AnswerError::kNoCredentials);
}

}  // namespace
}  // namespace sippet::auth
