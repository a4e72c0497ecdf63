// JSON output for `sippet parse` (RFC 8259 §7 string escaping).
#include "json_writer.hpp"

#include <charconv>

namespace sippet::app {

namespace {

// Length of the valid UTF-8 sequence at s[i] (RFC 3629 §4), or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](std::size_t k) { return k < s.size() && (byte(k) & 0xC0) == 0x80; };
  unsigned char c = byte(i);
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(i + 1) || !cont(i + 2)) return 0;
    unsigned char c1 = byte(i + 1);
    if (c == 0xE0 && c1 < 0xA0) return 0;   // overlong
    if (c == 0xED && c1 >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    unsigned char c1 = byte(i + 1);
    if (c == 0xF0 && c1 < 0x90) return 0;   // overlong
    if (c == 0xF4 && c1 >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

void append_u00(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.append("\\u00");
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 0xF]);
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      std::size_t n = utf8_length(text, i);
      if (n == 0) {
        append_u00(out, c);
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
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
        if (c < 0x20 || c == 0x7F) {
          append_u00(out, c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

void JsonWriter::newline() {
  out_.push_back('\n');
  out_.append(levels_.size() * static_cast<std::size_t>(indent_), ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (levels_.empty()) return;
  Level& level = levels_.back();
  if (!level.empty) out_.push_back(',');
  level.empty = false;
  newline();
}

void JsonWriter::key(std::string_view name) {
  Level& level = levels_.back();
  if (!level.empty) out_.push_back(',');
  level.empty = false;
  newline();
  append_json_string(out_, name);
  out_.append(": ");
  after_key_ = true;
}

void JsonWriter::open(char c, bool object) {
  before_value();
  out_.push_back(c);
  levels_.push_back({object, true});
}

void JsonWriter::close(char c) {
  bool empty = levels_.back().empty;
  levels_.pop_back();
  if (!empty) newline();
  out_.push_back(c);
  if (levels_.empty()) out_.push_back('\n');
}

void JsonWriter::begin_object() {
  open('{', true);
}
void JsonWriter::end_object() {
  close('}');
}
void JsonWriter::begin_array() {
  open('[', false);
}
void JsonWriter::end_array() {
  close(']');
}

void JsonWriter::string(std::string_view text) {
  before_value();
  append_json_string(out_, text);
}

void JsonWriter::number(std::uint64_t n) {
  before_value();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out_.append(buf, r.ptr);
}

void JsonWriter::null() {
  before_value();
  out_.append("null");
}

void JsonWriter::boolean(bool b) {
  before_value();
  out_.append(b ? "true" : "false");
}

}  // namespace sippet::app
