#include "sippet/transport/protocol.hpp"

#include "sippet/message/text.hpp"

namespace sippet::transport {

std::string_view to_string(Protocol protocol) {
  switch (protocol) {
    case Protocol::kUdp:
      return "UDP";
    case Protocol::kTcp:
      return "TCP";
    case Protocol::kTls:
      return "TLS";
    case Protocol::kWs:
      return "WS";
    case Protocol::kWss:
      return "WSS";
  }
  return "UDP";
}

std::optional<Protocol> parse_protocol(std::string_view text) {
  // Transport tokens compare case-insensitively (RFC 3261 §7.3.1, §20.42).
  for (Protocol p :
       {Protocol::kUdp, Protocol::kTcp, Protocol::kTls, Protocol::kWs, Protocol::kWss}) {
    if (message::iequals(text, to_string(p))) return p;
  }
  return std::nullopt;
}

}  // namespace sippet::transport
