#pragma once
// Small text helpers of the SIP grammar (RFC 3261 §25.1), shared by every
// layer: ASCII case folding and comparison, token characters, LWS trimming,
// and a quick scan of a params text for a parameter name. Header-only and
// allocation-free; none depends on the locale.
#include <array>
#include <cstddef>
#include <string_view>

namespace sippet::message {

// 'A'-'Z' to 'a'-'z'; every other octet unchanged.
constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

// Case-insensitive ASCII equality (header names §7.3.1, tokens, hosts...).
constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

namespace detail {
inline constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c)
    t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c)
    t[c] = t[c - 'a' + 'A'] = true;
  for (char c : std::string_view("-.!%*_+`'~"))
    t[static_cast<unsigned char>(c)] = true;
  return t;
}();
}  // namespace detail

// token (§25.1): 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~").
constexpr bool is_token_char(char c) {
  return detail::kTokenChars[static_cast<unsigned char>(c)];
}
constexpr bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

// An octet of LWS (§25.1) in a value whose line folding is known to be
// well-formed: SP, HTAB, CR or LF.
constexpr bool is_lws(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// `text` without the LWS octets at its start and its end.
constexpr std::string_view trim(std::string_view text) {
  while (!text.empty() && is_lws(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_lws(text.back()))
    text.remove_suffix(1);
  return text;
}

// Whether a params text (Params::raw(): ";a=1;b" or "a=1;b") may hold a
// param named `lower_name` (given in lower case), without splitting every
// param: only names are looked at, at the start and after each ';' and LWS
// (§25.1 generic-param; a name is a token, never escaped). A ';' inside a
// quoted value may give a false "maybe", never a false "no": confirm a
// "maybe" with Params::get / Params::has, or rule quotes out first.
constexpr bool may_have_param(std::string_view raw, std::string_view lower_name) {
  std::size_t i = 0;
  for (;;) {
    while (i < raw.size() && is_lws(raw[i]))
      ++i;
    if (raw.size() - i >= lower_name.size() &&
        iequals(raw.substr(i, lower_name.size()), lower_name)) {
      const std::size_t end = i + lower_name.size();
      if (end == raw.size() || raw[end] == '=' || raw[end] == ';' || is_lws(raw[end])) return true;
    }
    const std::size_t semi = raw.find(';', i);
    if (semi == std::string_view::npos) return false;
    i = semi + 1;
  }
}

}  // namespace sippet::message
