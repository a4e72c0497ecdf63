// Digest challenge and credentials parameters: what is read, what is
// refused (missing fields, duplicates, bad values, huge values), and
// writing then reading gives the same values.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth_support.hpp"
#include "sippet/auth/header.hpp"

namespace sippet::auth {
namespace {

using test::HeaderHolder;

Parsed<Credentials> credentials(const std::string& text) {
  HeaderHolder h(message::HeaderId::kAuthorization, text);
  EXPECT_TRUE(h.ok) << text;
  if (!h.ok) return {};
  return parse_credentials(*h.auth);
}

Parsed<Challenge> challenge(const std::string& text) {
  HeaderHolder h(message::HeaderId::kWwwAuthenticate, text);
  EXPECT_TRUE(h.ok) << text;
  if (!h.ok) return {};
  return parse_challenge(*h.auth);
}

const std::string kMd5 = std::string(32, 'a');
const std::string kBase = "Digest username=\"alice\", realm=\"r\", nonce=\"n\", uri=\"sip:r\"";

TEST(Header, CredentialsFields) {
  auto c = credentials(kBase + ", response=\"" + std::string(32, 'A') +
                       "\", qop=auth, nc=0000001F, cnonce=\"c\", opaque=\"o\", x-unknown=1");
  ASSERT_TRUE(c) << c.reason;
  EXPECT_EQ(c.value->username, "alice");
  EXPECT_EQ(c.value->response, kMd5);  // lower-cased
  EXPECT_EQ(c.value->nc, 31u);
  EXPECT_EQ(c.value->nc_text, "0000001F");  // hashed as written
  EXPECT_EQ(c.value->opaque, "o");
  EXPECT_FALSE(c.value->algorithm_given);
}

TEST(Header, CredentialsRefused) {
  struct Case {
    std::string text;
    HeaderError error;
  } cases[] = {
      {"Digest realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" + kMd5 + "\"",
       HeaderError::kMalformed},                                // no username
      {kBase, HeaderError::kMalformed},                         // no response
      {kBase + ", response=\"abc\"", HeaderError::kMalformed},  // short response
      {kBase + ", response=\"" + std::string(32, 'g') + "\"", HeaderError::kMalformed},  // not hex
      {kBase + ", response=\"" + kMd5 + "\", algorithm=SHA-256", HeaderError::kMalformed},
      {kBase + ", response=\"" + kMd5 + "\", username=\"bob\"", HeaderError::kMalformed},
      {kBase + ", response=\"" + kMd5 + "\", qop=auth", HeaderError::kMalformed},  // no cnonce
      {kBase + ", response=\"" + kMd5 + "\", qop=auth, cnonce=\"c\", nc=1",
       HeaderError::kMalformed},  // nc not 8 digits
      {kBase + ", response=\"" + kMd5 + "\", qop=auth, cnonce=\"c\", nc=0000000g",
       HeaderError::kMalformed},
      {kBase + ", response=\"" + kMd5 + "\", qop=auth, cnonce=\"c\", nc=00000000",
       HeaderError::kMalformed},
      {kBase + ", response=\"" + kMd5 + "\", qop=auth-conf, cnonce=\"c\", nc=00000001",
       HeaderError::kMalformed},
      {kBase + ", response=\"" + kMd5 + "\", nc=00000001", HeaderError::kMalformed},  // no qop
      {kBase + ", response=\"" + kMd5 + "\", userhash=maybe", HeaderError::kMalformed},
      {kBase + ", response=\"" + kMd5 + "\", username*=UTF-8''a", HeaderError::kMalformed},
      {kBase + ", response=\"" + kMd5 + "\", realm", HeaderError::kMalformed},
      {kBase + ", response=\"" + kMd5 + "\", algorithm=SHA-1", HeaderError::kUnsupported},
      {"Basic YWxpY2U6c2VjcmV0", HeaderError::kNotDigest},
      {"Digest username=\"" + std::string(2000, 'u') +
           "\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" + kMd5 + "\"",
       HeaderError::kMalformed},
      {"Digest username=\"\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" + kMd5 + "\"",
       HeaderError::kMalformed},
  };
  for (const Case& k : cases) {
    auto c = credentials(k.text);
    EXPECT_FALSE(c) << k.text;
    EXPECT_EQ(c.error, k.error) << k.text << ": " << c.reason;
  }
}

TEST(Header, MessageLayerRefusesBadQuotingAndShapes) {
  for (std::string text :
       {"Digest username=\"alice, realm=\"r\"", "Digest username=\"a\" realm=\"r\"", "Digest ,",
        "Digest username=", "Digest realm=\"r\",, nonce=\"n\""}) {
    HeaderHolder h(message::HeaderId::kAuthorization, text);
    EXPECT_FALSE(h.ok) << text;
  }
}

TEST(Header, ChallengeFields) {
  auto c = challenge(
      "Digest realm=\"example.com\", nonce=\"abc\", opaque=\"o\", domain=\"sip:example.com\", "
      "algorithm=sha-256-SESS, qop=\"auth-int, auth, token\", stale=TRUE, userhash=false, "
      "charset=UTF-8");
  ASSERT_TRUE(c) << c.reason;
  EXPECT_EQ(c.value->algorithm, Algorithm::kSha256Sess);
  EXPECT_TRUE(c.value->qop_auth && c.value->qop_auth_int);
  EXPECT_TRUE(c.value->stale);
  EXPECT_FALSE(c.value->userhash);
  EXPECT_EQ(c.value->domain, "sip:example.com");
  auto plain = challenge("Digest realm=\"r\", nonce=\"n\"");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain.value->algorithm, Algorithm::kMd5);  // §3.3: MD5 when absent
  EXPECT_FALSE(plain.value->qop_auth || plain.value->qop_auth_int);
}

TEST(Header, ChallengeRefused) {
  for (std::string text : std::vector<std::string>{
           "Digest nonce=\"n\"",                                       // no realm
           "Digest realm=\"r\"",                                       // no nonce
           "Digest realm=\"r\", nonce=\"\"",                           // empty nonce
           "Digest realm=\"r\", nonce=\"n\", realm=\"s\"",             // duplicate
           "Digest realm=\"r\", nonce=\"n\", stale=yes",               // not a boolean
           "Digest realm=\"r\", nonce=\"n\", qop=\"auth,,auth-int\"",  // empty option
           "Digest realm=\"r\", nonce=\"" + std::string(5000, 'n') + "\"",
       }) {
    auto c = challenge(text);
    EXPECT_FALSE(c) << text;
    EXPECT_EQ(c.error, HeaderError::kMalformed) << text;
  }
  EXPECT_EQ(challenge("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-1").error,
            HeaderError::kUnsupported);
  EXPECT_EQ(challenge("Bearer realm=\"r\"").error, HeaderError::kNotDigest);
}

TEST(Header, WriteThenReadGivesTheSameValues) {
  Challenge c;
  c.realm = "a \"quoted\" realm\\";
  c.nonce = "n+/=";
  c.opaque = "op";
  c.algorithm = Algorithm::kSha512_256Sess;
  c.algorithm_given = true;
  c.qop_auth = c.qop_auth_int = c.stale = c.userhash = true;
  auto back = challenge(format_challenge(c));
  ASSERT_TRUE(back) << back.reason;
  EXPECT_EQ(back.value->realm, c.realm);
  EXPECT_EQ(back.value->nonce, c.nonce);
  EXPECT_EQ(back.value->opaque, c.opaque);
  EXPECT_EQ(back.value->algorithm, c.algorithm);
  EXPECT_TRUE(back.value->qop_auth && back.value->qop_auth_int && back.value->stale &&
              back.value->userhash);

  Credentials k;
  k.username = "al\"ice";
  k.realm = "r";
  k.nonce = "n";
  k.uri = "sip:bob@example.com;transport=udp";
  k.response = std::string(64, 'b');
  k.algorithm = Algorithm::kSha256;
  k.qop = Qop::kAuthInt;
  k.nc = 0x1234abcd;
  k.cnonce = "cn";
  k.opaque = "op";
  k.userhash = true;
  EXPECT_EQ(format_nc(k.nc), "1234abcd");
  auto again = credentials(format_credentials(k));
  ASSERT_TRUE(again) << again.reason;
  EXPECT_EQ(again.value->username, k.username);
  EXPECT_EQ(again.value->uri, k.uri);
  EXPECT_EQ(again.value->response, k.response);
  EXPECT_EQ(again.value->algorithm, k.algorithm);
  EXPECT_EQ(again.value->qop, k.qop);
  EXPECT_EQ(again.value->nc, k.nc);
  EXPECT_EQ(again.value->cnonce, k.cnonce);
  EXPECT_EQ(again.value->opaque, k.opaque);
  EXPECT_TRUE(again.value->userhash);
}

TEST(Header, Algorithms) {
  for (Algorithm a : kAllAlgorithms) {
    EXPECT_EQ(parse_algorithm(to_string(a)), a);
    EXPECT_EQ(base_of(a) == a, !is_session(a));
  }
  EXPECT_EQ(parse_algorithm("md5-SESS"), Algorithm::kMd5Sess);
  EXPECT_FALSE(parse_algorithm("SHA-512"));
  EXPECT_EQ(hash_hex(Algorithm::kSha256, "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // FIPS 180-2
  EXPECT_EQ(hash_hex(Algorithm::kSha512_256, "abc"),
            "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");    // FIPS 180-4
  EXPECT_EQ(hash_hex(Algorithm::kMd5, "abc"), "900150983cd24fb0d6963f7d28e17f72");  // RFC 1321
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_EQ(random_hex(16).size(), 32u);
  EXPECT_NE(random_hex(16), random_hex(16));
}

}  // namespace
}  // namespace sippet::auth
