// Typed parsing of one header's value (RFC 3261 §7.3, §20, §25.1): dispatch
// by header id, list splitting at top-level commas (§7.3.1), error reasons.
#include "header_parser.hpp"

#include <string>
#include <utility>
#include <variant>

#include "scanner.hpp"

namespace sippet::message::detail {
namespace {

// Runs `element` for each comma-separated value (§7.3.1). The element parser
// stops at the first character it cannot take, which must then be a ',' or the
// end: commas inside quoted strings, comments and <> never reach this loop.
template <class T, class Fn>
bool run_list(HeaderId id, std::string_view name, const char* b, const char* e,
              std::vector<Field>& out, Failure& f, bool allow_empty, Fn element) {
  if (b == e) return allow_empty || fail(f, b, "empty value");
  const char* p = b;
  while (true) {
    Field& field = out.emplace_back(id, name, std::in_place_type<T>);
    const char* start = p;
    if (!element(p, e, field, f)) return false;
    field.value = view(start, p);
    p = skip_lws(p, e);
    if (p == e) return true;
    if (*p != ',') return fail(f, p, "',' or end of value expected");
    p = skip_lws(p + 1, e);
  }
}

template <class T, class Fn>
bool run_single(HeaderId id, std::string_view name, const char* b, const char* e,
                std::vector<Field>& out, Failure& f, Fn element) {
  Field& field = out.emplace_back(id, name, std::in_place_type<T>);
  field.value = view(b, e);
  const char* p = b;
  if (!element(p, e, field, f)) return false;
  p = skip_lws(p, e);
  if (p != e) return fail(f, p, "unexpected text after the value");
  return true;
}

// The typed value of a field appended by run_list / run_single as a T.
template <class T>
T& typed(Field& field) {
  return *std::get_if<T>(&field.typed);
}

// An element parser of the scanner's shape: parses one T at `p`.
template <class T>
using ElementParser = bool (*)(const char*& p, const char* end, T& out, Failure& f);

// A header whose grammar allows one value of T.
template <class T, ElementParser<T> kParse>
bool single(HeaderId id, std::string_view name, const char* b, const char* e,
            std::vector<Field>& out, Failure& f) {
  return run_single<T>(id, name, b, e, out, f,
                       [](const char*& p, const char* e, Field& fld, Failure& f) {
                         return kParse(p, e, typed<T>(fld), f);
                       });
}

// A header holding a comma-separated list of T (§7.3.1).
template <class T, ElementParser<T> kParse, bool kAllowEmpty = false>
bool list(HeaderId id, std::string_view name, const char* b, const char* e, std::vector<Field>& out,
          Failure& f) {
  return run_list<T>(id, name, b, e, out, f, kAllowEmpty,
                     [](const char*& p, const char* e, Field& fld, Failure& f) {
                       return kParse(p, e, typed<T>(fld), f);
                     });
}

// Element parsers whose scanner takes one more argument.
template <std::uint64_t kLimit>
bool integer_up_to(const char*& p, const char* e, Integer& out, Failure& f) {
  return parse_integer(p, e, kLimit, out, f);
}

template <bool kRequireBrackets>
bool name_addr(const char*& p, const char* e, NameAddr& out, Failure& f) {
  return parse_name_addr(p, e, out, kRequireBrackets, f);
}

template <bool kHasScheme>
bool auth_value(const char*& p, const char* e, Auth& out, Failure& f) {
  return parse_auth(p, e, out, kHasScheme, f);
}

// callid = word [ "@" word ] (§20.8), kept as Text (Call-ID) or as the token
// of an In-Reply-To value.
bool call_id_text(const char*& p, const char* e, Text& out, Failure& f) {
  const char* s = p;
  if (!parse_call_id(p, e, f)) return false;
  out.text = view(s, p);
  return true;
}

bool call_id_token(const char*& p, const char* e, Token& out, Failure& f) {
  const char* s = p;
  if (!parse_call_id(p, e, f)) return false;
  out.token = view(s, p);
  return true;
}

bool free_text(const char*& p, const char* e, Text& out, Failure& f) {
  out.text = view(p, e);
  return parse_text(p, e, f);
}

template <bool kAllowEmpty>
bool text(HeaderId id, std::string_view name, const char* b, const char* e, std::vector<Field>& out,
          Failure& f) {
  if (b == e && !kAllowEmpty) return fail(f, b, "empty value");
  return single<Text, free_text>(id, name, b, e, out, f);
}

bool contact(HeaderId id, std::string_view name, const char* b, const char* e,
             std::vector<Field>& out, Failure& f) {
  // Contact: "*" (§10.2.2, §20.10)
  if (b < e && *b == '*' && skip_lws(b + 1, e) == e) {
    Field& field = out.emplace_back(id, name, std::in_place_type<Star>);
    field.value = view(b, b + 1);
    return true;
  }
  return list<NameAddr, name_addr<false>>(id, name, b, e, out, f);
}

// 1#( token *( SEMI generic-param ) ), the list loop and the token inlined:
// Allow and Supported are in nearly every message.
template <bool kAllowEmpty>
bool tokens(HeaderId id, std::string_view name, const char* b, const char* e,
            std::vector<Field>& out, Failure& f) {
  if (b == e) return kAllowEmpty || fail(f, b, "empty value");
  const char* p = b;
  while (true) {
    Field& field = out.emplace_back(id, name, std::in_place_type<Token>);
    Token& token = typed<Token>(field);
    const char* start = p;
    p = skip(p, e, kToken);
    if (p == start) return fail(f, p, "token expected");
    token.token = view(start, p);
    const char* q = skip_lws(p, e);
    if (q < e && *q == ';') {
      p = skip_lws(q + 1, e);
      if (!scan_params(p, e, ';', token.params, f)) return false;
      q = skip_lws(p, e);
    }
    field.value = view(start, p);
    if (q == e) return true;
    if (*q != ',') return fail(f, q, "',' or end of value expected");
    p = skip_lws(q + 1, e);
  }
}

template <bool kHasScheme>
bool auth(HeaderId id, std::string_view name, const char* b, const char* e, std::vector<Field>& out,
          Failure& f) {
  if (b == e) return fail(f, b, "empty value");
  return single<Auth, auth_value<kHasScheme>>(id, name, b, e, out, f);
}

constexpr std::uint64_t kMax32 = 0xffffffff;

}  // namespace

// Indexed by HeaderId; the grammar of each is in RFC 3261 §25.1 (RFC 3325
// for P-Asserted-Identity, RFC 3326 for Reason).
const HeaderHandler kHeaderHandlers[kHeaderIdCount] = {
    list<MediaType, parse_media_type, true>,  // Accept
    tokens<true>,                             // Accept-Encoding
    tokens<true>,                             // Accept-Language
    list<UriParams, parse_uri_params>,        // Alert-Info
    tokens<true>,                             // Allow
    auth<false>,                              // Authentication-Info
    auth<true>,                               // Authorization
    single<Text, call_id_text>,               // Call-ID
    list<UriParams, parse_uri_params>,        // Call-Info
    contact,                                  // Contact
    single<Token, parse_token>,               // Content-Disposition
    tokens<false>,                            // Content-Encoding
    tokens<false>,                            // Content-Language
    single<Integer, integer_up_to<kMax32>>,   // Content-Length
    single<MediaType, parse_media_type>,      // Content-Type
    single<CSeq, parse_cseq>,                 // CSeq
    single<Date, parse_date>,                 // Date
    list<UriParams, parse_uri_params>,        // Error-Info
    single<Integer, integer_up_to<kMax32>>,   // Expires
    single<NameAddr, name_addr<false>>,       // From
    list<Token, call_id_token>,               // In-Reply-To
    single<Integer, integer_up_to<255>>,      // Max-Forwards
    single<MimeVersion, parse_mime_version>,  // MIME-Version
    single<Integer, integer_up_to<kMax32>>,   // Min-Expires
    text<true>,                               // Organization
    list<NameAddr, name_addr<false>>,         // P-Asserted-Identity
    single<Token, parse_token>,               // Priority
    auth<true>,                               // Proxy-Authenticate
    auth<true>,                               // Proxy-Authorization
    tokens<false>,                            // Proxy-Require
    tokens<false>,                            // Reason
    list<NameAddr, name_addr<true>>,          // Record-Route
    single<NameAddr, name_addr<false>>,       // Reply-To
    tokens<false>,                            // Require
    single<RetryAfter, parse_retry_after>,    // Retry-After
    list<NameAddr, name_addr<true>>,          // Route
    text<false>,                              // Server
    text<true>,                               // Subject
    tokens<true>,                             // Supported
    single<Timestamp, parse_timestamp>,       // Timestamp
    single<NameAddr, name_addr<false>>,       // To
    tokens<false>,                            // Unsupported
    text<false>,                              // User-Agent
    list<Via, parse_via>,                     // Via
    list<Warning, parse_warning>,             // Warning
    auth<true>,                               // WWW-Authenticate
    text<true>,                               // unknown
};

bool parse_fields(HeaderId id, std::string_view name, const char* b, const char* e,
                  std::vector<Field>& out, Failure& f) {
  std::size_t before = out.size();
  if (kHeaderHandlers[static_cast<std::size_t>(id)](id, name, b, e, out, f)) return true;
  out.resize(before);
  if (id == HeaderId::kContentLength) f.kind = ErrorKind::kBadContentLength;
  return false;
}

Result<void> parse_header_value(HeaderId id, std::string_view name, std::string_view value,
                                std::vector<Field>& out) {
  const char* b = value.data();
  const char* e = b + value.size();
  // Callers pass trimmed text; trim again so stray LWS cannot confuse typing.
  b = skip_lws(b, e);
  e = trim_back(b, e);
  Failure f;
  // Line breaks are only allowed as folding: CRLF followed by SP or HT (§7.3.1).
  for (const char* p = b; p < e; ++p) {
    if (*p == '\r' || *p == '\n') {
      bool folding = *p == '\r' && e - p >= 3 && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t');
      if (!folding) {
        std::size_t offset = static_cast<std::size_t>(p - value.data());
        return Error{ErrorKind::kMalformedHeader, offset, 400,
                     "line break in header value at offset " + std::to_string(offset)};
      }
      ++p;
    }
  }
  if (parse_fields(id, name, b, e, out, f)) return {};
  std::size_t offset = static_cast<std::size_t>(f.at - value.data());
  std::string header(id == HeaderId::kUnknown ? name : canonical_name(id));
  return Error{
      f.kind, offset, 400,
      "malformed " + header + " header at offset " + std::to_string(offset) + ": " + f.what};
}

}  // namespace sippet::message::detail
