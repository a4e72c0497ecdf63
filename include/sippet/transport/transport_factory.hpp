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
  // `io`. Does not start it. Errors: kInvalidArgument with a reason such as
  // "Address already in use" or "TCP is not supported".
  virtual message::Result<std::unique_ptr<Transport>> open(asio::io_context& io, Protocol protocol,
                                                           const Endpoint& local,
                                                           const OpenOptions& options) = 0;
};

// The library's socket transports: UDP.
std::shared_ptr<TransportFactory> socket_transport_factory();

}  // namespace sippet::transport
