// URI parsing (RFC 3261 §19.1, §25.1; RFC 3966) and comparison (§19.1.4).
#include <gtest/gtest.h>

#include <string>

#include "sippet/message/uri.hpp"

namespace sippet::message {
namespace {

Uri must_parse(std::string_view text) {
  auto r = parse_uri(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().reason);
  return r.ok() ? *r : Uri{};
}

TEST(UriParse, FullSipUri) {
  Uri u = must_parse("sip:alice:secret@atlanta.com:5070;transport=tcp;lr?subject=project&x=1");
  EXPECT_EQ(u.scheme, UriScheme::kSip);
  EXPECT_EQ(u.scheme_text, "sip");
  EXPECT_TRUE(u.has_user);
  EXPECT_EQ(u.user, "alice");
  EXPECT_TRUE(u.has_password);
  EXPECT_EQ(u.password, "secret");
  EXPECT_EQ(u.host, "atlanta.com");
  EXPECT_EQ(u.host_type, HostType::kName);
  EXPECT_TRUE(u.has_port);
  EXPECT_EQ(u.port, 5070);
  EXPECT_EQ(u.params.raw(), "transport=tcp;lr");
  EXPECT_EQ(u.params.get("transport"), "tcp");
  EXPECT_TRUE(u.params.has("lr"));
  EXPECT_EQ(u.headers, "subject=project&x=1");
  EXPECT_EQ(u.text, "sip:alice:secret@atlanta.com:5070;transport=tcp;lr?subject=project&x=1");
}

TEST(UriParse, MinimalAndCaseInsensitiveScheme) {
  Uri u = must_parse("SIPS:example.com");
  EXPECT_EQ(u.scheme, UriScheme::kSips);
  EXPECT_EQ(u.scheme_text, "SIPS");
  EXPECT_FALSE(u.has_user);
  EXPECT_FALSE(u.has_port);
  EXPECT_EQ(u.host, "example.com");
  EXPECT_TRUE(u.params.empty());
  EXPECT_EQ(u.port_or_default(), 5061);
  EXPECT_EQ(u.transport(), "tls");
}

TEST(UriParse, HostTypes) {
  Uri v4 = must_parse("sip:192.0.2.1:5060");
  EXPECT_EQ(v4.host_type, HostType::kIPv4);
  EXPECT_EQ(v4.host, "192.0.2.1");
  Uri v6 = must_parse("sip:alice@[2001:db8::1]:5061;transport=tls");
  EXPECT_EQ(v6.host_type, HostType::kIPv6);
  EXPECT_EQ(v6.host, "[2001:db8::1]");
  EXPECT_EQ(v6.port, 5061);
  Uri mapped = must_parse("sip:[::ffff:192.0.2.1]");
  EXPECT_EQ(mapped.host_type, HostType::kIPv6);
  Uri dotted = must_parse("sip:example.com.");
  EXPECT_EQ(dotted.host, "example.com.");
  EXPECT_EQ(dotted.host_type, HostType::kName);
}

TEST(UriParse, UserPartMayHoldSemicolonsAndEscapes) {
  // RFC 4475 §3.1.1.9 (semiuri) and §3.1.1.3 (esc01).
  Uri u = must_parse("sip:user;par=u%40example.net@example.com");
  EXPECT_EQ(u.user, "user;par=u%40example.net");
  EXPECT_EQ(u.host, "example.com");
  EXPECT_TRUE(u.params.empty());
  Uri e = must_parse("sip:sips%3Auser%40example.com@example.net");
  EXPECT_EQ(e.user, "sips%3Auser%40example.com");
  EXPECT_EQ(unescape(e.user), "sips:user@example.com");
}

TEST(UriParse, UnusualButLegalUserAndPassword) {
  // RFC 4475 §3.1.1.2 (intmeth) Request-URI.
  Uri u = must_parse(
      "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/"
      ";;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"
      "@example.com");
  EXPECT_EQ(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  EXPECT_EQ(u.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  EXPECT_EQ(u.host, "example.com");
}

TEST(UriParse, TelUri) {
  Uri g = must_parse("tel:+1-201-555-0123;ext=1234");
  EXPECT_EQ(g.scheme, UriScheme::kTel);
  EXPECT_EQ(g.user, "+1-201-555-0123");
  EXPECT_EQ(g.params.get("ext"), "1234");
  Uri l = must_parse("tel:7042;phone-context=example.com");
  EXPECT_EQ(l.user, "7042");
  EXPECT_EQ(l.params.get("phone-context"), "example.com");
  EXPECT_FALSE(parse_uri("tel:").ok());
  EXPECT_FALSE(parse_uri("tel:+").ok());
  EXPECT_FALSE(parse_uri("tel:+1 555").ok());
}

TEST(UriParse, OtherSchemesAreOpaque) {
  Uri u = must_parse("soap.beep://192.0.2.103:3002");
  EXPECT_EQ(u.scheme, UriScheme::kOther);
  EXPECT_EQ(u.scheme_text, "soap.beep");
  EXPECT_EQ(u.opaque, "//192.0.2.103:3002");
  EXPECT_EQ(must_parse("isbn:2983792873").opaque, "2983792873");
  EXPECT_EQ(must_parse("http://www.example.com/a?b=c").opaque, "//www.example.com/a?b=c");
  EXPECT_FALSE(parse_uri("urn:").ok());
  EXPECT_FALSE(parse_uri("urn:a b").ok());
  EXPECT_FALSE(parse_uri("urn:a%zz").ok());
}

TEST(UriParse, Rejects) {
  const char* bad[] = {
      "",                              // empty
      "sip",                           // no colon
      "1sip:host",                     // scheme must start with a letter
      "<sip:host>",                    // brackets are not part of the URI
      "sip:",                          // no host
      "sip:user@",                     // no host
      "sip:@host",                     // empty user
      "sip:host:",                     // empty port
      "sip:host:65536",                // port out of range
      "sip:host:5060x",                // junk after the port
      "sip:user@host; lr",             // whitespace
      "sip:us er@host",                // whitespace in user
      "sip:user@host;",                // empty parameter
      "sip:user@host;=x",              // empty parameter name
      "sip:user@host;a=",              // empty parameter value
      "sip:user@host?",                // empty header
      "sip:user@host?a",               // header without '='
      "sip:%zzuser@host",              // bad escape
      "sip:user@host;a=%4",            // truncated escape
      "sip:user@-host.com",            // label starting with '-'
      "sip:user@host-.com",            // label ending with '-'
      "sip:user@a..com",               // empty label
      "sip:user@example.123",          // top label must start with a letter
      "sip:user@192.0.2.256",          // not IPv4, not a host name
      "sip:user@[::1",                 // unterminated IPv6 reference
      "sip:user@[1:2:3:4:5:6:7:8:9]",  // too many groups
      "sip:user@[1::2::3]",            // two '::'
      "sip:user@[12345::1]",           // group too long
      "sip:user:pa:ss@host",           // ':' in the password
  };
  for (const char* text : bad) {
    auto r = parse_uri(text);
    EXPECT_FALSE(r.ok()) << text;
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind, ErrorKind::kMalformedUri) << text;
      EXPECT_LE(r.error().offset, std::string_view(text).size()) << text;
    }
  }
}

TEST(UriParse, ErrorOffsetPointsAtTheFault) {
  auto r = parse_uri("sip:alice@atlanta.com:99999");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().offset, 22u);
  EXPECT_NE(r.error().reason.find("offset 22"), std::string::npos) << r.error().reason;
  auto s = parse_uri("sip:alice@atlanta.com;lr ");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().offset, 24u);
}

