#pragma once
// Internal: character classes of the RFC 3261 §25.1 grammar as one lookup table.
#include <array>
#include <cstdint>

namespace sippet::message::detail {

inline constexpr std::uint32_t kDigit = 1 << 0;
inline constexpr std::uint32_t kAlpha = 1 << 1;
inline constexpr std::uint32_t kHex = 1 << 2;
inline constexpr std::uint32_t kToken = 1 << 3;       // token (§25.1)
inline constexpr std::uint32_t kWs = 1 << 4;          // SP HT CR LF (folding already checked)
inline constexpr std::uint32_t kUnreserved = 1 << 5;  // alphanum / mark
inline constexpr std::uint32_t kUser = 1 << 6;        // unreserved / user-unreserved
inline constexpr std::uint32_t kPassword = 1 << 7;    // unreserved / & = + $ ,
inline constexpr std::uint32_t kParamChar = 1 << 8;   // unreserved / param-unreserved
inline constexpr std::uint32_t kHnv = 1 << 9;         // unreserved / hnv-unreserved
inline constexpr std::uint32_t kWord = 1 << 10;       // word (Call-ID)
inline constexpr std::uint32_t kHostChar = 1 << 11;   // alphanum - .
inline constexpr std::uint32_t kUric = 1 << 12;       // reserved / unreserved / % / [ ]
inline constexpr std::uint32_t kText = 1 << 13;       // TEXT-UTF8char / UTF8-CONT / LWS
inline constexpr std::uint32_t kScheme = 1 << 14;     // ALPHA / DIGIT / + - .
inline constexpr std::uint32_t kGenValue = 1 << 15;   // token / host (gen-value, unquoted)
inline constexpr std::uint32_t kAlnum = 1 << 16;      // ALPHA / DIGIT
inline constexpr std::uint32_t kLabel = 1 << 17;      // alphanum / "-" (domainlabel)
inline constexpr std::uint32_t kAddrSpec = 1 << 18;   // anything but ';' ',' and LWS (§20.10)

constexpr std::array<std::uint32_t, 256> make_char_table() {
  std::array<std::uint32_t, 256> t{};
  auto add = [&t](const char* s, std::uint32_t cls) {
    for (; *s != '\0'; ++s)
      t[static_cast<unsigned char>(*s)] |= cls;
  };
  constexpr std::uint32_t kAlnumAll = kAlnum | kLabel | kToken | kUnreserved | kUser | kPassword |
                                      kParamChar | kHnv | kWord | kHostChar | kUric | kScheme |
                                      kGenValue;
  for (int c = '0'; c <= '9'; ++c)
    t[c] |= kDigit | kHex | kAlnumAll;
  for (int c = 'a'; c <= 'z'; ++c)
    t[c] |= kAlpha | kAlnumAll;
  for (int c = 'A'; c <= 'Z'; ++c)
    t[c] |= kAlpha | kAlnumAll;
  for (int c = 'a'; c <= 'f'; ++c)
    t[c] |= kHex;
  for (int c = 'A'; c <= 'F'; ++c)
    t[c] |= kHex;
  add("-.!%*_+`'~", kToken | kGenValue);
  add("-_.!~*'()", kUnreserved | kUser | kPassword | kParamChar | kHnv | kUric);
  add("&=+$,;?/", kUser);
  add("&=+$,", kPassword);
  add("[]/:&+$", kParamChar);
  add("[]/?:+$", kHnv);
  add("-.!%*_+`'~()<>:\\\"/[]?{}", kWord);
  add("-.", kHostChar);
  add(";/?:@&=+$,[]", kUric);
  add("+-.", kScheme);
  add(":[]", kGenValue);
  add(" \t\r\n", kWs | kText);
  add("-", kLabel);
  for (int c = 0; c < 256; ++c) {
    if (c != ';' && c != ',' && c != ' ' && c != '\t' && c != '\r' && c != '\n') t[c] |= kAddrSpec;
  }
  for (int c = 0x21; c <= 0x7e; ++c)
    t[c] |= kText;
  for (int c = 0x80; c <= 0xff; ++c)
    t[c] |= kText;
  return t;
}

inline constexpr std::array<std::uint32_t, 256> kCharTable = make_char_table();

inline bool is(char c, std::uint32_t cls) {
  return (kCharTable[static_cast<unsigned char>(c)] & cls) != 0;
}

constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace sippet::message::detail
