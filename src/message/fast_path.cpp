// Fast paths of the message parser (fast_path.hpp): Via (§20.42), name-addr
// headers (§20.10, §20.20, §20.30, §20.34, §20.39), token lists (§20.5,
// §20.37) and SIP URIs (§19.1.1), for their common shapes only.
#include "fast_path.hpp"

#include <cstring>

#include "scanner.hpp"

namespace sippet::message::detail {
namespace {

#if defined(__SSE2__)

// The first `c` in [p, e), or `e`.
inline const char* find_padded(const char* p, const char* e, char c) {
  const __m128i needle = _mm_set1_epi8(c);
  for (; p < e; p += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const unsigned hit = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, needle)));
    if (hit != 0) {
      p += __builtin_ctz(hit);
      return p < e ? p : e;
    }
  }
  return e;
}

// The first `c` in [p, e) before any CR or LF, else nullptr: a search that
// never leaves the line, so a line without `c` costs its own length only.
inline const char* find_on_line(const char* p, const char* e, char c) {
  const __m128i needle = _mm_set1_epi8(c);
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i lf = _mm_set1_epi8('\n');
  for (; p < e; p += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(x, needle),
                                      _mm_or_si128(_mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, lf)));
    const unsigned hit = static_cast<unsigned>(_mm_movemask_epi8(stop));
    if (hit != 0) {
      p += __builtin_ctz(hit);
      return p < e && *p == c ? p : nullptr;
    }
  }
  return nullptr;
}

// skip() for the classes the fast paths scan, every one of which holds the
// letters, the digits, '-', '.' and '_': those octets are passed 16 at a
// time, any other octet of the class one at a time. It reads past `e` (a
// run of those octets stops at the zeroed slack at the latest).
inline const char* skip_run(const char* p, const char* e, std::uint32_t cls) {
  for (;;) {
    const unsigned ok = wide_run_mask(p);
    if (ok == 0xffff) {
      p += 16;
      continue;
    }
    p += __builtin_ctz(~ok);
    if (p >= e) return e;
    if (!is(*p, cls)) return p;
    ++p;
  }
}

// hostname (§25.1) of letters, digits and dots only, at most 63 octets: its
// length, else 0. The octet at `e` is never a host character (every caller's
// `e` is a delimiter, or the end of the message with its zeroed slack after
// it), so the name stops there by itself.
inline std::size_t hostname_run(const char* p) {
  HostMasks m = host_masks(p);
  std::uint64_t ok = m.ok, dash = m.dash, dot = m.dot;
  std::size_t seen = 16;
  // Most names fit in one or two blocks: the rest of the loop is rare.
  while (m.ok == 0xffff && seen < 64) {
    m = host_masks(p + seen);
    ok |= std::uint64_t{m.ok} << seen;
    dash |= std::uint64_t{m.dash} << seen;
    dot |= std::uint64_t{m.dot} << seen;
    seen += 16;
  }
  const std::uint64_t stop = ~ok;
  if (stop == 0) return 0;  // 64 octets or more
  const std::size_t run = static_cast<std::size_t>(__builtin_ctzll(stop));
  return run == 0 ? 0 : checked_hostname(p, run, dash, dot);
}

inline bool is_sp(const char* p, const char* e) {
  return p < e && (*p == ' ' || *p == '\t');
}

// SP / HT after `p`; nullptr when a line break (folding) follows: the
// general parser handles folded values.
inline const char* skip_blanks(const char* p, const char* e) {
  while (is_sp(p, e))
    ++p;
  return p < e && (*p == '\r' || *p == '\n') ? nullptr : p;
}

// quoted-string as scan_quoted takes it, on one line: the fast paths see
// the whole rest of the message, so a quoted string stops at a line break
// (the general parser then decides about folding).
inline const char* quoted(const char* p, const char* e) {
  ++p;  // opening DQUOTE
  while (p < e) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"') return p + 1;
    if (c == '\\') {
      if (e - p < 2) return nullptr;
      const unsigned char n = static_cast<unsigned char>(p[1]);
      if (n == '\n' || n == '\r' || n > 0x7f) return nullptr;
      p += 2;
    } else if ((c >= 0x20 && c != 0x7f) || c == '\t') {
      ++p;
    } else {
      return nullptr;  // CR, LF or another control character
    }
  }
  return nullptr;
}

