// SIP, SIPS and tel URIs: parsing (RFC 3261 §19.1, §25.1; RFC 3966 §3),
// comparison (RFC 3261 §19.1.4; RFC 3966 §4) and serialization.
#include <optional>
#include <string>

#include "scanner.hpp"
#include "sippet/message/uri.hpp"

namespace sippet::message {
namespace detail {
namespace {

bool parse_sip_uri(const char* p, const char* e, Uri& u, Failure& f) {
  // userinfo = ( user / telephone-subscriber ) [ ":" password ] "@". No other
  // part of a valid SIP URI may hold an unescaped '@', so the first one ends
  // the userinfo; the user part may hold ';', '?', ',' and '/' (RFC 4475 §3.1.1.9).
  const char* at = find_char(p, e, '@');
  if (at != e) {
    bool bad = false;
    const char* q = skip_escaped(p, at, kUser, bad);
    if (bad) return fail(f, q, "invalid escape in user part", ErrorKind::kMalformedUri);
    if (q == p) return fail(f, q, "empty user part", ErrorKind::kMalformedUri);
    u.user = view(p, q);
    u.has_user = true;
    if (q < at) {
      if (*q != ':') return fail(f, q, "invalid character in user part", ErrorKind::kMalformedUri);
      const char* pw = q + 1;
      q = skip_escaped(pw, at, kPassword, bad);
      if (bad || q != at)
        return fail(f, q, "invalid character in password", ErrorKind::kMalformedUri);
      u.password = view(pw, at);
      u.has_password = true;
    }
    p = at + 1;
  }
  if (!scan_host(p, e, u.host, u.host_type, f)) {
    f.kind = ErrorKind::kMalformedUri;
    return false;
  }
  if (p < e && *p == ':') {
    ++p;
    if (!scan_port(p, e, u.port, f)) {
      f.kind = ErrorKind::kMalformedUri;
      return false;
    }
    u.has_port = true;
  }
  // uri-parameters = *( ";" uri-parameter ); other-param = pname [ "=" pvalue ]
  if (p < e && *p == ';') {
    const char* raw = ++p;
    while (true) {
      bool bad = false;
      const char* q = skip_escaped(p, e, kParamChar, bad);
      if (bad) return fail(f, q, "invalid escape in URI parameter", ErrorKind::kMalformedUri);
      if (q == p) return fail(f, q, "empty URI parameter", ErrorKind::kMalformedUri);
      p = q;
      if (p < e && *p == '=') {
        ++p;
        q = skip_escaped(p, e, kParamChar, bad);
        if (bad) return fail(f, q, "invalid escape in URI parameter", ErrorKind::kMalformedUri);
        if (q == p) return fail(f, q, "empty URI parameter value", ErrorKind::kMalformedUri);
        p = q;
      }
      if (p < e && *p == ';') {
        ++p;
        continue;
      }
      break;
    }
    u.params = Params(view(raw, p), ';');
  }
  // headers = "?" header *( "&" header ); header = hname "=" hvalue
  if (p < e && *p == '?') {
    const char* raw = ++p;
    while (true) {
      bool bad = false;
      const char* q = skip_escaped(p, e, kHnv, bad);
      if (bad) return fail(f, q, "invalid escape in URI header", ErrorKind::kMalformedUri);
      if (q == p) return fail(f, q, "empty URI header name", ErrorKind::kMalformedUri);
      if (q == e || *q != '=')
        return fail(f, q, "'=' expected in URI header", ErrorKind::kMalformedUri);
      p = skip_escaped(q + 1, e, kHnv, bad);
      if (bad) return fail(f, p, "invalid escape in URI header", ErrorKind::kMalformedUri);
      if (p < e && *p == '&') {
        ++p;
        continue;
      }
      break;
    }
    u.headers = view(raw, p);
  }
  if (p != e) return fail(f, p, "invalid character in URI", ErrorKind::kMalformedUri);
  return true;
}

bool is_visual_separator(char c) {
  return c == '-' || c == '.' || c == '(' || c == ')';
}

// RFC 3966 §3: telephone-subscriber = global-number / local-number, then par.
bool parse_tel_uri(const char* p, const char* e, Uri& u, Failure& f) {
  const char* start = p;
  bool global = p < e && *p == '+';
  if (global) ++p;
  bool digits = false;
  while (p < e) {
    char c = *p;
    if (is(c, kDigit) || (!global && (is(c, kHex) || c == '*' || c == '#'))) {
      digits = true;
    } else if (!is_visual_separator(c)) {
      break;
    }
    ++p;
  }
  if (!digits) return fail(f, p, "telephone number expected", ErrorKind::kMalformedUri);
  u.user = view(start, p);
  u.has_user = true;
  if (p < e && *p == ';') {
    const char* raw = ++p;
    while (true) {
      const char* q = p;
      while (q < e && (is(*q, kAlpha) || is(*q, kDigit) || *q == '-'))
        ++q;
      if (q == p) return fail(f, q, "tel parameter name expected", ErrorKind::kMalformedUri);
      p = q;
      if (p < e && *p == '=') {
        bool bad = false;
        q = skip_escaped(p + 1, e, kParamChar, bad);
        if (bad || q == p + 1)
          return fail(f, q, "bad tel parameter value", ErrorKind::kMalformedUri);
        p = q;
      }
      if (p < e && *p == ';') {
        ++p;
        continue;
      }
      break;
    }
    u.params = Params(view(raw, p), ';');
  }
  if (p != e) return fail(f, p, "invalid character in tel URI", ErrorKind::kMalformedUri);
  return true;
}

}  // namespace

bool parse_uri_into(std::string_view text, Uri& u, Failure& f) {
  // `u` is freshly constructed by every caller.
  u.text = text;
  const char* b = text.data();
  const char* e = b + text.size();
  if (b == e || !is(*b, kAlpha)) return fail(f, b, "URI scheme expected", ErrorKind::kMalformedUri);
  const char* p = skip(b + 1, e, kScheme);
  if (p == e || *p != ':')
    return fail(f, p, "':' expected after URI scheme", ErrorKind::kMalformedUri);
  u.scheme_text = view(b, p);
  ++p;
  std::size_t n = u.scheme_text.size();
  // Letters only: OR-ing 0x20 folds case and cannot turn a scheme char into one.
  auto lower = [b](std::size_t i) { return static_cast<char>(b[i] | 0x20); };
  if (n == 3 && lower(0) == 's' && lower(1) == 'i' && lower(2) == 'p') {
    u.scheme = UriScheme::kSip;
  } else if (n == 4 && lower(0) == 's' && lower(1) == 'i' && lower(2) == 'p' && lower(3) == 's') {
    u.scheme = UriScheme::kSips;
  } else if (n == 3 && lower(0) == 't' && lower(1) == 'e' && lower(2) == 'l') {
    u.scheme = UriScheme::kTel;
  } else {
    u.scheme = UriScheme::kOther;
  }
  switch (u.scheme) {
    case UriScheme::kSip:
    case UriScheme::kSips:
      return parse_sip_uri(p, e, u, f);
    case UriScheme::kTel:
      return parse_tel_uri(p, e, u, f);
    case UriScheme::kOther:
      break;
  }
  // absoluteURI = scheme ":" ( hier-part / opaque-part ) (RFC 2396 via §25.1)
  bool bad = false;
  const char* q = skip_escaped(p, e, kUric, bad);
  if (q == p && !bad) return fail(f, p, "empty URI after the scheme", ErrorKind::kMalformedUri);
  if (bad || q != e) return fail(f, q, "invalid character in URI", ErrorKind::kMalformedUri);
  u.opaque = view(p, e);
  return true;
}

}  // namespace detail

using detail::hex_value;

Result<Uri> parse_uri(std::string_view text) {
  Uri uri;
  detail::Failure f;
  if (!detail::parse_uri_into(text, uri, f)) {
    std::size_t offset = static_cast<std::size_t>(f.at - text.data());
    return Error{ErrorKind::kMalformedUri, offset, 400,
                 "malformed URI at offset " + std::to_string(offset) + ": " + f.what};
  }
  return uri;
}

std::uint16_t Uri::port_or_default() const {
  if (has_port) return port;
  return scheme == UriScheme::kSips ? 5061 : 5060;
}

std::string Uri::transport() const {
  if (auto value = params.get("transport"); value && !value->empty()) {
    std::string out = unescape(*value);
    for (char& c : out)
      c = ascii_lower(c);
    return out;
  }
  return scheme == UriScheme::kSips ? "tls" : "udp";
}

std::string unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

namespace {

// Reads one character of `s` at `i`, resolving a %HH escape (§19.1.4:
// characters other than "reserved" ones equal their escaped form).
char next_unescaped(std::string_view s, std::size_t& i) {
  if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
    char c = static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
    i += 3;
    return c;
  }
  return s[i++];
}

bool unescaped_equal(std::string_view a, std::string_view b, bool case_insensitive) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    char x = next_unescaped(a, i);
    char y = next_unescaped(b, j);
    if (case_insensitive) {
      x = ascii_lower(x);
      y = ascii_lower(y);
    }
    if (x != y) return false;
  }
  return i == a.size() && j == b.size();
}

