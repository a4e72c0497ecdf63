#pragma once
// A small streaming JSON writer (RFC 8259) for the sippet tool: pretty
// printed; strings are written by capture::append_json_string (bytes that
// are not UTF-8 as \u00XX).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sippet::app {

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
