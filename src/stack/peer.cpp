#include "peer.hpp"

#include <sys/socket.h>

#include <netinet/in.h>

#include <cstring>
#include <optional>

namespace sippet::stack {

transaction::TransportInfo to_transport_info(const Peer& peer) {
  const transport::Endpoint& remote = peer.flow.remote;
  transaction::TransportInfo info;
  info.reliable = peer.flow.reliable();
  info.protocol = static_cast<std::uint8_t>(peer.flow.protocol);
  info.family = remote.is_v4() ? 4 : 6;
  info.port = remote.port();
  info.scope_id = remote.scope_id();
  info.address = remote.address_bytes();
  info.local = peer.listener;
  info.connection = peer.flow.connection;
  return info;
}

Peer to_peer(const transaction::TransportInfo& info, const transport::Endpoint& local) {
  // The address through the sockaddr of its family only (no
  // sockaddr_storage to clear and copy: this runs for every send).
  std::optional<transport::Endpoint> remote;
  if (info.family == 4) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(info.port);
    std::memcpy(&sin.sin_addr, info.address.data(), 4);
    remote =
        transport::Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(info.port);
    sin6.sin6_scope_id = info.scope_id;
    std::memcpy(&sin6.sin6_addr, info.address.data(), 16);
    remote =
        transport::Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&sin6), sizeof sin6);
  }
  Peer peer;
  peer.flow.protocol = static_cast<transport::Protocol>(info.protocol);
  peer.flow.local = local;
  if (remote) peer.flow.remote = *remote;
  peer.flow.connection = info.connection;
  peer.listener = info.local;
  return peer;
}

}  // namespace sippet::stack
