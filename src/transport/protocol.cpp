#include "sippet/transport/protocol.hpp"

#include "sippet/message/text.hpp"

namespace sippet::transport {

std::optional<Protocol> parse_protocol(std::string_view text) {
  // Transport tokens compare case-insensitively (RFC 3261 §7.3.1, §20.42);
  // most are written in capitals, as compared first.
  for (Protocol p : kAllProtocols) {
    if (text == to_string(p)) return p;
  }
  for (Protocol p : kAllProtocols) {
    if (message::iequals(text, to_string(p))) return p;
  }
  return std::nullopt;
}

}  // namespace sippet::transport
