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

template <std::uint64_t kLimit>
bool integer(HeaderId id, std::string_view name, const char* b, const char* e,
             std::vector<Field>& out, Failure& f) {
  return run_single<Integer>(id, name, b, e, out, f,
                             [](const char*& p, const char* e, Field& fld, Failure& f) {
                               return parse_integer(p, e, kLimit, typed<Integer>(fld), f);
                             });
}

template <bool kAllowEmpty>
bool text(HeaderId id, std::string_view name, const char* b, const char* e, std::vector<Field>& out,
          Failure& f) {
  if (b == e && !kAllowEmpty) return fail(f, b, "empty value");
  return run_single<Text>(id, name, b, e, out, f,
                          [](const char*& p, const char* e, Field& fld, Failure& f) {
                            typed<Text>(fld).text = view(p, e);
                            return parse_text(p, e, f);
                          });
}

template <bool kList, bool kRequireBrackets>
bool name_addrs(HeaderId id, std::string_view name, const char* b, const char* e,
                std::vector<Field>& out, Failure& f) {
  auto element = [](const char*& p, const char* e, Field& fld, Failure& f) {
    return parse_name_addr(p, e, typed<NameAddr>(fld), kRequireBrackets, f);
  };
  if constexpr (kList) {
    return run_list<NameAddr>(id, name, b, e, out, f, false, element);
  } else {
    return run_single<NameAddr>(id, name, b, e, out, f, element);
  }
}

bool contact(HeaderId id, std::string_view name, const char* b, const char* e,
             std::vector<Field>& out, Failure& f) {
  // Contact: "*" (§10.2.2, §20.10)
  if (b < e && *b == '*' && skip_lws(b + 1, e) == e) {
    Field& field = out.emplace_back(id, name, std::in_place_type<Star>);
    field.value = view(b, b + 1);
    return true;
  }
  return name_addrs<true, false>(id, name, b, e, out, f);
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
  return run_single<Auth>(id, name, b, e, out, f,
                          [](const char*& p, const char* e, Field& fld, Failure& f) {
                            return parse_auth(p, e, typed<Auth>(fld), kHasScheme, f);
                          });
}

bool uri_params(HeaderId id, std::string_view name, const char* b, const char* e,
                std::vector<Field>& out, Failure& f) {
  return run_list<UriParams>(id, name, b, e, out, f, false,
                             [](const char*& p, const char* e, Field& fld, Failure& f) {
                               return parse_uri_params(p, e, typed<UriParams>(fld), f);
                             });
}

bool via(HeaderId id, std::string_view name, const char* b, const char* e, std::vector<Field>& out,
         Failure& f) {
  return run_list<Via>(id, name, b, e, out, f, false,
                       [](const char*& p, const char* e, Field& fld, Failure& f) {
                         return parse_via(p, e, typed<Via>(fld), f);
                       });
}

bool call_id(HeaderId id, std::string_view name, const char* b, const char* e,
             std::vector<Field>& out, Failure& f) {
  return run_single<Text>(id, name, b, e, out, f,
                          [](const char*& p, const char* e, Field& fld, Failure& f) {
                            const char* s = p;
                            if (!parse_call_id(p, e, f)) return false;
                            typed<Text>(fld).text = view(s, p);
                            return true;
                          });
}

bool in_reply_to(HeaderId id, std::string_view name, const char* b, const char* e,
                 std::vector<Field>& out, Failure& f) {
  return run_list<Token>(id, name, b, e, out, f, false,
                         [](const char*& p, const char* e, Field& fld, Failure& f) {
                           const char* s = p;
                           if (!parse_call_id(p, e, f)) return false;
                           typed<Token>(fld).token = view(s, p);
                           return true;
                         });
}

bool cseq(HeaderId id, std::string_view name, const char* b, const char* e, std::vector<Field>& out,
          Failure& f) {
  return run_single<CSeq>(id, name, b, e, out, f,
                          [](const char*& p, const char* e, Field& fld, Failure& f) {
                            return parse_cseq(p, e, typed<CSeq>(fld), f);
                          });
}

bool content_type(HeaderId id, std::string_view name, const char* b, const char* e,
                  std::vector<Field>& out, Failure& f) {
  return run_single<MediaType>(id, name, b, e, out, f,
                               [](const char*& p, const char* e, Field& fld, Failure& f) {
                                 return parse_media_type(p, e, typed<MediaType>(fld), f);
                               });
}