// A digit. The fast paths read digits without a bounds check: the octet at
// their `e` is a delimiter or the zeroed slack, never a digit, so a run of
// digits stops at `e` by itself.
inline bool digit(char c) {
  return static_cast<unsigned char>(c - '0') < 10u;
}

// fast_ipv4 in one 16-octet step, `p` at a digit: four parts of 1 to 3
// digits, each <= 255, separated by '.', then anything but a host character.
// Its length, else 0 (the exact scanner then decides). The octet at `e` ends
// the address by itself (no digit, no '.', no host character), so no bound
// is needed.
inline std::size_t ipv4_run(const char* p) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const unsigned digits = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmplt_epi8(
      _mm_sub_epi8(x, _mm_set1_epi8(static_cast<char>('0' + 128))), _mm_set1_epi8(-128 + 10))));
  const unsigned dots =
      static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('.'))));
  // The address runs to the first octet that is neither: 7 to 15 octets.
  const unsigned run = static_cast<unsigned>(__builtin_ctz(~(digits | dots) | 0x10000u));
  if (run < 7 || run > 15) return 0;
  const unsigned in = (1u << run) - 1;
  const unsigned d = digits & in;
  const unsigned t = dots & in;
  // Exactly three dots, none last (the first octet is a digit), none next to
  // another: four parts of digits. No part of four digits or more.
  const unsigned t2 = t & (t - 1);
  const unsigned t3 = t2 & (t2 - 1);
  if (t3 == 0 || (t3 & (t3 - 1)) != 0 || (t >> (run - 1)) != 0 || (t & (t >> 1)) != 0 ||
      (d & (d >> 1) & (d >> 2) & (d >> 3)) != 0) {
    return 0;
  }
  // A part of three digits is at most 255: its digits, read as a big-endian
  // number, are at most those of "255" (digits compare as their values). The
  // fourth octet read is within the 16 seen.
  for (unsigned three = d & (d >> 1) & (d >> 2); three != 0; three &= three - 1) {
    std::uint32_t word;
    std::memcpy(&word, p + __builtin_ctz(three), 4);
    constexpr std::uint32_t k255 = '2' << 16 | '5' << 8 | '5';
    if ((__builtin_bswap32(word) >> 8) > k255) return 0;
  }
  return is(p[run], kHostChar) ? 0 : run;
}

// host [ ":" port ] as scan_host / scan_port take it, without LWS.
[[gnu::always_inline]] inline const char* host_port(const char* p, const char* e,
                                                    std::string_view& host, HostType& type,
                                                    std::uint16_t& port, bool& has_port) {
  std::size_t n;
  if (digit(*p)) {
    n = ipv4_run(p);
    type = HostType::kIPv4;
  } else {
    n = hostname_run(p);
    type = HostType::kName;
  }
  if (n == 0) return nullptr;
  host = view(p, p + n);
  p += n;
  if (p < e && *p == ':') {
    const char* q = ++p;
    std::uint32_t value = 0;
    for (int i = 0; i < 5 && digit(*q); ++i, ++q)
      value = value * 10 + static_cast<std::uint32_t>(*q - '0');
    if (q == p || value > 65535 || digit(*q)) return nullptr;
    port = static_cast<std::uint16_t>(value);
    has_port = true;
    p = q;
  }
  return p;
}

// A param name (token characters) equal to "branch", case-insensitively: for
// token characters c | 0x20 is a lower-case letter exactly when c is one.
inline bool is_branch(const char* name, const char* end) {
  if (end - name != 6) return false;
  std::uint32_t head;
  std::uint16_t tail;
  std::memcpy(&head, name, 4);
  std::memcpy(&tail, name + 4, 2);
  constexpr std::uint32_t kBran = 0x6e617262u;  // "bran", little endian
  constexpr std::uint16_t kCh = 0x6863u;        // "ch"
  return (head | 0x20202020u) == kBran && (tail | 0x2020u) == kCh;
}

