// Interoperation with an independent Digest implementation: sofia-sip's
// auth_digest (libsofia-sip-ua), MD5 and MD5-sess with qop auth, auth-int
// and none. sofia-sip reads our challenges and computes the answer our
// server must accept; it also checks the answers our client writes.
#include <gtest/gtest.h>
#include <sofia-sip/auth_digest.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_alloc.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "../auth_support.hpp"
#include "sippet/auth.hpp"
#include "sippet/message/parser.hpp"

namespace sippet::auth {
namespace {

using test::make_request;

struct Home {
  su_home_t home[1] = {};
  Home() { su_home_init(home); }
  ~Home() { su_home_deinit(home); }
};

struct Case {
  Algorithm algorithm;
  Qop qop;
};

std::string name_of(const Case& k) {
  return std::string(to_string(k.algorithm)) + " qop=" + std::string(to_string(k.qop));
}

const Case kCases[] = {
    {Algorithm::kMd5, Qop::kNone},        {Algorithm::kMd5, Qop::kAuth},
    {Algorithm::kMd5, Qop::kAuthInt},     {Algorithm::kMd5Sess, Qop::kAuth},
    {Algorithm::kMd5Sess, Qop::kAuthInt},
};

constexpr const char* kBody = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\n";

class SofiaDigest : public ::testing::Test {
 protected:
  std::int64_t clock = 1'700'000'000;
  std::shared_ptr<MemoryUsers> users = std::make_shared<MemoryUsers>();
  SofiaDigest() { users->add_password("alice", "example.com", "Circle Of Life"); }

  std::unique_ptr<Server> make_server(const Case& k) {
    ServerOptions o;
    o.realm = "example.com";
    o.algorithms = {k.algorithm};
    o.qop_auth = k.qop == Qop::kAuth;
    o.qop_auth_int = k.qop == Qop::kAuthInt;
    o.now = [this] { return clock; };
    return std::make_unique<Server>(o, users);
  }
};

// sofia-sip answers our server's challenge; our server accepts the answer.
TEST_F(SofiaDigest, SofiaAnswersOurChallenge) {
  for (const Case& k : kCases) {
    SCOPED_TRACE(name_of(k));
    auto server = make_server(k);
    const std::string challenge = server->challenges().front();
    Home home;
    sip_www_authenticate_t* www = sip_www_authenticate_make(home.home, challenge.c_str());
    ASSERT_NE(www, nullptr) << challenge;
    EXPECT_STREQ(www->au_scheme, "Digest");
    auth_challenge_t ac[1] = {};
    ac->ac_size = sizeof ac[0];
    ASSERT_GE(auth_digest_challenge_get(home.home, ac, www->au_params), 0) << challenge;
    EXPECT_STREQ(ac->ac_realm, "example.com");
    EXPECT_EQ(ac->ac_md5sess != 0, k.algorithm == Algorithm::kMd5Sess);
    EXPECT_EQ(ac->ac_auth != 0, k.qop == Qop::kAuth);
    EXPECT_EQ(ac->ac_auth_int != 0, k.qop == Qop::kAuthInt);

    // sofia-sip's client computation (as nua's auth_client does).
    const std::string nonce(ac->ac_nonce);
    EXPECT_EQ(nonce.size(), 64u);
    auth_response_t ar[1] = {};
    ar->ar_size = sizeof ar[0];
    ar->ar_username = "alice";
    ar->ar_realm = "example.com";
    ar->ar_nonce = nonce.c_str();
    ar->ar_uri = "sip:bob@example.com";
    ar->ar_cnonce = "0a4f113b";
    ar->ar_nc = "00000001";
    ar->ar_md5 = k.algorithm == Algorithm::kMd5;
    ar->ar_md5sess = k.algorithm == Algorithm::kMd5Sess;
    ar->ar_algorithm = k.algorithm == Algorithm::kMd5Sess ? "MD5-sess" : "MD5";
    ar->ar_qop = k.qop == Qop::kNone ? nullptr : (k.qop == Qop::kAuth ? "auth" : "auth-int");
    ar->ar_auth = k.qop == Qop::kAuth;
    ar->ar_auth_int = k.qop == Qop::kAuthInt;
    auth_hexmd5_t ha1, response;
    ASSERT_EQ(auth_digest_sessionkey(ar, ha1, "Circle Of Life"), 0);
    ASSERT_EQ(auth_digest_response(ar, response, ha1, "INVITE", kBody, std::strlen(kBody)), 0);

    std::string header = "Digest username=\"alice\", realm=\"example.com\", nonce=\"" + nonce +
                         "\", uri=\"sip:bob@example.com\", response=\"" + response +
                         "\", algorithm=" + ar->ar_algorithm;
    if (k.qop != Qop::kNone)
      header += std::string(", qop=") + ar->ar_qop + ", nc=00000001, cnonce=\"0a4f113b\"";
    auto request = make_request("INVITE", "sip:bob@example.com", kBody);
    ASSERT_TRUE(request.put(message::HeaderId::kAuthorization, header));
    auto received = message::parse_message(request.to_string()).value();
    Verdict v = server->verify(received);
    EXPECT_EQ(v.outcome, Outcome::kOk) << to_string(v.outcome) << " " << v.reason;
  }
}

// Our client answers; sofia-sip reads the Authorization and finds the same
// response from the password.
TEST_F(SofiaDigest, SofiaChecksOurAnswer) {
  for (const Case& k : kCases) {
    SCOPED_TRACE(name_of(k));
    auto server = make_server(k);
    Client client([](std::string_view) -> std::optional<UserSecret> {
      UserSecret s;
      s.username = "alice";
      s.password = "Circle Of Life";
      return s;
    });
    auto request = make_request("INVITE", "sip:bob@example.com", kBody);
    auto challenge = server->respond(request, server->verify(request));
    ASSERT_TRUE(challenge);
    auto answered = client.answer(request, *challenge);
    ASSERT_TRUE(answered);
    const std::string wire = answered.request().to_string();
    auto received = message::parse_message(wire).value();
    const std::string value(received.get(message::HeaderId::kAuthorization)->value);

    Home home;
    sip_authorization_t* authorization = sip_authorization_make(home.home, value.c_str());
    ASSERT_NE(authorization, nullptr) << value;
    auth_response_t ar[1] = {};
    ar->ar_size = sizeof ar[0];
    ASSERT_GE(auth_digest_response_get(home.home, ar, authorization->au_params), 0) << value;
    EXPECT_STREQ(ar->ar_username, "alice");
    EXPECT_STREQ(ar->ar_uri, "sip:bob@example.com");
    EXPECT_EQ(ar->ar_md5sess != 0, k.algorithm == Algorithm::kMd5Sess);
    auth_hexmd5_t ha1, expected;
    ASSERT_EQ(auth_digest_sessionkey(ar, ha1, "Circle Of Life"), 0);
    ASSERT_EQ(auth_digest_response(ar, expected, ha1, "INVITE", kBody, std::strlen(kBody)), 0);
    EXPECT_STREQ(ar->ar_response, expected) << value;
    EXPECT_EQ(server->verify(received).outcome, Outcome::kOk);
  }
}

}  // namespace
}  // namespace sippet::auth
