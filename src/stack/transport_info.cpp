#include "transport_info.hpp"

#include <sys/socket.h>

#include <netinet/in.h>

#include <cstring>

namespace sippet::stack {

transaction::TransportInfo to_transport_info(const Peer& peer) {
  transaction::TransportInfo info;
  info.reliable = false;  // UDP only for now
  info.protocol = 0;
  info.family = peer.endpoint.is_v4() ? 4 : 6;
  info.port = peer.endpoint.port();
  info.scope_id = peer.endpoint.scope_id();
  info.address = peer.endpoint.address_bytes();
  info.connection = peer.listener;
  return info;
}

Peer to_peer(const transaction::TransportInfo& info) {
  sockaddr_storage storage{};
  std::size_t length = 0;
  if (info.family == 4) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(info.port);
    std::memcpy(&sin.sin_addr, info.address.data(), 4);
    std::memcpy(&storage, &sin, sizeof sin);
    length = sizeof sin;
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(info.port);
    sin6.sin6_scope_id = info.scope_id;
    std::memcpy(&sin6.sin6_addr, info.address.data(), 16);
    std::memcpy(&storage, &sin6, sizeof sin6);
    length = sizeof sin6;
  }
  Peer peer;
  auto endpoint =
      transport::Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), length);
  if (endpoint) peer.endpoint = *endpoint;
  peer.listener = static_cast<std::uint32_t>(info.connection);
  return peer;
}

}  // namespace sippet::stack
