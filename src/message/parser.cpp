// Whole-message parsing (RFC 3261 §7, §25.1): start line, header fields
// (folding, compact forms, typed values) and body framing (§18.3).
#include "sippet/message/parser.hpp"

#include <cstdint>
#include <cstring>
#include <string>

#include "fast_path.hpp"
#include "header_lookup.hpp"
#include "message_access.hpp"
#include "scanner.hpp"
#include "storage_pool.hpp"

namespace sippet::message {
namespace {

using detail::fail;
using detail::Failure;
using detail::is;
using detail::kDigit;
using detail::kToken;
using detail::view;

constexpr std::size_t kSlack = detail::kParseSlack;

Error make_error(ErrorKind kind, std::size_t offset, int status, std::string_view what,
                 std::string_view prefix) {
  std::string reason;
  reason.reserve(prefix.size() + what.size() + 32);
  reason.append(prefix);
  reason.append(" at offset ");
  reason.append(std::to_string(offset));
  reason.append(": ");
  reason.append(what);
  return Error{kind, offset, status, std::move(reason)};
}

using detail::is_sip_2_0;

// SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT, case-insensitive (§7.1).
bool is_sip_version(std::string_view v) {
  if (v.size() < 7 || !iequals(v.substr(0, 4), "SIP/")) return false;
  std::size_t i = 4, n = v.size();
  std::size_t d = i;
  while (i < n && is(v[i], kDigit))
    ++i;
  if (i == d || i == n || v[i] != '.') return false;
  d = ++i;
  while (i < n && is(v[i], kDigit))
    ++i;
  return i > d && i == n;
}

// CR LF at `p`, read as one 16-bit word.
bool is_crlf(const char* p) {
  std::uint16_t word;
  std::memcpy(&word, p, 2);
  return word == ('\r' | '\n' << 8);
}

bool starts_with_sip_slash(const char* p, const char* e) {
  return e - p >= 4 && iequals(view(p, p + 4), "SIP/");
}

// Request-Line = Method SP Request-URI SP SIP-Version CRLF (§7.1, §25.1):
// exactly one SP between the elements, none at the end (RFC 4475 §3.1.2.9-10).
bool parse_request_line(const char* p, const char* le, RequestLine& rl, bool fast, Failure& f) {
  const char* s = p;
  p = detail::skip(p, le, kToken);
  if (p == s) return fail(f, p, "method expected", ErrorKind::kMalformedStartLine);
  if (p == le || *p != ' ') {
    return fail(f, p, "single SP expected after the method", ErrorKind::kMalformedStartLine);
  }
  rl.method_text = view(s, p);
  rl.method = method_from_string(rl.method_text);
  const char* u = ++p;
  const char* sp = static_cast<const char*>(std::memchr(u, ' ', le - u));
  if (sp == nullptr)
    return fail(f, le, "SP expected after the Request-URI", ErrorKind::kMalformedStartLine);
  if (sp == u) return fail(f, u, "Request-URI expected", ErrorKind::kMalformedStartLine);
  if (!fast || !detail::fast_sip_uri(u, sp, rl.uri)) {
    rl.uri = Uri{};
    if (!detail::parse_uri_into(view(u, sp), rl.uri, f)) return false;
  }
  // §19.1.1: headers are not allowed in a SIP Request-URI (RFC 4475 §3.1.2.11).
  if (rl.uri.is_sip() && !rl.uri.headers.empty()) {
    return fail(f, rl.uri.headers.data() - 1, "headers are not allowed in a Request-URI",
                ErrorKind::kMalformedUri);
  }
  std::string_view version = view(sp + 1, le);
  rl.version = version;
  if (is_sip_2_0(version)) return true;
  if (is_sip_version(version)) {
    return fail(f, sp + 1, "unsupported SIP version", ErrorKind::kBadVersion);
  }
  return fail(f, sp + 1, "SIP-Version expected", ErrorKind::kMalformedStartLine);
}

// Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF (§7.2, §25.1).
bool parse_status_line(const char* p, const char* le, StatusLine& sl, Failure& f) {
  const char* sp = static_cast<const char*>(std::memchr(p, ' ', le - p));
  if (sp == nullptr)
    return fail(f, le, "SP expected after SIP-Version", ErrorKind::kMalformedStartLine);
  std::string_view version = view(p, sp);
  sl.version = version;
  if (!is_sip_2_0(version)) {
    if (is_sip_version(version)) {
      return fail(f, p, "unsupported SIP version", ErrorKind::kBadVersion);
    }
    return fail(f, p, "SIP-Version expected", ErrorKind::kMalformedStartLine);
  }
  const char* c = sp + 1;
  if (le - c < 3 || !is(c[0], kDigit) || !is(c[1], kDigit) || !is(c[2], kDigit) ||
      (le - c > 3 && c[3] != ' ')) {
    return fail(f, c, "three-digit status code expected", ErrorKind::kMalformedStartLine);
  }
  int code = (c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0');
  if (code < 100 || code > 699) {
    return fail(f, c, "status code out of range", ErrorKind::kMalformedStartLine);
  }
  sl.code = static_cast<std::uint16_t>(code);
  const char* r = le - c > 3 ? c + 4 : le;
  // Reason-Phrase: any text, UTF-8 included, but no control characters but HT.
  for (const char* q = r; q < le; ++q) {
    unsigned char ch = static_cast<unsigned char>(*q);
    if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
      return fail(f, q, "control character in Reason-Phrase", ErrorKind::kMalformedStartLine);
    }
  }
  sl.reason = view(r, le);
  return true;
}

// A header line parsed by header_line: the header, and where the next line
// starts.
struct Line {
  HeaderId id;
  const char* next;
};

// One header line at `p` by the general path (§7.3): the name looked up in
// full, the fast path tried when `try_fast` (a known name with LWS before
// the ':', or one the one-step lookup does not take), else the line
// unfolded and parsed by the §25.1 grammar; its fields appended. Out of
// line: the header loop keeps only the usual line's state.
[[gnu::noinline]] Result<Line> header_line(Message& m, const char* p, const char* base,
                                           const char* e, int status, bool try_fast) {
  using A = detail::MessageAccess;
  auto& fields = A::fields(m);
  const char* lf = nullptr;
  auto error_at = [&](ErrorKind kind, const char* at, std::string_view what,
                      std::string_view prefix) {
    return make_error(kind, static_cast<std::size_t>(at - base), status, what, prefix);
  };
  // field-name HCOLON: HCOLON = *( SP / HTAB ) ":" SWS
  const char* name_begin = p;
  std::string_view name;
  HeaderId id = HeaderId::kUnknown;
  // Fast path: a known name directly followed by ':' (its octets are then
  // token characters by construction).
  if (const char* colon = detail::find_known_name(p, e, id); colon != nullptr) {
    name = view(p, colon);
    p = colon;
  } else if (const char* colon = detail::find_colon_padded(p, e); colon != e) {
    // LWS before the ':', or a name the one-step lookup does not take.
    const char* name_end = colon;
    while (name_end > p && (name_end[-1] == ' ' || name_end[-1] == '\t'))
      --name_end;
    id = detail::header_id_from_token(p, static_cast<std::size_t>(name_end - p));
    if (id != HeaderId::kUnknown) {
      name = view(p, name_end);
      p = colon;
    }
  }
  if (id == HeaderId::kUnknown) {
    p = detail::skip(p, e, kToken);
    if (p == name_begin) {
      return error_at(ErrorKind::kMalformedHeader, p, "header name expected", "malformed header");
    }
    name = view(name_begin, p);
    while (p < e && (*p == ' ' || *p == '\t'))
      ++p;
    if (p == e || *p != ':') {
      return error_at(ErrorKind::kMalformedHeader, p, "':' expected after the header name",
                      "malformed header");
    }
  }
  // The common shapes (fast_path.hpp) parse the value and find its end in
  // one go; anything else, or anything the fast path is unsure of, goes to
  // the line splitting below and the general §25.1 parser.
  if (const auto fast = detail::kFastHandlers[static_cast<std::size_t>(id)];
      fast != nullptr && try_fast) {
    const char* vb = p + 1;
    if (*vb == ' ') ++vb;  // the usual ": "; other LWS stays for the fast path to decline
    const std::size_t before = fields.size();
    const char* ve = fast(id, name, vb, e, fields);
    // CRLF, not followed by folding (the zeroed slack reads as no folding,
    // and as no CRLF at `e`: a CRLF found before `e` ends before it).
    if (ve != nullptr && ve < e && is_crlf(ve) && ve[2] != ' ' && ve[2] != '\t') {
      return Line{id, ve + 2};
    }
    fields.erase(fields.begin() + static_cast<std::ptrdiff_t>(before), fields.end());
  }
  ++p;
  // The value runs to the CRLF not followed by SP or HT (folding, §7.3.1).
  const char* value_begin = p;
  const char* line_end;
  while (true) {
    const char* cr = detail::find_line_break_padded(p, e);
    if (cr == e || (*cr == '\r' && cr + 1 == e)) {
      return error_at(ErrorKind::kIncomplete, e, "header line not terminated",
                      "incomplete message");
    }
    if (*cr != '\r' || cr[1] != '\n') {
      return error_at(ErrorKind::kMalformedHeader, cr, "CR and LF must come as CRLF",
                      "malformed header");
    }
    lf = cr + 1;
    if (lf + 1 < e && (lf[1] == ' ' || lf[1] == '\t')) {
      A::folded(m) = true;
      p = lf + 1;
      continue;
    }
    line_end = cr;
    break;
  }
  const char* vb = detail::skip_lws(value_begin, line_end);
  const char* ve = detail::trim_back(vb, line_end);
  Failure f;
  if (!detail::kHeaderHandlers[static_cast<std::size_t>(id)](id, name, vb, ve, fields, f)) {
    if (id == HeaderId::kContentLength) f.kind = ErrorKind::kBadContentLength;
    std::string prefix = "malformed ";
    prefix.append(id == HeaderId::kUnknown ? name : canonical_name(id));
    prefix.append(" header");
    return make_error(f.kind, static_cast<std::size_t>(f.at - base), status, f.what, prefix);
  }
  return Line{id, lf + 1};
}

// Parses `bytes` into the default-constructed `m`.
Result<void> parse_into(Message& m, std::string_view bytes, const ParseOptions& options) {
  if (bytes.size() > options.max_size) {
    // 513 Message Too Large (§21.5.14) for a request; a response is dropped.
    const int too_large_status =
        starts_with_sip_slash(bytes.data(), bytes.data() + bytes.size()) ? 0 : 513;
    return make_error(ErrorKind::kTooLarge, options.max_size, too_large_status,
                      "message of " + std::to_string(bytes.size()) +
                          " octets is larger than the maximum of " +
                          std::to_string(options.max_size),
                      "message too large");
  }
  using A = detail::MessageAccess;
  auto& buffer = A::bytes(m);
  // kSlack zeroed octets after the copy let header names, line ends and the
  // fast paths read 16 octets at a time anywhere in the message.
  buffer.reset(detail::take_bytes(bytes.size() + kSlack));
  if (!bytes.empty()) std::memcpy(buffer.get(), bytes.data(), bytes.size());
  std::memset(buffer.get() + bytes.size(), 0, kSlack);
  A::size(m) = bytes.size();
  const char* base = buffer.get();
  const char* e = base + bytes.size();
  const char* p = base;

  // §7.5: CRLFs before the start line are ignored.
  while (e - p >= 2 && p[0] == '\r' && p[1] == '\n')
    p += 2;

  const bool response = starts_with_sip_slash(p, e);
  const int status = response ? 0 : 400;  // a bad response is dropped, never answered
  auto error_at = [&](ErrorKind kind, const char* at, std::string_view what,
                      std::string_view prefix) {
    return make_error(kind, static_cast<std::size_t>(at - base), status, what, prefix);
  };

  // ---- start line
  const char* lf = detail::find_line_break_padded(p, e);
  if (lf == e || (*lf == '\r' && lf + 1 == e)) {
    return error_at(ErrorKind::kIncomplete, e, "no CRLF after the start line",
                    "incomplete message");
  }
  if (*lf != '\r' || lf[1] != '\n') {
    return error_at(ErrorKind::kMalformedStartLine, lf, "CR and LF must come as CRLF",
                    "malformed start line");
  }
  ++lf;
  {
    Failure f;
    bool ok = response ? parse_status_line(p, lf - 1, A::status_line(m), f)
                       : parse_request_line(p, lf - 1, A::request_line(m), options.fast_paths, f);
    if (!ok) {
      int st = status;
      if (f.kind == ErrorKind::kBadVersion && !response) st = 505;
      return make_error(f.kind, static_cast<std::size_t>(f.at - base), st, f.what,
                        response ? "malformed status line" : "malformed request line");
    }
  }
  A::is_request(m) = !response;
  p = lf + 1;

  // ---- header fields (§7.3)
  const bool fast_paths = options.fast_paths;
  auto& fields = A::fields(m);
  fields = detail::take_field_list();
  const Field* content_length = nullptr;
  std::size_t content_length_index = 0;
  bool have_content_length = false;
  while (true) {
    if (p == e) {
      return error_at(ErrorKind::kIncomplete, p, "no empty line after the header fields",
                      "incomplete message");
    }
    if (*p == '\r') {
      if (e - p >= 2 && p[1] == '\n') {
        p += 2;
        break;
      }
      if (e - p < 2) {
        return error_at(ErrorKind::kIncomplete, p, "no empty line after the header fields",
                        "incomplete message");
      }
      return error_at(ErrorKind::kMalformedHeader, p, "CR without LF", "malformed header");
    }
    // The usual line, kept short so the loop's state stays in registers: a
    // known name directly followed by ':' (header_lookup.hpp) and a value
    // its fast path (fast_path.hpp) takes whole, up to a CRLF not followed
    // by folding (the zeroed slack reads as no folding, and as no CRLF at
    // `e`: a CRLF found before `e` ends before it). Anything else goes to
    // header_line, the fast path not tried again when it declined here.
    bool try_fast = fast_paths;
    if (fast_paths) {
      HeaderId id = HeaderId::kUnknown;
      if (const char* colon = detail::find_known_name(p, e, id); colon != nullptr) {
        if (const auto fast = detail::kFastHandlers[static_cast<std::size_t>(id)];
            fast != nullptr) {
          const char* vb = colon + 1;
          if (*vb == ' ') ++vb;  // the usual ": "; other LWS stays for the fast path to decline
          const std::size_t before = fields.size();
          const char* ve = fast(id, view(p, colon), vb, e, fields);
          if (ve != nullptr && ve < e && is_crlf(ve) && ve[2] != ' ' && ve[2] != '\t') {
            if (id == HeaderId::kContentLength && !have_content_length) {
              have_content_length = true;
              content_length_index = fields.size() - 1;
            }
            p = ve + 2;
            continue;
          }
          fields.erase(fields.begin() + static_cast<std::ptrdiff_t>(before), fields.end());
          try_fast = false;
        }
      }
    }
    auto line = header_line(m, p, base, e, status, try_fast);
    if (!line) return line.error();
    if (line->id == HeaderId::kContentLength && !have_content_length) {
      have_content_length = true;
      content_length_index = fields.size() - 1;
    }
    p = line->next;
  }
  if (have_content_length) content_length = &fields[content_length_index];

  // ---- body (§18.3)
  std::size_t remaining = static_cast<std::size_t>(e - p);
  std::size_t body_size = remaining;
  if (content_length != nullptr) {
    std::size_t declared = content_length->as<Integer>()->value;
    if (declared > remaining) {
      if (options.datagram) {
        return error_at(ErrorKind::kBadContentLength, content_length->value.data(),
                        "Content-Length is larger than the body", "bad Content-Length");
      }
      return error_at(ErrorKind::kIncomplete, e, "the body is shorter than Content-Length",
                      "incomplete message");
    }
    if (!options.datagram && declared < remaining) {
      return error_at(ErrorKind::kBadContentLength, p + declared,
                      "octets after the body of a framed message", "bad Content-Length");
    }
    body_size = declared;
  } else if (!options.datagram) {
    return error_at(ErrorKind::kBadContentLength, p, "Content-Length is required on streams",
                    "bad Content-Length");
  }
  A::body(m) = view(p, p + body_size);
  return {};
}

}  // namespace

Result<Message> parse_message(std::string_view bytes, const ParseOptions& options) {
  // Built in place and returned by NRVO: the message is never moved.
  Result<Message> result(std::in_place);
  if (auto parsed = parse_into(*result, bytes, options); !parsed) result = parsed.error();
  return result;
}

}  // namespace sippet::message
