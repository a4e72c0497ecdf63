#pragma once
// Transport protocols as they appear in Via (RFC 3261 §20.42, §18) and in the
// URI `transport` parameter (§19.1.1).
#include <optional>
#include <string_view>

namespace sippet::transport {

enum class Protocol { kUdp, kTcp, kTls, kWs, kWss };

// "UDP", "TCP", "TLS", "WS", "WSS": the Via sent-protocol transport token.
std::string_view to_string(Protocol protocol);

// Case-insensitive: "udp", "UDP", "Tcp", ... ; nullopt for anything else.
std::optional<Protocol> parse_protocol(std::string_view text);

// True for the stream/connection protocols (§18: no retransmissions of
// requests by Timer A/E, Timer K/J/I are zero).
constexpr bool is_reliable(Protocol protocol) {
  return protocol != Protocol::kUdp;
}

}  // namespace sippet::transport
