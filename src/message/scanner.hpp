#pragma once
// Internal: the building blocks of the hand-written §25.1 parser. Every scan
// function takes [p, end) and never reads outside it; on failure it fills a
// Failure (kind, position, static text) so the hot path never allocates.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "charset.hpp"
#include "sippet/message/header_id.hpp"
#include "sippet/message/headers.hpp"
#include "sippet/message/message.hpp"
#include "sippet/message/result.hpp"
#include "sippet/message/text.hpp"
#include "sippet/message/uri.hpp"

namespace sippet::message::detail {

struct Failure {
  ErrorKind kind = ErrorKind::kMalformedHeader;
  const char* at = nullptr;
  const char* what = "";
};

inline bool fail(Failure& f, const char* at, const char* what,
                 ErrorKind kind = ErrorKind::kMalformedHeader) {
  f.kind = kind;
  f.at = at;
  f.what = what;
  return false;
}

inline std::string_view view(const char* b, const char* e) {
  return {b, static_cast<std::size_t>(e - b)};
}

inline const char* skip(const char* p, const char* end, std::uint32_t cls) {
  // Four octets per bounds check: this loop is most of the parser's time.
  while (end - p >= 4) {
    if (!is(p[0], cls)) return p;
    if (!is(p[1], cls)) return p + 1;
    if (!is(p[2], cls)) return p + 2;
    if (!is(p[3], cls)) return p + 3;
    p += 4;
  }
  while (p < end && is(*p, cls))
    ++p;
  return p;
}

#if defined(__SSE2__)
// Of the 16 octets in `x`, 0xff in each that is an ALPHA or a DIGIT, else 0.
// SSE2 compares are signed: each range is shifted to start at -128.
inline __m128i alnum_bytes(__m128i x) {
  const __m128i lower = _mm_or_si128(x, _mm_set1_epi8(0x20));
  const __m128i alpha = _mm_cmplt_epi8(
      _mm_sub_epi8(lower, _mm_set1_epi8(static_cast<char>('a' + 128))), _mm_set1_epi8(-128 + 26));
  const __m128i digit = _mm_cmplt_epi8(_mm_sub_epi8(x, _mm_set1_epi8(static_cast<char>('0' + 128))),
                                       _mm_set1_epi8(-128 + 10));
  return _mm_or_si128(alpha, digit);
}

// Of the 16 octets at `p`, a bit per octet that is an ALPHA, a DIGIT, '-',
// '.' or '_' (0xffff: all of them).
inline unsigned wide_run_mask(const char* p) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i mark = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('-')), _mm_cmpeq_epi8(x, _mm_set1_epi8('.'))),
      _mm_cmpeq_epi8(x, _mm_set1_epi8('_')));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(alnum_bytes(x), mark)));
}
#endif

// skip() for a class holding every ALPHA, DIGIT, '-', '.' and '_' (token,
// word, gen-value and the URI classes): those octets, the bulk of long
// values, are passed 16 at a time, then skip() finishes exactly.
inline const char* skip_wide(const char* p, const char* end, std::uint32_t cls) {
#if defined(__SSE2__)
  while (end - p >= 16) {
    const unsigned ok = wide_run_mask(p);
    if (ok != 0xffff) {
      p += __builtin_ctz(~ok);
      break;
    }
    p += 16;
  }
#endif
  return skip(p, end, cls);
}

// LWS / SWS inside a value whose line folding the caller has checked.
inline const char* skip_lws(const char* p, const char* end) {
  // Usually there is none, or one SP: decide that without the 4-wide loop.
  if (p == end || !is(*p, kWs)) return p;
  ++p;
  if (p == end || !is(*p, kWs)) return p;
  return skip(p + 1, end, kWs);
}

// Moves `end` back over LWS, not before `begin`.
inline const char* trim_back(const char* begin, const char* end) {
  while (end > begin && is(end[-1], kWs))
    --end;
  return end;
}

// Chars of `cls` or %HH escapes. Stops at the first other char; a '%' not
// followed by two hex digits sets `bad` and stops on it.
inline const char* skip_escaped(const char* p, const char* end, std::uint32_t cls, bool& bad) {
  while (true) {
    p = skip(p, end, cls);
    if (p == end || *p != '%') return p;
    if (end - p < 3 || !is(p[1], kHex) || !is(p[2], kHex)) {
      bad = true;
      return p;
    }
    p += 3;
  }
}

