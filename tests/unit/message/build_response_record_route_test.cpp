// build_response and Record-Route (RFC 3261 §12.1.1): a response that
// creates a dialog (101-299 to INVITE, SUBSCRIBE or REFER) carries every
// Record-Route value of the request, in order, params included; no other
// response does.
#include <gtest/gtest.h>

#include <memory>
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

// A request of `method` with three Record-Route values on two lines (one
// with a display name and an unknown param, one folded).
std::string request(std::string_view method) {
  std::string m(method);
  return m +
         " sip:bob@biloxi.example.com SIP/2.0\r\n"
         "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1\r\n"
         "Record-Route: <sip:p1.example.com;lr>, \"Edge\" "
         "<sip:p2.example.com;lr;ftag=x>;foo=bar\r\n"
         "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776\r\n"
         "Max-Forwards: 69\r\n"
         "To: Bob <sip:bob@biloxi.example.com>\r\n"
         "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
         "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
         "CSeq: 1 " +
         m +
         "\r\n"
         "Record-Route:\r\n <sip:[2001:db8::1]:5070;transport=tcp;lr>\r\n"
         "Content-Length: 0\r\n\r\n";
}

const std::vector<std::string_view> kRoutes = {"<sip:p1.example.com;lr>",
                                               "\"Edge\" <sip:p2.example.com;lr;ftag=x>;foo=bar",
                                               "<sip:[2001:db8::1]:5070;transport=tcp;lr>"};

std::vector<std::string> record_routes(const Message& m) {
  std::vector<std::string> out;
  for (const Field* f : m.get_all(HeaderId::kRecordRoute))
    out.emplace_back(f->value);
  return out;
}

std::vector<std::string> expected() {
  return {kRoutes.begin(), kRoutes.end()};
}

TEST(BuildResponseRecordRoute, CopiedInOrderIntoResponsesThatCreateDialogs) {
  for (std::string_view method : {"INVITE", "SUBSCRIBE", "REFER"}) {
    for (int code : {101, 180, 183, 200, 202, 299}) {
      SCOPED_TRACE(std::string(method) + " " + std::to_string(code));
      auto invite = std::make_unique<Message>(parse(request(method)));
      auto r = build_response(*invite, code, {}, "tt1");
      ASSERT_TRUE(r) << r.error().reason;
      Message response = std::move(*r);
      invite.reset();  // the copies are the response's own
      EXPECT_EQ(record_routes(response), expected());
      auto routes = response.get_all(HeaderId::kRecordRoute);
      ASSERT_EQ(routes.size(), 3u);
      const NameAddr* edge = routes[1]->as<NameAddr>();
      ASSERT_NE(edge, nullptr);
      EXPECT_EQ(edge->display_name, "\"Edge\"");
      EXPECT_EQ(edge->uri.host, "p2.example.com");
      EXPECT_EQ(edge->uri.params.get("ftag"), "x");
      EXPECT_EQ(edge->params.get("foo"), "bar");
      const NameAddr* last = routes[2]->as<NameAddr>();
      ASSERT_NE(last, nullptr);
      EXPECT_EQ(last->uri.port, 5070);
      EXPECT_EQ(last->uri.transport(), "tcp");
      // The serialization parses back to the same values, in order.
      Message again = parse(response.to_string());
      EXPECT_EQ(record_routes(again), expected());
    }
  }
}

TEST(BuildResponseRecordRoute, ExactText) {
  Message invite = parse(request("INVITE"));
  auto r = build_response(invite, 200, {}, "tt1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->to_string(),
            "SIP/2.0 200 OK\r\n"
            "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1\r\n"
            "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776\r\n"
            "Record-Route: <sip:p1.example.com;lr>\r\n"
            "Record-Route: \"Edge\" <sip:p2.example.com;lr;ftag=x>;foo=bar\r\n"
            "Record-Route: <sip:[2001:db8::1]:5070;transport=tcp;lr>\r\n"
            "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
            "To: Bob <sip:bob@biloxi.example.com>;tag=tt1\r\n"
            "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
            "CSeq: 1 INVITE\r\n"
            "Content-Length: 0\r\n\r\n");
}

TEST(BuildResponseRecordRoute, NotCopiedIntoTryingOrFailures) {
  for (std::string_view method : {"INVITE", "SUBSCRIBE", "REFER"}) {
    for (int code : {100, 300, 302, 404, 486, 500, 603}) {
      SCOPED_TRACE(std::string(method) + " " + std::to_string(code));
      Message invite = parse(request(method));
      auto r = build_response(invite, code);
      ASSERT_TRUE(r) << r.error().reason;
      EXPECT_EQ(r->count(HeaderId::kRecordRoute), 0u);
    }
  }
}

TEST(BuildResponseRecordRoute, NotCopiedForMethodsThatCreateNoDialog) {
  for (std::string_view method :
       {"OPTIONS", "REGISTER", "BYE", "MESSAGE", "INFO", "UPDATE", "PRACK", "PUBLISH", "FOO"}) {
    SCOPED_TRACE(method);
    Message m = parse(request(method));
    for (int code : {180, 200}) {
      auto r = build_response(m, code);
      ASSERT_TRUE(r) << r.error().reason;
      EXPECT_EQ(r->count(HeaderId::kRecordRoute), 0u);
    }
  }
}

TEST(BuildResponseRecordRoute, NoneInTheRequestNoneInTheResponse) {
  Message invite = parse(
      "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
      "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776\r\n"
      "To: <sip:bob@biloxi.example.com>\r\n"
      "From: <sip:alice@atlanta.example.com>;tag=1\r\n"
      "Call-ID: c1\r\n"
      "CSeq: 1 INVITE\r\n\r\n");
  auto r = build_response(invite, 200);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->count(HeaderId::kRecordRoute), 0u);
}

}  // namespace
}  // namespace sippet::message
