// Stream framing (RFC 3261 §18.3, RFC 5626 §3.5.1): finds where the first
// message of a TCP/TLS byte stream ends, from the empty line and Content-Length.
#include <cstring>
#include <string>

#include "scanner.hpp"
#include "sippet/message/parser.hpp"

namespace sippet::message {
namespace {

using detail::is;
using detail::kDigit;

Frame malformed(std::size_t offset, int status, std::string reason) {
  Frame frame;
  frame.status = Frame::Status::kMalformed;
  frame.error = Error{ErrorKind::kBadContentLength, offset, status, std::move(reason)};
  return frame;
}

// Finds "\r\n\r\n" in [p, e), returns the position after it or nullptr.
const char* find_header_end(const char* p, const char* e) {
  while (e - p >= 4) {
    const char* lf = static_cast<const char*>(std::memchr(p + 1, '\n', e - p - 1));
    if (lf == nullptr || e - lf < 3) return nullptr;
    if (lf[-1] == '\r' && lf[1] == '\r' && lf[2] == '\n') return lf + 3;
    p = lf;
  }
  return nullptr;
}

bool name_is_content_length(const char* b, const char* e) {
  std::size_t n = static_cast<std::size_t>(e - b);
  if (n == 1) return b[0] == 'l' || b[0] == 'L';
  return n == 14 && iequals(std::string_view(b, n), "content-length");
}

}  // namespace

Frame frame_stream(std::string_view buffered, std::size_t max_size) {
  Frame frame;
  const char* base = buffered.data();
  const char* e = base + buffered.size();
  // Keep-alives: CRLFs before a message (RFC 5626 §3.5.1, §7.5).
  const char* p = base;
  while (e - p >= 2 && p[0] == '\r' && p[1] == '\n')
    p += 2;
  if (p > base) {
    frame.status = Frame::Status::kKeepalive;
    frame.size = static_cast<std::size_t>(p - base);
    return frame;
  }
  const char* body = find_header_end(p, e);
  if (body == nullptr) {
    if (buffered.size() > max_size) {
      return malformed(max_size, 513, "header section larger than the maximum message size");
    }
    return frame;  // kIncomplete
  }
  std::size_t header_size = static_cast<std::size_t>(body - base);
  if (header_size > max_size) {
    return malformed(max_size, 513, "header section larger than the maximum message size");
  }
  // Content-Length (or its compact form "l") is mandatory on streams (§18.3).
  bool found = false;
  std::uint64_t length = 0;
  const char* line = static_cast<const char*>(std::memchr(p, '\n', body - p)) + 1;
  while (line < body - 2) {
    const char* lf = static_cast<const char*>(std::memchr(line, '\n', body - line));
    const char* name_end = detail::skip(line, lf, detail::kToken);
    const char* colon = name_end;
    while (colon < lf && (*colon == ' ' || *colon == '\t'))
      ++colon;
    if (colon < lf && *colon == ':' && name_is_content_length(line, name_end)) {
      // The value may be folded onto the following lines.
      const char* v = colon + 1;
      const char* end = lf;
      while (end + 1 < body && (end[1] == ' ' || end[1] == '\t')) {
        end = static_cast<const char*>(std::memchr(end + 1, '\n', body - end - 1));
      }
      v = detail::skip_lws(v, end);
      const char* digits = v;
      std::uint64_t value = 0;
      while (v < end && is(*v, kDigit)) {
        value = value * 10 + static_cast<std::uint64_t>(*v - '0');
        if (value > 0xffffffffu) {
          return malformed(static_cast<std::size_t>(digits - base), 400,
                           "Content-Length out of range");
        }
        ++v;
      }
      if (v == digits || detail::skip_lws(v, end) != end) {
        return malformed(static_cast<std::size_t>(digits - base), 400, "invalid Content-Length");
      }
      if (found && value != length) {
        return malformed(static_cast<std::size_t>(digits - base), 400,
                         "conflicting Content-Length values");
      }
      found = true;
      length = value;
      lf = end;
    }
    line = lf + 1;
  }
  if (!found) return malformed(header_size, 400, "Content-Length is required on streams");
  if (header_size + length > max_size) {
    return malformed(max_size, 513, "message larger than the maximum message size");
  }
  if (buffered.size() - header_size < length) return frame;  // kIncomplete
  frame.status = Frame::Status::kMessage;
  frame.size = header_size + static_cast<std::size_t>(length);
  return frame;
}

}  // namespace sippet::message
