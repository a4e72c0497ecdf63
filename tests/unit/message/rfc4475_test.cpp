// RFC 4475 "SIP Torture Test Messages": every file of tests/corpus/rfc4475,
// each in its own test, asserting what the RFC section says about it.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sippet/message/message.hpp"
#include "sippet/message/parser.hpp"
#include "sippet/message/uri.hpp"
#include "sippet/message/validate.hpp"

namespace sippet::message {
namespace {

using namespace std::string_literals;

// The corpus file, byte for byte.
std::string load(std::string_view file) {
  const std::string path = std::string(SIPPET_CORPUS_DIR "/rfc4475/") + std::string(file);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Result<Message> parse_file(std::string_view file, bool datagram = true) {
  ParseOptions options;
  options.datagram = datagram;
  return parse_message(load(file), options);
}

std::string describe(const Error& e) {
  return std::string(to_string(e.kind)) + " at " + std::to_string(e.offset) + " status " +
         std::to_string(e.status) + ": " + e.reason;
}

template <class T>
std::string describe(const Result<T>& r) {
  return r.ok() ? std::string("ok") : describe(r.error());
}

// The octets after the first empty line of the raw file (independent of the
// parser), at most `limit` of them.
std::string raw_body(const std::string& raw, std::size_t limit = std::string::npos) {
  const auto end = raw.find("\r\n\r\n");
  EXPECT_NE(end, std::string::npos);
  return raw.substr(end + 4, limit);
}

// The raw text between `before` and the next `stop` character, found in `raw`.
std::string raw_between(const std::string& raw, std::string_view before, char stop) {
  const auto start = raw.find(before);
  EXPECT_NE(start, std::string::npos) << before;
  const auto from = start + before.size();
  return raw.substr(from, raw.find(stop, from) - from);
}

Uri must_parse_uri(std::string_view text) {
  auto r = parse_uri(text);
  EXPECT_TRUE(r.ok()) << text << ": " << describe(r);
  return r.ok() ? *r : Uri{};
}

std::string param_value(const Params& params, std::string_view name) {
  auto v = params.get(name);
  return v ? std::string(*v) : std::string("<absent>");
}

// A 3.1.2 message: the parser refuses it (datagram mode) with one of `kinds`
// and `status` as the answer a server should send.
void expect_parse_error(std::string_view file, std::initializer_list<ErrorKind> kinds, int status) {
  SCOPED_TRACE(std::string(file));
  auto r = parse_file(file);
  ASSERT_FALSE(r.ok()) << "parsed, but RFC 4475 says it is invalid";
  const auto& e = r.error();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), e.kind), kinds.end()) << describe(e);
  EXPECT_EQ(e.status, status) << describe(e);
  EXPECT_LE(e.offset, load(file).size()) << describe(e);
}

// A message the RFC lets an element refuse either while parsing or after
// (e.g. multi01): either way the answer is `status`.
void expect_rejected(std::string_view file, int status, const ValidateOptions& options = {}) {
  SCOPED_TRACE(std::string(file));
  auto r = parse_file(file);
  if (!r.ok()) {
    EXPECT_EQ(r.error().status, status) << describe(r);
    return;
  }
  auto v = validate(*r, options);
  ASSERT_FALSE(v.ok()) << "parsed and validated, but RFC 4475 says to reject it";
  EXPECT_EQ(v.error().status, status) << describe(v.error());
}

