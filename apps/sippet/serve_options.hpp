#pragma once
// Command-line options shared by `sippet serve` and `sippet send`.
#include <charconv>
#include <cstdio>
#include <optional>
#include <string_view>

namespace sippet::app {

// A whole decimal number within [min, max], or nullopt.
inline std::optional<long> parse_number(std::string_view text, long min, long max) {
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
    return std::nullopt;
  return value;
}

// The value of option argv[i] ("--t1 50"), advancing i; nullptr and a message
// when missing.
inline const char* option_value(int argc, char** argv, int& i, const char* command) {
  if (i + 1 >= argc) {
    std::fprintf(stderr, "sippet %s: %s needs a value\n", command, argv[i]);
    return nullptr;
  }
  return argv[++i];
}

}  // namespace sippet::app
