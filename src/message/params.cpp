// Lazy iteration over generic-param lists (§25.1) validated by the parser.
#include "sippet/message/params.hpp"

#include "charset.hpp"
#include "sippet/message/headers.hpp"
#include "sippet/message/text.hpp"

namespace sippet::message {
namespace {

using detail::is;
using detail::kWs;

const char* skip_ws(const char* p, const char* e) {
  while (p < e && is(*p, kWs))
    ++p;
  return p;
}

// The quoted-string starting at the DQUOTE at `p`: the position after its
// closing DQUOTE (or `e`; the parser has validated it).
const char* skip_quoted(const char* p, const char* e) {
  for (++p; p < e; ++p) {
    if (*p == '\\') {
      ++p;
    } else if (*p == '"') {
      return p + 1;
    }
  }
  return e;
}

// Reads the param at `p` (after any separators and LWS): name [= value], the
// shape the parser validated (§25.1 generic-param, auth-param). Leaves `p`
// after the param's last significant octet; false when none is left.
bool next_param(const char*& p, const char* e, char sep, Param& out) {
  p = skip_ws(p, e);
  while (p < e && (*p == sep || is(*p, kWs)))
    ++p;
  if (p == e) return false;
  const char* name = p;
  while (p < e && *p != '=' && *p != sep && !is(*p, kWs))
    ++p;
  out = Param{};
  out.name = {name, static_cast<std::size_t>(p - name)};
  const char* q = skip_ws(p, e);
  if (q == e || *q != '=') return true;
  q = skip_ws(q + 1, e);
  const char* value = q;
  if (q < e && *q == '"') {
    q = skip_quoted(q, e);
  } else {
    while (q < e && *q != sep && !is(*q, kWs))
      ++q;
  }
  out.value = {value, static_cast<std::size_t>(q - value)};
  out.has_value = true;
  p = q;
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

// rest_ is the text after the current param: operator++ reads on from there.
Params::iterator::iterator(std::string_view rest, char sep) : rest_(rest), sep_(sep), done_(false) {
  load();
}

void Params::iterator::load() {
  const char* p = rest_.data();
  const char* e = p + rest_.size();
  if (!next_param(p, e, sep_, current_)) {
    done_ = true;
    current_ = Param{};
    rest_ = {};
    return;
  }
  rest_ = {p, static_cast<std::size_t>(e - p)};
}

Params::iterator& Params::iterator::operator++() {
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
  const char* p = raw_.data();
  const char* e = p + raw_.size();
  Param param;
  while (next_param(p, e, sep_, param)) {
    if (iequals(param.name, name)) return param;
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
