// The smaller typed values of RFC 3261 §25.1: integers, CSeq, media types,
// tokens with params, Call-ID, URIs in angle brackets, Retry-After, Warning,
// Timestamp, MIME-Version and free text.
#include "scanner.hpp"

namespace sippet::message::detail {
namespace {

bool scan_number(const char*& cursor, const char* e, std::uint64_t limit, std::uint64_t& value,
                 Failure& f) {
  // A local cursor: reads through `const char*` may alias `cursor` itself,
  // which would make the compiler store and reload it for every digit.
  const char* const s = cursor;
  const char* p = s;
  std::uint64_t v = 0;
  while (p < e && static_cast<unsigned char>(*p - '0') < 10u) {
    v = v * 10 + static_cast<std::uint64_t>(*p - '0');
    if (v > limit) return fail(f, s, "value out of range", ErrorKind::kHeaderTooLarge);
    ++p;
  }
  if (p == s) return fail(f, p, "digits expected");
  cursor = p;
  value = v;
  return true;
}

bool scan_token(const char*& p, const char* e, std::string_view& out, const char* what,
                Failure& f) {
  const char* s = p;
  p = skip(p, e, kToken);
  if (p == s) return fail(f, p, what);
  out = view(s, p);
  return true;
}

}  // namespace

// Content-Length, Max-Forwards, Expires, Min-Expires: 1*DIGIT.
bool parse_integer(const char*& p, const char* e, std::uint64_t limit, Integer& out, Failure& f) {
  std::uint64_t v = 0;
  if (!scan_number(p, e, limit, v, f)) return false;
  out.value = static_cast<std::uint32_t>(v);
  return true;
}

// CSeq = 1*DIGIT LWS Method (§20.16); the number is less than 2^31 (§8.1.1.5).
bool parse_cseq(const char*& p, const char* e, CSeq& out, Failure& f) {
  std::uint64_t v = 0;
  if (!scan_number(p, e, 0x7fffffff, v, f)) return false;
  out.seq = static_cast<std::uint32_t>(v);
  const char* q = skip_lws(p, e);
  if (q == p) return fail(f, p, "LWS expected before the method");
  p = q;
  if (!scan_token(p, e, out.method_text, "method expected", f)) return false;
  out.method = method_from_string(out.method_text);
  return true;
}

// media-type = m-type SLASH m-subtype *( SEMI m-parameter ) (§20.15), and
// media-range of Accept (§20.1), whose "*" is a token character.
bool parse_media_type(const char*& p, const char* e, MediaType& out, Failure& f) {
  if (!scan_token(p, e, out.type, "media type expected", f)) return false;
  p = skip_lws(p, e);
  if (p == e || *p != '/') return fail(f, p, "'/' expected in media type");
  p = skip_lws(p + 1, e);
  if (!scan_token(p, e, out.subtype, "media subtype expected", f)) return false;
  return scan_trailing_params(p, e, out.params, f);
}

// token *( SEMI generic-param ): option tags, methods, codings, languages,
// disposition types, Reason protocols, priorities.
bool parse_token(const char*& p, const char* e, Token& out, Failure& f) {
  if (!scan_token(p, e, out.token, "token expected", f)) return false;
  return scan_trailing_params(p, e, out.params, f);
}

// callid = word [ "@" word ] (§20.8).
bool parse_call_id(const char*& p, const char* e, Failure& f) {
  const char* s = p;
  p = skip_wide(p, e, kWord);
  if (p == s) return fail(f, p, "Call-ID expected");
  if (p < e && *p == '@') {
    const char* w = ++p;
    p = skip_wide(p, e, kWord);
    if (p == w) return fail(f, p, "word expected after '@'");
  }
  return true;
}

// LAQUOT absoluteURI RAQUOT *( SEMI generic-param ) (§20.4, §20.9, §20.18).
bool parse_uri_params(const char*& p, const char* e, UriParams& out, Failure& f) {
  if (p == e || *p != '<') return fail(f, p, "'<' expected");
  const char* u = p + 1;
  const char* close = static_cast<const char*>(std::memchr(u, '>', e - u));
  if (close == nullptr) return fail(f, p, "'>' expected");
  Uri uri;
  if (!parse_uri_into(view(u, close), uri, f)) return false;
  out.uri = view(u, close);
  p = close + 1;
  return scan_trailing_params(p, e, out.params, f);
}

// Retry-After = delta-seconds [ comment ] *( SEMI retry-param ) (§20.33).
bool parse_retry_after(const char*& p, const char* e, RetryAfter& out, Failure& f) {
  std::uint64_t v = 0;
  if (!scan_number(p, e, 0xffffffff, v, f)) return false;
  out.seconds = static_cast<std::uint32_t>(v);
  const char* q = skip_lws(p, e);
  if (q < e && *q == '(') {
    const char* close = scan_comment(q, e);
    if (close == nullptr) return fail(f, q, "unterminated comment");
    out.comment = view(q + 1, close - 1);
    p = close;
  }
  return scan_trailing_params(p, e, out.params, f);
}

// warning-value = warn-code SP warn-agent SP warn-text (§20.43).
bool parse_warning(const char*& p, const char* e, Warning& out, Failure& f) {
  const char* s = p;
  p = skip(p, e, kDigit);
  if (p - s != 3) return fail(f, s, "three-digit warn-code expected");
  out.code = static_cast<std::uint16_t>((s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0'));
  const char* q = skip_lws(p, e);
  if (q == p) return fail(f, p, "LWS expected after warn-code");
  p = q;
  // warn-agent = hostport / pseudonym
  q = skip(p, e, kGenValue);
  if (q == p) return fail(f, p, "warn-agent expected");
  out.agent = view(p, q);
  p = skip_lws(q, e);
  if (p == q) return fail(f, p, "LWS expected after warn-agent");
  if (p == e || *p != '"') return fail(f, p, "quoted warn-text expected");
  q = scan_quoted(p, e);
  if (q == nullptr) return fail(f, p, "unterminated warn-text");
  out.text = view(p, q);
  p = q;
  return true;
}

// Timestamp = 1*(DIGIT) [ "." *(DIGIT) ] [ LWS delay ] (§20.38).
bool parse_timestamp(const char*& p, const char* e, Timestamp& out, Failure& f) {
  const char* s = p;
  p = skip(p, e, kDigit);
  if (p == s) return fail(f, p, "digits expected");
  if (p < e && *p == '.') p = skip(p + 1, e, kDigit);
  out.time = view(s, p);
  const char* q = skip_lws(p, e);
  if (q > p && q < e && (is(*q, kDigit) || *q == '.')) {
    const char* d = q;
    q = skip(q, e, kDigit);
    if (q < e && *q == '.') q = skip(q + 1, e, kDigit);
    out.delay = view(d, q);
    p = q;
  }
  return true;
}

// MIME-Version = 1*DIGIT "." 1*DIGIT (§20.24).
bool parse_mime_version(const char*& p, const char* e, MimeVersion& out, Failure& f) {
  std::uint64_t major = 0, minor = 0;
  if (!scan_number(p, e, 0xffffffff, major, f)) return false;
  if (p == e || *p != '.') return fail(f, p, "'.' expected");
  ++p;
  if (!scan_number(p, e, 0xffffffff, minor, f)) return false;
  out.major = static_cast<std::uint32_t>(major);
  out.minor = static_cast<std::uint32_t>(minor);
  return true;
}

// TEXT-UTF8-TRIM and header-value of extension headers: no control characters.
bool parse_text(const char*& p, const char* e, Failure& f) {
  p = skip(p, e, kText);
  if (p != e) return fail(f, p, "control character in header value");
  return true;
}

}  // namespace sippet::message::detail
