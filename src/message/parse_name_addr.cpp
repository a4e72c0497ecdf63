// From, To, Contact, Route, Record-Route, Reply-To, P-Asserted-Identity
// (RFC 3261 §20.10, §25.1):
//   ( name-addr / addr-spec ) *( SEMI param )
//   name-addr = [ display-name ] LAQUOT addr-spec RAQUOT
//   display-name = *( token LWS ) / quoted-string
#include "scanner.hpp"

namespace sippet::message::detail {

bool parse_name_addr(const char*& p, const char* e, NameAddr& out, bool require_brackets,
                     Failure& f) {
  const char* start = p;
  if (p == e) return fail(f, p, "display name or URI expected");
  if (*p == '"') {
    const char* q = scan_quoted(p, e);
    if (q == nullptr) return fail(f, p, "unterminated quoted string in display name");
    out.display_name = view(p, q);
    p = skip_lws(q, e);
    if (p == e || *p != '<') return fail(f, p, "'<' expected after the display name");
  } else if (*p != '<') {
    const char* q = skip(p, e, kToken);
    if (q == p) return fail(f, p, "display name or URI expected");
    if (q == e || *q != ':') {
      // A display name made of tokens separated by LWS, then '<'.
      const char* last = q;
      while (true) {
        const char* r = skip_lws(q, e);
        if (r < e && *r == '<') {
          p = r;
          break;
        }
        if (r == q || r == e || !is(*r, kToken)) {
          return fail(f, r, "invalid character in display name");
        }
        q = skip(r, e, kToken);
        last = q;
      }
      out.display_name = view(start, last);
    }
  }
  if (p < e && *p == '<') {
    const char* u = p + 1;
    const char* close = find_char(u, e, '>');
    if (close == e) return fail(f, p, "'>' expected");
    if (!parse_uri_into(view(u, close), out.uri, f)) return false;
    out.angle_brackets = true;
    p = close + 1;
  } else {
    if (require_brackets) return fail(f, p, "'<' expected: name-addr required");
    // addr-spec without <>: the URI ends at the first ';' (those params are
    // the header's), ',' or LWS; it may not contain '?' (§20.10).
    const char* u = p;
    p = skip(u, e, kAddrSpec);
    if (std::memchr(u, '?', p - u) != nullptr) {
      return fail(f, u, "a URI with headers must be enclosed in '<>'");
    }
    if (!parse_uri_into(view(u, p), out.uri, f)) return false;
  }
  return scan_trailing_params(p, e, out.params, f);
}

}  // namespace sippet::message::detail