bool accept(HeaderId id, std::string_view name, const char* b, const char* e,
            std::vector<Field>& out, Failure& f) {
  return run_list<MediaType>(id, name, b, e, out, f, true,
                             [](const char*& p, const char* e, Field& fld, Failure& f) {
                               return parse_media_type(p, e, typed<MediaType>(fld), f);
                             });
}

bool single_token(HeaderId id, std::string_view name, const char* b, const char* e,
                  std::vector<Field>& out, Failure& f) {
  return run_single<Token>(id, name, b, e, out, f,
                           [](const char*& p, const char* e, Field& fld, Failure& f) {
                             return parse_token(p, e, typed<Token>(fld), f);
                           });
}

bool date(HeaderId id, std::string_view name, const char* b, const char* e, std::vector<Field>& out,
          Failure& f) {
  return run_single<Date>(id, name, b, e, out, f,
                          [](const char*& p, const char* e, Field& fld, Failure& f) {
                            return parse_date(p, e, typed<Date>(fld), f);
                          });
}

bool retry_after(HeaderId id, std::string_view name, const char* b, const char* e,
                 std::vector<Field>& out, Failure& f) {
  return run_single<RetryAfter>(id, name, b, e, out, f,
                                [](const char*& p, const char* e, Field& fld, Failure& f) {
                                  return parse_retry_after(p, e, typed<RetryAfter>(fld), f);
                                });
}

bool warning(HeaderId id, std::string_view name, const char* b, const char* e,
             std::vector<Field>& out, Failure& f) {
  return run_list<Warning>(id, name, b, e, out, f, false,
                           [](const char*& p, const char* e, Field& fld, Failure& f) {
                             return parse_warning(p, e, typed<Warning>(fld), f);
                           });
}

bool timestamp(HeaderId id, std::string_view name, const char* b, const char* e,
               std::vector<Field>& out, Failure& f) {
  return run_single<Timestamp>(id, name, b, e, out, f,
                               [](const char*& p, const char* e, Field& fld, Failure& f) {
                                 return parse_timestamp(p, e, typed<Timestamp>(fld), f);
                               });
}

bool mime_version(HeaderId id, std::string_view name, const char* b, const char* e,
                  std::vector<Field>& out, Failure& f) {
  return run_single<MimeVersion>(id, name, b, e, out, f,
                                 [](const char*& p, const char* e, Field& fld, Failure& f) {
                                   return parse_mime_version(p, e, typed<MimeVersion>(fld), f);
                                 });
}

constexpr std::uint64_t kMax32 = 0xffffffff;

}  // namespace

// Indexed by HeaderId; the grammar of each is in RFC 3261 §25.1 (RFC 3325
// for P-Asserted-Identity, RFC 3326 for Reason).
const HeaderHandler kHeaderHandlers[kHeaderIdCount] = {
    accept,                    // Accept
    tokens<true>,              // Accept-Encoding
    tokens<true>,              // Accept-Language
    uri_params,                // Alert-Info
    tokens<true>,              // Allow
    auth<false>,               // Authentication-Info
    auth<true>,                // Authorization
    call_id,                   // Call-ID
    uri_params,                // Call-Info
    contact,                   // Contact
    single_token,              // Content-Disposition
    tokens<false>,             // Content-Encoding
    tokens<false>,             // Content-Language
    integer<kMax32>,           // Content-Length
    content_type,              // Content-Type
    cseq,                      // CSeq
    date,                      // Date
    uri_params,                // Error-Info
    integer<kMax32>,           // Expires
    name_addrs<false, false>,  // From
    in_reply_to,               // In-Reply-To
    integer<255>,              // Max-Forwards
    mime_version,              // MIME-Version
    integer<kMax32>,           // Min-Expires
    text<true>,                // Organization
    name_addrs<true, false>,   // P-Asserted-Identity
    single_token,              // Priority
    auth<true>,                // Proxy-Authenticate
    auth<true>,                // Proxy-Authorization
    tokens<false>,             // Proxy-Require
    tokens<false>,             // Reason
    name_addrs<true, true>,    // Record-Route
    name_addrs<false, false>,  // Reply-To
    tokens<false>,             // Require
    retry_after,               // Retry-After
    name_addrs<true, true>,    // Route
    text<false>,               // Server
    text<true>,                // Subject
    tokens<true>,              // Supported
    timestamp,                 // Timestamp
    name_addrs<false, false>,  // To
    tokens<false>,             // Unsupported
    text<false>,               // User-Agent
    via,                       // Via
    warning,                   // Warning
    auth<true>,                // WWW-Authenticate
    text<true>,                // unknown
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
