// Typed header values (RFC 3261 §20, §25.1) through detail::parse_header_value,
// and header names (§7.3.3 compact forms).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "../../../src/message/header_parser.hpp"
#include "sippet/message/header_id.hpp"

namespace sippet::message {
namespace {

struct Parsed {
  std::unique_ptr<std::string> text;  // the fields point into it
  Result<void> result;
  std::vector<Field> fields;
};

Parsed parse(HeaderId id, std::string text, std::string_view name = {}) {
  Parsed p;
  p.text = std::make_unique<std::string>(std::move(text));
  if (name.empty()) name = canonical_name(id);
  p.result = detail::parse_header_value(id, name, *p.text, p.fields);
  return p;
}

void expect_error(HeaderId id, const std::string& text,
                  ErrorKind kind = ErrorKind::kMalformedHeader) {
  std::vector<Field> fields;
  auto r = detail::parse_header_value(id, canonical_name(id), text, fields);
  EXPECT_FALSE(r.ok()) << canonical_name(id) << ": " << text;
  if (!r.ok()) {
    EXPECT_EQ(r.error().kind, kind) << text << ": " << r.error().reason;
    EXPECT_EQ(r.error().status, 400);
    EXPECT_LE(r.error().offset, text.size());
  }
  EXPECT_TRUE(fields.empty()) << "failed parse must not leave fields: " << text;
}

TEST(HeaderNames, CanonicalNamesRoundTrip) {
  for (std::size_t i = 0; i + 1 < kHeaderIdCount; ++i) {
    auto id = static_cast<HeaderId>(i);
    std::string name(canonical_name(id));
    ASSERT_FALSE(name.empty());
    EXPECT_EQ(header_id_from_name(name), id) << name;
    std::string upper = name, lower = name;
    for (char& c : upper)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (char& c : lower)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(header_id_from_name(upper), id) << upper;
    EXPECT_EQ(header_id_from_name(lower), id) << lower;
  }
}

TEST(HeaderNames, CompactForms) {
  // RFC 3261 §7.3.3 and the IANA registry; untyped ones stay unknown.
  const std::pair<char, HeaderId> typed[] = {{'i', HeaderId::kCallId},
                                             {'m', HeaderId::kContact},
                                             {'e', HeaderId::kContentEncoding},
                                             {'l', HeaderId::kContentLength},
                                             {'c', HeaderId::kContentType},
                                             {'f', HeaderId::kFrom},
                                             {'s', HeaderId::kSubject},
                                             {'k', HeaderId::kSupported},
                                             {'t', HeaderId::kTo},
                                             {'v', HeaderId::kVia}};
  for (auto [c, id] : typed) {
    EXPECT_EQ(header_id_from_name(std::string(1, c)), id) << c;
    EXPECT_EQ(header_id_from_name(std::string(1, static_cast<char>(c - 32))), id) << c;
  }
  for (char c : std::string("abjoruxyz")) {
    EXPECT_EQ(header_id_from_name(std::string(1, c)), HeaderId::kUnknown) << c;
  }
}

TEST(HeaderNames, Unknown) {
  EXPECT_EQ(header_id_from_name(""), HeaderId::kUnknown);
  EXPECT_EQ(header_id_from_name("Vias"), HeaderId::kUnknown);
  EXPECT_EQ(header_id_from_name("Vi"), HeaderId::kUnknown);
  EXPECT_EQ(header_id_from_name("Content-Lengtx"), HeaderId::kUnknown);
  EXPECT_EQ(header_id_from_name("Content\rLength"), HeaderId::kUnknown);
  EXPECT_EQ(header_id_from_name("C%6Fntact"), HeaderId::kUnknown);
  EXPECT_EQ(header_id_from_name(std::string(100, 'x')), HeaderId::kUnknown);
  EXPECT_EQ(header_id_from_name("Call_ID"), HeaderId::kUnknown);
}

TEST(HeaderNames, NamesAndShapes) {
  EXPECT_EQ(canonical_name(HeaderId::kCallId), "Call-ID");
  EXPECT_EQ(canonical_name(HeaderId::kCSeq), "CSeq");
  EXPECT_EQ(canonical_name(HeaderId::kWwwAuthenticate), "WWW-Authenticate");
  EXPECT_EQ(canonical_name(HeaderId::kMimeVersion), "MIME-Version");
  EXPECT_EQ(snake_name(HeaderId::kCallId), "call_id");
  EXPECT_EQ(snake_name(HeaderId::kWwwAuthenticate), "www_authenticate");
  EXPECT_EQ(snake_name(HeaderId::kPAssertedIdentity), "p_asserted_identity");
  EXPECT_EQ(header_shape(HeaderId::kVia), HeaderShape::kList);
  EXPECT_EQ(header_shape(HeaderId::kContact), HeaderShape::kList);
  EXPECT_EQ(header_shape(HeaderId::kCallId), HeaderShape::kSingle);
  EXPECT_EQ(header_shape(HeaderId::kCSeq), HeaderShape::kSingle);
  EXPECT_EQ(header_shape(HeaderId::kAuthorization), HeaderShape::kOpaque);
  EXPECT_EQ(header_shape(HeaderId::kDate), HeaderShape::kOpaque);
  EXPECT_EQ(header_shape(HeaderId::kUnknown), HeaderShape::kOpaque);
}

TEST(ViaValue, AllParts) {
  auto p = parse(HeaderId::kVia, "SIP/2.0/UDP pc33.atlanta.com:5066;branch=z9hG4bK776asdhds;rport");
  ASSERT_TRUE(p.result.ok()) << p.result.error().reason;
  ASSERT_EQ(p.fields.size(), 1u);
  const Via* v = p.fields[0].as<Via>();
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->protocol_name, "SIP");
  EXPECT_EQ(v->protocol_version, "2.0");
  EXPECT_EQ(v->transport, "UDP");
  EXPECT_EQ(v->host, "pc33.atlanta.com");
  EXPECT_EQ(v->host_type, HostType::kName);
  EXPECT_TRUE(v->has_port);
  EXPECT_EQ(v->port, 5066);
  EXPECT_EQ(v->branch, "z9hG4bK776asdhds");
  EXPECT_EQ(v->params.raw(), "branch=z9hG4bK776asdhds;rport");
  EXPECT_TRUE(v->params.has("rport"));
  EXPECT_EQ(p.fields[0].id, HeaderId::kVia);
  EXPECT_EQ(p.fields[0].name, "Via");
}

TEST(ViaValue, ListAndLinearWhitespace) {
  // RFC 4475 wsinv: LWS around '/', before ';' and around '='.
  auto p =
      parse(HeaderId::kVia,
            "SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n"
            " SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239",
            "v");
  ASSERT_TRUE(p.result.ok()) << p.result.error().reason;
  ASSERT_EQ(p.fields.size(), 2u);
  const Via* a = p.fields[0].as<Via>();
  const Via* b = p.fields[1].as<Via>();
  EXPECT_EQ(a->transport, "TCP");
  EXPECT_EQ(a->host, "spindle.example.com");
  EXPECT_EQ(a->branch, "z9hG4bK9ikj8");
  EXPECT_FALSE(a->has_port);
  EXPECT_EQ(b->transport, "UDP");
  EXPECT_EQ(b->host, "192.168.255.111");
  EXPECT_EQ(b->host_type, HostType::kIPv4);
  EXPECT_EQ(b->branch, "z9hG4bK30239");
  EXPECT_EQ(p.fields[0].name, "v");
  EXPECT_EQ(p.fields[0].value,
            "SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8");
  EXPECT_EQ(p.fields[1].value,
            "SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239");
}

TEST(ViaValue, Ipv6UnknownTransportAndReceived) {
  auto p = parse(HeaderId::kVia,
                 "SIP/2.0/UNKNOWN [2001:db8::9:1]:5070;received=2001:db8::9:255;branch=z9hG4bKas");
  ASSERT_TRUE(p.result.ok()) << p.result.error().reason;
  const Via* v = p.fields[0].as<Via>();
  EXPECT_EQ(v->transport, "UNKNOWN");
  EXPECT_EQ(v->host, "[2001:db8::9:1]");
  EXPECT_EQ(v->host_type, HostType::kIPv6);
  EXPECT_EQ(v->port, 5070);
  EXPECT_EQ(v->params.get("received"), "2001:db8::9:255");
}

TEST(ViaValue, NoBranch) {
  auto p = parse(HeaderId::kVia, "SIP/2.0/UDP iftgw.example.com");
  ASSERT_TRUE(p.result.ok());
  EXPECT_EQ(p.fields[0].as<Via>()->branch, "");
  EXPECT_TRUE(p.fields[0].as<Via>()->params.empty());
}

TEST(ViaValue, Rejects) {
  expect_error(HeaderId::kVia, "");
  expect_error(HeaderId::kVia, "SIP/2.0/UDP");
  expect_error(HeaderId::kVia, "SIP/2.0 host");
  expect_error(HeaderId::kVia, "SIP/2.0/UDPhost");
  expect_error(HeaderId::kVia, "SIP/2.0/UDP host:");
  expect_error(HeaderId::kVia, "SIP/2.0/UDP host:70000");
  expect_error(HeaderId::kVia, "SIP/2.0/UDP 192.0.2.15;;,;,,");  // RFC 4475 badinv01
  expect_error(HeaderId::kVia, "SIP/2.0/UDP host;branch=");
  expect_error(HeaderId::kVia, "SIP/2.0/UDP host;branch=\"unterminated");
  expect_error(HeaderId::kVia, "SIP/2.0/UDP a.com, ");
  expect_error(HeaderId::kVia, "SIP/2.0/UDP a.com,, SIP/2.0/UDP b.com");
  expect_error(HeaderId::kVia, "SIP/2.0/UDP a.com x");
}

TEST(NameAddrValue, QuotedDisplayNameWithEscapes) {
  auto p = parse(HeaderId::kFrom, R"("J Rosenberg \\\"" <sip:jdrosen@example.com>;tag=98asjd8)");
  ASSERT_TRUE(p.result.ok()) << p.result.error().reason;
  const NameAddr* a = p.fields[0].as<NameAddr>();
  EXPECT_EQ(a->display_name, R"("J Rosenberg \\\"")");
  EXPECT_TRUE(a->angle_brackets);
  EXPECT_EQ(a->uri.user, "jdrosen");
  EXPECT_EQ(a->uri.host, "example.com");
  EXPECT_EQ(a->tag(), "98asjd8");
}

TEST(NameAddrValue, TokenDisplayNames) {
  auto p = parse(HeaderId::kFrom, "token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;tag=x");
  ASSERT_TRUE(p.result.ok()) << p.result.error().reason;
  EXPECT_EQ(p.fields[0].as<NameAddr>()->display_name, "token1~` token2'+_ token3*%!.-");
  auto q = parse(HeaderId::kFrom, "caller<sip:caller@example.com>;tag=323");  // lwsdisp
  ASSERT_TRUE(q.result.ok());
  EXPECT_EQ(q.fields[0].as<NameAddr>()->display_name, "caller");
  EXPECT_EQ(q.fields[0].as<NameAddr>()->tag(), "323");
}

TEST(NameAddrValue, AddrSpecParamsBelongToTheHeader) {
  // §20.10: without <>, params after the URI are header params.
  auto p = parse(HeaderId::kContact, "sip:+19725552222@gw1.example.net;unknownparam");
  ASSERT_TRUE(p.result.ok());
  const NameAddr* a = p.fields[0].as<NameAddr>();
  EXPECT_FALSE(a->angle_brackets);
  EXPECT_TRUE(a->uri.params.empty());
  EXPECT_EQ(a->params.raw(), "unknownparam");
  EXPECT_EQ(a->uri.text, "sip:+19725552222@gw1.example.net");
  // Inside <> they are URI params.
  auto q = parse(HeaderId::kContact, "<sip:+19725552222@gw1.example.net;unknownparam>");
  ASSERT_TRUE(q.result.ok());
  EXPECT_EQ(q.fields[0].as<NameAddr>()->uri.params.raw(), "unknownparam");
  EXPECT_TRUE(q.fields[0].as<NameAddr>()->params.empty());
  // wsinv's To.
  auto t = parse(HeaderId::kTo, "sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n");
  ASSERT_TRUE(t.result.ok()) << t.result.error().reason;
  EXPECT_EQ(t.fields[0].as<NameAddr>()->tag(), "1918181833n");
}

TEST(NameAddrValue, ContactListsAndStar) {
  auto p =
      parse(HeaderId::kContact,
            R"("Mr. Watson, Thomas" <sip:watson@worcester.bell-telephone.com>;q=0.7;expires=3600, )"
            R"(<mailto:watson@bell-telephone.com> ;q=0.1)");
  ASSERT_TRUE(p.result.ok()) << p.result.error().reason;
  ASSERT_EQ(p.fields.size(), 2u);
  EXPECT_EQ(p.fields[0].as<NameAddr>()->display_name, R"("Mr. Watson, Thomas")");
  EXPECT_EQ(p.fields[0].as<NameAddr>()->params.get("expires"), "3600");
  EXPECT_EQ(p.fields[1].as<NameAddr>()->uri.scheme, UriScheme::kOther);
  EXPECT_EQ(p.fields[1].as<NameAddr>()->params.get("q"), "0.1");
  EXPECT_EQ(p.fields[1].value, "<mailto:watson@bell-telephone.com> ;q=0.1");
  auto star = parse(HeaderId::kContact, "*");
  ASSERT_TRUE(star.result.ok());
  ASSERT_EQ(star.fields.size(), 1u);
  EXPECT_NE(star.fields[0].as<Star>(), nullptr);
  EXPECT_EQ(star.fields[0].value, "*");
}

TEST(NameAddrValue, RouteListsNeedBrackets) {
  auto p = parse(HeaderId::kRecordRoute, "<sip:p1.example.com;lr>, <sip:p2.example.com;lr>");
  ASSERT_TRUE(p.result.ok());
  ASSERT_EQ(p.fields.size(), 2u);
  EXPECT_EQ(p.fields[1].as<NameAddr>()->uri.host, "p2.example.com");
  EXPECT_TRUE(p.fields[1].as<NameAddr>()->uri.params.has("lr"));
  expect_error(HeaderId::kRoute, "sip:p1.example.com;lr");
}

TEST(NameAddrValue, Rejects) {
  expect_error(HeaderId::kTo, "\"Mr. J. User <sip:j.user@example.com>");  // quotbal
  expect_error(HeaderId::kTo, "\"Watson, Thomas\" < sip:t.watson@example.org >",
               ErrorKind::kMalformedUri);                                              // badaspec
  expect_error(HeaderId::kFrom, "Bell, Alexander <sip:a.g.bell@example.com>;tag=43");  // baddn
  expect_error(HeaderId::kContact, "sip:user@example.com?Route=%3Csip:sip.example.com%3E");
  expect_error(HeaderId::kTo, "");
  expect_error(HeaderId::kTo, "<sip:a@b");
  expect_error(HeaderId::kTo, "<sip:a@b>;tag=");
  expect_error(HeaderId::kTo, "<sip:a@b> <sip:c@d>");
}

TEST(CSeqValue, NumberAndMethod) {
  auto p = parse(HeaderId::kCSeq, "0009\r\n  INVITE");
  ASSERT_TRUE(p.result.ok());
  const CSeq* c = p.fields[0].as<CSeq>();
  EXPECT_EQ(c->seq, 9u);
  EXPECT_EQ(c->method, Method::kInvite);
  EXPECT_EQ(c->method_text, "INVITE");
  auto big = parse(HeaderId::kCSeq, "2147483647 NEWMETHOD");
  ASSERT_TRUE(big.result.ok());
  EXPECT_EQ(big.fields[0].as<CSeq>()->seq, 2147483647u);
  EXPECT_EQ(big.fields[0].as<CSeq>()->method, Method::kExtension);
  expect_error(HeaderId::kCSeq, "2147483648 INVITE", ErrorKind::kHeaderTooLarge);
  expect_error(HeaderId::kCSeq, "36893488147419103232 REGISTER", ErrorKind::kHeaderTooLarge);
  expect_error(HeaderId::kCSeq, "1");
  expect_error(HeaderId::kCSeq, "1INVITE");
  expect_error(HeaderId::kCSeq, "INVITE");
  expect_error(HeaderId::kCSeq, "-1 INVITE");
  expect_error(HeaderId::kCSeq, "1 INVITE ACK");
}

TEST(IntegerValues, RangesPerHeader) {
  auto cl = parse(HeaderId::kContentLength, "4294967295");
  ASSERT_TRUE(cl.result.ok());
  EXPECT_EQ(cl.fields[0].as<Integer>()->value, 4294967295u);
  auto mf = parse(HeaderId::kMaxForwards, "0068");
  ASSERT_TRUE(mf.result.ok());
  EXPECT_EQ(mf.fields[0].as<Integer>()->value, 68u);
  EXPECT_TRUE(parse(HeaderId::kMaxForwards, "255").result.ok());
  expect_error(HeaderId::kMaxForwards, "256", ErrorKind::kHeaderTooLarge);
  expect_error(HeaderId::kMaxForwards, "300", ErrorKind::kHeaderTooLarge);
  expect_error(HeaderId::kExpires, "4294967296", ErrorKind::kHeaderTooLarge);
  expect_error(HeaderId::kMinExpires, "10000000000000000000000000000", ErrorKind::kHeaderTooLarge);
  expect_error(HeaderId::kContentLength, "-999", ErrorKind::kBadContentLength);
  expect_error(HeaderId::kContentLength, "12a", ErrorKind::kBadContentLength);
  expect_error(HeaderId::kContentLength, "", ErrorKind::kBadContentLength);
  expect_error(HeaderId::kExpires, "1 2");
  expect_error(HeaderId::kExpires, "+1");
}

TEST(MediaTypeValues, ContentTypeAndAccept) {
  auto p = parse(HeaderId::kContentType, "multipart/mixed ; boundary=\"unique-boundary-1\"");
  ASSERT_TRUE(p.result.ok());
  const MediaType* m = p.fields[0].as<MediaType>();
  EXPECT_EQ(m->type, "multipart");
  EXPECT_EQ(m->subtype, "mixed");
  EXPECT_EQ(m->params.find("boundary")->text(), "unique-boundary-1");
  auto a = parse(HeaderId::kAccept,
                 "application/sdp, application/pkcs7-mime,\r\n        multipart/mixed, */*;q=0.1");
  ASSERT_TRUE(a.result.ok()) << a.result.error().reason;
  ASSERT_EQ(a.fields.size(), 4u);
  EXPECT_EQ(a.fields[1].as<MediaType>()->subtype, "pkcs7-mime");
  EXPECT_EQ(a.fields[3].as<MediaType>()->type, "*");
  EXPECT_EQ(a.fields[3].as<MediaType>()->params.get("q"), "0.1");
  auto empty = parse(HeaderId::kAccept, "");
  EXPECT_TRUE(empty.result.ok());
  EXPECT_TRUE(empty.fields.empty());
  auto slash = parse(HeaderId::kContentType, "application / sdp");
  ASSERT_TRUE(slash.result.ok());
  EXPECT_EQ(slash.fields[0].as<MediaType>()->subtype, "sdp");
  expect_error(HeaderId::kContentType, "application");
  expect_error(HeaderId::kContentType, "application/");
  expect_error(HeaderId::kContentType, "");
  expect_error(HeaderId::kContentType, "application/sdp, text/plain");
}

TEST(TokenValues, ListsAndEmptyValues) {
  auto allow = parse(HeaderId::kAllow, "INVITE, ACK,CANCEL ,\r\n OPTIONS");
  ASSERT_TRUE(allow.result.ok());
  ASSERT_EQ(allow.fields.size(), 4u);
  EXPECT_EQ(allow.fields[0].as<Token>()->token, "INVITE");
  EXPECT_EQ(allow.fields[2].as<Token>()->token, "CANCEL");
  EXPECT_EQ(allow.fields[2].value, "CANCEL");
  EXPECT_EQ(allow.fields[3].as<Token>()->token, "OPTIONS");
  auto supported = parse(HeaderId::kSupported, "");
  EXPECT_TRUE(supported.result.ok());
  EXPECT_TRUE(supported.fields.empty());
  expect_error(HeaderId::kRequire, "");
  expect_error(HeaderId::kProxyRequire, "a b");
  expect_error(HeaderId::kUnsupported, "a,");
  auto disp = parse(HeaderId::kContentDisposition, "session;handling=optional");
  ASSERT_TRUE(disp.result.ok());
  EXPECT_EQ(disp.fields[0].as<Token>()->token, "session");
  EXPECT_EQ(disp.fields[0].as<Token>()->params.get("handling"), "optional");
  auto reason = parse(HeaderId::kReason,
                      "SIP ;cause=200 ;text=\"Call completed, elsewhere\", Q.850;cause=16");
  ASSERT_TRUE(reason.result.ok()) << reason.result.error().reason;
  ASSERT_EQ(reason.fields.size(), 2u);
  EXPECT_EQ(reason.fields[0].as<Token>()->params.find("text")->text(), "Call completed, elsewhere");
  EXPECT_EQ(reason.fields[1].as<Token>()->token, "Q.850");
  auto prio = parse(HeaderId::kPriority, "emergency");
  ASSERT_TRUE(prio.result.ok());
  EXPECT_EQ(prio.fields[0].as<Token>()->token, "emergency");
  auto irt = parse(HeaderId::kInReplyTo, "70710@saturn.bell-tel.com, 17320@saturn.bell-tel.com");
  ASSERT_TRUE(irt.result.ok());
  ASSERT_EQ(irt.fields.size(), 2u);
  EXPECT_EQ(irt.fields[1].as<Token>()->token, "17320@saturn.bell-tel.com");
}

TEST(AuthValues, CommasStayInOneField) {
  auto p = parse(HeaderId::kAuthorization,
                 "Digest username=\"bob\", realm=\"biloxi.com\",\r\n nonce=\"dcd98b7102dd2f0e\", "
                 "uri=\"sip:bob@biloxi.com\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", "
                 "response=\"6629fae49393a05397450978507c4ef1\"");
  ASSERT_TRUE(p.result.ok()) << p.result.error().reason;
  ASSERT_EQ(p.fields.size(), 1u);
  const Auth* a = p.fields[0].as<Auth>();
  EXPECT_EQ(a->scheme, "Digest");
  EXPECT_EQ(a->params.separator(), ',');
  EXPECT_EQ(a->params.size(), 8u);
  EXPECT_EQ(a->params.find("uri")->text(), "sip:bob@biloxi.com");
  EXPECT_EQ(a->params.get("nc"), "00000001");
  auto unknown = parse(HeaderId::kAuthorization, "NoOneKnowsThisScheme opaque-data=here");
  ASSERT_TRUE(unknown.result.ok());
  EXPECT_EQ(unknown.fields[0].as<Auth>()->scheme, "NoOneKnowsThisScheme");
  auto info =
      parse(HeaderId::kAuthenticationInfo, "nextnonce=\"47364c23432d2e131a5fb210812c\", qop=auth");
  ASSERT_TRUE(info.result.ok());
  EXPECT_EQ(info.fields[0].as<Auth>()->scheme, "");
  EXPECT_EQ(info.fields[0].as<Auth>()->params.get("qop"), "auth");
  auto challenge =
      parse(HeaderId::kWwwAuthenticate, "Digest realm=\"a,b\", nonce=\"x\", stale=FALSE");
  ASSERT_TRUE(challenge.result.ok());
  EXPECT_EQ(challenge.fields.size(), 1u);
  expect_error(HeaderId::kAuthorization, "");
  expect_error(HeaderId::kAuthorization, "Digest realm=\"x");
  expect_error(HeaderId::kProxyAuthorization, "Digest realm=\"x\",, nonce=\"y\"");
}

TEST(DateValue, Rfc1123GmtOnly) {
  auto p = parse(HeaderId::kDate, "Sat, 13 Nov 2010 23:29:00 GMT");
  ASSERT_TRUE(p.result.ok()) << p.result.error().reason;
  const Date* d = p.fields[0].as<Date>();
  EXPECT_EQ(d->weekday, 6);
  EXPECT_EQ(d->day, 13);
  EXPECT_EQ(d->month, 11);
  EXPECT_EQ(d->year, 2010);
  EXPECT_EQ(d->hour, 23);
  EXPECT_EQ(d->minute, 29);
  EXPECT_EQ(d->second, 0);
  EXPECT_EQ(d->text, "Sat, 13 Nov 2010 23:29:00 GMT");
  expect_error(HeaderId::kDate, "Fri, 01 Jan 2010 16:00:00 EST");  // baddate
  expect_error(HeaderId::kDate, "Fri, 01 Foo 2010 16:00:00 GMT");
  expect_error(HeaderId::kDate, "Fri, 1 Jan 2010 16:00:00 GMT");
  expect_error(HeaderId::kDate, "Fri, 01 Jan 2010 24:00:00 GMT");
  expect_error(HeaderId::kDate, "Fri 01 Jan 2010 16:00:00 GMT");
  expect_error(HeaderId::kDate, "Fri, 01 Jan 2010 16:00:00 GMTX");
}

TEST(OtherValues, RetryAfterWarningTimestampMimeVersionInfo) {
  auto r = parse(HeaderId::kRetryAfter, "18000 (in a (nested) meeting) ;duration=3600");
  ASSERT_TRUE(r.result.ok()) << r.result.error().reason;
  EXPECT_EQ(r.fields[0].as<RetryAfter>()->seconds, 18000u);
  EXPECT_EQ(r.fields[0].as<RetryAfter>()->comment, "in a (nested) meeting");
  EXPECT_EQ(r.fields[0].as<RetryAfter>()->params.get("duration"), "3600");
  expect_error(HeaderId::kRetryAfter, "949302838503028349304023988", ErrorKind::kHeaderTooLarge);
  expect_error(HeaderId::kRetryAfter, "5 (unbalanced");

  auto w = parse(HeaderId::kWarning,
                 "370 devnull \"Choose a bigger pipe\", 307 isi.edu \"Session parameter 'foo' not "
                 "understood\"");
  ASSERT_TRUE(w.result.ok()) << w.result.error().reason;
  ASSERT_EQ(w.fields.size(), 2u);
  EXPECT_EQ(w.fields[0].as<Warning>()->code, 370);
  EXPECT_EQ(w.fields[0].as<Warning>()->agent, "devnull");
  EXPECT_EQ(w.fields[0].as<Warning>()->text, "\"Choose a bigger pipe\"");
  EXPECT_EQ(w.fields[1].as<Warning>()->agent, "isi.edu");
  expect_error(HeaderId::kWarning, "1812 overture \"In Progress\"");  // scalarlg
  expect_error(HeaderId::kWarning, "370 devnull");

  auto t = parse(HeaderId::kTimestamp, "54.1 0.25");
  ASSERT_TRUE(t.result.ok());
  EXPECT_EQ(t.fields[0].as<Timestamp>()->time, "54.1");
  EXPECT_EQ(t.fields[0].as<Timestamp>()->delay, "0.25");
  expect_error(HeaderId::kTimestamp, "abc");

  auto mv = parse(HeaderId::kMimeVersion, "1.0");
  ASSERT_TRUE(mv.result.ok());
  EXPECT_EQ(mv.fields[0].as<MimeVersion>()->major, 1u);
  EXPECT_EQ(mv.fields[0].as<MimeVersion>()->minor, 0u);
  expect_error(HeaderId::kMimeVersion, "1");

  auto ci = parse(HeaderId::kCallInfo,
                  "<http://wwww.example.com/alice/photo.jpg> ;purpose=icon, "
                  "<http://www.example.com/alice/> ;purpose=info");
  ASSERT_TRUE(ci.result.ok()) << ci.result.error().reason;
  ASSERT_EQ(ci.fields.size(), 2u);
  EXPECT_EQ(ci.fields[0].as<UriParams>()->uri, "http://wwww.example.com/alice/photo.jpg");
  EXPECT_EQ(ci.fields[1].as<UriParams>()->params.get("purpose"), "info");
  EXPECT_TRUE(parse(HeaderId::kAlertInfo, "<http://www.example.com/sounds/moo.wav>").result.ok());
  EXPECT_TRUE(
      parse(HeaderId::kErrorInfo, "<sip:not-in-service-recording@atlanta.com>").result.ok());
  expect_error(HeaderId::kAlertInfo, "http://www.example.com/sounds/moo.wav");
  expect_error(HeaderId::kErrorInfo, "<not a uri>", ErrorKind::kMalformedUri);
}

TEST(TextValues, CallIdSubjectUnknown) {
  auto id = parse(HeaderId::kCallId, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
  ASSERT_TRUE(id.result.ok()) << id.result.error().reason;
  EXPECT_EQ(id.fields[0].as<Text>()->text, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
  expect_error(HeaderId::kCallId, "");
  expect_error(HeaderId::kCallId, "a b");
  expect_error(HeaderId::kCallId, "a@");
  expect_error(HeaderId::kCallId, "a@b@c");
  auto subject = parse(HeaderId::kSubject, "", "s");
  ASSERT_TRUE(subject.result.ok());
  ASSERT_EQ(subject.fields.size(), 1u);
  EXPECT_EQ(subject.fields[0].as<Text>()->text, "");
  auto unknown = parse(HeaderId::kUnknown, ";;,,;;,;", "UnknownHeaderWithUnusualValue");
  ASSERT_TRUE(unknown.result.ok());
  ASSERT_EQ(unknown.fields.size(), 1u);
  EXPECT_EQ(unknown.fields[0].name, "UnknownHeaderWithUnusualValue");
  EXPECT_EQ(unknown.fields[0].as<Text>()->text, ";;,,;;,;");
  auto folded = parse(HeaderId::kUnknown, "newfangled value\r\n continued newfangled value", "X");
  ASSERT_TRUE(folded.result.ok());
  EXPECT_EQ(folded.fields[0].value, "newfangled value\r\n continued newfangled value");
  auto ua = parse(HeaderId::kUserAgent, "Softphone/Beta1.5 (compatible; x)");
  ASSERT_TRUE(ua.result.ok());
  EXPECT_EQ(ua.fields[0].as<Text>()->text, "Softphone/Beta1.5 (compatible; x)");
  expect_error(HeaderId::kUserAgent, "");
  expect_error(HeaderId::kUnknown, std::string("a\0b", 3));
}

TEST(HeaderValueErrors, LineBreaksMustBeFolding) {
  expect_error(HeaderId::kSubject, "hello\r\nInjected: yes");
  expect_error(HeaderId::kSubject, "hello\nworld");
  expect_error(HeaderId::kSubject, "hello\rworld");
  EXPECT_TRUE(parse(HeaderId::kSubject, "hello\r\n\tworld").result.ok());
}

TEST(HeaderValueErrors, ReasonNamesTheHeaderAndOffset) {
  std::vector<Field> fields;
  std::string text = "SIP/2.0/UDP host:99999";
  auto r = detail::parse_header_value(HeaderId::kVia, "Via", text, fields);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().offset, 17u);
  EXPECT_NE(r.error().reason.find("Via"), std::string::npos) << r.error().reason;
  EXPECT_NE(r.error().reason.find("17"), std::string::npos) << r.error().reason;
}

TEST(HeaderValueErrors, FailureKeepsEarlierFields) {
  std::vector<Field> fields;
  std::string good = "INVITE";
  ASSERT_TRUE(detail::parse_header_value(HeaderId::kAllow, "Allow", good, fields).ok());
  std::string bad = "ACK, B C";
  EXPECT_FALSE(detail::parse_header_value(HeaderId::kAllow, "Allow", bad, fields).ok());
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].as<Token>()->token, "INVITE");
}

}  // namespace
}  // namespace sippet::message
