#pragma once
// A peer as the stack's workers see it: a flow and the listener (index into
// the stack's Listeners) whose transport carries it. It travels through the
// transaction layer inside the opaque TransportInfo: a transaction's sends
// go back on the flow its request came on (§18.2.2) or left on.
#include <cstdint>

#include "sippet/transaction/transport_info.hpp"
#include "sippet/transport/flow.hpp"

namespace sippet::stack {

struct Peer {
  transport::Flow flow;
  std::uint32_t listener = 0;
};

// TransportInfo::protocol of a request whose target host is still being
// resolved; `connection` then names the resolution (Worker).
inline constexpr std::uint8_t kUnresolved = 0xFF;

transaction::TransportInfo to_transport_info(const Peer& peer);
// `local`: the listener's address (the TransportInfo does not carry it).
Peer to_peer(const transaction::TransportInfo& info, const transport::Endpoint& local);

}  // namespace sippet::stack
