// Each outcome of Server::verify and the response it maps to (401/407 with
// a fresh challenge, 403, 400), and the failure limit per source.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "auth_support.hpp"
#include "sippet/auth.hpp"
#include "sippet/message/parser.hpp"

namespace sippet::auth {
namespace {

using test::make_request;

class Verdicts : public ::testing::Test {
 protected:
  std::int64_t clock = 1'700'000'000;
  std::shared_ptr<MemoryUsers> users = std::make_shared<MemoryUsers>();
  std::unique_ptr<Server> server;

  Verdicts() {
    users->add_password("alice", "example.com", "secret");
    server = std::make_unique<Server>(make_options(), users);
  }

  ServerOptions make_options() {
    ServerOptions o;
    o.realm = "example.com";
    o.algorithms = {Algorithm::kSha256, Algorithm::kMd5};
    o.now = [this] { return clock; };
    o.max_failures = 3;
    o.failure_window = std::chrono::seconds(60);
    return o;
  }

  // Credentials for `request` as a client would compute them, with a nonce
  // of the server: each test then spoils one part.
  Credentials good(const message::Message& request, Algorithm a = Algorithm::kSha256,
                   std::string_view password = "secret", std::uint32_t nc = 1) {
    Credentials c;
    c.username = "alice";
    c.realm = "example.com";
    c.nonce = server->make_nonce();
    c.uri = std::string(request.request_line().uri.text);
    c.algorithm = a;
    c.algorithm_given = true;
    c.qop = Qop::kAuth;
    c.nc = nc;
    c.nc_text = format_nc(nc);
    c.cnonce = "0a4f113b";
    sign(c, request, password);
    return c;
  }

  static void sign(Credentials& c, const message::Message& request, std::string_view password) {
    const std::string ha1 = compute_ha1(base_of(c.algorithm), "alice", c.realm, password);
    DigestInput in;
    in.algorithm = c.algorithm;
    in.qop = c.qop;
    in.ha1 = ha1;
    in.nonce = c.nonce;
    in.nc = c.nc_text;
    in.cnonce = c.cnonce;
    in.method = request.method_text();
    in.uri = c.uri;
    in.body = request.body();
    c.response = compute_response(in);
  }

  Verdict check(const message::Message& request, const std::string& header,
                std::string_view source = {}) {
    auto copy = request.clone();
    EXPECT_TRUE(copy.put(message::HeaderId::kAuthorization, header)) << header;
    return server->verify(copy, Kind::kWww, source);
  }