TEST(UriDefaults, PortAndTransport) {
  EXPECT_EQ(must_parse("sip:a.com").port_or_default(), 5060);
  EXPECT_EQ(must_parse("sip:a.com:5080").port_or_default(), 5080);
  EXPECT_EQ(must_parse("sips:a.com").port_or_default(), 5061);
  EXPECT_EQ(must_parse("sip:a.com").transport(), "udp");
  EXPECT_EQ(must_parse("sip:a.com;transport=TCP").transport(), "tcp");
  EXPECT_EQ(must_parse("sip:a.com;Transport=%54ls").transport(), "tls");
}

TEST(UriUnescape, ResolvesEscapesAndKeepsNul) {
  EXPECT_EQ(unescape("a%20b"), "a b");
  EXPECT_EQ(unescape("%41%6c%49"), "AlI");
  EXPECT_EQ(unescape("null-%00-null"), std::string("null-\0-null", 11));
  EXPECT_EQ(unescape("100%"), "100%");
  EXPECT_EQ(unescape("%zz"), "%zz");
}

TEST(UriToString, RoundTripsAndRebuildsFromComponents) {
  const char* texts[] = {"sip:alice:pw@atlanta.com:5070;transport=tcp?x=1",
                         "sips:[2001:db8::1]:5061", "tel:+1-201-555-0123;ext=1", "urn:service:sos",
                         "sip:a%20b@h"};
  for (const char* t : texts)
    EXPECT_EQ(to_string(must_parse(t)), t);
  Uri u = must_parse("sip:bob@biloxi.com");
  u.host = "example.org";
  u.port = 5062;
  u.has_port = true;
  EXPECT_EQ(to_string(u), "sip:bob@example.org:5062");
  std::string out = "<";
  append_uri(out, u);
  out += ">";
  EXPECT_EQ(out, "<sip:bob@example.org:5062>");
}

// RFC 3261 §19.1.4: the examples of equivalent URIs.
TEST(UriEqual, Rfc3261EquivalentExamples) {
  const std::pair<const char*, const char*> equal[] = {
      {"sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"},
      {"sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"},
      {"sip:carol@chicago.com", "sip:carol@chicago.com;security=on"},
      {"sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"},
      {"sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
       "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"},
      {"sip:alice@atlanta.com?subject=project%20x&priority=urgent",
       "sip:alice@atlanta.com?priority=urgent&subject=project%20x"},
  };
  for (const auto& [a, b] : equal) {
    EXPECT_TRUE(uri_equal(must_parse(a), must_parse(b))) << a << " vs " << b;
    EXPECT_TRUE(uri_equal(must_parse(b), must_parse(a))) << b << " vs " << a;
  }
}

