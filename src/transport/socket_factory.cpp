// The library's own transports behind TransportFactory.
#include "sippet/transport/transport_factory.hpp"
#include "udp_transport.hpp"

namespace sippet::transport {

namespace {

class SocketTransportFactory final : public TransportFactory {
 public:
  bool supports(Protocol protocol) const override { return protocol == Protocol::kUdp; }

  message::Result<std::unique_ptr<Transport>> open(asio::io_context& io, Protocol protocol,
                                                   const Endpoint& local,
                                                   const OpenOptions& options) override {
    if (!supports(protocol))
      return message::Error{message::ErrorKind::kInvalidArgument, 0, 0,
                            std::string(to_string(protocol)) + " is not supported"};
    UdpOptions udp;
    udp.reuse_port = options.shared;
    udp.single_threaded_io = options.single_threaded_io;
    udp.receive_thread = options.receive_thread;
    std::error_code error;
    auto transport = UdpTransport::open(io, local, error, udp);
    if (!transport)
      return message::Error{message::ErrorKind::kTransportError, 0, 0, error.message()};
    return std::unique_ptr<Transport>(std::move(transport));
  }
};

}  // namespace

std::shared_ptr<TransportFactory> socket_transport_factory() {
  static const auto factory = std::make_shared<SocketTransportFactory>();
  return factory;
}

}  // namespace sippet::transport