// *( SEMI generic-param ) of a header (scan_params), `p` after the first ';'.
// With kBranch, the value of the last "branch" param goes to `branch` (Via).
template <bool kBranch>
inline const char* header_params(const char* p, const char* e, Params& out,
                                 std::string_view* branch = nullptr) {
  const char* raw = p;
  while (true) {
    const char* name = p;
    p = skip(p, e, kToken);
    if (p == name) return nullptr;
    const char* name_end = p;
    if (p < e && *p == '=') {
      const char* value = ++p;
      if (p < e && *p == '"') {
        p = quoted(p, e);
        if (p == nullptr) return nullptr;
      } else {
        p = skip_run(p, e, kGenValue);  // branch and tag values are long
        if (p == value) return nullptr;
      }
      if (kBranch && is_branch(name, name_end)) *branch = view(value, p);
    } else if (kBranch && is_branch(name, name_end)) {
      *branch = view(name_end, name_end);
    }
    if (p < e && *p == ';') {
      ++p;
      continue;
    }
    out = Params(view(raw, p), ';');
    return p;
  }
}

// uri-parameters (§19.1.1) after the ';' at `p - 1`, no escapes.
inline const char* uri_params(const char* p, const char* e, Params& out) {
  const char* raw = p;
  while (true) {
    const char* q = skip(p, e, kParamChar);
    if (q == p || (q < e && *q == '%')) return nullptr;
    p = q;
    if (p < e && *p == '=') {
      ++p;
      q = skip(p, e, kParamChar);
      if (q == p || (q < e && *q == '%')) return nullptr;
      p = q;
    }
    if (p < e && *p == ';') {
      ++p;
      continue;
    }
    out = Params(view(raw, p), ';');
    return p;
  }
}

// The end of an addr-spec's URI from `p` (§20.10): the first ';', ',', SP,
// HT, CR or LF in [p, e), else `e`; nullptr when a '?' comes first (headers
// need the brackets). 16 octets per step; it reads past `e` (the zeroed
// slack after the message ends the search).
inline const char* addr_spec_end(const char* p, const char* e) {
  for (; p < e; p += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i stop =
        _mm_or_si128(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(';')),
                                               _mm_cmpeq_epi8(x, _mm_set1_epi8(','))),
                                  _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')),
                                               _mm_cmpeq_epi8(x, _mm_set1_epi8('\t')))),
                     _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\r')),
                                               _mm_cmpeq_epi8(x, _mm_set1_epi8('\n'))),
                                  _mm_cmpeq_epi8(x, _mm_set1_epi8('?'))));
    const unsigned hit = static_cast<unsigned>(_mm_movemask_epi8(stop));
    if (hit != 0) {
      const char* q = p + __builtin_ctz(hit);
      if (q >= e) return e;
      return *q == '?' ? nullptr : q;
    }
  }
  return e;
}
// via-parm (parse_via): "SIP/2.0/" transport SP host [":" port] params.
inline const char* via(const char* p, const char* e, Via& v) {
  if (e - p <= 8) return nullptr;
  std::uint64_t word;
  std::memcpy(&word, p, 8);
  constexpr std::uint64_t kSip20 = 0x2f302e322f706973ull;  // "sip/2.0/", little endian
  if ((word | 0x202020ull) != kSip20) return nullptr;
  v.protocol_name = view(p, p + 3);
  v.protocol_version = view(p + 4, p + 7);
  p += 8;
  const char* s = p;
  p = skip(p, e, kToken);
  if (p == s || !is_sp(p, e)) return nullptr;
  v.transport = view(s, p);
  p = skip_blanks(p, e);
  if (p == nullptr) return nullptr;
  p = host_port(p, e, v.host, v.host_type, v.port, v.has_port);
  if (p != nullptr && p < e && *p == ';') p = header_params<true>(p + 1, e, v.params, &v.branch);
  return p;
}