bool must_match_param(std::string_view name) {
  // §19.1.4: user, ttl, method and maddr (and transport, whose absence means a
  // different transport may be used: the §19.1.4 examples) never match when
  // present in only one URI.
  static constexpr std::string_view kNames[] = {"user", "ttl", "method", "maddr", "transport"};
  for (auto n : kNames) {
    if (unescaped_equal(name, n, true)) return true;
  }
  return false;
}

std::optional<Param> find_param(const Params& params, std::string_view name) {
  for (const Param& p : params) {
    if (unescaped_equal(p.name, name, true)) return p;
  }
  return std::nullopt;
}

// Only the first of several params with one name counts (the one find() and
// get() return), which keeps the comparison reflexive and symmetric.
bool is_first_of_name(const Params& params, const Param& param) {
  for (const Param& p : params) {
    if (p.name.data() == param.name.data()) return true;
    if (unescaped_equal(p.name, param.name, true)) return false;
  }
  return true;
}

bool sip_params_equal(const Params& a, const Params& b) {
  for (const Param& pa : a) {
    if (!is_first_of_name(a, pa)) continue;
    auto pb = find_param(b, pa.name);
    if (!pb) {
      if (must_match_param(pa.name)) return false;
      continue;
    }
    if (pa.has_value != pb->has_value || !unescaped_equal(pa.value, pb->value, true)) return false;
  }
  for (const Param& pb : b) {
    if (!find_param(a, pb.name) && must_match_param(pb.name)) return false;
  }
  return true;
}

