// Authorization, Proxy-Authorization, WWW-Authenticate, Proxy-Authenticate
// (RFC 3261 §20.7, §20.27, §20.28, §20.44, §25.1) and Authentication-Info
// (§20.6): [ auth-scheme LWS ] auth-param *( COMMA auth-param ).
#include "scanner.hpp"

namespace sippet::message::detail {

bool parse_auth(const char*& p, const char* e, Auth& out, bool has_scheme, Failure& f) {
  if (has_scheme) {
    const char* s = p;
    p = skip(p, e, kToken);
    if (p == s) return fail(f, p, "auth scheme expected");
    out.scheme = view(s, p);
    const char* q = skip_lws(p, e);
    if (q == e) return true;
    if (q == p) return fail(f, p, "LWS expected after the auth scheme");
    p = q;
  }
  return scan_params(p, e, ',', out.params, f);
}

}  // namespace sippet::message::detail
