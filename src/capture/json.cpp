// JSON string literals (json.hpp): RFC 8259 §7 escapes, RFC 3629 UTF-8.
#include "sippet/capture/json.hpp"

#include <cstdint>
#include <cstring>

namespace sippet::capture {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Octets that go into a JSON string as they are: ASCII other than control
// characters, '"' and '\\'. Octets above 0x7F are checked as UTF-8 apart.
struct JsonPlain {
  bool plain[256] = {};
  constexpr JsonPlain() {
    for (int c = 0; c < 256; ++c)
      plain[c] = c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
  }
};
constexpr JsonPlain kJsonPlain;

void append_u00(unsigned char c, std::string& out) {
  out.append("\\u00");
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 0xF]);
}

}  // namespace

std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return 1;
  std::size_t length = 0;
  std::uint32_t min = 0;
  std::uint32_t code = 0;
  if ((c & 0xE0) == 0xC0) {
    length = 2, min = 0x80, code = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    length = 3, min = 0x800, code = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    length = 4, min = 0x10000, code = c & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xC0) != 0x80) return 0;
    code = (code << 6) | (next & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

bool is_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    // Eight ASCII octets at a time.
    if (i + 8 <= text.size()) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void append_json_string(std::string_view text, std::string& out) {
  out.push_back('"');
  for (std::size_t i = 0; i < text.size();) {
    // A run that needs no escape, appended at once.
    std::size_t run = i;
    while (run < text.size() && kJsonPlain.plain[static_cast<unsigned char>(text[run])])
      ++run;
    out.append(text.data() + i, run - i);
    i = run;
    if (i == text.size()) break;
    const auto u = static_cast<unsigned char>(text[i]);
    if (u >= 0x80) {
      const std::size_t n = utf8_sequence(text, i);
      if (n > 0) {
        out.append(text.substr(i, n));
      } else {
        append_u00(u, out);
      }
      i += n > 0 ? n : 1;
      continue;
    }
    switch (u) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        append_u00(u, out);  // other control characters and DEL
    }
    ++i;
  }
  out.push_back('"');
}

}  // namespace sippet::capture
