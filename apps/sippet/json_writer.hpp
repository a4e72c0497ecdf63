#pragma once
// A small streaming JSON writer (RFC 8259) for the sippet tool: pretty
// printed, strings escaped, bytes that are not UTF-8 written as \u00XX.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sippet::app {

// Appends `text` as a JSON string literal (with its quotes). Control
// characters, '"' and '\\' are escaped; valid UTF-8 passes through; any
// other byte is written as \u00XX (its Latin-1 code point).
void append_json_string(std::string& out, std::string_view text);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out, int indent = 2) : out_(out), indent_(indent) {}

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  // The next value in the current object goes under `name`.
  void key(std::string_view name);

  void string(std::string_view text);
  void number(std::uint64_t n);
  void null();
  void boolean(bool b);

 private:
  struct Level {
    bool object;
    bool empty;
  };
  void before_value();
  void open(char c, bool object);
  void close(char c);
  void newline();

  std::string& out_;
  int indent_;
  std::vector<Level> levels_;
  bool after_key_ = false;
};

}  // namespace sippet::app