#define PARSE_OK(var, file)                                 \
  auto var##_result = parse_file(file);                     \
  ASSERT_TRUE(var##_result.ok()) << describe(var##_result); \
  const Message& var = *var##_result

// ---------------------------------------------------------------------------
// 3.1.1 Valid messages
// ---------------------------------------------------------------------------

// 3.1.1.1 A short tortuous INVITE.
TEST(Rfc4475, wsinv) {
  const std::string raw = load("wsinv.dat");
  PARSE_OK(m, "wsinv.dat");
  ASSERT_TRUE(m.is_request());
  EXPECT_EQ(m.request_line().method, Method::kInvite);
  EXPECT_EQ(m.request_line().version, "SIP/2.0");
  const Uri& ruri = m.request_line().uri;
  EXPECT_EQ(ruri.scheme, UriScheme::kSip);
  EXPECT_EQ(ruri.user, "vivekg");
  EXPECT_EQ(ruri.host, "chair-dnrc.example.com");
  EXPECT_TRUE(ruri.params.has("unknownparam"));

  ASSERT_NE(m.to(), nullptr);
  EXPECT_EQ(m.to()->uri.user, "vivekg");
  EXPECT_EQ(m.to()->uri.host, "chair-dnrc.example.com");
  EXPECT_EQ(m.to()->tag(), "1918181833n");
  ASSERT_NE(m.from(), nullptr);
  EXPECT_EQ(m.from()->display_name, R"("J Rosenberg \\\"")");
  EXPECT_EQ(m.from()->uri.user, "jdrosen");
  EXPECT_EQ(m.from()->tag(), "98asjd8");
  EXPECT_EQ(m.max_forwards(), 68u);
  EXPECT_EQ(m.call_id(), "wsinv.ndaksdj@192.0.2.1");
  EXPECT_EQ(m.content_length(), 150u);
  ASSERT_NE(m.cseq(), nullptr);
  EXPECT_EQ(m.cseq()->seq, 9u);
  EXPECT_EQ(m.cseq()->method, Method::kInvite);

  auto vias = m.get_all(HeaderId::kVia);
  ASSERT_EQ(vias.size(), 3u);
  const Via* v0 = vias[0]->as<Via>();
  const Via* v1 = vias[1]->as<Via>();
  const Via* v2 = vias[2]->as<Via>();
  ASSERT_TRUE(v0 && v1 && v2);
  EXPECT_EQ(v0->protocol_name, "SIP");
  EXPECT_EQ(v0->protocol_version, "2.0");
  EXPECT_EQ(v0->transport, "UDP");
  EXPECT_EQ(v0->host, "192.0.2.2");
  EXPECT_EQ(v0->host_type, HostType::kIPv4);
  EXPECT_EQ(v0->branch, "390skdjuw");
  EXPECT_EQ(v1->transport, "TCP");
  EXPECT_EQ(v1->host, "spindle.example.com");
  EXPECT_EQ(v1->branch, "z9hG4bK9ikj8");
  EXPECT_EQ(v2->transport, "UDP");
  EXPECT_EQ(v2->host, "192.168.255.111");
  EXPECT_EQ(v2->branch, "z9hG4bK30239");
  EXPECT_EQ(m.top_via(), v0);

  const Field* subject = m.get(HeaderId::kSubject);  // "s :" with an empty value
  ASSERT_NE(subject, nullptr);
  EXPECT_EQ(subject->value, "");
  const Field* newfangled = m.get("NewFangledHeader");
  ASSERT_NE(newfangled, nullptr);
  EXPECT_EQ(newfangled->id, HeaderId::kUnknown);
  EXPECT_TRUE(newfangled->value.starts_with("newfangled value"));
  EXPECT_TRUE(newfangled->value.ends_with("continued newfangled value"));
  const Field* unusual = m.get("UnknownHeaderWithUnusualValue");
  ASSERT_NE(unusual, nullptr);
  EXPECT_EQ(unusual->value, ";;,,;;,;");

  const Field* ct = m.get(HeaderId::kContentType);
  ASSERT_NE(ct, nullptr);
  ASSERT_NE(ct->as<MediaType>(), nullptr);
  EXPECT_EQ(ct->as<MediaType>()->type, "application");
  EXPECT_EQ(ct->as<MediaType>()->subtype, "sdp");

  const Field* route = m.get(HeaderId::kRoute);
  ASSERT_NE(route, nullptr);
  ASSERT_NE(route->as<NameAddr>(), nullptr);
  const Uri& route_uri = route->as<NameAddr>()->uri;
  EXPECT_EQ(route_uri.host, "services.example.com");
  EXPECT_TRUE(route_uri.params.has("lr"));
  EXPECT_EQ(param_value(route_uri.params, "unknownwith"), "value");
  EXPECT_TRUE(route_uri.params.has("unknown-no-value"));

  const Field* contact = m.get(HeaderId::kContact);  // written "m:"
  ASSERT_NE(contact, nullptr);
  const NameAddr* c = contact->as<NameAddr>();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->display_name, R"("Quoted string \"\"")");
  EXPECT_EQ(c->uri.user, "jdrosen");
  EXPECT_EQ(c->uri.host, "example.com");
  EXPECT_EQ(param_value(c->params, "newparam"), "newvalue");
  EXPECT_TRUE(c->params.has("secondparam"));
  EXPECT_EQ(param_value(c->params, "q"), "0.33");

  // To, From, Max-Forwards, Call-ID, Content-Length, CSeq, Via, s,
  // NewFangledHeader, UnknownHeaderWithUnusualValue, Content-Type, Route,
  // v (2 values), m.
  EXPECT_EQ(m.fields().size(), 15u);
  EXPECT_EQ(m.body().size(), 150u);
  EXPECT_EQ(m.body(), raw_body(raw));
}

