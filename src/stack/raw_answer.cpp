#include "raw_answer.hpp"

#include <array>
#include <charconv>

#include "sippet/message/builder.hpp"
#include "sippet/message/header_id.hpp"
#include "sippet/message/text.hpp"

namespace sippet::stack {

namespace {

using message::trim;

enum Needed { kVia, kFrom, kTo, kCallId, kCSeq, kNeededCount };

// Long and compact names (§7.3.3), as the message layer knows them.
int needed_index(std::string_view name) {
  switch (message::header_id_from_name(name)) {
    case message::HeaderId::kVia:
      return kVia;
    case message::HeaderId::kFrom:
      return kFrom;
    case message::HeaderId::kTo:
      return kTo;
    case message::HeaderId::kCallId:
      return kCallId;
    case message::HeaderId::kCSeq:
      return kCSeq;
    default:
      return -1;
  }
}

}  // namespace

std::optional<std::string> raw_error_response(std::string_view bytes, int status,
                                              std::string_view reason) {
  if (status < 300 || status > 699) return std::nullopt;
  // The start line: a request, not ACK (§17: an ACK is never answered).
  std::size_t end = bytes.find('\n');
  if (end == std::string_view::npos) return std::nullopt;
  std::string_view start = trim(bytes.substr(0, end));
  if (start.starts_with("SIP/") || start.starts_with("ACK ") || start.empty()) return std::nullopt;

  std::array<std::string, kNeededCount> lines;  // the text to copy, per header
  std::size_t position = end + 1;
  int current = -1;  // header being continued by folded lines
  while (position < bytes.size()) {
    std::size_t next = bytes.find('\n', position);
    if (next == std::string_view::npos) next = bytes.size();
    std::string_view line = bytes.substr(position, next - position);
    position = next + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;                            // end of the headers
    if (line.front() == ' ' || line.front() == '\t') {  // folding (§7.3.1)
      if (current >= 0) lines[current].append(" ").append(trim(line));
      continue;
    }
    std::size_t colon = line.find(':');
    current = colon == std::string_view::npos ? -1 : needed_index(trim(line.substr(0, colon)));
    if (current < 0) continue;
    std::string_view value = trim(line.substr(colon + 1));
    if (current == kVia) {
      if (!lines[kVia].empty()) lines[kVia].append("\r\nVia: ");
      lines[kVia].append(value);
    } else if (lines[current].empty()) {
      lines[current].assign(value);
    }
  }
  for (const auto& line : lines)
    if (line.empty()) return std::nullopt;
  // §8.2.6.2: a To tag on every response but 100.
  if (lines[kTo].find(";tag=") == std::string::npos &&
      lines[kTo].find("; tag=") == std::string::npos)
    lines[kTo].append(";tag=").append(message::create_tag());

  std::string out;
  out.reserve(256 + bytes.size() / 2);
  char code[4];
  auto [code_end, ec] = std::to_chars(code, code + sizeof code, status);
  (void)ec;
  out.append("SIP/2.0 ").append(code, code_end).append(" ");
  for (char c : reason)  // one line: no CR/LF in a reason phrase (§25.1)
    out.push_back(c == '\r' || c == '\n' ? ' ' : c);
  out.append("\r\nVia: ").append(lines[kVia]);
  out.append("\r\nFrom: ").append(lines[kFrom]);
  out.append("\r\nTo: ").append(lines[kTo]);
  out.append("\r\nCall-ID: ").append(lines[kCallId]);
  out.append("\r\nCSeq: ").append(lines[kCSeq]);
  out.append("\r\nContent-Length: 0\r\n\r\n");
  return out;
}

}  // namespace sippet::stack
