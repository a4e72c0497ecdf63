// Typed parsing of one header's value (RFC 3261 §7.3, §20, §25.1): dispatch
// by header id, list splitting at top-level commas (§7.3.1), error reasons.
#include "header_parser.hpp"

#include <string>

#include "scanner.hpp"

namespace sippet::message::detail {
namespace {

// Runs `element` for each comma-separated value (§7.3.1). The element parser
// stops at the first character it cannot take, which must then be a ',' or the
// end: commas inside quoted strings, comments and <> never reach this loop.
template <class Fn>
bool run_list(HeaderId id, std::string_view name, const char* b, const char* e,
              std::vector<Field>& out, Failure& f, bool allow_empty, Fn element) {
  if (b == e) return allow_empty || fail(f, b, "empty value");
  const char* p = b;
  while (true) {
    Field& field = out.emplace_back();
    field.id = id;
    field.name = name;
    const char* start = p;
    if (!element(p, e, field, f)) return false;
    field.value = view(start, p);
    p = skip_lws(p, e);
    if (p == e) return true;
    if (*p != ',') return fail(f, p, "',' or end of value expected");
    p = skip_lws(p + 1, e);
  }
}

template <class Fn>
bool run_single(HeaderId id, std::string_view name, const char* b, const char* e,
                std::vector<Field>& out, Failure& f, Fn element) {
  Field& field = out.emplace_back();
  field.id = id;
  field.name = name;
  field.value = view(b, e);
  const char* p = b;
  if (!element(p, e, field, f)) return false;
  p = skip_lws(p, e);
  if (p != e) return fail(f, p, "unexpected text after the value");
  return true;
}

template <class T>
T& typed(Field& field) {
  return field.typed.emplace<T>();
}

bool integer(HeaderId id, std::string_view name, const char* b, const char* e,
             std::vector<Field>& out, Failure& f, std::uint64_t limit) {
  return run_single(id, name, b, e, out, f,
                    [limit](const char*& p, const char* e, Field& fld, Failure& f) {
                      return parse_integer(p, e, limit, typed<Integer>(fld), f);
                    });
}

bool text(HeaderId id, std::string_view name, const char* b, const char* e, std::vector<Field>& out,
          Failure& f, bool allow_empty) {
  if (b == e && !allow_empty) return fail(f, b, "empty value");
  return run_single(id, name, b, e, out, f,
                    [](const char*& p, const char* e, Field& fld, Failure& f) {
                      typed<Text>(fld).text = view(p, e);
                      return parse_text(p, e, f);
                    });
}

bool name_addrs(HeaderId id, std::string_view name, const char* b, const char* e,
                std::vector<Field>& out, Failure& f, bool list, bool require_brackets) {
  auto element = [require_brackets](const char*& p, const char* e, Field& fld, Failure& f) {
    return parse_name_addr(p, e, typed<NameAddr>(fld), require_brackets, f);
  };
  if (list) return run_list(id, name, b, e, out, f, false, element);
  return run_single(id, name, b, e, out, f, element);
}

bool tokens(HeaderId id, std::string_view name, const char* b, const char* e,
            std::vector<Field>& out, Failure& f, bool allow_empty) {
  return run_list(id, name, b, e, out, f, allow_empty,
                  [](const char*& p, const char* e, Field& fld, Failure& f) {
                    return parse_token(p, e, typed<Token>(fld), f);
                  });
}

bool auth(HeaderId id, std::string_view name, const char* b, const char* e, std::vector<Field>& out,
          Failure& f, bool has_scheme) {
  if (b == e) return fail(f, b, "empty value");
  return run_single(id, name, b, e, out, f,
                    [has_scheme](const char*& p, const char* e, Field& fld, Failure& f) {
                      return parse_auth(p, e, typed<Auth>(fld), has_scheme, f);
                    });
}

bool uri_params(HeaderId id, std::string_view name, const char* b, const char* e,
                std::vector<Field>& out, Failure& f) {
  return run_list(id, name, b, e, out, f, false,
                  [](const char*& p, const char* e, Field& fld, Failure& f) {
                    return parse_uri_params(p, e, typed<UriParams>(fld), f);
                  });
}

bool dispatch(HeaderId id, std::string_view name, const char* b, const char* e,
              std::vector<Field>& out, Failure& f) {
  using H = HeaderId;
  constexpr std::uint64_t kMax32 = 0xffffffff;
  switch (id) {
    case H::kVia:
      return run_list(id, name, b, e, out, f, false,
                      [](const char*& p, const char* e, Field& fld, Failure& f) {
                        return parse_via(p, e, typed<Via>(fld), f);
                      });
    case H::kFrom:
    case H::kTo:
    case H::kReplyTo:
      return name_addrs(id, name, b, e, out, f, false, false);
    case H::kContact: {
      // Contact: "*" (§10.2.2, §20.10)
      if (b < e && *b == '*' && skip_lws(b + 1, e) == e) {
        Field& field = out.emplace_back();
        field.id = id;
        field.name = name;
        field.value = view(b, b + 1);
        field.typed.emplace<Star>();
        return true;
      }
      return name_addrs(id, name, b, e, out, f, true, false);
    }
    case H::kPAssertedIdentity:
      return name_addrs(id, name, b, e, out, f, true, false);
    case H::kRoute:
    case H::kRecordRoute:
      return name_addrs(id, name, b, e, out, f, true, true);
    case H::kCallId:
      return run_single(id, name, b, e, out, f,
                        [](const char*& p, const char* e, Field& fld, Failure& f) {
                          const char* s = p;
                          if (!parse_call_id(p, e, f)) return false;
                          typed<Text>(fld).text = view(s, p);
                          return true;
                        });
    case H::kCSeq:
      return run_single(id, name, b, e, out, f,
                        [](const char*& p, const char* e, Field& fld, Failure& f) {
                          return parse_cseq(p, e, typed<CSeq>(fld), f);
                        });
    case H::kContentLength:
    case H::kExpires:
    case H::kMinExpires:
      return integer(id, name, b, e, out, f, kMax32);
    case H::kMaxForwards:
      return integer(id, name, b, e, out, f, 255);
    case H::kContentType:
      return run_single(id, name, b, e, out, f,
                        [](const char*& p, const char* e, Field& fld, Failure& f) {
                          return parse_media_type(p, e, typed<MediaType>(fld), f);
                        });
    case H::kAccept:
      return run_list(id, name, b, e, out, f, true,
                      [](const char*& p, const char* e, Field& fld, Failure& f) {
                        return parse_media_type(p, e, typed<MediaType>(fld), f);
                      });
    case H::kAcceptEncoding:
    case H::kAcceptLanguage:
    case H::kAllow:
    case H::kSupported:
      return tokens(id, name, b, e, out, f, true);
    case H::kContentEncoding:
    case H::kContentLanguage:
    case H::kProxyRequire:
    case H::kRequire:
    case H::kUnsupported:
    case H::kReason:
      return tokens(id, name, b, e, out, f, false);
    case H::kContentDisposition:
    case H::kPriority:
      return run_single(id, name, b, e, out, f,
                        [](const char*& p, const char* e, Field& fld, Failure& f) {
                          return parse_token(p, e, typed<Token>(fld), f);
                        });
    case H::kInReplyTo:
      return run_list(id, name, b, e, out, f, false,
                      [](const char*& p, const char* e, Field& fld, Failure& f) {
                        const char* s = p;
                        if (!parse_call_id(p, e, f)) return false;
                        typed<Token>(fld).token = view(s, p);
                        return true;
                      });
    case H::kAlertInfo:
    case H::kCallInfo:
    case H::kErrorInfo:
      return uri_params(id, name, b, e, out, f);
    case H::kAuthorization:
    case H::kProxyAuthorization:
    case H::kWwwAuthenticate:
    case H::kProxyAuthenticate:
      return auth(id, name, b, e, out, f, true);
    case H::kAuthenticationInfo:
      return auth(id, name, b, e, out, f, false);
    case H::kDate:
      return run_single(id, name, b, e, out, f,
                        [](const char*& p, const char* e, Field& fld, Failure& f) {
                          return parse_date(p, e, typed<Date>(fld), f);
                        });
    case H::kRetryAfter:
      return run_single(id, name, b, e, out, f,
                        [](const char*& p, const char* e, Field& fld, Failure& f) {
                          return parse_retry_after(p, e, typed<RetryAfter>(fld), f);
                        });
    case H::kWarning:
      return run_list(id, name, b, e, out, f, false,
                      [](const char*& p, const char* e, Field& fld, Failure& f) {
                        return parse_warning(p, e, typed<Warning>(fld), f);
                      });
    case H::kTimestamp:
      return run_single(id, name, b, e, out, f,
                        [](const char*& p, const char* e, Field& fld, Failure& f) {
                          return parse_timestamp(p, e, typed<Timestamp>(fld), f);
                        });
    case H::kMimeVersion:
      return run_single(id, name, b, e, out, f,
                        [](const char*& p, const char* e, Field& fld, Failure& f) {
                          return parse_mime_version(p, e, typed<MimeVersion>(fld), f);
                        });
    case H::kSubject:
    case H::kOrganization:
    case H::kUnknown:
      return text(id, name, b, e, out, f, true);
    case H::kServer:
    case H::kUserAgent:
      return text(id, name, b, e, out, f, false);
  }
  return text(id, name, b, e, out, f, true);
}

}  // namespace

bool parse_fields(HeaderId id, std::string_view name, const char* b, const char* e,
                  std::vector<Field>& out, Failure& f) {
  std::size_t before = out.size();
  if (dispatch(id, name, b, e, out, f)) return true;
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
