#pragma once
// Parsing whole messages (§7, §25) and framing streams (§18.3).
#include <cstddef>
#include <string_view>

#include "sippet/message/message.hpp"
#include "sippet/message/result.hpp"

namespace sippet::message {

inline constexpr std::size_t kDefaultMaxMessageSize = 65535;

struct ParseOptions {
  // Datagram (UDP) rules, §18.3: octets past Content-Length are ignored
  // (RFC 4475 dblreq); a missing Content-Length means the rest of the
  // datagram; a Content-Length larger than what is left is an error (clerr).
  // With datagram = false the input must be exactly one framed message.
  bool datagram = true;
  std::size_t max_size = kDefaultMaxMessageSize;
  // Common header shapes (Via, From, To, Contact, Route, token lists, SIP
  // URIs) take a faster path that yields exactly what the general grammar
  // does. false: the general grammar only (the tests parse both ways).
  bool fast_paths = true;
};

// Parses one message, fully typed. The bytes are copied into the message.
// Errors carry the kind, the byte offset and the status a server should
// answer (e.g. 400, 505); nothing throws, nothing reads past `bytes`.
Result<Message> parse_message(std::string_view bytes, const ParseOptions& options = {});

// Stream framing: given the bytes received so far on a stream, says whether
// they start with a complete message and how long it is.
struct Frame {
  enum class Status {
    kIncomplete,  // need more bytes
    kMessage,     // a message of `size` octets (headers + Content-Length body)
    kKeepalive,   // `size` octets of CRLF keep-alives (RFC 5626 §3.5.1) to skip
    kMalformed,   // cannot be framed (no/invalid Content-Length, too large, ...)
  };
  Status status = Status::kIncomplete;
  std::size_t size = 0;
  Error error;  // set for kMalformed
};

Frame frame_stream(std::string_view buffered, std::size_t max_size = kDefaultMaxMessageSize);

}  // namespace sippet::message
