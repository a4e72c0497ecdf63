#pragma once
// The stack's encoding of a peer in the transaction layer's opaque
// TransportInfo: the peer address and port, and in `connection` the index of
// the listen address (socket) to send from.
#include <cstdint>

#include "sippet/transaction/transport_info.hpp"
#include "sippet/transport/endpoint.hpp"

namespace sippet::stack {

struct Peer {
  transport::Endpoint endpoint;
  std::uint32_t listener = 0;  // index into StackConfig::listen
};

// TransportInfo::protocol of a request whose target host is still being
// resolved; `connection` then names the resolution (Worker).
inline constexpr std::uint8_t kUnresolved = 0xFF;

transaction::TransportInfo to_transport_info(const Peer& peer);
Peer to_peer(const transaction::TransportInfo& info);

}  // namespace sippet::stack