// ( name-addr / addr-spec ) with a SIP URI, then params (parse_name_addr):
// [ display-name ] "<" URI ">", or a bare URI when kBrackets is false.
template <bool kBrackets>
inline const char* name_addr(const char* p, const char* e, NameAddr& out) {
  if (p == e) return nullptr;
  const char* start = p;
  if (*p == '"') {
    const char* q = quoted(p, e);
    if (q == nullptr) return nullptr;
    out.display_name = view(p, q);
    p = skip_blanks(q, e);
    if (p == nullptr) return nullptr;
  } else if (*p != '<') {
    const char* q = skip(p, e, kToken);
    if (q == p || q == e) return nullptr;
    if (*q == ':') {
      // addr-spec: the URI runs to the first ';', ',' or LWS (§20.10) and
      // may not hold a '?' (headers need the brackets).
      if (kBrackets) return nullptr;
      const char* u = p;
      p = addr_spec_end(q, e);
      if (p == nullptr || !fast_sip_uri(u, p, out.uri)) return nullptr;
      if (p < e && *p == ';') p = header_params<false>(p + 1, e, out.params);
      return p;
    }
    // *( token LWS ) "<"
    const char* last = q;
    while (true) {
      const char* r = skip_blanks(q, e);
      if (r == nullptr) return nullptr;
      if (r < e && *r == '<') {
        p = r;
        break;
      }
      if (r == q || r == e || !is(*r, kToken)) return nullptr;
      q = skip(r, e, kToken);
      last = q;
    }
    out.display_name = view(start, last);
  }
  if (p == e || *p != '<') return nullptr;
  const char* close = find_on_line(p + 1, e, '>');
  if (close == nullptr || !fast_sip_uri(p + 1, close, out.uri)) return nullptr;
  out.angle_brackets = true;
  p = close + 1;
  if (p < e && *p == ';') p = header_params<false>(p + 1, e, out.params);
  return p;
}

// Whether `out` has no room for one more field. The fast paths then decline (the general parser
// grows the list): with no reallocation on their path they save fewer registers.
inline bool full(const std::vector<Field>& out) {
  return out.size() == out.capacity();
}
// A field holding a default T (NameAddr, Via: values of 100 to 200 octets),
// copied as one block: building the value in place zero-fills it and then
// stores its members' defaults, about twice as many stores.
template <class T>
constexpr Field kPrototype(HeaderId::kUnknown, std::string_view{}, std::in_place_type<T>);

template <class T>
Field& append_field(std::vector<Field>& out, HeaderId id, std::string_view name) {
  Field& field = out.emplace_back(kPrototype<T>);
  field.id = id;
  field.name = name;
  return field;
}

template <class T, const char* (*kElement)(const char*, const char*, T&)>
const char* list(HeaderId id, std::string_view name, const char* b, const char* e,
                 std::vector<Field>& out) {
  const char* p = b;
  while (true) {
    if (full(out)) return nullptr;
    Field& field = append_field<T>(out, id, name);
    const char* start = p;
    p = kElement(p, e, *std::get_if<T>(&field.typed));
    if (p == nullptr) return nullptr;
    field.value = view(start, p);
    if (p == e || *p != ',') return p;
    p = skip_blanks(p + 1, e);  // "a," is an error: the general parser says so
    if (p == nullptr || p == e) return nullptr;
  }
}

const char* single_name_addr(HeaderId id, std::string_view name, const char* b, const char* e,
                             std::vector<Field>& out) {
  if (full(out)) return nullptr;
  Field& field = append_field<NameAddr>(out, id, name);
  const char* p = name_addr<false>(b, e, *std::get_if<NameAddr>(&field.typed));
  if (p != nullptr) field.value = view(b, p);
  return p;
}

const char* contact(HeaderId id, std::string_view name, const char* b, const char* e,
                    std::vector<Field>& out) {
  if (b < e && *b == '*') return nullptr;  // Contact: * (§10.2.2)
  return list<NameAddr, name_addr<false>>(id, name, b, e, out);
}

// 1#token without params (Allow, Supported, Require...).
const char* tokens(HeaderId id, std::string_view name, const char* b, const char* e,
                   std::vector<Field>& out) {
  const char* p = b;
  while (true) {
    const char* start = p;
    p = skip(p, e, kToken);  // tokens are short: no block scan
    if (p == start) return nullptr;
    if (full(out)) return nullptr;
    Field& field = out.emplace_back(id, name, std::in_place_type<Token>);
    // Both views stored from registers: reading field.value back right after
    // its two 8-octet stores would be one 16-octet load the CPU cannot
    // forward from the store buffer (a stall of a dozen cycles per field).
    const std::string_view token = view(start, p);
    field.value = token;
    std::get_if<Token>(&field.typed)->token = token;
    if (p == e || *p != ',') return p;
    ++p;
    if (p < e && *p == ' ') ++p;  // ", " between tokens; other LWS: the general parser
  }
}

