// Values put by an edit (Message::put, put_front, put_back) are typed by the
// parser's fast paths when they take them (src/message/message.cpp,
// parse_fast): each must give the field the general §25.1 parser gives the
// same header line in a received message, view for view.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "../../support/message_dump.hpp"
#include "sippet/message/builder.hpp"
#include "sippet/message/parser.hpp"

namespace sippet::message {
namespace {

struct Case {
  HeaderId id;
  std::string_view name;
  std::string_view value;
};

// The fields of `id` in `m`, each dumped relative to its own value (the
// name left out: a put field's name is the canonical one, not in its text).
std::vector<std::string> dump_fields(const Message& m, HeaderId id) {
  static const std::regex kName("name=[^ ]* ");
  std::vector<std::string> out;
  for (const Field& f : m.fields())
    if (f.id == id) out.push_back(std::regex_replace(test::MessageDump(f).str(), kName, ""));
  return out;
}

// What the general parser makes of "name: value" in a received request.
std::vector<std::string> parsed_generally(const Case& c) {
  std::string text = "OPTIONS sip:bob@example.com SIP/2.0\r\n";
  text += std::string(c.name) + ": " + std::string(c.value) + "\r\n";
  text += "Content-Length: 0\r\n\r\n";
  ParseOptions options;
  options.fast_paths = false;
  auto parsed = parse_message(text, options);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? dump_fields(*parsed, c.id) : std::vector<std::string>{};
}

const Case kCases[] = {
    {HeaderId::kVia, "Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK.abc;rport"},
    {HeaderId::kVia, "Via", "SIP/2.0/TCP proxy.example.com;branch=z9hG4bK1;received=192.0.2.9"},
    {HeaderId::kVia, "Via", "SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b;branch=x"},
    {HeaderId::kVia, "Via", "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK2"},
    {HeaderId::kRecordRoute, "Record-Route", "<sip:192.0.2.1:5060;lr>"},
    {HeaderId::kRoute, "Route", "<sip:p1.example.com;lr>, <sip:p2.example.com;lr>"},
    {HeaderId::kContact, "Contact", "\"Bob\" <sip:bob@192.0.2.4;transport=tcp>;expires=60"},
    {HeaderId::kTo, "To", "<sip:bob@example.com>;tag=a6c85cf"},
    {HeaderId::kFrom, "From", "Alice <sip:alice@example.com>;tag=1928301774"},
    {HeaderId::kMaxForwards, "Max-Forwards", "69"},
    {HeaderId::kCSeq, "CSeq", "4711 INVITE"},
    {HeaderId::kCallId, "Call-ID", "a84b4c76e66710@pc33.example.com"},
    {HeaderId::kContentType, "Content-Type", "application/sdp"},
    {HeaderId::kSubject, "Subject", "Performance test"},
};

TEST(PutFastPath, TypesValuesLikeTheGeneralParser) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(c.name) + ": " + std::string(c.value));
    auto built = build_request("OPTIONS", "sip:bob@example.com");
    ASSERT_TRUE(built.ok());
    ASSERT_TRUE(built->put(c.id, c.value).ok());
    const auto expected = parsed_generally(c);
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(dump_fields(*built, c.id), expected);
    // put_front and put_back type it the same way.
    ASSERT_TRUE(built->put_front(c.id, c.value).ok());
    ASSERT_TRUE(built->put_back(c.id, c.value).ok());
    auto all = expected;
    all.insert(all.end(), expected.begin(), expected.end());
    all.insert(all.end(), expected.begin(), expected.end());
    EXPECT_EQ(dump_fields(*built, c.id), all);
  }
}

TEST(PutFastPath, ValuesTheFastPathDeclinesStillParse) {
  auto built = build_request("OPTIONS", "sip:bob@example.com");
  ASSERT_TRUE(built.ok());
  // LWS around the separators and an escaped URI: the general parser's.
  ASSERT_TRUE(built->put(HeaderId::kVia, "SIP / 2.0 / UDP host ; branch = z9hG4bK3").ok());
  EXPECT_EQ(built->top_via()->branch, "z9hG4bK3");
  ASSERT_TRUE(built->put(HeaderId::kTo, "<sip:b%40b@example.com>").ok());
  EXPECT_EQ(built->to()->uri.user, "b%40b");
  EXPECT_FALSE(built->put(HeaderId::kMaxForwards, "seventy").ok());
  EXPECT_FALSE(built->put(HeaderId::kVia, "SIP/2.0/UDP").ok());
}

}  // namespace
}  // namespace sippet::message
