#pragma once
// How the stack gets its transports: for each listen address and each
// worker, it asks a factory to open one. The default factory opens the
// socket transports of this library; tests give the stack an in-memory
// network instead (memory_transport.hpp), and an application may give its
// own (e.g. a transport over a tunnel).
#include <memory>
#include <system_error>

#include "sippet/message/result.hpp"
#include "sippet/transport/endpoint.hpp"
#include "sippet/transport/protocol.hpp"
#include "sippet/transport/stream_options.hpp"
#include "sippet/transport/transport.hpp"

namespace asio {
class io_context;
}

namespace sippet::transport {

struct OpenOptions {
  // Several transports are opened on the same address, one per io_context
  // (one per stack worker); the factory makes them share it (SO_REUSEPORT
  // for UDP, a shared connection table for streams).
  bool shared = false;
  // The io_context is run by one thread only: the transport needs no strand.
  bool single_threaded_io = true;
  // A datagram transport may read on a thread of its own (UdpOptions).
  bool receive_thread = true;
};

class TransportFactory {
 public:
  virtual ~TransportFactory() = default;
  // Whether open() can give a transport for `protocol`.
  virtual bool supports(Protocol protocol) const = 0;
  // Opens and binds a transport for `protocol` on `local` (port 0: any) on
  // `io`. Does not start it. Errors: kTransportError with the system's
  // reason ("Address already in use"), kInvalidArgument for a protocol it
  // does not support.
  virtual message::Result<std::unique_ptr<Transport>> open(asio::io_context& io, Protocol protocol,
                                                           const Endpoint& local,
                                                           const OpenOptions& options) = 0;
};

// The library's socket transports: UDP, TCP and TLS, with the default
// stream limits and TLS settings (the system's CAs, servers verified, no
// certificate of our own: a TLS listener then cannot accept).
std::shared_ptr<TransportFactory> socket_transport_factory();

struct SocketTransportOptions {
  StreamLimits stream;  // TCP and TLS
  TlsConfig tls;
};

// The same with settings. Errors (kInvalidArgument) name what is wrong
// with the TLS files: one missing or unreadable, not PEM, a private key
// that does not match the certificate, a key without a certificate.
message::Result<std::shared_ptr<TransportFactory>> make_socket_transport_factory(
    const SocketTransportOptions& options);

}  // namespace sippet::transport
