#pragma once
// The strict reading of an HTTP/1.1 request head (RFC 9112) the metrics
// server does, over the octets received so far; no I/O.
#include <cstddef>
#include <string_view>

namespace sippet::metrics {

enum class HeadStatus {
  kIncomplete,  // no blank line yet, and nothing wrong so far
  kComplete,    // the head ends at HeadScanner::length (after its blank line)
  kGarbage,     // cannot be an HTTP request: answer 400 at once
};

// Follows a head as its octets arrive, each looked at once. Garbage at
// once: a control character other than CR, LF and (in a header) HTAB; a
// request line with other than printable ASCII and spaces; a method that
// is not a token (or longer than 32); a CR not followed by LF or a LF not
// preceded by CR; an empty request line.
class HeadScanner {
 public:
  // `received`: everything received so far (it only grows).
  HeadStatus scan(std::string_view received);
  std::size_t length() const { return length_; }

 private:
  std::size_t scanned_ = 0;
  std::size_t line_start_ = 0;
  std::size_t lines_ = 0;  // complete lines; 0: in the request line
  bool in_method_ = true;
  std::size_t length_ = 0;
};

struct Request {
  int status = 0;  // 0: well-formed; else the error status to answer
  std::string_view method;
  std::string_view path;  // the target's path, without its query
};

// Parses a complete head (ending with CRLF CRLF): 400 for a malformed
// request line, target or header line, a folded header, HTTP/1.1 without
// exactly one Host, a body (Content-Length other than 0,
// Transfer-Encoding); 505 for a version other than HTTP/1.0 and HTTP/1.1.
// The method and path are then the caller's to judge (405, 404).
Request parse_head(std::string_view head);

}  // namespace sippet::metrics
