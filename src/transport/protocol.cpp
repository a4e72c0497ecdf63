#include "sippet/transport/protocol.hpp"

#include <cctype>

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
  auto equals = [text](std::string_view upper) {
    if (text.size() != upper.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (std::toupper(static_cast<unsigned char>(text[i])) != upper[i]) return false;
    }
    return true;
  };
  for (Protocol p :
       {Protocol::kUdp, Protocol::kTcp, Protocol::kTls, Protocol::kWs, Protocol::kWss}) {
    if (equals(to_string(p))) return p;
  }
  return std::nullopt;
}

}  // namespace sippet::transport
