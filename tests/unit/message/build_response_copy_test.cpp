// build_response copies typed header values (§8.2.6.1) without parsing them
// again: a value as received keeps its views, the response sharing the
// request's received bytes; any other is moved into the response's own
// storage. These tests check the copies against an independent oracle: the
// parser run on the response's serialization, after the request is
// destroyed and its storage could have been reused.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sippet/message/builder.hpp"
#include "sippet/message/parser.hpp"

namespace sippet::message {
namespace {

Message parse(std::string_view text) {
  auto m = parse_message(text);
  EXPECT_TRUE(m) << (m ? "" : m.error().reason);
  return m ? std::move(*m) : Message();
}

void expect_same(const Params& a, const Params& b) {
  EXPECT_EQ(a.raw(), b.raw());
  EXPECT_EQ(a.separator(), b.separator());
}

void expect_same(const Uri& a, const Uri& b) {
  EXPECT_EQ(a.scheme, b.scheme);
  EXPECT_EQ(a.scheme_text, b.scheme_text);
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.password, b.password);
  EXPECT_EQ(a.has_user, b.has_user);
  EXPECT_EQ(a.has_password, b.has_password);
  EXPECT_EQ(a.host, b.host);
  EXPECT_EQ(a.host_type, b.host_type);
  EXPECT_EQ(a.port, b.port);
  EXPECT_EQ(a.has_port, b.has_port);
  expect_same(a.params, b.params);
  EXPECT_EQ(a.headers, b.headers);
  EXPECT_EQ(a.opaque, b.opaque);
  EXPECT_EQ(a.text, b.text);
}

// Typed equality for the alternatives build_response copies.
void expect_same(const Field& a, const Field& b) {
  ASSERT_EQ(a.id, b.id);
  ASSERT_EQ(a.typed.index(), b.typed.index()) << a.value;
  if (const auto* x = a.as<Via>()) {
    const auto* y = b.as<Via>();
    EXPECT_EQ(x->protocol_name, y->protocol_name);
    EXPECT_EQ(x->protocol_version, y->protocol_version);
    EXPECT_EQ(x->transport, y->transport);
    EXPECT_EQ(x->host, y->host);
    EXPECT_EQ(x->host_type, y->host_type);
    EXPECT_EQ(x->port, y->port);
    EXPECT_EQ(x->has_port, y->has_port);
    expect_same(x->params, y->params);
    EXPECT_EQ(x->branch, y->branch);
  } else if (const auto* x = a.as<NameAddr>()) {
    const auto* y = b.as<NameAddr>();
    EXPECT_EQ(x->display_name, y->display_name);
    expect_same(x->uri, y->uri);
    expect_same(x->params, y->params);
    EXPECT_EQ(x->angle_brackets, y->angle_brackets);
    EXPECT_EQ(x->tag(), y->tag());
  } else if (const auto* x = a.as<CSeq>()) {
    const auto* y = b.as<CSeq>();
    EXPECT_EQ(x->seq, y->seq);
    EXPECT_EQ(x->method, y->method);
    EXPECT_EQ(x->method_text, y->method_text);
  } else if (const auto* x = a.as<Text>()) {
    EXPECT_EQ(x->text, b.as<Text>()->text);
  } else if (const auto* x = a.as<Timestamp>()) {
    EXPECT_EQ(x->time, b.as<Timestamp>()->time);
    EXPECT_EQ(x->delay, b.as<Timestamp>()->delay);
  } else {
    ADD_FAILURE() << "unexpected header copied: " << a.value;
  }
}

// A message as long as the requests below, of other text: parsed after a
// request is gone, it takes the request's received-bytes buffer from the
// pool if the request gave it back, and overwrites it.
const std::string kOverwrite =
    "OPTIONS sip:z@z.example SIP/2.0\r\nSubject: " + std::string(600, 'z') + "\r\n\r\n";

// Builds a response to `request_text`, destroys the request, parses other
// messages (which reuse and overwrite the received-bytes buffers given back),
// then compares every field with the parse of the response's own text. A
// response may keep views into the request's received bytes: it then keeps
// those bytes alive.
void check_copy(std::string_view request_text, int code, std::string_view tag) {
  std::optional<Message> response;
  {
    Message request = parse(request_text);
    auto built = build_response(request, code, {}, tag);
    ASSERT_TRUE(built) << built.error().reason;
    response = std::move(*built);
  }  // the request is gone
  for (int i = 0; i < 4; ++i) {
    Message other = parse(kOverwrite);
    EXPECT_EQ(other.get(HeaderId::kSubject)->value, std::string(600, 'z'));
  }
  const std::string text = response->to_string();
  Message reparsed = parse(text);
  // The serialization adds the Content-Length (§20.14), last.
  ASSERT_EQ(response->fields().size() + 1, reparsed.fields().size()) << text;
  EXPECT_EQ(reparsed.fields().back().id, HeaderId::kContentLength);
  for (std::size_t i = 0; i < response->fields().size(); ++i) {
    expect_same(response->fields()[i], reparsed.fields()[i]);
  }
}

constexpr std::string_view kInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n"
    "Via: SIP/2.0/TCP [2001:db8::9]:5061;branch=z9hG4bKnashds8;received=192.0.2.3, "
    "SIP/2.0/UDP h3.example.com;branch=z9hG4bK3\r\n"
    "Max-Forwards: 70\r\n"
    "To: \"Bob \\\"B\\\"\" <sip:bob@biloxi.example.com;user=phone>;x=1\r\n"
    "From: Alice <sip:alice:pw@atlanta.example.com?subject=hi>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Timestamp: 54.2 0.5\r\n"
    "Content-Length: 0\r\n\r\n";

TEST(BuildResponseCopy, EveryCopiedFieldMatchesTheParseOfTheResponse) {
  for (int code : {100, 180, 200, 486}) {
    SCOPED_TRACE(code);
    check_copy(kInvite, code, "abc123");
  }
}

TEST(BuildResponseCopy, EditedRequestFieldsAreCopiedIntoTheResponse) {
  // Edited values live in the request's arena, which ends with it: the
  // response copies their text into its own storage.
  std::optional<Message> response;
  {
    Message request = parse(kInvite);
    ASSERT_TRUE(request.set_param(HeaderId::kVia, "received", "192.0.2.77"));
    ASSERT_TRUE(request.put(HeaderId::kCallId, "edited-call-id@example.com"));
    auto built = build_response(request, 200, {}, "t9");
    ASSERT_TRUE(built) << built.error().reason;
    response = std::move(*built);
  }
  for (int i = 0; i < 4; ++i)
    Message other = parse(kOverwrite);
  EXPECT_EQ(response->top_via()->params.get("received"), "192.0.2.77");
  EXPECT_EQ(response->call_id(), "edited-call-id@example.com");
  EXPECT_EQ(response->from()->tag(), "1928301774");
  EXPECT_EQ(response->to()->tag(), "t9");
  const std::string text = response->to_string();
  Message reparsed = parse(text);
  ASSERT_EQ(response->fields().size() + 1, reparsed.fields().size()) << text;
  for (std::size_t i = 0; i < response->fields().size(); ++i) {
    expect_same(response->fields()[i], reparsed.fields()[i]);
  }
}

TEST(BuildResponseCopy, ExactText) {
  Message request = parse(kInvite);
  auto r = build_response(request, 180, {}, "t1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->to_string(),
            "SIP/2.0 180 Ringing\r\n"
            "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n"
            "Via: SIP/2.0/TCP [2001:db8::9]:5061;branch=z9hG4bKnashds8;received=192.0.2.3\r\n"
            "Via: SIP/2.0/UDP h3.example.com;branch=z9hG4bK3\r\n"
            "From: Alice <sip:alice:pw@atlanta.example.com?subject=hi>;tag=1928301774\r\n"
            "To: \"Bob \\\"B\\\"\" <sip:bob@biloxi.example.com;user=phone>;x=1;tag=t1\r\n"
            "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
            "CSeq: 314159 INVITE\r\n"
            "Content-Length: 0\r\n\r\n");
  EXPECT_EQ(r->to()->tag(), "t1");
  EXPECT_EQ(r->to()->params.get("x"), "1");
}

// An OPTIONS up to its To (each test adds one).
constexpr std::string_view kOptionsHead =
    "OPTIONS sip:b@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
    "From: <sip:a@example.com>;tag=9\r\n"
    "Call-ID: c1\r\n"
    "CSeq: 1 OPTIONS\r\n";

TEST(BuildResponseCopy, ToShapes) {
  const std::string head(kOptionsHead);
  for (std::string to : {"sip:b@example.com", "sip:b@example.com;user=phone", "<sip:b@example.com>",
                         "B <sip:b@example.com>;a;b=\"q\"", "<tel:+1-201-555-0123>",
                         "\"B\" <sip:b@[::1]:5070;transport=tcp>"}) {
    SCOPED_TRACE(to);
    check_copy(head + "To: " + to + "\r\n\r\n", 200, "zz9");
  }
}

// A To longer than an arena chunk (1024 octets): the tagged text takes
// storage of its own, and the views of the value move into it.
TEST(BuildResponseCopy, LongToGetsItsTag) {
  const std::string head(kOptionsHead);
  const std::string user(1500, 'u');
  const std::string param(1500, 'p');
  for (std::string to : {"\"Bob\" <sip:" + user + "@192.0.2.4:5070>",
                         "sip:b@example.com;x=" + param, "B <sip:b@example.com>;y=" + param}) {
    SCOPED_TRACE(to.size());
    check_copy(head + "To: " + to + "\r\n\r\n", 200, "zz9");
    Message request = parse(head + "To: " + to + "\r\n\r\n");
    auto r = build_response(request, 180, {}, "zz9");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->to()->tag(), "zz9");
    EXPECT_NE(r->to_string().find("To: " + to + ";tag=zz9\r\n"), std::string::npos);
  }
}

