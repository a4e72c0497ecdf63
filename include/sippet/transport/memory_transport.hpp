#pragma once
// An in-memory network for tests: transports that implement Transport and
// TransportFactory without sockets, so that tests of the stack whose
// subject is not the socket run fast, deterministically and anywhere.
//
//   auto network = std::make_shared<MemoryNetwork>();
//   config.listen.push_back(*parse_listen_spec("tcp:10.0.0.1:5060"));
//   config.transports = network;                        // the stack's transports
//   auto phone = network->peer(Protocol::kTcp, *Endpoint::parse("10.0.0.2:5070"));
//   (*phone)->send(*Endpoint::parse("10.0.0.1:5060"), "REGISTER ...");
//   auto got = (*phone)->receive(std::chrono::seconds(5));   // bytes and flow
//
// The model:
// - Addresses are just keys: any IPv4 or IPv6 address may be bound (port 0:
//   one from 40000 up). A transport bound to 0.0.0.0 / :: receives what is
//   sent to any address of its family at its port, and sends from the
//   loopback address of its family.
// - Every send arrives as one message (no stream framing): a datagram for
//   UDP; for the connection-oriented protocols (TCP, TLS, WS, WSS) a message
//   on the connection between the two addresses, opened by the first send
//   between them. A connection joins two bound addresses (no ephemeral
//   ports), so each pair of peers has at most one open connection; its
//   ConnectionId is in the flows of both ends.
// - Delivery to a transport is posted to its io_context (asio::post), as a
//   socket's would be; to a MemoryPeer it is queued for receive(). Messages
//   from one sender to one receiver arrive in order.
// - Several transports opened on one address with OpenOptions::shared share
//   it (one per stack worker): each remote address is delivered to one of
//   them, always the same (hash of the remote), like SO_REUSEPORT.
// - Failures: a send to an address nobody listens on (for its protocol)
//   reports std::errc::connection_refused to the sender's ErrorHandler,
//   posted later, like an ICMP port unreachable (send() itself succeeds).
//   close_connection() reports std::errc::connection_reset to both ends
//   with their flow, and so does the last transport of an address closing
//   for the other ends of its connections. drop_if() loses messages.
//
// Threading as transport.hpp says; close() also returns only once no
// handler of the transport runs (unless called from one), as a socket
// transport's joins its receive thread. Every function of the network and
// of a peer may be called from any thread.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "sippet/transport/transport.hpp"
#include "sippet/transport/transport_factory.hpp"

namespace sippet::transport {

class MemoryPeer;

class MemoryNetwork final : public TransportFactory {
 public:
  MemoryNetwork();
  ~MemoryNetwork() override;
  MemoryNetwork(const MemoryNetwork&) = delete;
  MemoryNetwork& operator=(const MemoryNetwork&) = delete;

  // Every protocol.
  bool supports(Protocol protocol) const override;
  // A transport bound to `local` on the network, delivering on `io`.
  // Error kTransportError "Address already in use" when `local` is bound
  // and not shared by both.
  message::Result<std::unique_ptr<Transport>> open(asio::io_context& io, Protocol protocol,
                                                   const Endpoint& local,
                                                   const OpenOptions& options) override;

  // A test-side element bound to `local` (a phone, a proxy, a server): it
  // sends bytes and waits for what reaches it. Errors as for open().
  message::Result<std::unique_ptr<MemoryPeer>> peer(Protocol protocol, const Endpoint& local);

  // The open connection between two addresses, if any.
  std::optional<ConnectionId> connection(Protocol protocol, const Endpoint& a,
                                         const Endpoint& b) const;
  // Closes a connection: both ends' ErrorHandlers get connection_reset with
  // their flow. False when it is not open.
  bool close_connection(ConnectionId id);

  // Messages for which `rule` returns true are lost (send() still
  // succeeds). `flow` is the sender's: local is the sender, remote the
  // destination. Called with the network's lock held: it must not call the
  // network. nullptr: lose nothing.
  using DropRule = std::function<bool(const Flow& flow, std::string_view bytes)>;
  void drop_if(DropRule rule);
  // How many messages drop_if() lost.
  std::size_t dropped() const;

  class State;  // shared with the transports and peers

 private:
  std::shared_ptr<State> state_;
};

// One element on a MemoryNetwork that a test drives by hand.
class MemoryPeer {
 public:
  struct Packet {
    std::string bytes;
    Flow flow;  // local: this peer; remote: the sender; its connection
  };
  struct Failure {
    Flow flow;
    std::error_code error;
  };

  ~MemoryPeer();  // closes
  MemoryPeer(const MemoryPeer&) = delete;
  MemoryPeer& operator=(const MemoryPeer&) = delete;

  Protocol protocol() const { return protocol_; }
  const Endpoint& address() const { return address_; }

  // To `to` (a datagram, or on the connection to it, opened when needed).
  std::error_code send(const Endpoint& to, std::string_view bytes);
  // On `flow` (a Packet's: the same connection while it is open).
  std::error_code send(const Flow& flow, std::string_view bytes);

  // The next message that reached this peer, or nullopt after `timeout`.
  std::optional<Packet> receive(std::chrono::milliseconds timeout);
  // The next failure reported to this peer, or nullopt after `timeout`.
  std::optional<Failure> failure(std::chrono::milliseconds timeout);

  // Unbinds: later sends to its address are refused, its own fail
  // (bad_file_descriptor). What arrived before can still be received.
  // Idempotent.
  void close();

  class Node;

 private:
  friend class MemoryNetwork;
  MemoryPeer(std::shared_ptr<MemoryNetwork::State> network, std::shared_ptr<Node> node,
             Protocol protocol, Endpoint address);

  std::shared_ptr<MemoryNetwork::State> network_;
  std::shared_ptr<Node> node_;
  Protocol protocol_;
  Endpoint address_;
  std::atomic<bool> closed_{false};
};

}  // namespace sippet::transport
