#include "via_routing.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "sippet/message/text.hpp"
#include "sippet/transport/protocol.hpp"

namespace sippet::stack {

namespace {

using message::iequals;
using message::may_have_param;

std::string_view strip_brackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    return host.substr(1, host.size() - 2);
  return host;
}

// The sent-by port, else the default port of the Via's transport (§18.2.2).
std::uint16_t sent_by_port(const message::Via& via) {
  if (via.has_port) return via.port;
  const auto protocol = transport::parse_protocol(via.transport);
  return transport::default_port(protocol.value_or(transport::Protocol::kUdp));
}

// "0" to "255", each written once: an IPv4 address is four copies.
struct Octet {
  char text[3];
  std::uint8_t size;
};
constexpr std::array<Octet, 256> kOctets = [] {
  std::array<Octet, 256> table{};
  for (unsigned i = 0; i < 256; ++i) {
    Octet& o = table[i];
    if (i >= 100) o.text[o.size++] = static_cast<char>('0' + i / 100);
    if (i >= 10) o.text[o.size++] = static_cast<char>('0' + i / 10 % 10);
    o.text[o.size++] = static_cast<char>('0' + i % 10);
  }
  return table;
}();

message::Error missing_via() {
  return message::Error{message::ErrorKind::kMissingHeader, 0, 400, "missing header: Via"};
}

}  // namespace

message::Result<transport::Endpoint> stamp_received(message::Message& request,
                                                    const transport::Endpoint& source) {
  const message::Via* via = request.top_via();
  if (via == nullptr) return missing_via();
  const std::uint16_t default_destination_port = sent_by_port(*via);
  // RFC 3581 §4: most requests carry no rport; skip the param split then.
  const auto rport =
      may_have_param(via->params.raw(), "rport") ? via->params.get("rport") : std::nullopt;
  const bool wants_rport = rport.has_value() && rport->empty();
  // Compare the sent-by host with the source address as text: "[::1]" with
  // "[::1]", "127.0.0.1" with "127.0.0.1" (a host name always differs).
  // (IPv4 by hand: this runs for every request.)
  char buffer[16];  // "255.255.255.255" fits (each octet writes three chars at most)
  std::string_view source_host;
  std::string host_text;
  if (source.is_v4()) {
    // Each octet copied as three chars (the buffer has room for the last
    // one's spare two), then the length advanced by its own.
    std::size_t length = 0;
    for (int i = 0; i < 4; ++i) {
      const Octet& octet = kOctets[source.address_bytes()[i]];
      if (i > 0) buffer[length++] = '.';
      std::memcpy(buffer + length, octet.text, 3);
      length += octet.size;
    }
    source_host = std::string_view(buffer, length);
  } else {
    host_text = source.address_string();
    source_host = host_text;
  }
  // (Most senders write the address as it is: equal octets first.)
  const std::string_view sent_by_host = strip_brackets(via->host);
  const bool differs = sent_by_host != source_host && !iequals(sent_by_host, source_host);
  if (differs || wants_rport) {
    if (auto r = request.set_param(message::HeaderId::kVia, "received", source_host); !r)
      return r.error();
  }
  transport::Endpoint destination = source;
  if (wants_rport) {
    char port[8];
    auto [end, ec] = std::to_chars(port, port + sizeof port, source.port());
    (void)ec;
    if (auto r = request.set_param(message::HeaderId::kVia, "rport",
                                   std::string_view(port, static_cast<std::size_t>(end - port)));
        !r)
      return r.error();
  } else {
    destination.set_port(default_destination_port);
  }
  return destination;
}

std::optional<transport::Endpoint> response_destination(const message::Message& response) {
  const message::Via* via = response.top_via();
  if (via == nullptr) return std::nullopt;
  std::string_view host = strip_brackets(via->host);
  // The params are split only when the quick scan finds the name (most
  // Vias carry neither: §18.2.1 adds `received` only when the host differs).
  const std::string_view raw = via->params.raw();
  const auto received =
      may_have_param(raw, "received") ? via->params.get("received") : std::nullopt;
  if (received && !received->empty()) host = strip_brackets(*received);
  std::uint16_t port = sent_by_port(*via);
  const auto rport = may_have_param(raw, "rport") ? via->params.get("rport") : std::nullopt;
  if (rport && !rport->empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(rport->data(), rport->data() + rport->size(), value);
    if (ec == std::errc() && end == rport->data() + rport->size() && value > 0 && value < 65536)
      port = static_cast<std::uint16_t>(value);
  }
  return transport::Endpoint::from_ip(host, port);
}

transport::Endpoint reply_destination(const message::Via* via, const transport::Endpoint& source) {
  transport::Endpoint destination = source;
  if (via == nullptr) return destination;
  const auto rport =
      may_have_param(via->params.raw(), "rport") ? via->params.get("rport") : std::nullopt;
  if (!rport) destination.set_port(sent_by_port(*via));
  return destination;
}

}  // namespace sippet::stack