// 3.1.1.2 Wide range of valid characters.
TEST(Rfc4475, intmeth) {
  const std::string method = "!interesting-Method0123456789_*+`.%indeed'~";
  PARSE_OK(m, "intmeth.dat");
  EXPECT_EQ(m.request_line().method, Method::kExtension);
  EXPECT_EQ(m.request_line().method_text, method);
  EXPECT_EQ(m.method_text(), method);
  const Uri& ruri = m.request_line().uri;
  EXPECT_EQ(ruri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  EXPECT_TRUE(ruri.has_password);
  EXPECT_EQ(ruri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  EXPECT_EQ(ruri.host, "example.com");
  EXPECT_TRUE(ruri.params.empty());

  ASSERT_NE(m.top_via(), nullptr);
  EXPECT_EQ(m.top_via()->transport, "TCP");
  EXPECT_EQ(m.top_via()->branch, "z9hG4bK-.!%66*_+`'~");

  ASSERT_NE(m.to(), nullptr);
  EXPECT_EQ(m.to()->display_name, "\"BEL:\\\x07 NUL:\\\0 DEL:\\\x7F\""s);
  EXPECT_EQ(m.to()->uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  ASSERT_NE(m.from(), nullptr);
  EXPECT_EQ(m.from()->display_name, "token1~` token2'+_ token3*%!.-");
  EXPECT_EQ(m.from()->uri.user, "mundane");
  EXPECT_EQ(m.from()->tag(), "_token~1'+`*%!-.");
  // The param value is a quoted string of UTF-8 ("работающий").
  EXPECT_EQ(param_value(m.from()->params, "fromParam''~+*_!.-%"), "\"работающий\"");

  EXPECT_EQ(m.call_id(), R"x(intmeth.word%ZK-!.*_+'@word`~)(><:\/"][?}{)x");
  ASSERT_NE(m.cseq(), nullptr);
  EXPECT_EQ(m.cseq()->seq, 139122385u);
  EXPECT_EQ(m.cseq()->method, Method::kExtension);
  EXPECT_EQ(m.cseq()->method_text, method);
  EXPECT_EQ(m.max_forwards(), 255u);
  const Field* ext = m.get("extensionHeader-!.%*+_`'~");
  ASSERT_NE(ext, nullptr);
  EXPECT_EQ(ext->id, HeaderId::kUnknown);
  EXPECT_EQ(ext->value, "\xEF\xBB\xBF\xE5\xA4\xA7\xE5\x81\x9C\xE9\x9B\xBB");
  EXPECT_EQ(m.content_length(), 0u);
  EXPECT_TRUE(m.body().empty());
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
}

// 3.1.1.3 Valid use of the % escaping mechanism: escaped and unescaped forms
// are equivalent (RFC 3261 §19.1.4).
TEST(Rfc4475, esc01) {
  const std::string raw = load("esc01.dat");
  PARSE_OK(m, "esc01.dat");
  const Uri& ruri = m.request_line().uri;
  EXPECT_EQ(ruri.user, "sips%3Auser%40example.com");
  EXPECT_EQ(unescape(ruri.user), "sips:user@example.com");
  EXPECT_EQ(ruri.host, "example.net");
  EXPECT_TRUE(uri_equal(ruri, must_parse_uri("sip:sips%3auser%40example.com@example.net")));

  ASSERT_NE(m.to(), nullptr);
  EXPECT_EQ(m.to()->uri.user, "%75se%72");
  EXPECT_TRUE(uri_equal(m.to()->uri, must_parse_uri("sip:user@example.com")));
  EXPECT_FALSE(
      uri_equal(m.to()->uri, must_parse_uri("sip:USER@example.com")));  // user is case-sensitive

  ASSERT_NE(m.from(), nullptr);
  EXPECT_EQ(unescape(m.from()->uri.user), "I have spaces");
  EXPECT_TRUE(uri_equal(m.from()->uri, must_parse_uri("sip:I%20have%20spaces@example.net")));
  EXPECT_EQ(m.from()->tag(), "938");

  const Field* contact = m.get(HeaderId::kContact);
  ASSERT_NE(contact, nullptr);
  ASSERT_NE(contact->as<NameAddr>(), nullptr);
  const Uri& curi = contact->as<NameAddr>()->uri;
  EXPECT_EQ(unescape(curi.user), "caller");
  // ";%6C%72;n%61me=v%61lue%25%34%31" is ";lr;name=value%41": the %25 is a
  // literal '%', so the value must not be unescaped twice into "valueA".
  EXPECT_TRUE(uri_equal(curi, must_parse_uri("sip:caller@host5.example.net;lr;name=value%2541")));
  EXPECT_FALSE(uri_equal(curi, must_parse_uri("sip:caller@host5.example.net;lr;name=valueA")));

  EXPECT_EQ(m.call_id(), "esc01.239409asdfakjkn23onasd0-3234");  // written "i:"
  const Field* ct = m.get(HeaderId::kContentType);               // written "C:"
  ASSERT_NE(ct, nullptr);
  ASSERT_NE(ct->as<MediaType>(), nullptr);
  EXPECT_EQ(ct->as<MediaType>()->subtype, "sdp");
  EXPECT_EQ(m.max_forwards(), 87u);
  EXPECT_EQ(m.body().size(), 150u);
  EXPECT_EQ(m.body(), raw_body(raw));
}

// 3.1.1.4 Escaped NULs in URIs: data, never a terminator.
TEST(Rfc4475, escnull) {
  PARSE_OK(m, "escnull.dat");
  EXPECT_EQ(m.request_line().method, Method::kRegister);
  ASSERT_NE(m.to(), nullptr);
  ASSERT_NE(m.from(), nullptr);
  EXPECT_EQ(m.to()->uri.user, "null-%00-null");
  EXPECT_EQ(unescape(m.to()->uri.user), "null-\0-null"s);
  EXPECT_EQ(unescape(m.to()->uri.user).size(), 11u);
  EXPECT_TRUE(uri_equal(m.to()->uri, m.from()->uri));
  EXPECT_FALSE(uri_equal(m.to()->uri, must_parse_uri("sip:null-@example.com")));
  EXPECT_EQ(m.from()->tag(), "839923423");

  auto contacts = m.get_all(HeaderId::kContact);
  ASSERT_EQ(contacts.size(), 2u);
  ASSERT_NE(contacts[0]->as<NameAddr>(), nullptr);
  ASSERT_NE(contacts[1]->as<NameAddr>(), nullptr);
  EXPECT_EQ(unescape(contacts[0]->as<NameAddr>()->uri.user), "\0"s);
  EXPECT_EQ(unescape(contacts[1]->as<NameAddr>()->uri.user), "\0\0"s);
  EXPECT_FALSE(uri_equal(contacts[0]->as<NameAddr>()->uri, contacts[1]->as<NameAddr>()->uri));
  EXPECT_EQ(m.content_length(), 0u);  // written "L:0"
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
}

// 3.1.1.5 '%' that is not an escape: the method, the header name and the
// quoted strings keep it literally.
TEST(Rfc4475, esc02) {
  PARSE_OK(m, "esc02.dat");
  EXPECT_EQ(m.request_line().method, Method::kExtension);  // not REGISTER
  EXPECT_EQ(m.request_line().method_text, "RE%47IST%45R");
  ASSERT_NE(m.cseq(), nullptr);
  EXPECT_EQ(m.cseq()->method_text, "RE%47IST%45R");
  EXPECT_EQ(m.cseq()->seq, 29344u);
  ASSERT_NE(m.to(), nullptr);
  EXPECT_EQ(m.to()->display_name, "\"%Z%45\"");
  ASSERT_NE(m.from(), nullptr);
  EXPECT_EQ(m.from()->display_name, "\"%Z%45\"");
  ASSERT_NE(m.top_via(), nullptr);
  EXPECT_EQ(m.top_via()->branch, "z9hG4bK209%fzsnel234");
  // "C%6Fntact" is an unknown header, not a third Contact.
  EXPECT_EQ(m.count(HeaderId::kContact), 2u);
  const Field* odd = m.get("C%6Fntact");
  ASSERT_NE(odd, nullptr);
  EXPECT_EQ(odd->id, HeaderId::kUnknown);
  EXPECT_EQ(odd->value, "<sip:alias2@host2.example.com>");
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
}

// 3.1.1.6 No LWS between display name and '<'.
TEST(Rfc4475, lwsdisp) {
  PARSE_OK(m, "lwsdisp.dat");
  EXPECT_EQ(m.request_line().method, Method::kOptions);
  ASSERT_NE(m.from(), nullptr);
  EXPECT_EQ(m.from()->display_name, "caller");
  EXPECT_TRUE(m.from()->angle_brackets);
  EXPECT_EQ(m.from()->uri.user, "caller");
  EXPECT_EQ(m.from()->uri.host, "example.com");
  EXPECT_EQ(m.from()->tag(), "323");
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
}

// 3.1.1.7 Long values in header fields: nothing truncated.
TEST(Rfc4475, longreq) {
  const std::string raw = load("longreq.dat");
  PARSE_OK(m, "longreq.dat");
  ASSERT_NE(m.to(), nullptr);
  std::string extreme;
  for (int i = 0; i < 10; ++i)
    extreme += "extreme";
  EXPECT_EQ(m.to()->display_name, "\"I have a user name of " + extreme + " proportion\"");
  EXPECT_EQ(m.to()->uri.port, 6000);
  EXPECT_EQ(m.to()->uri.params.size(), 3u);
  EXPECT_EQ(param_value(m.to()->uri.params, "unknownparam1"),
            raw_between(raw, "unknownparam1=", ';'));
  std::string long_name = "longparam";
  for (int i = 0; i < 25; ++i)
    long_name += "name";
  EXPECT_EQ(param_value(m.to()->uri.params, long_name), "shortvalue");

  std::string caller;
  for (int i = 0; i < 5; ++i)
    caller += "amazinglylongcallername";
  ASSERT_NE(m.from(), nullptr);
  EXPECT_EQ(m.from()->uri.user, caller);
  EXPECT_EQ(m.from()->tag(), raw_between(raw, ";tag=", ';'));
  EXPECT_EQ(m.from()->tag().size(), 155u);
  EXPECT_EQ(m.from()->params.size(), 3u);
  EXPECT_EQ(m.call_id(), raw_between(raw, "Call-ID: ", '\r'));

  auto vias = m.get_all(HeaderId::kVia);
  ASSERT_EQ(vias.size(), 34u);
  ASSERT_NE(vias.front()->as<Via>(), nullptr);
  EXPECT_EQ(vias.front()->as<Via>()->host, "sip33.example.com");
  const Via* last = vias.back()->as<Via>();
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->host, "host.example.com");
  EXPECT_EQ(param_value(last->params, "received"), "192.0.2.5");
  EXPECT_EQ(last->branch, raw_between(raw, "branch=verylong", '\r').insert(0, "verylong"));

  const Field* contact = m.get(HeaderId::kContact);
  ASSERT_NE(contact, nullptr);
  ASSERT_NE(contact->as<NameAddr>(), nullptr);
  EXPECT_EQ(contact->as<NameAddr>()->uri.user, caller);
  const Field* unknown = m.get(
      "Unknown-LongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLong-"
      "Name");
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(unknown->value, raw_between(raw, "LongLong-Name: ", '\r'));
  EXPECT_EQ(m.content_length(), 150u);
  EXPECT_EQ(m.body(), raw_body(raw));
}

// 3.1.1.8 Two requests in one datagram: the first one only (§18.3).
TEST(Rfc4475, dblreq) {
  const std::string raw = load("dblreq.dat");
  PARSE_OK(m, "dblreq.dat");
  EXPECT_EQ(m.request_line().method, Method::kRegister);
  EXPECT_EQ(m.call_id(), "dblreq.0ha0isndaksdj99sdfafnl3lk233412");
  EXPECT_EQ(m.content_length(), 0u);
  EXPECT_TRUE(m.body().empty());
  EXPECT_EQ(m.count(HeaderId::kVia), 1u);
  EXPECT_EQ(m.get(HeaderId::kContentType), nullptr);  // the INVITE's headers are not ours
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));

  // Over a stream the same bytes frame as the REGISTER first.
  const std::size_t first = raw.find("\r\n\r\n") + 4;
  const Frame frame = frame_stream(raw);
  ASSERT_EQ(frame.status, Frame::Status::kMessage);
  EXPECT_EQ(frame.size, first);
}

