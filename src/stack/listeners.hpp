#pragma once
// The stack's listen addresses, one per StackConfig::listen entry, and the
// questions the routing asks of them: which one reaches a destination, which
// one a flow belongs to, and whether a Via is ours (RFC 3261 §18.1.2).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sippet/message/headers.hpp"
#include "sippet/transport/endpoint.hpp"
#include "sippet/transport/flow.hpp"
#include "sippet/transport/protocol.hpp"

namespace sippet::stack {

struct Listener {
  transport::Protocol protocol = transport::Protocol::kUdp;
  transport::Endpoint bound;  // with the real port
};

class Listeners {
 public:
  void add(Listener listener);
  std::uint32_t size() const { return static_cast<std::uint32_t>(all_.size()); }
  const Listener& operator[](std::uint32_t index) const { return all_[index]; }

  // The first listener of `protocol` for addresses of `family`.
  std::optional<std::uint32_t> find(transport::Protocol protocol,
                                    transport::AddressFamily family) const;
  // The first listener of `protocol`, IPv4 preferred (a host name not yet
  // resolved).
  std::optional<std::uint32_t> find(transport::Protocol protocol) const;
  // The listener a flow belongs to: its protocol and local address (a
  // wildcard listener owns every address of its family on its port).
  std::optional<std::uint32_t> find(const transport::Flow& flow) const;

  // The Via sent-by of `listener` ("192.0.2.1:5060", "[::1]:5070"). A
  // listener bound to a wildcard address names the address the kernel
  // would send from toward `destination` (or the host's name when unknown).
  // A listener bound to one address has its sent-by formatted once, by add().
  std::string sent_by(std::uint32_t listener,
                      const std::optional<transport::Endpoint>& destination) const;

  // §18.1.2: the top Via of a response names one of our listeners (its
  // host and port, the transport's default port when absent).
  bool is_ours(const message::Via& via) const;

 private:
  std::vector<Listener> all_;
  std::vector<std::string> bound_sent_by_;  // per listener; empty for a wildcard
};

}  // namespace sippet::stack
