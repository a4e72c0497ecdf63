#pragma once
// The interface every transport (UDP, TCP, TLS; WebSocket later)
// implements for the stack (RFC 3261 §18). The stack sees transports only
// through this interface and TransportFactory (transport_factory.hpp).
//
// Threading contract (all implementations):
// - set_*_handler(): call before start(), from one thread.
// - start(): once, from any thread; receiving runs on the io_context the
//   transport was opened on (or on threads of its own, see UdpOptions).
// - send(), local_endpoint(), protocol(), reliable(): safe from any thread,
//   concurrently, including from inside the handlers.
// - close(): safe from any thread, idempotent. After it returns no new
//   handler call starts; a handler already running may finish. Destroying
//   the transport closes it; destroy it only when no handler is running
//   (e.g. after the io_context threads are joined, or from inside the
//   io_context).
// - Handlers must not block.
#include <chrono>
#include <cstddef>
#include <functional>
#include <string_view>
#include <system_error>

#include "sippet/message/result.hpp"
#include "sippet/transport/endpoint.hpp"
#include "sippet/transport/flow.hpp"
#include "sippet/transport/protocol.hpp"

namespace sippet::transport {

// One incoming message (a whole datagram for UDP, one framed message for a
// stream). `bytes` is valid only during the call: copy what must outlive it.
// `flow.local` is the address it arrived on (the real destination address
// even when the transport is bound to 0.0.0.0 / ::).
using ReceiveHandler = std::function<void(std::string_view bytes, const Flow& flow)>;

// A send on `flow` failed after send() returned (RFC 3261 §18.4: the stack
// reports it to the transaction as a transport error), or the flow's
// connection closed. Typical codes: std::errc::connection_refused (ICMP port
// unreachable), host_unreachable, network_unreachable, connection_reset.
// Called once per failure the kernel reports.
using ErrorHandler = std::function<void(const Flow& flow, std::error_code error)>;

// A stream message the transport will not deliver (RFC 3261 §18.3: larger
// than the limit, no Content-Length): `head` is its header section as
// received, `error` why (status 513 or 400). The receiver may answer on
// `flow` (the connection closes once the answer is written).
using RejectHandler =
    std::function<void(std::string_view head, const Flow& flow, const message::Error& error)>;

// Largest message a datagram transport accepts (a UDP datagram's 16-bit
// length, RFC 768).
inline constexpr std::size_t kMaxDatagramSize = 65535;

class Transport {
 public:
  virtual ~Transport() = default;
  Transport() = default;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  virtual Protocol protocol() const = 0;
  bool reliable() const { return is_reliable(protocol()); }
  // The bound address with the real port (never 0 once open).
  virtual Endpoint local_endpoint() const = 0;

  virtual void set_receive_handler(ReceiveHandler handler) = 0;
  virtual void set_error_handler(ErrorHandler handler) = 0;
  // Stream transports only; others never call it.
  virtual void set_reject_handler(RejectHandler) {}
  virtual void start() = 0;
  virtual void close() = 0;

  // Sends one message on `flow`: on its connection when it has one and the
  // connection is open, else to `flow.remote` (a connection-oriented
  // transport opens or reuses a connection to it). Returns an empty
  // error_code when the message was sent or queued; otherwise the error
  // found right away (std::errc::message_size, address_family_not_supported
  // for an IPv6 destination on an IPv4 transport or the reverse,
  // bad_file_descriptor after close(), or what the kernel returned).
  // Failures found later go to the ErrorHandler.
  virtual std::error_code send(const Flow& flow, std::string_view bytes) = 0;

  // TLS: the host name a connection opened to `remote` is for (the SNI
  // and the identity its certificate must show, RFC 5922), until named
  // again. Without a name, the certificate must name the IP address.
  // Others ignore it. Any thread.
  virtual void name_destination(const Endpoint& /*remote*/, std::string_view /*name*/) {}

  // Streams (RFC 3261 §18: a connection carrying a transaction stays open
  // while it lasts): the connection of `flow` (its connection when open,
  // else the open connection to flow.remote, as send() finds it) is not
  // closed as idle while held. Holds count; release() each once. Returns
  // the connection held, 0 when none (datagrams: always). Any thread.
  virtual ConnectionId hold(const Flow& /*flow*/) { return 0; }
  // Ends one hold; the idle timeout then counts from now. Any thread.
  virtual void release(ConnectionId /*connection*/) {}
  // Streams: the connection of `flow` is not closed as idle before
  // `duration` has passed (e.g. a registrar binding refers to the flow,
  // RFC 5626); a later call may extend it, never shorten it. Any thread.
  virtual void keep_open(const Flow& /*flow*/, std::chrono::milliseconds /*duration*/) {}

  // Connections this transport instance holds open (0 for datagrams).
  virtual std::size_t open_connections() const { return 0; }
};

}  // namespace sippet::transport