// 3.1.1.9 Semicolon-separated parameters in the user part.
TEST(Rfc4475, semiuri) {
  PARSE_OK(m, "semiuri.dat");
  const Uri& ruri = m.request_line().uri;
  EXPECT_EQ(ruri.user, "user;par=u%40example.net");
  EXPECT_EQ(ruri.host, "example.com");
  EXPECT_TRUE(ruri.params.empty());
  EXPECT_FALSE(ruri.params.has("par"));
  // A folded Accept list of six values.
  auto accept = m.get_all(HeaderId::kAccept);
  ASSERT_EQ(accept.size(), 6u);
  ASSERT_NE(accept[5]->as<MediaType>(), nullptr);
  EXPECT_EQ(accept[5]->as<MediaType>()->type, "message");
  EXPECT_EQ(accept[5]->as<MediaType>()->subtype, "sipfrag");
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
}

// 3.1.1.10 Variety of transport types.
TEST(Rfc4475, transports) {
  PARSE_OK(m, "transports.dat");
  auto vias = m.get_all(HeaderId::kVia);
  ASSERT_EQ(vias.size(), 5u);
  const char* transports[] = {"UDP", "SCTP", "TLS", "UNKNOWN", "TCP"};
  for (std::size_t i = 0; i < 5; ++i) {
    const Via* via = vias[i]->as<Via>();
    ASSERT_NE(via, nullptr);
    EXPECT_EQ(via->transport, transports[i]);
    EXPECT_EQ(via->host, "t" + std::to_string(i + 1) + ".example.com");
    EXPECT_EQ(via->host_type, HostType::kName);
    EXPECT_TRUE(via->branch.starts_with("z9hG4bK"));
  }
  EXPECT_EQ(m.call_id(), "transports.kijh4akdnaqjkwendsasfdj");
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));

  // The file has no IPv6 sent-by; the same message with one (as in RFC 5118)
  // keeps the bracketed reference and the port.
  std::string v6 = load("transports.dat");
  const std::string t4 = "t4.example.com;";
  v6.replace(v6.find(t4), t4.size() - 1, "[2001:db8::9]:5070");
  auto r6 = parse_message(v6);
  ASSERT_TRUE(r6.ok()) << describe(r6);
  auto vias6 = r6->get_all(HeaderId::kVia);
  ASSERT_EQ(vias6.size(), 5u);
  const Via* via6 = vias6[3]->as<Via>();
  ASSERT_NE(via6, nullptr);
  EXPECT_EQ(via6->transport, "UNKNOWN");
  EXPECT_EQ(via6->host, "[2001:db8::9]");
  EXPECT_EQ(via6->host_type, HostType::kIPv6);
  EXPECT_TRUE(via6->has_port);
  EXPECT_EQ(via6->port, 5070);
  EXPECT_EQ(via6->branch, "z9hG4bKasd0f3en");
}

