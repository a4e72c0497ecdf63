#pragma once
// A flow (RFC 5626 §3): where a message came from or goes to. The transport,
// our address, the peer's address and, for a connection-oriented transport,
// the connection. Every incoming message carries its flow; sending on a flow
// uses the same connection, or for UDP the same local socket to the same
// remote address, which is the only way to reach a phone behind a NAT or a
// browser on WebSocket.
//
// Value type: cheap to copy, comparable, hashable.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "sippet/transport/endpoint.hpp"
#include "sippet/transport/protocol.hpp"

namespace sippet::transport {

// Names one connection of a connection-oriented transport; unique within a
// process for its lifetime. 0: no connection (UDP).
using ConnectionId = std::uint64_t;

struct Flow {
  Protocol protocol = Protocol::kUdp;
  Endpoint local;   // our address (the real one, even on a wildcard listener)
  Endpoint remote;  // the peer's address
  ConnectionId connection = 0;

  bool reliable() const { return is_reliable(protocol); }
  // "UDP 127.0.0.1:5060 <-> 127.0.0.1:40000", "TCP ... #12" (its connection).
  std::string to_string() const;

  friend bool operator==(const Flow&, const Flow&) = default;
};

struct FlowHash {
  std::size_t operator()(const Flow& flow) const noexcept;
};

}  // namespace sippet::transport

template <>
struct std::hash<sippet::transport::Flow> : sippet::transport::FlowHash {};
