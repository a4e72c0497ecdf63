// What an element checks before processing a message: RFC 3261 §8.2 (UAS)
// and §16.3 (proxy). Every failure names what is wrong and the status a
// server answers; a response is never answered, so its errors carry 0.
#include "sippet/message/validate.hpp"

#include <bit>
#include <cstdint>
#include <span>
#include <string>

#include "scanner.hpp"

namespace sippet::message {

namespace {

void append_list(std::string& out, std::string_view item, bool& first) {
  if (!first) out.append(", ");
  out.append(item);
  first = false;
}

struct Check {
  const Message& message;
  int status(int code) const { return message.is_request() ? code : 0; }
  Error fail(ErrorKind kind, int code, std::string reason) const {
    return Error{kind, 0, status(code), std::move(reason)};
  }
};

// "type/subtype" of a Content-Type or Accept value.
bool media_equals(const MediaType& m, std::string_view type_slash_subtype) {
  auto slash = type_slash_subtype.find('/');
  if (slash == std::string_view::npos) return false;
  return iequals(m.type, type_slash_subtype.substr(0, slash)) &&
         iequals(m.subtype, type_slash_subtype.substr(slash + 1));
}

// An Accept range ("*/*", "type/*", "type/subtype") admits a type (§20.1).
bool accept_admits(const MediaType& range, std::string_view type_slash_subtype) {
  auto slash = type_slash_subtype.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view type = type_slash_subtype.substr(0, slash);
  std::string_view subtype = type_slash_subtype.substr(slash + 1);
  if (range.type == "*") return range.subtype == "*";
  if (!iequals(range.type, type)) return false;
  return range.subtype == "*" || iequals(range.subtype, subtype);
}

// q=0 means "not acceptable" (RFC 2616 §3.9, used by §20.1).
bool q_is_zero(const Params& params) {
  auto q = params.get("q");
  if (!q) return false;
  std::string_view v = *q;
  if (v.empty() || v[0] != '0') return false;
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (v[i] != '.' && v[i] != '0') return false;
  }
  return true;
}

constexpr std::uint64_t bit_of(HeaderId id) {
  return std::uint64_t{1} << static_cast<unsigned>(id);
}

// The headers §8.2 and §16.3 need to process a request (§8.1.1 lists them
// with Max-Forwards, which the UAC MUST insert, §8.1.1.6; but no element
// rejects a request without it: a proxy adds one, §16.6 step 3), in the
// order an error names them.
constexpr HeaderId kMandatoryOrder[] = {HeaderId::kVia, HeaderId::kFrom, HeaderId::kTo,
                                        HeaderId::kCallId, HeaderId::kCSeq};
constexpr std::uint64_t kMandatory = [] {
  std::uint64_t mask = 0;
  for (HeaderId id : kMandatoryOrder)
    mask |= bit_of(id);
  return mask;
}();

// Headers whose grammar allows one value only (HeaderShape::kSingle).
std::uint64_t single_value_mask() {
  static const std::uint64_t mask = [] {
    std::uint64_t m = 0;
    for (std::size_t i = 0; i < kHeaderIdCount; ++i) {
      if (header_shape(static_cast<HeaderId>(i)) == HeaderShape::kSingle) {
        m |= bit_of(static_cast<HeaderId>(i));
      }
    }
    return m;
  }();
  return mask;
}

// The canonical names of the headers in `mask`, comma-separated, in `order`
// or else in HeaderId order.
std::string names_of(std::uint64_t mask, std::span<const HeaderId> order = {}) {
  std::string out;
  bool first = true;
  if (!order.empty()) {
    for (HeaderId id : order) {
      if (mask & bit_of(id)) append_list(out, canonical_name(id), first);
    }
    return out;
  }
  for (std::size_t i = 0; i < kHeaderIdCount; ++i) {
    if (mask & bit_of(static_cast<HeaderId>(i))) {
      append_list(out, canonical_name(static_cast<HeaderId>(i)), first);
    }
  }
  return out;
}

std::string joined(const std::vector<std::string_view>& items) {
  std::string out;
  bool first = true;
  for (std::string_view s : items)
    append_list(out, s, first);
  return out;
}

}  // namespace