// 3.1.1.11 Multipart MIME message with binary parts.
TEST(Rfc4475, mpart01) {
  const std::string raw = load("mpart01.dat");
  PARSE_OK(m, "mpart01.dat");
  EXPECT_EQ(m.request_line().method, Method::kMessage);
  const Field* ct = m.get(HeaderId::kContentType);
  ASSERT_NE(ct, nullptr);
  ASSERT_NE(ct->as<MediaType>(), nullptr);
  EXPECT_EQ(ct->as<MediaType>()->type, "multipart");
  EXPECT_EQ(ct->as<MediaType>()->subtype, "mixed");
  EXPECT_EQ(param_value(ct->as<MediaType>()->params, "boundary"), "7a9cbec02ceef655");
  const Field* date = m.get(HeaderId::kDate);
  ASSERT_NE(date, nullptr);
  ASSERT_NE(date->as<Date>(), nullptr);
  EXPECT_EQ(date->as<Date>()->year, 2005);
  EXPECT_EQ(date->as<Date>()->month, 10);
  EXPECT_EQ(date->as<Date>()->day, 15);
  EXPECT_EQ(date->as<Date>()->weekday, 6);
  EXPECT_EQ(date->as<Date>()->hour, 4);
  EXPECT_EQ(date->as<Date>()->minute, 44);
  EXPECT_EQ(date->as<Date>()->second, 56);
  ASSERT_NE(m.get("Identity"), nullptr);
  EXPECT_EQ(m.content_length(), 553u);
  ASSERT_EQ(m.body().size(), 553u);
  EXPECT_EQ(m.body(), raw_body(raw));
  EXPECT_NE(m.body().find('\0'), std::string_view::npos);  // binary octets intact
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
}

// 3.1.1.12 Unusual reason phrase: kept exactly.
TEST(Rfc4475, unreason) {
  const std::string raw = load("unreason.dat");
  PARSE_OK(m, "unreason.dat");
  ASSERT_TRUE(m.is_response());
  EXPECT_EQ(m.status_code(), 200);
  EXPECT_EQ(m.status_line().version, "SIP/2.0");
  const std::string reason = raw_between(raw, "SIP/2.0 200 ", '\r');
  EXPECT_TRUE(reason.starts_with("= 2**3 * 5**2 \xD0\xBD\xD0\xBE"));
  EXPECT_EQ(m.status_line().reason, reason);
  EXPECT_EQ(m.method(), Method::kInvite);  // from CSeq
  EXPECT_EQ(m.body().size(), 154u);
  EXPECT_EQ(m.body(), raw_body(raw));
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
}

// 3.1.1.13 Empty reason phrase.
TEST(Rfc4475, noreason) {
  PARSE_OK(m, "noreason.dat");
  ASSERT_TRUE(m.is_response());
  EXPECT_EQ(m.status_code(), 100);
  EXPECT_EQ(m.status_line().reason, "");
  EXPECT_EQ(m.status_line().version, "SIP/2.0");
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
}

// ---------------------------------------------------------------------------
// 3.1.2 Invalid messages
// ---------------------------------------------------------------------------

// 3.1.2.1 Extraneous header field separators.
TEST(Rfc4475, badinv01) {
  expect_parse_error("badinv01.dat", {ErrorKind::kMalformedHeader}, 400);
}

// 3.1.2.2 Content-Length larger than the message: a datagram is refused; a
// stream just waits for the rest.
TEST(Rfc4475, clerr) {
  const std::string raw = load("clerr.dat");
  expect_parse_error("clerr.dat", {ErrorKind::kBadContentLength}, 400);

  const Frame frame = frame_stream(raw);
  EXPECT_EQ(frame.status, Frame::Status::kIncomplete);
  const std::size_t headers = raw.find("\r\n\r\n") + 4;
  std::string complete = raw;
  complete.resize(headers + 9999, 'x');
  const Frame full = frame_stream(complete + "INVITE");
  ASSERT_EQ(full.status, Frame::Status::kMessage);
  EXPECT_EQ(full.size, headers + 9999);
}

// 3.1.2.3 Negative Content-Length.
TEST(Rfc4475, ncl) {
  expect_parse_error("ncl.dat", {ErrorKind::kBadContentLength}, 400);
}

// 3.1.2.4 Request scalar fields with overlarge values (CSeq first).
TEST(Rfc4475, scalar02) {
  expect_parse_error("scalar02.dat", {ErrorKind::kHeaderTooLarge}, 400);
}

