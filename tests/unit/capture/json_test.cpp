// JSON string literals (RFC 8259 §7) and UTF-8 checks (RFC 3629 §4).
#include "sippet/capture/json.hpp"

#include <gtest/gtest.h>

namespace sippet::capture {
namespace {

std::string json(std::string_view text) {
  std::string out;
  append_json_string(text, out);
  return out;
}

TEST(JsonString, PlainTextIsQuoted) {
  EXPECT_EQ(json("INVITE sip:bob@example.com SIP/2.0"), "\"INVITE sip:bob@example.com SIP/2.0\"");
  EXPECT_EQ(json(""), "\"\"");
}

TEST(JsonString, QuotesBackslashesAndControlsAreEscaped) {
  EXPECT_EQ(json("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json("l1\r\nl2\tx"), "\"l1\\r\\nl2\\tx\"");
  EXPECT_EQ(json(std::string_view("\0\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\\u007f\"");
}

TEST(JsonString, ValidUtf8IsKept) {
  // é (2 octets), € (3), 𝄞 (4).
  EXPECT_EQ(json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e\"");
}

TEST(JsonString, OctetsThatAreNotUtf8BecomeLatin1Escapes) {
  EXPECT_EQ(json("\xff"), "\"\\u00ff\"");
  EXPECT_EQ(json("a\xc3"), "\"a\\u00c3\"");                      // truncated sequence
  EXPECT_EQ(json("\xc0\xaf"), "\"\\u00c0\\u00af\"");             // overlong '/'
  EXPECT_EQ(json("\xed\xa0\x80"), "\"\\u00ed\\u00a0\\u0080\"");  // a surrogate
}

TEST(Utf8, ValidAndInvalidSequences) {
  EXPECT_TRUE(is_utf8("plain ASCII, longer than eight octets"));
  EXPECT_TRUE(is_utf8("\xf4\x8f\xbf\xbf"));   // U+10FFFF
  EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_utf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(is_utf8("abcdefgh\x80"));      // a lone continuation octet
  EXPECT_EQ(utf8_sequence("\xe2\x82\xac", 0), 3U);
  EXPECT_EQ(utf8_sequence("\xe2\x82", 0), 0U);
  EXPECT_EQ(utf8_sequence("a", 0), 1U);
}

}  // namespace
}  // namespace sippet::capture
