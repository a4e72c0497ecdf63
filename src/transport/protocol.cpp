#include "sippet/transport/protocol.hpp"

namespace sippet::transport {

std::optional<Protocol> parse_protocol(std::string_view text) {
  // Transport tokens compare case-insensitively (RFC 3261 §7.3.1, §20.42).
  auto equals = [text](std::string_view upper) {
    if (text.size() != upper.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (c != upper[i]) return false;
    }
    return true;
  };
  for (Protocol p : kAllProtocols) {
    if (equals(to_string(p))) return p;
  }
  return std::nullopt;
}

}  // namespace sippet::transport