// 3.1.2.5 Response scalar fields with overlarge values: an invalid response
// is dropped, never answered (status 0).
TEST(Rfc4475, scalarlg) {
  expect_parse_error("scalarlg.dat", {ErrorKind::kHeaderTooLarge}, 0);
}

// 3.1.2.6 Unterminated quoted string in display name.
TEST(Rfc4475, quotbal) {
  expect_parse_error("quotbal.dat", {ErrorKind::kMalformedHeader}, 400);
}

// 3.1.2.7 <> enclosing the Request-URI.
TEST(Rfc4475, ltgtruri) {
  expect_parse_error("ltgtruri.dat", {ErrorKind::kMalformedStartLine, ErrorKind::kMalformedUri},
                     400);
}

// 3.1.2.8 Malformed SIP Request-URI (embedded LWS).
TEST(Rfc4475, lwsruri) {
  expect_parse_error("lwsruri.dat", {ErrorKind::kMalformedStartLine, ErrorKind::kMalformedUri},
                     400);
}

// 3.1.2.9 Multiple SP separating Request-Line elements.
TEST(Rfc4475, lwsstart) {
  expect_parse_error("lwsstart.dat", {ErrorKind::kMalformedStartLine, ErrorKind::kMalformedUri},
                     400);
}

// 3.1.2.10 SP characters at the end of the Request-Line.
TEST(Rfc4475, trws) {
  expect_parse_error("trws.dat", {ErrorKind::kMalformedStartLine, ErrorKind::kMalformedUri}, 400);
}

// 3.1.2.11 Escaped headers in a SIP Request-URI: the RFC finds a 400 acceptable
// (and lets a liberal element ignore them); we refuse it, while parsing or
// while validating.
TEST(Rfc4475, escruri) {
  expect_rejected("escruri.dat", 400);
}

// 3.1.2.12 Invalid time zone in Date (only GMT, §20.17).
TEST(Rfc4475, baddate) {
  expect_parse_error("baddate.dat", {ErrorKind::kMalformedHeader}, 400);
}

// 3.1.2.13 Failure to enclose name-addr URI in <>.
TEST(Rfc4475, regbadct) {
  expect_rejected("regbadct.dat", 400);
}

// 3.1.2.14 Spaces within addr-spec.
TEST(Rfc4475, badaspec) {
  expect_parse_error("badaspec.dat", {ErrorKind::kMalformedHeader, ErrorKind::kMalformedUri}, 400);
}

// 3.1.2.15 Non-token characters in display name (the file also lacks the empty
// line that ends the header section).
TEST(Rfc4475, baddn) {
  expect_parse_error("baddn.dat", {ErrorKind::kMalformedHeader, ErrorKind::kIncomplete}, 400);
}

// 3.1.2.16 Unknown protocol version: 505.
TEST(Rfc4475, badvers) {
  expect_parse_error("badvers.dat", {ErrorKind::kBadVersion}, 505);
}

// 3.1.2.17 Start line and CSeq method mismatch: syntactically fine, refused
// by validation with 400.
TEST(Rfc4475, mismatch01) {
  PARSE_OK(m, "mismatch01.dat");
  EXPECT_EQ(m.request_line().method, Method::kOptions);
  ASSERT_NE(m.cseq(), nullptr);
  EXPECT_EQ(m.cseq()->method, Method::kInvite);
  auto v = validate(m);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().kind, ErrorKind::kMethodMismatch) << describe(v.error());
  EXPECT_EQ(v.error().status, 400);
}

// 3.1.2.18 Unknown method with CSeq method mismatch.
TEST(Rfc4475, mismatch02) {
  PARSE_OK(m, "mismatch02.dat");
  EXPECT_EQ(m.request_line().method, Method::kExtension);
  EXPECT_EQ(m.request_line().method_text, "NEWMETHOD");
  EXPECT_EQ(m.body().size(), 138u);
  auto v = validate(m);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().kind, ErrorKind::kMethodMismatch) << describe(v.error());
  EXPECT_EQ(v.error().status, 400);
}

// 3.1.2.19 Overlarge response code: a response, so nothing is answered.
TEST(Rfc4475, bigcode) {
  expect_parse_error("bigcode.dat", {ErrorKind::kMalformedStartLine}, 0);
}

// ---------------------------------------------------------------------------
// 3.2 Transaction layer semantics (the matching itself is tested there)
// ---------------------------------------------------------------------------

// 3.2.1 Missing transaction identifier: the branch is only the magic cookie.
TEST(Rfc4475, badbranch) {
  PARSE_OK(m, "badbranch.dat");
  ASSERT_NE(m.top_via(), nullptr);
  EXPECT_EQ(m.top_via()->branch, "z9hG4bK");
  EXPECT_EQ(m.top_via()->host, "192.0.2.1");
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
}

// ---------------------------------------------------------------------------
// 3.3 Application-layer semantics
// ---------------------------------------------------------------------------

// 3.3.1 Missing required header fields: 400 naming them.
TEST(Rfc4475, insuf) {
  PARSE_OK(m, "insuf.dat");
  EXPECT_EQ(m.get(HeaderId::kTo), nullptr);
  auto v = validate(m);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().kind, ErrorKind::kMissingHeader) << describe(v.error());
  EXPECT_EQ(v.error().status, 400);
  for (const char* name : {"To", "From", "Call-ID"}) {
    EXPECT_NE(v.error().reason.find(name), std::string::npos) << name << " in " << v.error().reason;
  }
}

// 3.3.2 Request-URI with unknown scheme: 416.
TEST(Rfc4475, unkscm) {
  PARSE_OK(m, "unkscm.dat");
  const Uri& ruri = m.request_line().uri;
  EXPECT_EQ(ruri.scheme, UriScheme::kOther);
  EXPECT_EQ(ruri.scheme_text, "nobodyKnowsThisScheme");
  EXPECT_EQ(ruri.opaque, "totallyopaquecontent");
  auto v = validate(m);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().kind, ErrorKind::kUnsupportedScheme) << describe(v.error());
  EXPECT_EQ(v.error().status, 416);
}

