// Trace formats (trace.hpp): a readable block or one JSON object per line.
#include "sippet/capture/trace.hpp"

#include <cstring>
#include <ctime>

#include "sippet/capture/json.hpp"
#include "sippet/transport/protocol.hpp"

namespace sippet::capture {

namespace {

// Octets that go through as they are in the text format: printable
// ASCII, LF, TAB.
struct LinePlain {
  bool plain[256] = {};
  constexpr LinePlain() {
    for (int c = 0; c < 256; ++c)
      plain[c] = (c >= 0x20 && c < 0x7F) || c == '\n' || c == '\t';
  }
};
constexpr LinePlain kLinePlain;

// UTF-8 text with no control characters but CR, LF and TAB: shown as is.
bool is_text(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\r' && c != '\n' && c != '\t') || u == 0x7F) return false;
  }
  return is_utf8(text);
}

constexpr char kHex[] = "0123456789abcdef";

void append_decimal(std::uint32_t value, std::string& out) {
  char digits[10];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0)
    out.push_back(digits[--n]);
}

// "127.0.0.1:5060", "[::1]:5060"; IPv4 without printf (inet_ntop uses it).
void append_endpoint(const transport::Endpoint& endpoint, std::string& out) {
  if (!endpoint.is_v4()) {
    out.append(endpoint.to_string());
    return;
  }
  const auto& octets = endpoint.address_bytes();
  for (int i = 0; i < 4; ++i) {
    if (i > 0) out.push_back('.');
    append_decimal(octets[i], out);
  }
  out.push_back(':');
  append_decimal(endpoint.port(), out);
}

// Lines as on the wire, with "\n" for "\r\n"; other control octets and
// invalid UTF-8 as \xNN, so that a trace never writes raw binary.
void append_lines(std::string_view text, std::string& out) {
  for (std::size_t i = 0; i < text.size();) {
    // A run of printable ASCII, line ends and tabs, appended at once.
    std::size_t run = i;
    while (run < text.size() && kLinePlain.plain[static_cast<unsigned char>(text[run])])
      ++run;
    out.append(text.data() + i, run - i);
    i = run;
    if (i == text.size()) break;
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;
      continue;
    }
    const std::size_t n = u >= 0x80 ? utf8_sequence(text, i) : 0;
    if (n > 0) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    out.append("\\x");
    out.push_back(kHex[u >> 4]);
    out.push_back(kHex[u & 0xF]);
    ++i;
  }
}

void append_base64(std::string_view data, std::string& out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = (static_cast<unsigned char>(data[i]) << 16) |
                            (static_cast<unsigned char>(data[i + 1]) << 8) |
                            static_cast<unsigned char>(data[i + 2]);
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (i < data.size()) {
    std::uint32_t v = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<unsigned char>(data[i + 1]) << 8;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < data.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
}

void format_text(const stack::MessageEvent& event, std::string& out) {
  const bool in = event.direction == stack::Direction::kReceived;
  out.append("--- ");
  append_time(event.time, out);
  out.append(in ? " received " : " sent ");
  append_decimal(static_cast<std::uint32_t>(event.bytes.size()), out);
  out.append(" bytes over ");
  out.append(transport::to_string(event.flow.protocol));
  out.push_back(' ');
  append_endpoint(event.flow.local, out);
  out.append(in ? " <- " : " -> ");
  append_endpoint(event.flow.remote, out);
  if (event.flow.connection != 0) {
    out.append(" #");
    out.append(std::to_string(event.flow.connection));
  }
  out.push_back('\n');
  if (event.error != nullptr) {
    out.append("refused: ");
    append_lines(event.error->reason, out);
    out.append(" (offset ");
    out.append(std::to_string(event.error->offset));
    out.append(")\n");
  }
  // Start line and headers, then the body when it is text.
  std::string_view head = event.bytes;
  std::string_view body;
  std::size_t end = head.find("\r\n\r\n");
  std::size_t skip = 4;
  if (end == std::string_view::npos) end = head.find("\n\n"), skip = 2;
  if (end != std::string_view::npos) {
    body = head.substr(end + skip);
    head = head.substr(0, end);
  }
  append_lines(head, out);
  out.push_back('\n');
  if (!body.empty()) {
    out.push_back('\n');
    if (is_text(body)) {
      append_lines(body, out);
      if (out.back() != '\n') out.push_back('\n');
    } else {
      out.append("[");
      out.append(std::to_string(body.size()));
      out.append(" bytes of binary body]\n");
    }
  }
  out.push_back('\n');
}

void format_json(const stack::MessageEvent& event, std::string& out) {
  out.append("{\"time\":\"");
  append_time(event.time, out);
  out.append("\",\"direction\":\"");
  out.append(event.direction == stack::Direction::kReceived ? "in" : "out");
  out.append("\",\"transport\":\"");
  out.append(transport::to_string(event.flow.protocol));
  out.append("\",\"local\":\"");
  append_endpoint(event.flow.local, out);
  out.append("\",\"remote\":\"");
  append_endpoint(event.flow.remote, out);
  out.append("\",\"connection\":");
  out.append(std::to_string(event.flow.connection));
  out.append(",\"size\":");
  append_decimal(static_cast<std::uint32_t>(event.bytes.size()), out);
  if (event.error != nullptr) {
    out.append(",\"error\":");
    // Reasons quote the message: octets that are not UTF-8 become \u00XX.
    append_json_string(event.error->reason, out);
  }
  if (is_utf8(event.bytes)) {
    out.append(",\"message\":");
    append_json_string(event.bytes, out);
  } else {
    out.append(",\"message_base64\":\"");
    append_base64(event.bytes, out);
    out.push_back('"');
  }
  out.append("}\n");
}

}  // namespace

bool parse_trace_format(std::string_view text, TraceFormat& out) {
  if (text == "text") {
    out = TraceFormat::kText;
  } else if (text == "json") {
    out = TraceFormat::kJson;
  } else {
    return false;
  }
  return true;
}

void append_time(std::chrono::system_clock::time_point time, std::string& out) {
  using namespace std::chrono;
  const auto since = duration_cast<microseconds>(time.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(since / 1000000);
  long micros = static_cast<long>(since % 1000000);
  if (micros < 0) micros += 1000000, --seconds;
  // The date and time of day change once a second: formatted then, reused
  // for the messages of that second (by this thread).
  thread_local std::time_t cached_second = -1;
  thread_local char cached[32];
  thread_local int cached_length = 0;
  if (seconds != cached_second) {
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    cached_length =
        std::snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d.", utc.tm_year + 1900,
                      utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
    if (cached_length < 0 || cached_length >= static_cast<int>(sizeof cached)) cached_length = 0;
    cached_second = seconds;
  }
  out.append(cached, static_cast<std::size_t>(cached_length));
  char digits[6];
  for (int i = 5; i >= 0; --i, micros /= 10)
    digits[i] = static_cast<char>('0' + micros % 10);
  out.append(digits, 6);
  out.push_back('Z');
}

void format_trace(const stack::MessageEvent& event, TraceFormat format, std::string& out) {
  if (format == TraceFormat::kJson) {
    format_json(event, out);
  } else {
    format_text(event, out);
  }
}

TraceSink::~TraceSink() {
  if (owned_) {
    std::fclose(file_);
  } else {
    std::fflush(file_);
  }
}

void TraceSink::write(const stack::MessageEvent& event) {
  buffer_.clear();
  format_trace(event, format_, buffer_);
  std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
}

void TraceSink::flush() {
  std::fflush(file_);
}

}  // namespace sippet::capture
