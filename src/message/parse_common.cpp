// Shared scanners of the §25.1 grammar: quoted strings, comments, hosts,
// ports and generic-param lists.
#include "scanner.hpp"

namespace sippet::message::detail {

// quoted-string = SWS DQUOTE *(qdtext / quoted-pair ) DQUOTE
// qdtext = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII
// quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
const char* scan_quoted(const char* p, const char* end) {
  ++p;  // opening DQUOTE
  while (p < end) {
    unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"') return p + 1;
    if (c == '\\') {
      if (end - p < 2) return nullptr;
      unsigned char n = static_cast<unsigned char>(p[1]);
      if (n == '\n' || n == '\r' || n > 0x7f) return nullptr;
      p += 2;
    } else if (c >= 0x20 || c == '\t' || c == '\r' || c == '\n') {
      if (c == 0x7f) return nullptr;
      ++p;
    } else {
      return nullptr;
    }
  }
  return nullptr;
}

// comment = LPAREN *(ctext / quoted-pair / comment) RPAREN (§25.1); nesting is
// tracked with a counter, so deep input cannot exhaust the stack.
const char* scan_comment(const char* p, const char* end) {
  std::size_t depth = 0;
  while (p < end) {
    unsigned char c = static_cast<unsigned char>(*p);
    if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth == 0) return p + 1;
    } else if (c == '\\') {
      if (end - p < 2 || p[1] == '\r' || p[1] == '\n') return nullptr;
      ++p;
    } else if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') {
      return nullptr;
    } else if (c == 0x7f) {
      return nullptr;
    }
    ++p;
  }
  return nullptr;
}

// IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT, each <= 255.
bool valid_ipv4(std::string_view s) {
  int parts = 0;
  std::size_t i = 0;
  while (true) {
    int value = 0, digits = 0;
    while (i < s.size() && is(s[i], kDigit)) {
      value = value * 10 + (s[i] - '0');
      if (++digits > 3) return false;
      ++i;
    }
    if (digits == 0 || value > 255) return false;
    ++parts;
    if (i == s.size()) return parts == 4;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
}

// IPv6address (RFC 3261 §25.1 / RFC 4291 §2.2), without brackets.
bool valid_ipv6(std::string_view s) {
  std::size_t n = s.size(), i = 0;
  int groups = 0;
  bool compressed = false;
  if (n >= 2 && s[0] == ':' && s[1] == ':') {
    compressed = true;
    i = 2;
    if (i == n) return true;
  } else if (n == 0 || s[0] == ':') {
    return false;
  }
  while (true) {
    std::size_t start = i;
    while (i < n && is(s[i], kHex) && i - start < 5)
      ++i;
    if (i < n && s[i] == '.') {  // IPv4 tail takes two groups
      if (!valid_ipv4(s.substr(start))) return false;
      groups += 2;
      break;
    }
    std::size_t len = i - start;
    if (len == 0 || len > 4) return false;
    ++groups;
    if (i == n) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < n && s[i] == ':') {
      if (compressed) return false;
      compressed = true;
      ++i;
      if (i == n) break;
    } else if (i == n) {
      return false;
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

// host = hostname / IPv4address / IPv6reference (§25.1), in one pass:
// hostname = *( domainlabel "." ) toplabel [ "." ]
// domainlabel = alphanum / alphanum *( alphanum / "-" ) alphanum
// toplabel = ALPHA / ALPHA *( alphanum / "-" ) alphanum
// Dotted quads and the common hostnames are taken inline by scan_host
// (scanner.hpp); this is the exact scanner for everything else.
bool scan_host_slow(const char*& p, const char* end, std::string_view& host, HostType& type,
                    Failure& f) {
  const char* start = p;
  if (p < end && *p == '[') {
    const char* close = static_cast<const char*>(std::memchr(p, ']', end - p));
    if (close == nullptr) return fail(f, p, "unterminated IPv6 reference");
    if (!valid_ipv6(view(p + 1, close))) return fail(f, p + 1, "invalid IPv6 address");
    p = close + 1;
    host = view(start, p);
    type = HostType::kIPv6;
    return true;
  }
  const char* q = p;
  const char* top = nullptr;  // start of the last non-empty label
  while (true) {
    const char* label = q;
    q = skip(q, end, kAlnum);
    if (q < end && *q == '-') {
      if (q == label) return fail(f, q, "invalid host name");
      q = skip(q, end, kLabel);
      if (q[-1] == '-') return fail(f, q - 1, "invalid host name");
    }
    if (q == label) {
      if (top == nullptr) return fail(f, q, "host expected");
      if (q < end && *q == '.') return fail(f, q, "invalid host name");
      break;  // a trailing '.'
    }
    top = label;
    if (q == end || *q != '.') break;
    ++q;
  }
  p = q;
  host = view(start, p);
  if (is(*top, kAlpha)) {
    type = HostType::kName;
    return true;
  }
  if (!valid_ipv4(host)) return fail(f, start, "invalid host name");
  type = HostType::kIPv4;
  return true;
}

bool scan_port_slow(const char*& cursor, const char* end, std::uint16_t& port, Failure& f) {
  const char* const start = cursor;
  const char* p = start;  // local: see scan_number in parse_misc.cpp
  std::uint32_t value = 0;
  while (is_digit(p, end)) {
    value = value * 10 + static_cast<std::uint32_t>(*p - '0');
    if (value > 65535) return fail(f, start, "port out of range");
    ++p;
  }
  if (p == start) return fail(f, p, "port expected");
  cursor = p;
  port = static_cast<std::uint16_t>(value);
  return true;
}

// generic-param = token [ EQUAL gen-value ]; gen-value = token / host / quoted-string
// (§25.1); auth-param = token EQUAL ( token / quoted-string ) uses the same shape.
bool scan_params(const char*& p, const char* end, char sep, Params& out, Failure& f,
                 std::string_view capture_name, std::string_view* capture) {
  const char* raw_begin = p;
  const char* last = p;
  while (true) {
    const char* name = p;
    p = skip(p, end, kToken);
    if (p == name) return fail(f, p, "parameter name expected");
    const char* name_end = p;
    last = p;
    const char* q = skip_lws(p, end);
    if (q < end && *q == '=') {
      q = skip_lws(q + 1, end);
      const char* value = q;
      if (q < end && *q == '"') {
        q = scan_quoted(q, end);
        if (q == nullptr) return fail(f, value, "unterminated quoted string");
      } else {
        q = skip_wide(q, end, kGenValue);
        if (q == value) return fail(f, value, "parameter value expected");
      }
      if (capture != nullptr && token_equal(view(name, name_end), capture_name)) {
        *capture = view(value, q);
      }
      p = q;
      last = p;
      q = skip_lws(p, end);
    } else if (capture != nullptr && token_equal(view(name, name_end), capture_name)) {
      *capture = view(name_end, name_end);
    }
    if (q < end && *q == sep) {
      p = skip_lws(q + 1, end);
      continue;
    }
    p = last;
    out = Params(view(raw_begin, last), sep);
    return true;
  }
}

bool scan_trailing_params_slow(const char*& p, const char* end, Params& out, Failure& f,
                               std::string_view capture_name, std::string_view* capture) {
  const char* q = skip_lws(p, end);
  p = skip_lws(q + 1, end);
  return scan_params(p, end, ';', out, f, capture_name, capture);
}

}  // namespace sippet::message::detail
