#pragma once
// What the transaction layer knows about the transport of a message.
//
// The layer reads only `reliable` (retransmission timers and the zero waits of
// Table 4 depend on it). Everything else is opaque here: the stack fills it
// when it hands an incoming message or an outgoing request to the layer, and
// gets it back unchanged in every SendMessage the transaction emits later
// (responses, retransmissions, the ACK of a non-2xx, automatic 100 Trying).
// Fixed size, trivially copyable, no allocation.
#include <array>
#include <cstdint>

namespace sippet::transaction {

struct TransportInfo {
  bool reliable = false;                   // TCP, TLS, SCTP, WebSocket: true; UDP: false
  std::uint8_t protocol = 0;               // opaque: the stack's protocol code
  std::uint8_t family = 0;                 // opaque: e.g. 4 or 6
  std::uint16_t port = 0;                  // opaque: peer port
  std::uint32_t scope_id = 0;              // opaque: IPv6 zone
  std::array<std::uint8_t, 16> address{};  // opaque: peer address, network order
  std::uint32_t local = 0;                 // opaque: e.g. the local listener
  std::uint64_t connection = 0;            // opaque: e.g. stream connection id (0 = none)

  friend bool operator==(const TransportInfo&, const TransportInfo&) = default;
};

}  // namespace sippet::transaction