// 3.3.3 Request-URI with known but atypical scheme: parses; we cannot handle
// it, so 416.
TEST(Rfc4475, novelsc) {
  PARSE_OK(m, "novelsc.dat");
  EXPECT_EQ(m.request_line().uri.scheme, UriScheme::kOther);
  EXPECT_EQ(m.request_line().uri.scheme_text, "soap.beep");
  EXPECT_EQ(m.request_line().uri.opaque, "//192.0.2.103:3002");
  auto v = validate(m);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().status, 416) << describe(v.error());
}

// 3.3.4 Unknown URI schemes in header fields: not a reason to refuse.
TEST(Rfc4475, unksm2) {
  PARSE_OK(m, "unksm2.dat");
  ASSERT_NE(m.to(), nullptr);
  EXPECT_EQ(m.to()->uri.scheme, UriScheme::kOther);
  EXPECT_EQ(m.to()->uri.text, "isbn:2983792873");
  ASSERT_NE(m.from(), nullptr);
  EXPECT_EQ(m.from()->uri.scheme, UriScheme::kOther);
  EXPECT_EQ(m.from()->uri.text, "http://www.example.com");
  EXPECT_EQ(m.from()->tag(), "3234233");
  const Field* contact = m.get(HeaderId::kContact);
  ASSERT_NE(contact, nullptr);
  ASSERT_NE(contact->as<NameAddr>(), nullptr);
  EXPECT_EQ(contact->as<NameAddr>()->uri.scheme_text, "name");
  EXPECT_EQ(contact->as<NameAddr>()->uri.opaque, "John_Smith");
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
}

// 3.3.5 Proxy-Require and Require with unknown options: a UAS answers 420
// listing them (§8.2.2.3).
TEST(Rfc4475, bext01) {
  PARSE_OK(m, "bext01.dat");
  auto require = m.get_all(HeaderId::kRequire);
  ASSERT_EQ(require.size(), 2u);
  ASSERT_NE(require[1]->as<Token>(), nullptr);
  EXPECT_EQ(require[1]->as<Token>()->token, "nothingSupportsThisEither");
  EXPECT_EQ(m.count(HeaderId::kProxyRequire), 2u);
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));  // not checked unless asked

  ValidateOptions options;
  options.check_require = true;
  auto v = validate(m, options);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().status, 420) << describe(v.error());
  EXPECT_NE(v.error().reason.find("nothingSupportsThis"), std::string::npos) << v.error().reason;
  EXPECT_NE(v.error().reason.find("nothingSupportsThisEither"), std::string::npos)
      << v.error().reason;

  options.supported = {"nothingSupportsThis", "nothingSupportsThisEither"};
  EXPECT_TRUE(validate(m, options).ok()) << describe(validate(m, options));
}

// 3.3.6 Unknown Content-Type: 415 with Accept listing what we take.
TEST(Rfc4475, invut) {
  PARSE_OK(m, "invut.dat");
  EXPECT_EQ(m.body().size(), 40u);
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
  ValidateOptions options;
  options.accepted_content_types = {"application/sdp"};
  auto v = validate(m, options);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().status, 415) << describe(v.error());
  EXPECT_NE(v.error().reason.find("application/sdp"), std::string::npos) << v.error().reason;
}

// 3.3.7 Unknown authorization scheme: parses, kept for the challenger.
TEST(Rfc4475, regaut01) {
  PARSE_OK(m, "regaut01.dat");
  const Field* auth = m.get(HeaderId::kAuthorization);
  ASSERT_NE(auth, nullptr);
  ASSERT_NE(auth->as<Auth>(), nullptr);
  EXPECT_EQ(auth->as<Auth>()->scheme, "NoOneKnowsThisScheme");
  EXPECT_EQ(param_value(auth->as<Auth>()->params, "opaque-data"), "here");
  EXPECT_EQ(m.content_length(), 0u);
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
}

// 3.3.8 Multiple values in single-value required fields: 400.
TEST(Rfc4475, multi01) {
  expect_rejected("multi01.dat", 400);
}

// 3.3.9 Multiple Content-Length values: 400.
TEST(Rfc4475, mcl01) {
  expect_rejected("mcl01.dat", 400);
}

// 3.3.10 200 OK response with broadcast Via header field value: parses.
TEST(Rfc4475, bcast) {
  PARSE_OK(m, "bcast.dat");
  EXPECT_EQ(m.status_code(), 200);
  auto vias = m.get_all(HeaderId::kVia);
  ASSERT_EQ(vias.size(), 2u);
  ASSERT_NE(vias[1]->as<Via>(), nullptr);
  EXPECT_EQ(vias[1]->as<Via>()->host, "255.255.255.255");
  EXPECT_EQ(vias[1]->as<Via>()->host_type, HostType::kIPv4);
  EXPECT_EQ(m.body().size(), 154u);
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
}

// 3.3.11 Max-Forwards of zero: a UAS may answer the OPTIONS; a proxy 483.
TEST(Rfc4475, zeromf) {
  PARSE_OK(m, "zeromf.dat");
  EXPECT_EQ(m.max_forwards(), 0u);
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
  ValidateOptions proxy;
  proxy.proxy = true;
  auto v = validate(m, proxy);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().kind, ErrorKind::kTooManyHops) << describe(v.error());
  EXPECT_EQ(v.error().status, 483);
}

