#pragma once
// What the load floors (bench/load/*_floor.cpp) share: just enough SIP text
// handling for SIPp's scenarios (none of the stack's parsing), and running
// a transport until SIGINT or SIGTERM.
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <cctype>
#include <string>
#include <string_view>

#include "sippet/transport/transport.hpp"

namespace sippet::bench {

// The header line `line` ("Name: value") is `name` (lower case) or its
// compact form `compact` (RFC 3261 §7.3.3; '\0' when it has none).
inline bool header_is(std::string_view line, std::string_view name, char compact) {
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view key = line.substr(0, colon);
  while (!key.empty() && (key.back() == ' ' || key.back() == '\t'))
    key.remove_suffix(1);
  if (key.size() == 1) return std::tolower(static_cast<unsigned char>(key[0])) == compact;
  if (key.size() != name.size()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(key[i])) != name[i]) return false;
  }
  return true;
}

// Calls fn(line, start) for each header line of `message` (start: its offset),
// until the blank line; stops early when fn returns false.
template <class Fn>
void for_each_header_line(std::string_view message, Fn&& fn) {
  std::size_t pos = message.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < message.size()) {
    std::size_t start = pos + 2;
    std::size_t end = message.find("\r\n", start);
    if (end == std::string_view::npos || end == start) return;  // end of headers
    if (!fn(message.substr(start, end - start), start)) return;
    pos = end;
  }
}

// A response to `request` (RFC 3261 §8.2.6.2: Via, From, To with a tag
// added, Call-ID and CSeq copied) with a Contact and no body.
inline std::string floor_response(std::string_view request, std::string_view status,
                                  std::string_view contact) {
  std::string out;
  out.reserve(request.size() + 128);
  out.append("SIP/2.0 ").append(status).append("\r\n");
  for_each_header_line(request, [&](std::string_view line, std::size_t) {
    if (header_is(line, "via", 'v') || header_is(line, "from", 'f') ||
        header_is(line, "call-id", 'i') || header_is(line, "cseq", '\0')) {
      out.append(line).append("\r\n");
    } else if (header_is(line, "to", 't')) {
      out.append(line);
      if (line.find(";tag=") == std::string_view::npos) out.append(";tag=floor1");
      out.append("\r\n");
    }
    return true;
  });
  out.append("Contact: <sip:").append(contact).append(">\r\nContent-Length: 0\r\n\r\n");
  return out;
}

// Starts `transport` and runs `io` on this thread until SIGINT or SIGTERM.
inline void run_until_signalled(asio::io_context& io, sippet::transport::Transport& transport) {
  transport.start();
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code&, int) {
    transport.close();
    io.stop();
  });
  io.run();
}

}  // namespace sippet::bench
