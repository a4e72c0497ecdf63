// The shared text helpers (sippet/message/text.hpp): ASCII case folding and
// comparison, token characters (RFC 3261 §25.1), LWS trimming and the scan
// of a params text for a parameter name.
#include "sippet/message/text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sippet::message {
namespace {

TEST(Text, AsciiLowerTouchesOnlyUpperCaseLetters) {
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    if (c >= 'A' && c <= 'Z') {
      EXPECT_EQ(ascii_lower(ch), static_cast<char>(c + 32));
    } else {
      EXPECT_EQ(ascii_lower(ch), ch) << c;
    }
  }
  static_assert(ascii_lower('Q') == 'q');
}

TEST(Text, IequalsIsCaseInsensitiveAsciiOnly) {
  EXPECT_TRUE(iequals("Call-ID", "call-id"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("Call-ID", "Call-IDs"));
  EXPECT_FALSE(iequals("a", "b"));
  EXPECT_FALSE(iequals("@", "`"));                // 0x40 and 0x60 differ by the case bit only
  EXPECT_FALSE(iequals("\xc3\x89", "\xc3\xa9"));  // no folding beyond ASCII
  static_assert(iequals("INVITE", "invite"));
}

TEST(Text, TokenCharactersOfRfc3261) {
  std::string all;
  for (int c = 0; c < 256; ++c) {
    if (is_token_char(static_cast<char>(c))) all.push_back(static_cast<char>(c));
  }
  EXPECT_EQ(all, "!%'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_`abcdefghijklmnopqrstuvwxyz~");
  EXPECT_TRUE(is_token("INVITE"));
  EXPECT_TRUE(is_token("z9hG4bK-1.2!%*_+`'~"));
  EXPECT_FALSE(is_token(""));
  EXPECT_FALSE(is_token("a b"));
  EXPECT_FALSE(is_token("\"q\""));
  EXPECT_FALSE(is_token("a;b"));
}

TEST(Text, TrimRemovesLwsAtBothEnds) {
  EXPECT_EQ(trim(" \t\r\n value \t x\r\n "), "value \t x");
  EXPECT_EQ(trim("value"), "value");
  EXPECT_EQ(trim(" \r\n\t"), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_TRUE(is_lws('\t') && is_lws('\n') && !is_lws('\v') && !is_lws('x'));
}

TEST(Text, MayHaveParamLooksAtNamesOnly) {
  EXPECT_TRUE(may_have_param("branch=z9hG4bK1;rport", "rport"));
  EXPECT_TRUE(may_have_param(";RPort=5060", "rport"));
  EXPECT_TRUE(may_have_param("a=1 ; rport ;b", "rport"));
  EXPECT_TRUE(may_have_param("tag", "tag"));
  EXPECT_FALSE(may_have_param("rportx=1", "rport"));
  EXPECT_FALSE(may_have_param("x=rport", "rport"));
  EXPECT_FALSE(may_have_param("", "tag"));
  EXPECT_FALSE(may_have_param("ta", "tag"));
  // A ';' in a quoted value may give a false "maybe", never a false "no".
  EXPECT_TRUE(may_have_param("x=\"a;tag=1\"", "tag"));
}

}  // namespace
}  // namespace sippet::message
