#pragma once
// SIP, SIPS and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966), zero-copy.
#include <cstdint>
#include <string>
#include <string_view>

#include "sippet/message/params.hpp"
#include "sippet/message/result.hpp"

namespace sippet::message {

enum class UriScheme { kSip, kSips, kTel, kOther };
enum class HostType { kNone, kName, kIPv4, kIPv6 };  // kIPv6 host keeps its [brackets]

struct Uri {
  UriScheme scheme = UriScheme::kOther;
  std::string_view scheme_text;  // as written, e.g. "SIP"
  std::string_view user;         // still %-escaped; for tel: the number
  std::string_view password;     // still %-escaped
  bool has_user = false;
  bool has_password = false;
  std::string_view host;  // sip/sips only; "[::1]" for IPv6 references
  HostType host_type = HostType::kNone;
  std::uint16_t port = 0;
  bool has_port = false;
  Params params;             // uri-parameters, ';'-separated
  std::string_view headers;  // after '?', still escaped, without the '?'
  std::string_view opaque;   // kOther: everything after "scheme:"
  std::string_view text;     // the whole URI as written

  bool is_sip() const { return scheme == UriScheme::kSip || scheme == UriScheme::kSips; }
  // The port to use: explicit, else 5061 for sips, else 5060.
  std::uint16_t port_or_default() const;
  // Value of `transport` param lower-cased ("udp" when absent for sip, "tls" for sips).
  std::string transport() const;
};

// Parses a whole URI. `text` must contain only the URI (no surrounding LWS or
// angle brackets). The views in the result point into `text`.
Result<Uri> parse_uri(std::string_view text);

// URI equivalence per RFC 3261 §19.1.4 (and RFC 3966 §4 for tel).
bool uri_equal(const Uri& a, const Uri& b);

// Removes %HH escapes (the result may contain NULs).
std::string unescape(std::string_view text);

// Appends the URI in its canonical textual form (as written for unchanged views).
void append_uri(std::string& out, const Uri& uri);
std::string to_string(const Uri& uri);

}  // namespace sippet::message
