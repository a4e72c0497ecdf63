#pragma once
// The interface every transport (UDP now; TCP, TLS, WebSocket later)
// implements for the stack (design.md §1 layer 4, RFC 3261 §18).
//
// Threading contract (all implementations):
// - set_*_handler(): call before start(), from one thread.
// - start(): once, from any thread; receiving runs on the io_context the
//   transport was opened on.
// - send(), local_endpoint(), protocol(), reliable(): safe from any thread,
//   concurrently, including from inside the handlers.
// - close(): safe from any thread, idempotent. After it returns no new
//   handler call starts; a handler already running on an io_context thread
//   may finish. Destroying the transport closes it; destroy it only when no
//   handler is running (e.g. after the io_context threads are joined, or
//   from inside the io_context).
// - Handlers run on an io_context thread and must not block.
#include <functional>
#include <string_view>
#include <system_error>

#include "sippet/transport/endpoint.hpp"
#include "sippet/transport/protocol.hpp"

namespace sippet::transport {

// One incoming message (a whole datagram for UDP). `bytes` is valid only
// during the call: copy what must outlive it. `source` is the peer's
// address, `local` the address it arrived on (the real destination address
// even when the socket is bound to 0.0.0.0 / ::).
using ReceiveHandler =
    std::function<void(std::string_view bytes, const Endpoint& source, const Endpoint& local)>;

// A send to `destination` failed after send() returned (RFC 3261 §18.4:
// the stack reports it to the transaction as a transport error). Typical
// codes: std::errc::connection_refused (ICMP port unreachable),
// host_unreachable, network_unreachable, message_size. Called once per
// failure the kernel reports.
using ErrorHandler = std::function<void(const Endpoint& destination, std::error_code error)>;

// Largest message send() accepts (a UDP datagram's 16-bit length, RFC 768).
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
  virtual void start() = 0;
  virtual void close() = 0;

  // Sends one message to `destination`. Returns an empty error_code when
  // the message was sent or queued; otherwise the error found right away
  // (std::errc::message_size over kMaxDatagramSize, address_family_not_supported
  // for an IPv6 destination on an IPv4 transport or the reverse,
  // bad_file_descriptor after close(), or what the kernel returned, e.g.
  // network_unreachable). Failures found later go to the ErrorHandler.
  virtual std::error_code send(const Endpoint& destination, std::string_view bytes) = 0;
};

}  // namespace sippet::transport