// A token compared with a lower-case literal made of letters, digits and
// token punctuation: for token characters, c | 0x20 is a lower-case letter
// exactly when c is a letter, so no other character can match by accident.
inline bool token_equal(std::string_view token, std::string_view lower) {
  if (token.size() != lower.size()) return false;
  for (std::size_t i = 0; i < token.size(); ++i) {
    char c = token[i];
    char l = lower[i];
    if (c != l && (l < 'a' || l > 'z' || static_cast<char>(c | 0x20) != l)) return false;
  }
  return true;
}

// The first CR or LF in [p, end), or `end`. 16 octets at a time where SSE2 is
// available; never reads outside [p, end).
inline const char* find_line_break(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i lf = _mm_set1_epi8('\n');
  while (end - p >= 16) {
    __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    int mask =
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(chunk, cr), _mm_cmpeq_epi8(chunk, lf)));
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end && *p != '\r' && *p != '\n')
    ++p;
  return p;
}

// find_line_break for a buffer with at least 15 readable octets after `end`
// (the parser's copy of the message has them).
inline const char* find_line_break_padded(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i lf = _mm_set1_epi8('\n');
  while (p < end) {
    __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    unsigned mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(chunk, cr), _mm_cmpeq_epi8(chunk, lf))));
    if (mask != 0) {
      const char* hit = p + __builtin_ctz(mask);
      return hit < end ? hit : end;
    }
    p += 16;
  }
  return end;
#else
  return find_line_break(p, end);
#endif
}

// The first ':' in [p, end), or `end`; reads up to 15 octets past `end`.
inline const char* find_colon_padded(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i colon = _mm_set1_epi8(':');
  while (p < end) {
    __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, colon)));
    if (mask != 0) {
      const char* hit = p + __builtin_ctz(mask);
      return hit < end ? hit : end;
    }
    p += 16;
  }
  return end;
#else
  const void* hit = std::memchr(p, ':', static_cast<std::size_t>(end - p));
  return hit != nullptr ? static_cast<const char*>(hit) : end;
#endif
}

// The first `c` in [p, end), or `end`; reads nothing outside [p, end).
inline const char* find_char(const char* p, const char* end, char c) {
#if defined(__SSE2__)
  const __m128i needle = _mm_set1_epi8(c);
  if (end - p >= 16) {
    while (end - p >= 16) {
      __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(chunk, needle));
      if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
      p += 16;
    }
    if (p == end) return end;
    // The tail as the last 16 octets of the range, the ones already seen masked off.
    const char* last = end - 16;
    __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(last));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, needle)));
    mask >>= static_cast<unsigned>(p - last);
    return mask != 0 ? p + __builtin_ctz(mask) : end;
  }
#endif
  while (p < end && *p != c)
    ++p;
  return p;
}

// SIP-Version "SIP/2.0", case-insensitive (§7.1): "SIP/" compared as one
// word with the three letters case-folded (c | 0x20 is 's', 'i' or 'p' only
// for those letters), then "2.0".
inline bool is_sip_2_0(std::string_view v) {
  if (v.size() != 7) return false;
  std::uint32_t word;
  std::memcpy(&word, v.data(), 4);
  constexpr std::uint32_t kSipSlash = 's' | 'i' << 8 | 'p' << 16 | std::uint32_t{'/'} << 24;
  return (word | 0x00202020u) == kSipSlash && v[4] == '2' && v[5] == '.' && v[6] == '0';
}

// quoted-string (§25.1) starting at the DQUOTE at `p`: returns the position
// after the closing DQUOTE, or nullptr when unterminated or invalid.
const char* scan_quoted(const char* p, const char* end);

// comment (§25.1) starting at '(' at `p`, nesting handled without recursion:
// returns the position after the matching ')', or nullptr.
const char* scan_comment(const char* p, const char* end);

inline bool is_digit(const char* q, const char* end) {
  return q != end && static_cast<unsigned char>(*q - '0') < 10u;
}

// One dec-octet of 1*3DIGIT <= 255 at `q`: the position after it, or nullptr.
inline const char* ipv4_part(const char* q, const char* end) {
  if (!is_digit(q, end)) return nullptr;
  unsigned value = static_cast<unsigned>(*q++ - '0');
  if (is_digit(q, end)) {
    value = value * 10 + static_cast<unsigned>(*q++ - '0');
    if (is_digit(q, end)) {
      value = value * 10 + static_cast<unsigned>(*q++ - '0');
      if (value > 255) return nullptr;
    }
  }
  return q;
}

