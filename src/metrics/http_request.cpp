// RFC 9112 §3 (request line), §5 (field lines), RFC 9110 §5.6.2 (token).
#include "http_request.hpp"

#include "sippet/message/text.hpp"

namespace sippet::metrics {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// HTTP's token characters (RFC 9110 §5.6.2), more than SIP's.
bool is_tchar(unsigned char c) {
  if (is_digit(static_cast<char>(c)) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
    return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (unsigned char c : text)
    if (!is_tchar(c)) return false;
  return true;
}

constexpr std::size_t kMaxMethod = 32;

}  // namespace

HeadStatus HeadScanner::scan(std::string_view received) {
  for (; scanned_ < received.size(); ++scanned_) {
    const std::size_t i = scanned_;
    const auto c = static_cast<unsigned char>(received[i]);
    if (i > 0 && received[i - 1] == '\r' && c != '\n') return HeadStatus::kGarbage;
    if (c == '\n') {
      if (i == 0 || received[i - 1] != '\r') return HeadStatus::kGarbage;
      const bool empty = i - 1 == line_start_;
      if (empty && lines_ == 0) return HeadStatus::kGarbage;
      if (empty) {
        length_ = i + 1;
        ++scanned_;
        return HeadStatus::kComplete;
      }
      ++lines_;
      line_start_ = i + 1;
      continue;
    }
    if (c == '\r') continue;
    if (lines_ == 0) {
      // The request line: printable ASCII and spaces, a token first.
      if (c < 0x20 || c >= 0x7f) return HeadStatus::kGarbage;
      if (in_method_) {
        if (c == ' ') {
          if (i == 0) return HeadStatus::kGarbage;
          in_method_ = false;
        } else if (!is_tchar(c) || i >= kMaxMethod) {
          return HeadStatus::kGarbage;
        }
      }
    } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
      return HeadStatus::kGarbage;
    }
  }
  return HeadStatus::kIncomplete;
}

Request parse_head(std::string_view head) {
  Request request;
  auto fail = [&](int status) {
    request.status = status;
    return request;
  };
  auto end = head.find("\r\n");
  if (end == std::string_view::npos) return fail(400);
  const std::string_view line = head.substr(0, end);
  head.remove_prefix(end + 2);

  // method SP request-target SP HTTP-version
  const auto first = line.find(' ');
  const auto second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (second == std::string_view::npos) return fail(400);
  const std::string_view method = line.substr(0, first);
  std::string_view target = line.substr(first + 1, second - first - 1);
  const std::string_view version = line.substr(second + 1);
  if (!is_token(method) || target.empty()) return fail(400);
  if (version.size() != 8 || !version.starts_with("HTTP/") || !is_digit(version[5]) ||
      version[6] != '.' || !is_digit(version[7]))
    return fail(400);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return fail(505);
  // origin-form, or absolute-form (RFC 9112 §3.2.2: a server accepts it).
  if (target.starts_with("http://")) {
    const auto slash = target.find('/', 7);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  if (target.front() != '/') return fail(400);
  request.method = method;
  request.path = target.substr(0, target.find('?'));

  unsigned hosts = 0;
  while (!head.empty()) {
    end = head.find("\r\n");
    if (end == std::string_view::npos) return fail(400);
    const std::string_view field = head.substr(0, end);
    head.remove_prefix(end + 2);
    if (field.empty()) break;  // the blank line
    const auto colon = field.find(':');
    // No whitespace before the colon; a leading space is obsolete folding.
    if (colon == std::string_view::npos || !is_token(field.substr(0, colon))) return fail(400);
    const std::string_view name = field.substr(0, colon);
    // (No CR or LF is left in a line: trim() removes SP and HTAB.)
    const std::string_view value = message::trim(field.substr(colon + 1));
    if (message::iequals(name, "host")) {
      ++hosts;
    } else if (message::iequals(name, "content-length")) {
      if (value != "0") return fail(400);
    } else if (message::iequals(name, "transfer-encoding")) {
      return fail(400);
    }
  }
  if (version == "HTTP/1.1" ? hosts != 1 : hosts > 1) return fail(400);
  return request;
}

}  // namespace sippet::metrics