  // The response a verdict maps to, as sent.
  message::Message response(const message::Message& request, const Verdict& v) {
    auto r = server->respond(request, v);
    EXPECT_TRUE(r);
    return message::parse_message(r->to_string()).value();
  }
};

TEST_F(Verdicts, OkIsNoResponse) {
  auto request = make_request();
  Verdict v = check(request, format_credentials(good(request)));
  EXPECT_EQ(v.outcome, Outcome::kOk);
  EXPECT_EQ(v.status(), 0);
  EXPECT_FALSE(server->respond(request, v));
}

TEST_F(Verdicts, MissingIsA401WithOneChallengePerAlgorithmInOrder) {
  auto request = make_request();
  Verdict v = server->verify(request);
  EXPECT_EQ(v.outcome, Outcome::kMissing);
  auto r = response(request, v);
  EXPECT_EQ(r.status_code(), 401);
  auto challenges = r.get_all(message::HeaderId::kWwwAuthenticate);
  ASSERT_EQ(challenges.size(), 2u);
  auto first = parse_challenge(*challenges[0]->as<message::Auth>());
  auto second = parse_challenge(*challenges[1]->as<message::Auth>());
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first.value->algorithm, Algorithm::kSha256);
  EXPECT_EQ(second.value->algorithm, Algorithm::kMd5);
  EXPECT_EQ(first.value->realm, "example.com");
  EXPECT_TRUE(first.value->qop_auth);
  EXPECT_FALSE(first.value->stale);
  EXPECT_NE(first.value->nonce, second.value->nonce);
  EXPECT_TRUE(server->nonce_age(first.value->nonce).has_value());
  // Other schemes are not Digest credentials.
  Verdict basic = check(request, "Basic YWxpY2U6c2VjcmV0");
  EXPECT_EQ(basic.outcome, Outcome::kMissing);
}

TEST_F(Verdicts, UnknownUserAndWrongPasswordAre403) {
  auto request = make_request();
  Credentials nobody = good(request);
  nobody.username = "mallory";
  Verdict unknown = check(request, format_credentials(nobody));
  EXPECT_EQ(unknown.outcome, Outcome::kUnknownUser);
  EXPECT_EQ(response(request, unknown).status_code(), 403);
  Verdict wrong = check(request, format_credentials(good(request, Algorithm::kSha256, "guess")));
  EXPECT_EQ(wrong.outcome, Outcome::kWrongPassword);
  EXPECT_EQ(wrong.user, "alice");
  auto r = response(request, wrong);
  EXPECT_EQ(r.status_code(), 403);
  EXPECT_FALSE(r.has(message::HeaderId::kWwwAuthenticate));
}

TEST_F(Verdicts, MethodIsPartOfTheDigest) {
  auto request = make_request("REGISTER");
  const std::string header = format_credentials(good(request));
  auto invite = make_request("INVITE");
  EXPECT_EQ(check(invite, header).outcome, Outcome::kWrongPassword);
}

TEST_F(Verdicts, UriMismatchIs400) {
  auto request = make_request("REGISTER", "sip:example.com");
  auto other = make_request("REGISTER", "sip:other.example.com");
  Verdict v = check(other, format_credentials(good(request)));
  EXPECT_EQ(v.outcome, Outcome::kUriMismatch);
  EXPECT_EQ(response(other, v).status_code(), 400);
  // An equivalent URI (§19.1.4: host case) is the same resource; the
  // digest covers the uri as the credentials write it.
  auto upper = make_request("REGISTER", "sip:EXAMPLE.com");
  EXPECT_EQ(check(upper, format_credentials(good(request))).outcome, Outcome::kOk);
}

TEST_F(Verdicts, StaleNonceNeedsTheRightDigest) {
  auto request = make_request();
  Credentials c = good(request);
  clock += 301;
  Verdict stale = check(request, format_credentials(c));
  EXPECT_EQ(stale.outcome, Outcome::kStaleNonce);
  auto r = response(request, stale);
  EXPECT_EQ(r.status_code(), 401);
  auto challenge =
      parse_challenge(*r.get(message::HeaderId::kWwwAuthenticate)->as<message::Auth>());
  ASSERT_TRUE(challenge);
  EXPECT_TRUE(challenge.value->stale);
  // A wrong digest with an expired nonce is a wrong password, never stale.
  Credentials bad = c;
  sign(bad, request, "guess");
  EXPECT_EQ(check(request, format_credentials(bad)).outcome, Outcome::kWrongPassword);
  // A nonce we never made, with a right digest: stale (another run's).
  Credentials forged = good(request);
  forged.nonce = std::string(64, 'a');
  sign(forged, request, "secret");
  EXPECT_EQ(check(request, format_credentials(forged)).outcome, Outcome::kStaleNonce);
}

TEST_F(Verdicts, MalformedIs400) {
  auto request = make_request();
  Credentials c = good(request);
  std::string header = format_credentials(c);
  const std::string no_response =
      header.substr(0, header.find(", response=")) + header.substr(header.find(", algorithm="));
  Verdict v = check(request, no_response);
  EXPECT_EQ(v.outcome, Outcome::kMalformed);
  EXPECT_EQ(response(request, v).status_code(), 400);
  EXPECT_EQ(check(request, header + ", nonce=\"x\"").outcome, Outcome::kMalformed);
  // Two credentials for the realm.
  auto twice = request.clone();
  ASSERT_TRUE(twice.put(message::HeaderId::kAuthorization, header));
  ASSERT_TRUE(twice.put_back(message::HeaderId::kAuthorization, header));
  EXPECT_EQ(server->verify(twice).outcome, Outcome::kMalformed);
}

TEST_F(Verdicts, UnsupportedAlgorithmIsChallenged) {
  auto request = make_request();
  ServerOptions o = make_options();
  o.algorithms = {Algorithm::kSha256};
  server = std::make_unique<Server>(o, users);
  Verdict v = check(request, format_credentials(good(request, Algorithm::kMd5)));
  EXPECT_EQ(v.outcome, Outcome::kUnsupportedAlgorithm);
  EXPECT_EQ(response(request, v).status_code(), 401);
  Verdict sha1 = check(request,
                       "Digest username=\"alice\", realm=\"example.com\", nonce=\"n\", "
                       "uri=\"sip:example.com\", response=\"00\", algorithm=SHA-1");
  EXPECT_EQ(sha1.outcome, Outcome::kUnsupportedAlgorithm);
}

TEST_F(Verdicts, RealmMismatchIsChallenged) {
  auto request = make_request();
  Credentials c = good(request);
  c.realm = "elsewhere.org";
  Verdict v = check(request, format_credentials(c));
  EXPECT_EQ(v.outcome, Outcome::kRealmMismatch);
  auto r = response(request, v);
  EXPECT_EQ(r.status_code(), 401);
  EXPECT_EQ(r.count(message::HeaderId::kWwwAuthenticate), 2u);
}

TEST_F(Verdicts, NoQopOnlyWhenAccepted) {
  auto request = make_request();
  Credentials c = good(request);
  c.qop = Qop::kNone;
  c.nc = 0;
  c.nc_text.clear();
  c.cnonce.clear();
  sign(c, request, "secret");
  EXPECT_EQ(check(request, format_credentials(c)).outcome, Outcome::kOk);
  ServerOptions o = make_options();
  o.accept_no_qop = false;
  server = std::make_unique<Server>(o, users);
  c.nonce = server->make_nonce();
  sign(c, request, "secret");
  EXPECT_EQ(check(request, format_credentials(c)).outcome, Outcome::kMalformed);
}

TEST_F(Verdicts, FailuresPerSourceAreLimitedWithoutHashing) {
  auto request = make_request();
  const std::string wrong = format_credentials(good(request, Algorithm::kSha256, "guess"));
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(check(request, wrong, "192.0.2.66").outcome, Outcome::kWrongPassword);
  // The limit is reached: even the right password is refused (403)...
  Verdict limited = check(request, format_credentials(good(request)), "192.0.2.66");
  EXPECT_EQ(limited.outcome, Outcome::kRateLimited);
  EXPECT_EQ(limited.status(), 403);
  // ...while another source is served,
  EXPECT_EQ(check(request, format_credentials(good(request)), "192.0.2.10").outcome, Outcome::kOk);
  // and after the window the source is served again.
  clock += 60;
  EXPECT_EQ(check(request, format_credentials(good(request)), "192.0.2.66").outcome, Outcome::kOk);
}

TEST_F(Verdicts, MemoryUsersKeepsHa1NotPasswords) {
  MemoryUsers u;
  u.add_password("bob", "example.com", "pw");
  EXPECT_EQ(u.ha1("bob", "example.com", Algorithm::kMd5Sess),
            compute_ha1(Algorithm::kMd5, "bob", "example.com", "pw"));
  EXPECT_EQ(u.ha1("bob", "example.com", Algorithm::kSha512_256),
            compute_ha1(Algorithm::kSha512_256, "bob", "example.com", "pw"));
  EXPECT_FALSE(u.ha1("bob", "other", Algorithm::kMd5));
  u.add_ha1("carol", "example.com", Algorithm::kSha256, "AB12");
  EXPECT_EQ(u.ha1("carol", "example.com", Algorithm::kSha256), "ab12");
  EXPECT_FALSE(u.ha1("carol", "example.com", Algorithm::kMd5));
  EXPECT_EQ(u.user_of_hash(compute_userhash(Algorithm::kSha256, "bob", "example.com"),
                           "example.com", Algorithm::kSha256Sess),
            "bob");
}

}  // namespace
}  // namespace sippet::auth