// The common dotted-quad IPv4address (four 1-3 digit parts, each <= 255,
// then anything but a host character or the end). Returns its length, or 0
// when the exact scanner must decide (a hostname starting with a digit, a
// fifth label, a 4-digit part...).
inline std::size_t fast_ipv4(const char* p, const char* end) {
  const char* q = ipv4_part(p, end);
  for (int part = 1; part < 4 && q != nullptr; ++part) {
    q = q != end && *q == '.' ? ipv4_part(q + 1, end) : nullptr;
  }
  if (q == nullptr || (q < end && is(*q, kHostChar))) return 0;
  return static_cast<std::size_t>(q - p);
}

#if defined(__SSE2__)
struct HostMasks {
  unsigned ok;    // alnum / '-' / '.'
  unsigned dash;  // '-'
  unsigned dot;   // '.'
};

// Classifies 16 octets at `p`.
inline HostMasks host_masks(const char* p) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i dash = _mm_cmpeq_epi8(x, _mm_set1_epi8('-'));
  const __m128i dot = _mm_cmpeq_epi8(x, _mm_set1_epi8('.'));
  const __m128i ok = _mm_or_si128(alnum_bytes(x), _mm_or_si128(dash, dot));
  return {static_cast<unsigned>(_mm_movemask_epi8(ok)),
          static_cast<unsigned>(_mm_movemask_epi8(dash)),
          static_cast<unsigned>(_mm_movemask_epi8(dot))};
}

// The first `run` octets at `p` as a hostname of §25.1 (0 < run < 64), given
// where their '-' and '.' are (bit i: octet i): `run` when there is no '-',
// no empty label and the toplabel starts with a letter, else 0 (an IPv4
// address, a name with '-' or an error: the exact scanner decides).
inline std::size_t checked_hostname(const char* p, std::size_t run, std::uint64_t dash,
                                    std::uint64_t dot) {
  const std::uint64_t in = (std::uint64_t{1} << run) - 1;
  dot &= in;
  if ((dash & in) != 0 || (dot & 1) != 0 || (dot & (dot >> 1)) != 0) return 0;
  dot &= ~(std::uint64_t{1} << (run - 1));  // a trailing '.' ends the name
  const std::size_t top = dot == 0 ? 0 : 64 - static_cast<std::size_t>(__builtin_clzll(dot));
  // toplabel = ALPHA ...: a digit there means an IPv4 address (or an error).
  return is(p[top], kAlpha) ? run : 0;
}

// The common hostname of §25.1 (labels of letters and digits, no '-', at
// most 32 octets, followed by anything but a host character or the end) in
// one or two blocks of 16 octets, never reading outside [p, end). Returns
// its length, or 0 when the exact scanner must decide (IPv4, '-', empty
// labels, long names, fewer than 16 octets of input).
inline std::size_t fast_hostname(const char* p, const char* end) {
  const std::size_t avail = static_cast<std::size_t>(end - p);
  if (avail < 16) return 0;
  HostMasks m = host_masks(p);
  std::uint32_t ok = m.ok, dash = m.dash, dot = m.dot;
  std::size_t seen = 16;  // octets classified
  if (ok == 0xffff && avail > 16) {
    // The second block overlaps the first when fewer than 32 octets are left.
    const std::size_t off = avail >= 32 ? 16 : avail - 16;
    m = host_masks(p + off);
    ok |= m.ok << off;
    dash |= m.dash << off;
    dot |= m.dot << off;
    seen = off + 16;
  }
  const std::uint32_t seen_bits = seen == 32 ? ~0u : (1u << seen) - 1;
  const std::uint32_t stop = ~ok & seen_bits;
  if (stop == 0 && seen != avail) return 0;  // longer than what was classified
  const std::size_t run = stop == 0 ? seen : static_cast<std::size_t>(__builtin_ctz(stop));
  return run == 0 ? 0 : checked_hostname(p, run, dash, dot);
}
#endif

bool scan_host_slow(const char*& p, const char* end, std::string_view& host, HostType& type,
                    Failure& f);
bool scan_port_slow(const char*& p, const char* end, std::uint16_t& port, Failure& f);

// host (§25.1): hostname / IPv4address / IPv6reference. Stops at the first
// char that cannot continue the host. Dotted quads (SIPp and most peers send
// them) are taken inline; everything else by scan_host_slow.
inline bool scan_host(const char*& p, const char* end, std::string_view& host, HostType& type,
                      Failure& f) {
  if (is_digit(p, end)) {
    if (std::size_t n = fast_ipv4(p, end); n != 0) {
      host = view(p, p + n);
      type = HostType::kIPv4;
      p += n;
      return true;
    }
  }
#if defined(__SSE2__)
  else if (std::size_t n = fast_hostname(p, end); n != 0) {
    host = view(p, p + n);
    type = HostType::kName;
    p += n;
    return true;
  }
#endif
  return scan_host_slow(p, end, host, type, f);
}

