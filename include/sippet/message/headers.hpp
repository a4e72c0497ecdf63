#pragma once
// Typed header values (RFC 3261 §20 and §25.1). All views point into the
// message that owns them (its received bytes or its arena).
#include <cstdint>
#include <string_view>
#include <variant>

#include "sippet/message/method.hpp"
#include "sippet/message/params.hpp"
#include "sippet/message/uri.hpp"

namespace sippet::message {

// Call-ID, Subject, Organization, Server, User-Agent, Priority and unknown
// headers: the value text (trimmed; folding left as received).
struct Text {
  std::string_view text;
};

// Content-Length, Max-Forwards, Expires, Min-Expires (§25.1: 1*DIGIT, bounded
// to 2^32-1; larger values are a parse error).
struct Integer {
  std::uint32_t value = 0;
};

// CSeq: 1*DIGIT LWS Method (§20.16); the number is below 2^31.
struct CSeq {
  std::uint32_t seq = 0;
  Method method = Method::kExtension;
  std::string_view method_text;
};

// Via: sent-protocol LWS sent-by *( SEMI via-params ) (§20.42).
struct Via {
  std::string_view protocol_name;     // "SIP"
  std::string_view protocol_version;  // "2.0"
  std::string_view transport;         // "UDP", "TCP", "TLS", "SCTP", other tokens kept
  std::string_view host;              // "[::1]" for IPv6
  HostType host_type = HostType::kNone;
  std::uint16_t port = 0;
  bool has_port = false;
  Params params;
  std::string_view branch;  // value of the branch param, "" when absent
};

// From, To, Contact, Route, Record-Route, Reply-To, P-Asserted-Identity.
struct NameAddr {
  std::string_view display_name;  // raw: quoted-string keeps its quotes; "" when none
  Uri uri;
  Params params;
  bool angle_brackets = false;   // the URI was written in <...>
  std::string_view tag() const;  // value of `tag` param, "" when absent
};

// Contact: * (§10.2.2).
struct Star {};

// Alert-Info, Call-Info, Error-Info: LAQUOT absoluteURI RAQUOT *( SEMI param ).
struct UriParams {
  std::string_view uri;  // without the angle brackets
  Params params;
};

// Allow, Supported, Require, Proxy-Require, Unsupported, Content-Encoding,
// Content-Language, In-Reply-To, Accept-Encoding, Accept-Language,
// Content-Disposition, Reason (protocol), Priority: one token + params.
struct Token {
  std::string_view token;
  Params params;
};

// Content-Type, Accept: m-type SLASH m-subtype *( SEMI m-parameter ).
struct MediaType {
  std::string_view type;
  std::string_view subtype;
  Params params;
};

// Authorization, Proxy-Authorization, WWW-Authenticate, Proxy-Authenticate:
// scheme LWS auth-param *( COMMA auth-param ); Authentication-Info has no
// scheme. params uses ',' as separator.
struct Auth {
  std::string_view scheme;
  Params params;
};

// Date: rfc1123-date, GMT only (§20.17).
struct Date {
  std::string_view text;
  std::uint16_t year = 0;
  std::uint8_t month = 0;  // 1..12
  std::uint8_t day = 0;
  std::uint8_t weekday = 0;  // 0 = Sun
  std::uint8_t hour = 0, minute = 0, second = 0;
};

// Retry-After: delta-seconds [ comment ] *( SEMI retry-param ).
struct RetryAfter {
  std::uint32_t seconds = 0;
  std::string_view comment;  // without the parentheses
  Params params;
};

// Warning: warn-code SP warn-agent SP warn-text (§20.43).
struct Warning {
  std::uint16_t code = 0;
  std::string_view agent;
  std::string_view text;  // quoted-string with its quotes
};

// Timestamp: 1*DIGIT [ "." *DIGIT ] [ LWS delay ].
struct Timestamp {
  std::string_view time;
  std::string_view delay;
};

// MIME-Version: 1*DIGIT "." 1*DIGIT.
struct MimeVersion {
  std::uint32_t major = 1, minor = 0;
};

using HeaderValue =
    std::variant<Text, Integer, CSeq, Via, NameAddr, Star, UriParams, Token, MediaType, Auth, Date,
                 RetryAfter, Warning, Timestamp, MimeVersion>;

}  // namespace sippet::message