// 1*DIGIT of at most nine digits (no overflow), up to kLimit: Max-Forwards,
// Content-Length, Expires, Min-Expires (parse_integer). SP / HT before the
// digits are LWS the general parser trims (SIPp pads its Content-Length).
template <std::uint32_t kLimit>
const char* integer(HeaderId id, std::string_view name, const char* b, const char* e,
                    std::vector<Field>& out) {
  while (is_sp(b, e))
    ++b;
  const char* p = b;
  std::uint32_t value = 0;
  for (; p - b < 9 && digit(*p); ++p)
    value = value * 10 + static_cast<std::uint32_t>(*p - '0');
  if (p == b || digit(*p) || value > kLimit) return nullptr;
  if (full(out)) return nullptr;
  Field& field = out.emplace_back(id, name, std::in_place_type<Integer>);
  field.value = view(b, p);
  std::get_if<Integer>(&field.typed)->value = value;
  return p;
}

// CSeq = 1*DIGIT LWS Method (parse_cseq), the number of at most nine digits.
const char* cseq(HeaderId id, std::string_view name, const char* b, const char* e,
                 std::vector<Field>& out) {
  const char* p = b;
  std::uint32_t value = 0;
  for (; p - b < 9 && digit(*p); ++p)
    value = value * 10 + static_cast<std::uint32_t>(*p - '0');
  if (p == b || !is_sp(p, e)) return nullptr;
  const char* method = skip_blanks(p, e);
  if (method == nullptr) return nullptr;
  p = skip(method, e, kToken);
  if (p == method) return nullptr;
  if (full(out)) return nullptr;
  Field& field = out.emplace_back(id, name, std::in_place_type<CSeq>);
  field.value = view(b, p);
  CSeq& c = *std::get_if<CSeq>(&field.typed);
  c.seq = value;
  c.method_text = view(method, p);
  c.method = method_from_string(c.method_text);
  return p;
}

// callid = word [ "@" word ] (parse_call_id).
const char* call_id(HeaderId id, std::string_view name, const char* b, const char* e,
                    std::vector<Field>& out) {
  const char* p = skip_run(b, e, kWord);
  if (p == b) return nullptr;
  if (p < e && *p == '@') {
    const char* w = ++p;
    p = skip_run(p, e, kWord);
    if (p == w) return nullptr;
  }
  if (full(out)) return nullptr;
  Field& field = out.emplace_back(id, name, std::in_place_type<Text>);
  const std::string_view text = view(b, p);  // not read back: see tokens()
  field.value = text;
  std::get_if<Text>(&field.typed)->text = text;
  return p;
}

// TEXT-UTF8-TRIM (parse_text): Server, User-Agent, Subject, Organization.
// The text runs to the line break (TEXT holds LWS, so no class stops it).
// One 16-octet pass finds the line break and any octet TEXT does not hold
// before it: the controls other than HT, CR and LF, and DEL (every octet
// from 0x80 is UTF8-CONT or starts a TEXT-UTF8char). It reads past `e` (the
// zeroed slack stops the pass).
const char* text(HeaderId id, std::string_view name, const char* b, const char* e,
                 std::vector<Field>& out) {
  const char* end = e;
  for (const char* p = b; p < e; p += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x);
    const __m128i stop =
        _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\t')), control),
                     _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));
    const unsigned hit = static_cast<unsigned>(_mm_movemask_epi8(stop));
    if (hit != 0) {
      const char* q = p + __builtin_ctz(hit);
      if (q < e) {
        if (*q != '\r' && *q != '\n') return nullptr;  // not TEXT
        end = q;
      }
      break;
    }
  }
  if (end == b || is(*b, kWs) || is(end[-1], kWs)) return nullptr;
  if (full(out)) return nullptr;
  Field& field = out.emplace_back(id, name, std::in_place_type<Text>);
  const std::string_view value = view(b, end);  // not read back: see tokens()
  field.value = value;
  std::get_if<Text>(&field.typed)->text = value;
  return end;
}

// media-type = m-type "/" m-subtype params (parse_media_type), no LWS.
const char* content_type(HeaderId id, std::string_view name, const char* b, const char* e,
                         std::vector<Field>& out) {
  const char* p = skip(b, e, kToken);
  if (p == b || p == e || *p != '/') return nullptr;
  const char* sub = p + 1;
  p = skip(sub, e, kToken);
  if (p == sub) return nullptr;
  if (full(out)) return nullptr;
  Field& field = out.emplace_back(id, name, std::in_place_type<MediaType>);
  MediaType& m = *std::get_if<MediaType>(&field.typed);
  m.type = view(b, sub - 1);
  m.subtype = view(sub, p);
  if (p < e && *p == ';') p = header_params<false>(p + 1, e, m.params);
  if (p != nullptr) field.value = view(b, p);
  return p;
}

