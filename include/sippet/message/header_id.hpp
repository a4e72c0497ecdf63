#pragma once
// Header names: Sippet's typed table plus kUnknown.
#include <cstdint>
#include <string_view>

namespace sippet::message {

enum class HeaderId : std::uint8_t {
  kAccept,
  kAcceptEncoding,
  kAcceptLanguage,
  kAlertInfo,
  kAllow,
  kAuthenticationInfo,
  kAuthorization,
  kCallId,
  kCallInfo,
  kContact,
  kContentDisposition,
  kContentEncoding,
  kContentLanguage,
  kContentLength,
  kContentType,
  kCSeq,
  kDate,
  kErrorInfo,
  kExpires,
  kFrom,
  kInReplyTo,
  kMaxForwards,
  kMimeVersion,
  kMinExpires,
  kOrganization,
  kPAssertedIdentity,
  kPriority,
  kProxyAuthenticate,
  kProxyAuthorization,
  kProxyRequire,
  kReason,
  kRecordRoute,
  kReplyTo,
  kRequire,
  kRetryAfter,
  kRoute,
  kServer,
  kSubject,
  kSupported,
  kTimestamp,
  kTo,
  kUnsupported,
  kUserAgent,
  kVia,
  kWarning,
  kWwwAuthenticate,
  kUnknown,  // any other header: kept with its name and raw value
};

inline constexpr std::size_t kHeaderIdCount = static_cast<std::size_t>(HeaderId::kUnknown) + 1;

// Case-insensitive; compact forms (i, m, e, l, c, f, s, k, t, v, ...) map too.
HeaderId header_id_from_name(std::string_view name);
// The canonical name to write, e.g. "Call-ID", "CSeq", "WWW-Authenticate".
std::string_view canonical_name(HeaderId id);
// Sippet's snake_case name, e.g. "call_id", "www_authenticate" (JSON keys).
std::string_view snake_name(HeaderId id);

// How values of a header are laid out (§7.3.1):
//  - kSingle: exactly one value (Call-ID, CSeq, From, To, Max-Forwards, ...)
//  - kList: comma-separated list, each value its own field (Via, Route, Allow, ...)
//  - kOpaque: one value per line that contains commas of its own (Date,
//    auth headers, Subject, User-Agent, unknown headers...)
enum class HeaderShape : std::uint8_t { kSingle, kList, kOpaque };
HeaderShape header_shape(HeaderId id);

}  // namespace sippet::message
