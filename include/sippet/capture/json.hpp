#pragma once
// JSON string literals (RFC 8259 §7) for the JSON trace format and for the
// sippet tool's JSON output.
#include <string>
#include <string_view>

namespace sippet::capture {

// Appends `text` as a JSON string literal, quotes included: '"', '\\' and
// control characters escaped, valid UTF-8 (RFC 3629) kept as it is, and
// any other octet written as \u00XX (its Latin-1 code point), so the output
// is always valid JSON.
void append_json_string(std::string_view text, std::string& out);

// Whether `text` is valid UTF-8 (RFC 3629 §4: no overlong forms, no
// surrogates, nothing above U+10FFFF).
bool is_utf8(std::string_view text);

// Length of the valid UTF-8 sequence that starts at text[i] (1 for ASCII),
// 0 when none does.
std::size_t utf8_sequence(std::string_view text, std::size_t i);

}  // namespace sippet::capture