Result<void> validate(const Message& message, const ValidateOptions& options) {
  Check check{message};
  const bool request = message.is_request();

  // §21.5.14: 513 for a message too large to process.
  std::size_t size = message.bytes().size();
  if (size == 0) size = message.to_string().size();
  if (size > options.max_message_size) {
    return check.fail(ErrorKind::kTooLarge, 513,
                      "message of " + std::to_string(size) + " octets exceeds the maximum of " +
                          std::to_string(options.max_message_size));
  }

  // §7.1, §8.2, §21.5.6: only SIP/2.0 (case-insensitive) is understood.
  std::string_view version =
      request ? message.request_line().version : message.status_line().version;
  if (!detail::is_sip_2_0(version)) {
    return check.fail(ErrorKind::kBadVersion, 505,
                      "unsupported SIP version '" + std::string(version) + "'");
  }

  // One pass over the fields: which headers are present, which repeated.
  static_assert(kHeaderIdCount <= 64, "header presence is kept in a 64-bit mask");
  // The first CSeq and Content-Length are kept on the way (Message::cseq()
  // and content_length() take the first value too).
  std::uint64_t seen = 0, repeated = 0;
  const Field* cseq_field = nullptr;
  const Field* length_field = nullptr;
  for (const Field& f : message.fields()) {
    const std::uint64_t bit = std::uint64_t{1} << static_cast<unsigned>(f.id);
    if ((seen & bit) == 0) {
      if (f.id == HeaderId::kCSeq) cseq_field = &f;
      if (f.id == HeaderId::kContentLength) length_field = &f;
    }
    repeated |= seen & bit;
    seen |= bit;
  }
  // §8.1.1: To, From, CSeq, Call-ID and Via are mandatory; one error names
  // every missing header.
  if (std::uint64_t missing = kMandatory & ~seen; missing != 0) {
    return check.fail(ErrorKind::kMissingHeader, 400,
                      (std::popcount(missing) == 1 ? "missing header: " : "missing headers: ") +
                          names_of(missing, kMandatoryOrder));
  }
  // §7.3.1 / §20: headers whose grammar allows a single value.
  if (std::uint64_t several = repeated & single_value_mask() & ~bit_of(HeaderId::kUnknown);
      several != 0) {
    return check.fail(ErrorKind::kMultipleValues, 400,
                      "several values in single-value header(s): " + names_of(several));
  }
  // §8.2 (and RFC 4475 mismatch01/02): the CSeq method is the request's.
  const CSeq* cseq = cseq_field != nullptr ? cseq_field->as<CSeq>() : nullptr;
  if (cseq == nullptr) {
    return check.fail(ErrorKind::kMalformedHeader, 400, "CSeq does not parse");
  }
  if (request && cseq->method_text != message.request_line().method_text) {
    return check.fail(ErrorKind::kMethodMismatch, 400,
                      "CSeq method '" + std::string(cseq->method_text) +
                          "' differs from the request method '" +
                          std::string(message.request_line().method_text) + "'");
  }

  // §20.14: Content-Length, when present, is the size of the body.
  if (const Integer* cl = length_field != nullptr ? length_field->as<Integer>() : nullptr;
      cl != nullptr && cl->value != message.body().size()) {
    return check.fail(ErrorKind::kBadContentLength, 400,
                      "Content-Length " + std::to_string(cl->value) + " but the body has " +
                          std::to_string(message.body().size()) + " octets");
  }

  if (!request) return {};

  // §8.2.2.1 / §16.3 step 2: a scheme we cannot handle is answered 416.
  const Uri& uri = message.request_line().uri;
  if (uri.scheme != UriScheme::kSip && uri.scheme != UriScheme::kSips &&
      uri.scheme != UriScheme::kTel) {
    return check.fail(ErrorKind::kUnsupportedScheme, 416,
                      "unsupported Request-URI scheme '" + std::string(uri.scheme_text) + "'");
  }

  // §16.3 step 3: a proxy refuses a request whose Max-Forwards is 0.
  if (options.proxy) {
    if (auto mf = message.max_forwards(); mf && *mf == 0) {
      return check.fail(ErrorKind::kTooManyHops, 483, "Max-Forwards is 0");
    }
  }

  // §8.2.2.3 (UAS: Require) and §16.3 step 5 (proxy: Proxy-Require): unknown
  // option tags are refused with 420; both are ignored in CANCEL and ACK.
  const Method method = message.method();
  const HeaderId require = options.proxy ? HeaderId::kProxyRequire : HeaderId::kRequire;
  if (options.check_require && (seen & bit_of(require)) != 0 && method != Method::kAck &&
      method != Method::kCancel) {
    HeaderId header = require;
    std::vector<std::string_view> unknown;
    for (const Field* f : message.get_all(header)) {
      const Token* t = f->as<Token>();
      std::string_view tag = t ? t->token : f->value;
      bool known = false;
      for (std::string_view s : options.supported)
        known = known || iequals(s, tag);
      for (std::string_view s : unknown)
        known = known || s == tag;
      if (!known) unknown.push_back(tag);
    }
    if (!unknown.empty()) {
      return check.fail(ErrorKind::kInvalidArgument, 420,
                        "unsupported option tags: " + joined(unknown));
    }
  }

  // §8.2.3: a body of a type the UAS does not understand is answered 415,
  // with an Accept listing what it does (the reason lists them too).
  if (!options.accepted_content_types.empty() && !message.body().empty()) {
    const Field* ct = message.get(HeaderId::kContentType);
    const MediaType* media = ct ? ct->as<MediaType>() : nullptr;
    bool accepted = false;
    if (media != nullptr) {
      for (std::string_view a : options.accepted_content_types) {
        accepted = accepted || media_equals(*media, a);
      }
    }
    if (!accepted) {
      std::string what = media ? "unsupported Content-Type " + std::string(media->type) + "/" +
                                     std::string(media->subtype)
                               : std::string("body without a Content-Type");
      return check.fail(ErrorKind::kInvalidArgument, 415,
                        what + "; accepted: " + joined(options.accepted_content_types));
    }
  }

  // §21.4.7: 406 when the Accept header admits nothing we can produce.
  if (!options.producible_content_types.empty() && (seen & bit_of(HeaderId::kAccept)) != 0) {
    auto accepts = message.get_all(HeaderId::kAccept);
    if (!accepts.empty()) {
      bool admitted = false;
      for (const Field* f : accepts) {
        const MediaType* range = f->as<MediaType>();
        if (range == nullptr || q_is_zero(range->params)) continue;
        for (std::string_view p : options.producible_content_types) {
          admitted = admitted || accept_admits(*range, p);
        }
      }
      if (!admitted) {
        return check.fail(ErrorKind::kInvalidArgument, 406,
                          "Accept admits none of: " + joined(options.producible_content_types));
      }
    }
  }
  return {};
}

}  // namespace sippet::message
