// Via (RFC 3261 §20.42, §25.1):
//   via-parm = sent-protocol LWS sent-by *( SEMI via-params )
//   sent-protocol = protocol-name SLASH protocol-version SLASH transport
//   sent-by = host [ COLON port ]
#include "scanner.hpp"

namespace sippet::message::detail {
namespace {

bool token_then_slash(const char*& p, const char* e, std::string_view& out, const char* what,
                      Failure& f) {
  const char* s = p;
  p = skip(p, e, kToken);
  if (p == s) return fail(f, p, what);
  out = view(s, p);
  p = skip_lws(p, e);  // SLASH = SWS "/" SWS
  if (p == e || *p != '/') return fail(f, p, "'/' expected in sent-protocol");
  p = skip_lws(p + 1, e);
  return true;
}

}  // namespace

bool parse_via(const char*& p, const char* e, Via& v, Failure& f) {
  if (e - p > 8 && (p[0] | 0x20) == 's' && (p[1] | 0x20) == 'i' && (p[2] | 0x20) == 'p' &&
      p[3] == '/' && p[4] == '2' && p[5] == '.' && p[6] == '0' && p[7] == '/') {
    v.protocol_name = view(p, p + 3);  // the common "SIP/2.0/" without LWS
    v.protocol_version = view(p + 4, p + 7);
    p += 8;
  } else if (!token_then_slash(p, e, v.protocol_name, "protocol name expected", f) ||
             !token_then_slash(p, e, v.protocol_version, "protocol version expected", f)) {
    return false;
  }
  const char* s = p;
  p = skip(p, e, kToken);
  if (p == s) return fail(f, p, "transport expected");
  v.transport = view(s, p);
  const char* q = skip_lws(p, e);
  if (q == p) return fail(f, p, "LWS expected before sent-by");
  p = q;
  if (!scan_host(p, e, v.host, v.host_type, f)) return false;
  q = skip_lws(p, e);  // COLON = SWS ":" SWS
  if (q < e && *q == ':') {
    p = skip_lws(q + 1, e);
    if (!scan_port(p, e, v.port, f)) return false;
    v.has_port = true;
  }
  return scan_trailing_params(p, e, v.params, f, "branch", &v.branch);
}

}  // namespace sippet::message::detail
