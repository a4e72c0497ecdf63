#pragma once
// Message validation (Sippet's Message.validate, stricter).
#include <cstddef>
#include <string_view>
#include <vector>

#include "sippet/message/message.hpp"
#include "sippet/message/parser.hpp"
#include "sippet/message/result.hpp"

namespace sippet::message {

struct ValidateOptions {
  // Validate as a proxy: Max-Forwards 0 on a request → 483 (§16.3 step 3);
  // no Max-Forwards is fine (§16.6 step 3: the proxy adds one).
  // A UAS may still answer such a request (RFC 4475 zeromf), so off by default.
  bool proxy = false;
  // When set, a request whose Require lists an option tag not in this list
  // is refused with 420 (§8.2.2.3); the error reason names the tags.
  bool check_require = false;
  std::vector<std::string_view> supported;
  // When non-empty: a request with a body whose Content-Type is not one of
  // these ("type/subtype") is refused with 415; the reason lists them for the
  // Accept header of the answer (§8.2.3, RFC 4475 invut).
  std::vector<std::string_view> accepted_content_types;
  // When non-empty: a request whose Accept header admits none of these types
  // ("type/subtype"; wildcards in Accept honoured) is refused with 406
  // (§21.4.7, RFC 4475 sdp01).
  std::vector<std::string_view> producible_content_types;
  // A message larger than this is refused with 513 (§21.5.14).
  std::size_t max_message_size = kDefaultMaxMessageSize;
};

// Checks what an element must check before processing a message (§8.2, §16.3):
// - version SIP/2.0 (505);
// - Via, From, To, Call-ID, CSeq present (400, the reason naming every
//   missing header). A request without Max-Forwards is accepted: §8.1.1.6
//   makes inserting it the UAC's duty, and neither a UAS (§8.2) nor a proxy
//   (§16.3; §16.6 step 3 adds one) rejects its absence; a malformed value is
//   a parse error (400);
// - one value only for single-value headers (400);
// - CSeq method equals the request method (400);
// - Content-Length consistent with the body (400);
// - Request-URI scheme sip, sips or tel (416);
// - the options above (483, 420, 415, 406, 513).
// The error's status is what a server should answer (0 for a response, which
// is never answered).
Result<void> validate(const Message& message, const ValidateOptions& options = {});

}  // namespace sippet::message