// Splits "a=b&c=d" lazily.
template <class Fn>
bool for_each_header(std::string_view headers, Fn fn) {
  while (!headers.empty()) {
    std::size_t amp = headers.find('&');
    std::string_view h = headers.substr(0, amp);
    std::size_t eq = h.find('=');
    std::string_view name = h.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : h.substr(eq + 1);
    if (!fn(name, value)) return false;
    if (amp == std::string_view::npos) break;
    headers.remove_prefix(amp + 1);
  }
  return true;
}

bool contains_headers(std::string_view all, std::string_view subset) {
  return for_each_header(subset, [&](std::string_view name, std::string_view value) {
    return !for_each_header(all, [&](std::string_view n, std::string_view v) {
      return !(unescaped_equal(n, name, true) && unescaped_equal(v, value, false));
    });
  });
}

bool is_visual(char c) {
  return c == '-' || c == '.' || c == '(' || c == ')';
}

bool tel_number_equal(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (true) {
    while (i < a.size() && is_visual(a[i]))
      ++i;
    while (j < b.size() && is_visual(b[j]))
      ++j;
    if (i == a.size() || j == b.size()) return i == a.size() && j == b.size();
    if (ascii_lower(a[i]) != ascii_lower(b[j])) return false;
    ++i;
    ++j;
  }
}

}  // namespace

bool uri_equal(const Uri& a, const Uri& b) {
  if (a.scheme != b.scheme) return false;
  switch (a.scheme) {
    case UriScheme::kOther:
      return iequals(a.scheme_text, b.scheme_text) && unescaped_equal(a.opaque, b.opaque, false);
    case UriScheme::kTel: {
      // RFC 3966 §4: numbers equal ignoring visual separators; the same
      // parameters, compared case-insensitively, in any order.
      bool ga = !a.user.empty() && a.user[0] == '+';
      bool gb = !b.user.empty() && b.user[0] == '+';
      if (ga != gb || !tel_number_equal(a.user, b.user)) return false;
      if (a.params.size() != b.params.size()) return false;
      for (const Param& pa : a.params) {
        if (!is_first_of_name(a.params, pa)) continue;
        auto pb = find_param(b.params, pa.name);
        if (!pb || !unescaped_equal(pa.value, pb->value, true)) return false;
      }
      return true;
    }
    case UriScheme::kSip:
    case UriScheme::kSips:
      break;
  }
  // §19.1.4: userinfo case-sensitive, host case-insensitive, a port present in
  // one URI only never matches, params as above, headers all must match.
  if (a.has_user != b.has_user || !unescaped_equal(a.user, b.user, false)) return false;
  if (a.has_password != b.has_password || !unescaped_equal(a.password, b.password, false)) {
    return false;
  }
  if (!iequals(a.host, b.host)) return false;
  if (a.has_port != b.has_port || a.port != b.port) return false;
  if (!sip_params_equal(a.params, b.params)) return false;
  return contains_headers(a.headers, b.headers) && contains_headers(b.headers, a.headers);
}

void append_uri(std::string& out, const Uri& uri) {
  if (!uri.scheme_text.empty()) {
    out.append(uri.scheme_text);
  } else {
    switch (uri.scheme) {
      case UriScheme::kSip:
        out.append("sip");
        break;
      case UriScheme::kSips:
        out.append("sips");
        break;
      case UriScheme::kTel:
        out.append("tel");
        break;
      case UriScheme::kOther:
        break;
    }
  }
  out.push_back(':');
  if (uri.scheme == UriScheme::kOther) {
    out.append(uri.opaque);
    return;
  }
  if (uri.scheme == UriScheme::kTel) {
    out.append(uri.user);
  } else {
    if (uri.has_user) {
      out.append(uri.user);
      if (uri.has_password) {
        out.push_back(':');
        out.append(uri.password);
      }
      out.push_back('@');
    }
    out.append(uri.host);
    if (uri.has_port) {
      out.push_back(':');
      out.append(std::to_string(uri.port));
    }
  }
  if (!uri.params.empty()) {
    out.push_back(';');
    out.append(uri.params.raw());
  }
  if (!uri.headers.empty()) {
    out.push_back('?');
    out.append(uri.headers);
  }
}

std::string to_string(const Uri& uri) {
  std::string out;
  append_uri(out, uri);
  return out;
}

}  // namespace sippet::message