TEST(BuildResponseCopy, FoldedValuesAreCopiedAndWrittenUnfolded) {
  const std::string text =
      "INVITE sip:b@example.com SIP/2.0\r\n"
      "Via: SIP/2.0/UDP h.example.com\r\n ;branch=z9hG4bK1\r\n"
      "To: B\r\n\t<sip:b@example.com>\r\n"
      "From: <sip:a@example.com>;tag=9\r\n"
      "Call-ID: c1\r\n"
      "CSeq: 1\r\n INVITE\r\n\r\n";
  check_copy(text, 200, "t");
  Message request = parse(text);
  auto r = build_response(request, 200, {}, "t");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->top_via()->branch, "z9hG4bK1");
  EXPECT_EQ(r->to()->tag(), "t");
  EXPECT_NE(r->to_string().find("To: B <sip:b@example.com>;tag=t\r\n"), std::string::npos);
}

TEST(BuildResponseCopy, ToTagThatIsNotATokenGoesThroughTheParser) {
  Message request = parse(kInvite);
  // A quoted tag is a valid gen-value (§25.1 generic-param), not a token.
  auto quoted = build_response(request, 200, {}, "\"q\"");
  ASSERT_TRUE(quoted) << quoted.error().reason;
  EXPECT_EQ(quoted->to()->params.get("tag"), "\"q\"");
  // A space cannot be in a param value: an error, not a broken header.
  EXPECT_FALSE(build_response(request, 200, {}, "a b"));
}

}  // namespace
}  // namespace sippet::message
