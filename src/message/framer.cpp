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

// Whether the header line [b, lf) is named Content-Length (or its compact
// form "l"): the position of its colon, else nullptr.
const char* content_length_colon(const char* b, const char* lf) {
  constexpr std::string_view kName = "content-length";
  const char* name_end;
  if ((*b | 0x20) == 'l') {
    name_end = b + 1;
  } else if (static_cast<std::size_t>(lf - b) > kName.size() && b[7] == '-' &&
             (b[8] | 0x20) == 'l' && iequals(std::string_view(b, kName.size()), kName)) {
    name_end = b + kName.size();
  } else {
    return nullptr;
  }
  // The name ends there: a longer token ("lr:") is another header.
  const char* colon = name_end;
  while (colon < lf && (*colon == ' ' || *colon == '\t'))
    ++colon;
  return colon < lf && *colon == ':' ? colon : nullptr;
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
  // One pass over the lines: the header section ends at the first CRLFCRLF;
  // the Content-Length lines on the way are noted (usually one).
  const char* body = nullptr;
  const char* first_length = nullptr;
  bool several = false;
  const char* lf = static_cast<const char*>(std::memchr(p, '\n', e - p));  // the start line's
  while (lf != nullptr && e - lf >= 3) {
    if (lf > p && lf[-1] == '\r' && lf[1] == '\r' && lf[2] == '\n') {
      body = lf + 3;
      break;
    }
    const char* line = lf + 1;
    lf = static_cast<const char*>(std::memchr(line, '\n', e - line));
    // Only a line starting with C or L can be Content-Length (or "l").
    if (lf != nullptr && ((*line | 0x20) == 'c' || (*line | 0x20) == 'l') &&
        content_length_colon(line, lf) != nullptr) {
      several = first_length != nullptr;
      if (!several) first_length = line;
    }
  }
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
  for (const char* line = first_length; line != nullptr && line < body - 2;) {
    lf = static_cast<const char*>(std::memchr(line, '\n', body - line));
    if (const char* colon = content_length_colon(line, lf)) {
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
    if (!several) break;
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
