// Lazy iteration over generic-param lists (§25.1) validated by the parser.
#include "sippet/message/params.hpp"

#include "charset.hpp"
#include "sippet/message/headers.hpp"

namespace sippet::message {
namespace {

using detail::is;
using detail::kWs;

std::string_view trim(std::string_view s) {
  while (!s.empty() && is(s.front(), kWs))
    s.remove_prefix(1);
  while (!s.empty() && is(s.back(), kWs))
    s.remove_suffix(1);
  return s;
}

// Length of the param at the start of `s`: up to `sep` outside quoted strings.
std::size_t param_length(std::string_view s, char sep) {
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == sep) {
      return i;
    }
  }
  return s.size();
}

bool name_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (detail::to_lower(a[i]) != detail::to_lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::string Param::text() const {
  if (!quoted()) return std::string(value);
  std::string out;
  std::string_view inner = value.substr(1, value.size() - 2);
  out.reserve(inner.size());
  for (std::size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] == '\\' && i + 1 < inner.size()) ++i;
    out.push_back(inner[i]);
  }
  return out;
}

Params::iterator::iterator(std::string_view rest, char sep) : rest_(rest), sep_(sep), done_(false) {
  load();
}

void Params::iterator::load() {
  while (!rest_.empty() && (is(rest_.front(), kWs) || rest_.front() == sep_)) {
    rest_.remove_prefix(1);
  }
  if (rest_.empty()) {
    done_ = true;
    current_ = Param{};
    return;
  }
  std::string_view piece = rest_.substr(0, param_length(rest_, sep_));
  std::size_t eq = piece.find('=');
  current_ = Param{};
  if (eq == std::string_view::npos) {
    current_.name = trim(piece);
  } else {
    current_.name = trim(piece.substr(0, eq));
    current_.value = trim(piece.substr(eq + 1));
    current_.has_value = true;
  }
}

Params::iterator& Params::iterator::operator++() {
  std::size_t len = param_length(rest_, sep_);
  rest_.remove_prefix(len < rest_.size() ? len + 1 : len);
  load();
  return *this;
}

std::size_t Params::size() const {
  std::size_t n = 0;
  for (auto it = begin(); it != end(); ++it)
    ++n;
  return n;
}

std::optional<Param> Params::find(std::string_view name) const {
  for (const Param& p : *this) {
    if (name_equal(p.name, name)) return p;
  }
  return std::nullopt;
}

std::optional<std::string_view> Params::get(std::string_view name) const {
  auto p = find(name);
  if (!p) return std::nullopt;
  return p->value;
}

std::string_view NameAddr::tag() const {
  auto value = params.get("tag");
  return value ? *value : std::string_view{};
}

}  // namespace sippet::message