// 3.3.12 REGISTER with a contact header parameter: without <>, `unknownparam`
// belongs to the Contact, not to the URI (§20.10).
TEST(Rfc4475, cparam01) {
  PARSE_OK(m, "cparam01.dat");
  const Field* contact = m.get(HeaderId::kContact);
  ASSERT_NE(contact, nullptr);
  const NameAddr* c = contact->as<NameAddr>();
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->angle_brackets);
  EXPECT_EQ(c->uri.user, "+19725552222");
  EXPECT_EQ(c->uri.host, "gw1.example.net");
  EXPECT_TRUE(c->uri.params.empty());
  EXPECT_TRUE(c->params.has("unknownparam"));
  ASSERT_NE(m.from(), nullptr);
  EXPECT_EQ(m.from()->tag(), "DkfVgjkrtMwaerKKpe");
  EXPECT_TRUE(m.from()->uri.params.empty());
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
}

// 3.3.13 REGISTER with a URI parameter: inside <>, it belongs to the URI.
TEST(Rfc4475, cparam02) {
  PARSE_OK(m, "cparam02.dat");
  const Field* contact = m.get(HeaderId::kContact);
  ASSERT_NE(contact, nullptr);
  const NameAddr* c = contact->as<NameAddr>();
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->angle_brackets);
  EXPECT_TRUE(c->uri.params.has("unknownparam"));
  EXPECT_TRUE(c->params.empty());
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
}

// 3.3.14 REGISTER with a URL escaped header in the Contact.
TEST(Rfc4475, regescrt) {
  PARSE_OK(m, "regescrt.dat");
  const Field* contact = m.get(HeaderId::kContact);  // written "M:"
  ASSERT_NE(contact, nullptr);
  ASSERT_NE(contact->as<NameAddr>(), nullptr);
  const Uri& uri = contact->as<NameAddr>()->uri;
  EXPECT_EQ(uri.user, "user");
  EXPECT_EQ(uri.host, "example.com");
  EXPECT_EQ(uri.headers, "Route=%3Csip:sip.example.com%3E");
  EXPECT_EQ(unescape(uri.headers), "Route=<sip:sip.example.com>");
  EXPECT_EQ(m.content_length(), 0u);
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
}

// 3.3.15 Accept that excludes the offered body type: the SDP body itself is
// fine (no 415), but no answer can be written in text/nobodyKnowsThis: 406.
TEST(Rfc4475, sdp01) {
  PARSE_OK(m, "sdp01.dat");
  const Field* accept = m.get(HeaderId::kAccept);
  ASSERT_NE(accept, nullptr);
  ASSERT_NE(accept->as<MediaType>(), nullptr);
  EXPECT_EQ(accept->as<MediaType>()->type, "text");
  EXPECT_EQ(accept->as<MediaType>()->subtype, "nobodyKnowsThis");

  ValidateOptions body_only;
  body_only.accepted_content_types = {"application/sdp"};
  EXPECT_TRUE(validate(m, body_only).ok()) << describe(validate(m, body_only));

  ValidateOptions options = body_only;
  options.producible_content_types = {"application/sdp"};
  auto v = validate(m, options);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().status, 406) << describe(v.error());
}

// ---------------------------------------------------------------------------
// 3.4 Backward compatibility
// ---------------------------------------------------------------------------

// 3.4.1 INVITE with RFC 2543 syntax: no branch, no From tag, no
// Content-Length, no Max-Forwards. Parse and accept.
TEST(Rfc4475, inv2543) {
  const std::string raw = load("inv2543.dat");
  PARSE_OK(m, "inv2543.dat");
  EXPECT_EQ(m.request_line().method, Method::kInvite);
  ASSERT_NE(m.top_via(), nullptr);
  EXPECT_EQ(m.top_via()->branch, "");
  EXPECT_EQ(m.top_via()->host, "iftgw.example.com");
  ASSERT_NE(m.from(), nullptr);
  EXPECT_EQ(m.from()->tag(), "");
  EXPECT_EQ(param_value(m.from()->uri.params, "user"), "phone");
  ASSERT_NE(m.to(), nullptr);
  EXPECT_EQ(m.to()->uri.user, "+16505552222");
  EXPECT_FALSE(m.content_length().has_value());
  EXPECT_FALSE(m.max_forwards().has_value());
  EXPECT_EQ(m.body(), raw_body(raw));  // the rest of the datagram
  const Field* rr = m.get(HeaderId::kRecordRoute);
  ASSERT_NE(rr, nullptr);
  ASSERT_NE(rr->as<NameAddr>(), nullptr);
  EXPECT_EQ(param_value(rr->as<NameAddr>()->uri.params, "maddr"), "ss1.example.com");
  // RFC 4475 §3.4.1: elements that keep backwards compatibility accept it.
  EXPECT_TRUE(validate(m).ok()) << describe(validate(m));
}

// Every file of the corpus has its test above.
TEST(Rfc4475, corpus_has_49_files) {
  const char* files[] = {
      "wsinv",    "intmeth",    "esc01",      "escnull",  "esc02",     "lwsdisp",  "longreq",
      "dblreq",   "semiuri",    "transports", "mpart01",  "unreason",  "noreason", "badinv01",
      "clerr",    "ncl",        "scalar02",   "scalarlg", "quotbal",   "ltgtruri", "lwsruri",
      "lwsstart", "trws",       "escruri",    "baddate",  "regbadct",  "badaspec", "baddn",
      "badvers",  "mismatch01", "mismatch02", "bigcode",  "badbranch", "insuf",    "unkscm",
      "novelsc",  "unksm2",     "bext01",     "invut",    "regaut01",  "multi01",  "mcl01",
      "bcast",    "zeromf",     "cparam01",   "cparam02", "regescrt",  "sdp01",    "inv2543"};
  EXPECT_EQ(std::size(files), 49u);
  for (const char* f : files)
    EXPECT_FALSE(load(std::string(f) + ".dat").empty()) << f;
}

}  // namespace
}  // namespace sippet::message