// RFC 3261 §19.1.4: the examples of URIs that are not equivalent.
TEST(UriEqual, Rfc3261NotEquivalentExamples) {
  const std::pair<const char*, const char*> different[] = {
      {"SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"},
      {"sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"},
      {"sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"},
      {"sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"},
      {"sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"},
      {"sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"},
  };
  for (const auto& [a, b] : different) {
    EXPECT_FALSE(uri_equal(must_parse(a), must_parse(b))) << a << " vs " << b;
    EXPECT_FALSE(uri_equal(must_parse(b), must_parse(a))) << b << " vs " << a;
  }
}

TEST(UriEqual, OtherRules) {
  // sip and sips never match; passwords are compared; user/ttl/method/maddr
  // in one URI only never match; params in both must match.
  EXPECT_FALSE(uri_equal(must_parse("sip:a@h"), must_parse("sips:a@h")));
  EXPECT_FALSE(uri_equal(must_parse("sip:a:x@h"), must_parse("sip:a@h")));
  EXPECT_FALSE(uri_equal(must_parse("sip:a:x@h"), must_parse("sip:a:y@h")));
  EXPECT_FALSE(uri_equal(must_parse("sip:a@h;user=phone"), must_parse("sip:a@h")));
  EXPECT_FALSE(uri_equal(must_parse("sip:a@h;ttl=1"), must_parse("sip:a@h")));
  EXPECT_FALSE(uri_equal(must_parse("sip:a@h"), must_parse("sip:a@h;method=INVITE")));
  EXPECT_FALSE(uri_equal(must_parse("sip:a@h;maddr=239.0.0.1"), must_parse("sip:a@h")));
  EXPECT_FALSE(uri_equal(must_parse("sip:a@h;foo=1"), must_parse("sip:a@h;foo=2")));
  EXPECT_TRUE(uri_equal(must_parse("sip:a@h;foo=1;lr"), must_parse("sip:a@h;lr;FOO=1")));
  EXPECT_TRUE(uri_equal(must_parse("sip:a@h;%6C%72"), must_parse("sip:a@h;lr")));
  EXPECT_FALSE(uri_equal(must_parse("sip:a@h?x=1"), must_parse("sip:a@h?x=1&y=2")));
  EXPECT_TRUE(uri_equal(must_parse("sip:a@h?X=%31"), must_parse("sip:a@h?x=1")));
  EXPECT_FALSE(uri_equal(must_parse("sip:a@h?x=a"), must_parse("sip:a@h?x=A")));
  EXPECT_TRUE(
      uri_equal(must_parse("sip:%75se%72@example.com"), must_parse("sip:user@example.com")));
  EXPECT_FALSE(uri_equal(must_parse("sip:null-%00-null@h"), must_parse("sip:null--null@h")));
  EXPECT_TRUE(uri_equal(must_parse("sip:[2001:DB8::1]"), must_parse("sip:[2001:db8::1]")));
}

TEST(UriEqual, RepeatedParamsCompareByTheirFirstValue) {
  Uri twice = must_parse("sip:h;a=1;a=2");
  EXPECT_TRUE(uri_equal(twice, twice));
  EXPECT_TRUE(uri_equal(twice, must_parse("sip:h;a=1")));
  EXPECT_FALSE(uri_equal(twice, must_parse("sip:h;a=2")));
  EXPECT_TRUE(uri_equal(must_parse("tel:+1;a=1;a=2"), must_parse("tel:+1;a=1;a=2")));
}

TEST(UriEqual, TelAndOtherSchemes) {
  // RFC 3966 §4: visual separators are ignored, parameters compared in any order.
  EXPECT_TRUE(uri_equal(must_parse("tel:+1-201-555-0123"), must_parse("tel:+1(201)5550123")));
  EXPECT_FALSE(uri_equal(must_parse("tel:+12015550123"), must_parse("tel:+12015550124")));
  EXPECT_FALSE(uri_equal(must_parse("tel:+1234"), must_parse("tel:1234;phone-context=+1")));
  EXPECT_TRUE(uri_equal(must_parse("tel:1234;phone-context=example.com;ext=1"),
                        must_parse("tel:1234;ext=1;phone-context=EXAMPLE.com")));
  EXPECT_FALSE(uri_equal(must_parse("tel:+1234;ext=1"), must_parse("tel:+1234")));
  EXPECT_TRUE(uri_equal(must_parse("urn:service:sos"), must_parse("URN:service:sos")));
  EXPECT_FALSE(uri_equal(must_parse("urn:service:sos"), must_parse("urn:service:SOS")));
  EXPECT_FALSE(uri_equal(must_parse("tel:+1234"), must_parse("sip:+1234@h")));
}

}  // namespace
}  // namespace sippet::message
