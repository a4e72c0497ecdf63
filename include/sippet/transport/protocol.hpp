#pragma once
// Transport protocols as they appear in Via (RFC 3261 §20.42, §18) and in the
// URI `transport` parameter (§19.1.1), and the one table of facts about each:
// nothing else in the library writes a default port or asks "is it TLS?".
#include <cstdint>
#include <optional>
#include <string_view>

namespace sippet::transport {

enum class Protocol : std::uint8_t { kUdp, kTcp, kTls, kWs, kWss };

struct ProtocolFacts {
  std::string_view via_name;   // the Via sent-protocol transport token: "UDP", "TLS"
  std::string_view uri_name;   // the URI `transport` parameter value: "udp", "tls"
  std::uint16_t default_port;  // §19.1.2: 5060, 5061 for the secure ones (RFC 7118 too)
  bool reliable;               // §18: no request retransmissions, Timers D, I, J and K zero
  bool secure;                 // TLS underneath: what a sips: hop needs (§26.2.2)
  bool stream;                 // a byte stream framed by Content-Length (§18.3)
};

constexpr ProtocolFacts facts(Protocol protocol) {
  switch (protocol) {
    case Protocol::kUdp:
      return {"UDP", "udp", 5060, false, false, false};
    case Protocol::kTcp:
      return {"TCP", "tcp", 5060, true, false, true};
    case Protocol::kTls:
      return {"TLS", "tls", 5061, true, true, true};
    case Protocol::kWs:  // RFC 7118: framed by WebSocket messages, not by bytes
      return {"WS", "ws", 5060, true, false, false};
    case Protocol::kWss:
      return {"WSS", "wss", 5061, true, true, false};
  }
  return {"UDP", "udp", 5060, false, false, false};
}

inline constexpr Protocol kAllProtocols[] = {Protocol::kUdp, Protocol::kTcp, Protocol::kTls,
                                             Protocol::kWs, Protocol::kWss};

// "UDP", "TCP", "TLS", "WS", "WSS": the Via sent-protocol transport token.
constexpr std::string_view to_string(Protocol protocol) {
  return facts(protocol).via_name;
}
constexpr std::uint16_t default_port(Protocol protocol) {
  return facts(protocol).default_port;
}
constexpr bool is_reliable(Protocol protocol) {
  return facts(protocol).reliable;
}
constexpr bool is_secure(Protocol protocol) {
  return facts(protocol).secure;
}

// Case-insensitive: "udp", "UDP", "Tcp", ... ; nullopt for anything else.
std::optional<Protocol> parse_protocol(std::string_view text);

}  // namespace sippet::transport
