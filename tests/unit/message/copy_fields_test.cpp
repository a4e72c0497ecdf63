// copy_fields: a header parsed once, copied into other messages without a
// new parse (builder.hpp).
#include <gtest/gtest.h>

#include "sippet/message/builder.hpp"
#include "sippet/message/parser.hpp"

namespace sippet::message {
namespace {

TEST(CopyFields, CopiesEveryValueTypedAndOwned) {
  std::string text = "<sip:a@192.0.2.1:5060;transport=udp>;expires=60, \"B\" <sip:b@example.com>";
  Message source;
  ASSERT_TRUE(source.put(HeaderId::kContact, text));
  ASSERT_TRUE(source.put(HeaderId::kSubject, "not copied"));

  auto target = build_response(*parse_message("OPTIONS sip:x@example.com SIP/2.0\r\n"
                                              "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK1\r\n"
                                              "From: <sip:y@example.com>;tag=1\r\n"
                                              "To: <sip:x@example.com>\r\n"
                                              "Call-ID: c1\r\n"
                                              "CSeq: 1 OPTIONS\r\n"
                                              "Content-Length: 0\r\n\r\n"),
                               200);
  ASSERT_TRUE(target);
  ASSERT_TRUE(copy_fields(*target, source, HeaderId::kContact));
  {
    // The source goes away: the copies own their text.
    Message gone = std::move(source);
    text.assign(text.size(), 'x');
  }
  auto contacts = target->get_all(HeaderId::kContact);
  ASSERT_EQ(contacts.size(), 2u);
  const auto* first = contacts[0]->as<NameAddr>();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->uri.host, "192.0.2.1");
  EXPECT_EQ(first->uri.port, 5060);
  EXPECT_EQ(first->params.get("expires"), std::optional<std::string_view>("60"));
  const auto* second = contacts[1]->as<NameAddr>();
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->display_name, "\"B\"");
  EXPECT_EQ(second->uri.host, "example.com");
  EXPECT_FALSE(target->has(HeaderId::kSubject));
  const std::string wire = target->to_string();
  EXPECT_NE(wire.find("Contact: <sip:a@192.0.2.1:5060;transport=udp>;expires=60\r\n"),
            std::string::npos);
  // The wire form parses back with the same Contact values.
  auto again = parse_message(wire);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->get_all(HeaderId::kContact).size(), 2u);
}

TEST(CopyFields, FoldedValuesAreWrittenUnfoldedByTheCopy) {
  // Parsed folded (§7.3.1) and put folded: the target, whose own fields have
  // no folding, writes the copies on one line each.
  auto parsed = parse_message(
      "OPTIONS sip:x@example.com SIP/2.0\r\n"
      "Contact: <sip:a@192.0.2.1>\r\n ;expires=60\r\n"
      "Content-Length: 0\r\n\r\n");
  ASSERT_TRUE(parsed);
  Message put;
  ASSERT_TRUE(put.put(HeaderId::kContact, "\"B\"\r\n\t<sip:b@example.com>"));
  Message target;
  ASSERT_TRUE(target.put(HeaderId::kSubject, "s"));
  ASSERT_TRUE(copy_fields(target, *parsed, HeaderId::kContact));
  ASSERT_TRUE(copy_fields(target, put, HeaderId::kContact));
  const std::string wire = target.to_string();
  EXPECT_NE(wire.find("Subject: s\r\n"
                      "Contact: <sip:a@192.0.2.1> ;expires=60\r\n"
                      "Contact: \"B\" <sip:b@example.com>\r\n"),
            std::string::npos)
      << wire;
}

TEST(CopyFields, NothingToCopyIsNotAnError) {
  Message source;
  Message target;
  EXPECT_TRUE(copy_fields(target, source, HeaderId::kContact));
  EXPECT_TRUE(target.fields().empty());
}

}  // namespace
}  // namespace sippet::message

namespace sippet::message {
namespace {

TEST(CopyFields, IntoTheSameMessageDuplicatesTheValues) {
  Message m;
  ASSERT_TRUE(m.put(HeaderId::kContact, "<sip:a@192.0.2.1>"));
  ASSERT_TRUE(copy_fields(m, m, HeaderId::kContact));
  auto contacts = m.get_all(HeaderId::kContact);
  ASSERT_EQ(contacts.size(), 2u);
  EXPECT_EQ(contacts[1]->as<NameAddr>()->uri.host, "192.0.2.1");
}

}  // namespace
}  // namespace sippet::message