#endif  // __SSE2__

}  // namespace

#if defined(__SSE2__)

bool fast_sip_uri(const char* p, const char* e, Uri& u) {
  u.text = view(p, e);
  if (e - p < 5) return false;
  std::uint32_t word;
  std::memcpy(&word, p, 4);
  constexpr std::uint32_t kSipColon = 0x3a706973u;  // "sip:", little endian
  constexpr std::uint32_t kSips = 0x73706973u;      // "sips"
  word |= 0x00202020u;                              // letters folded, ':' kept
  if (word == kSipColon) {
    u.scheme = UriScheme::kSip;
    u.scheme_text = view(p, p + 3);
    p += 4;
  } else if ((word | 0x20000000u) == kSips && p[4] == ':') {
    u.scheme = UriScheme::kSips;
    u.scheme_text = view(p, p + 4);
    p += 5;
  } else {
    return false;
  }
  // userinfo: the first '@' ends it (parse_sip_uri); no password, no escapes.
  // Most users end within 16 octets and hold letters, digits, '-', '.' and
  // '_' only: the '@' and the check of the user come from one 16-octet step.
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const unsigned ats =
      static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('@'))));
  const char* at = e;
  if (ats != 0) {
    const std::ptrdiff_t first = __builtin_ctz(ats);
    if (first < e - p) at = p + first;  // else past the URI: it has none
  } else if (e - p > 16) {
    at = find_padded(p + 16, e, '@');  // none in the first 16 octets
  }
  if (at != e) {
    const std::size_t n = static_cast<std::size_t>(at - p);
    const unsigned before = n < 16 ? (1u << n) - 1 : 0xffffu;
    if (n == 0) return false;
    if (n > 16 || (wide_run_mask(p) & before) != before) {
      if (skip(p, at, kUser) != at) return false;
    }
    u.user = view(p, at);
    u.has_user = true;
    p = at + 1;
  }
  p = host_port(p, e, u.host, u.host_type, u.port, u.has_port);
  if (p != nullptr && p < e && *p == ';') p = uri_params(p + 1, e, u.params);
  return p == e;
}

const FastHandler kFastHandlers[kHeaderIdCount] = {
    nullptr,                           // Accept
    nullptr,                           // Accept-Encoding
    nullptr,                           // Accept-Language
    nullptr,                           // Alert-Info
    tokens,                            // Allow
    nullptr,                           // Authentication-Info
    nullptr,                           // Authorization
    call_id,                           // Call-ID
    nullptr,                           // Call-Info
    contact,                           // Contact
    nullptr,                           // Content-Disposition
    nullptr,                           // Content-Encoding
    nullptr,                           // Content-Language
    integer<0xffffffffu>,              // Content-Length
    content_type,                      // Content-Type
    cseq,                              // CSeq
    nullptr,                           // Date
    nullptr,                           // Error-Info
    integer<0xffffffffu>,              // Expires
    single_name_addr,                  // From
    nullptr,                           // In-Reply-To
    integer<255>,                      // Max-Forwards
    nullptr,                           // MIME-Version
    integer<0xffffffffu>,              // Min-Expires
    text,                              // Organization
    list<NameAddr, name_addr<false>>,  // P-Asserted-Identity
    nullptr,                           // Priority
    nullptr,                           // Proxy-Authenticate
    nullptr,                           // Proxy-Authorization
    tokens,                            // Proxy-Require
    nullptr,                           // Reason
    list<NameAddr, name_addr<true>>,   // Record-Route
    single_name_addr,                  // Reply-To
    tokens,                            // Require
    nullptr,                           // Retry-After
    list<NameAddr, name_addr<true>>,   // Route
    text,                              // Server
    text,                              // Subject
    tokens,                            // Supported
    nullptr,                           // Timestamp
    single_name_addr,                  // To
    tokens,                            // Unsupported
    text,                              // User-Agent
    list<Via, via>,                    // Via
    nullptr,                           // Warning
    nullptr,                           // WWW-Authenticate
    nullptr,                           // unknown
};

#else

bool fast_sip_uri(const char*, const char*, Uri&) {
  return false;
}
const FastHandler kFastHandlers[kHeaderIdCount] = {};

#endif  // __SSE2__

}  // namespace sippet::message::detail
