// JSON output for `sippet parse` (RFC 8259 §7 string escaping).
#include "json_writer.hpp"

#include <charconv>

#include "sippet/capture/json.hpp"

namespace sippet::app {

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
  capture::append_json_string(name, out_);
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
  capture::append_json_string(text, out_);
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