// port: 1*DIGIT, at most 65535. Up to five digits inline; longer runs (leading
// zeros, out of range) by scan_port_slow.
inline bool scan_port(const char*& p, const char* end, std::uint16_t& port, Failure& f) {
  const char* q = p;
  std::uint32_t value = 0;
  for (int i = 0; i < 5 && is_digit(q, end); ++i, ++q)
    value = value * 10 + static_cast<std::uint32_t>(*q - '0');
  if (q == p || value > 65535 || is_digit(q, end)) return scan_port_slow(p, end, port, f);
  port = static_cast<std::uint16_t>(value);
  p = q;
  return true;
}
bool valid_ipv4(std::string_view s);
bool valid_ipv6(std::string_view s);

// generic-param list `param *(sep param)` with LWS allowed around `sep` and
// '=' (SEMI / COMMA / EQUAL of §25.1). `p` is at the first param name.
// Leaves `p` after the last param (before any trailing LWS). If `capture` is
// set, the value of the param named `capture_name` is stored in it.
bool scan_params(const char*& p, const char* end, char sep, Params& out, Failure& f,
                 std::string_view capture_name = {}, std::string_view* capture = nullptr);

// `*( SEMI generic-param )` after an element: skips LWS, and if a ';'
// follows parses the params. Leaves `p` after the last param.
bool scan_trailing_params_slow(const char*& p, const char* end, Params& out, Failure& f,
                               std::string_view capture_name, std::string_view* capture);
inline bool scan_trailing_params(const char*& p, const char* end, Params& out, Failure& f,
                                 std::string_view capture_name = {},
                                 std::string_view* capture = nullptr) {
  const char* q = skip_lws(p, end);
  if (q == end || *q != ';') return true;
  return scan_trailing_params_slow(p, end, out, f, capture_name, capture);
}

// header_id_from_name for a name at `p` followed by at least 7 readable octets
// (the parser's copy of the message has that slack).
HeaderId header_id_from_token(const char* p, std::size_t n);

// The URI parser, reporting the failing position; `uri` must be default-constructed.
bool parse_uri_into(std::string_view text, Uri& uri, Failure& f);

// ---- Typed values (one list element each). `p` is at the first char of the
// element; on success it is left after the element's last significant char.
bool parse_via(const char*& p, const char* end, Via& out, Failure& f);
bool parse_name_addr(const char*& p, const char* end, NameAddr& out, bool require_brackets,
                     Failure& f);
bool parse_auth(const char*& p, const char* end, Auth& out, bool has_scheme, Failure& f);
bool parse_date(const char*& p, const char* end, Date& out, Failure& f);
bool parse_integer(const char*& p, const char* end, std::uint64_t limit, Integer& out, Failure& f);
bool parse_cseq(const char*& p, const char* end, CSeq& out, Failure& f);
bool parse_media_type(const char*& p, const char* end, MediaType& out, Failure& f);
bool parse_token(const char*& p, const char* end, Token& out, Failure& f);
bool parse_call_id(const char*& p, const char* end, Failure& f);
bool parse_uri_params(const char*& p, const char* end, UriParams& out, Failure& f);
bool parse_retry_after(const char*& p, const char* end, RetryAfter& out, Failure& f);
bool parse_warning(const char*& p, const char* end, Warning& out, Failure& f);
bool parse_timestamp(const char*& p, const char* end, Timestamp& out, Failure& f);
bool parse_mime_version(const char*& p, const char* end, MimeVersion& out, Failure& f);
bool parse_text(const char*& p, const char* end, Failure& f);

// Typed parsers of whole header values, by HeaderId: append one Field per
// value; on failure `out` may hold a partial field.
using HeaderHandler = bool (*)(HeaderId id, std::string_view name, const char* begin,
                               const char* end, std::vector<Field>& out, Failure& f);
extern const HeaderHandler kHeaderHandlers[kHeaderIdCount];

// The whole value [begin, end) of header `id` (trimmed, folding checked):
// appends one Field per value; on failure `out` is left as it was.
bool parse_fields(HeaderId id, std::string_view name, const char* begin, const char* end,
                  std::vector<Field>& out, Failure& f);

}  // namespace sippet::message::detail
