// The library's own transports behind TransportFactory.
#include <map>
#include <mutex>

#include "sippet/transport/transport_factory.hpp"
#include "stream_transport.hpp"
#include "tls_context.hpp"
#include "udp_transport.hpp"

namespace sippet::transport {

namespace {

class SocketTransportFactory final : public TransportFactory {
 public:
  SocketTransportFactory(StreamLimits limits, TlsConfig tls_config,
                         std::shared_ptr<detail::TlsContexts> tls)
      : limits_(limits), tls_config_(std::move(tls_config)), tls_(std::move(tls)) {}

  bool supports(Protocol protocol) const override {
    return protocol == Protocol::kUdp || protocol == Protocol::kTcp || protocol == Protocol::kTls;
  }

  message::Result<std::unique_ptr<Transport>> open(asio::io_context& io, Protocol protocol,
                                                   const Endpoint& local,
                                                   const OpenOptions& options) override {
    if (!supports(protocol))
      return message::Error{message::ErrorKind::kInvalidArgument, 0, 0,
                            std::string(to_string(protocol)) + " is not supported"};
    std::error_code error;
    if (protocol == Protocol::kUdp) {
      UdpOptions udp;
      udp.reuse_port = options.shared;
      udp.single_threaded_io = options.single_threaded_io;
      udp.receive_thread = options.receive_thread;
      auto transport = UdpTransport::open(io, local, error, udp);
      if (!transport)
        return message::Error{message::ErrorKind::kTransportError, 0, 0, error.message()};
      return std::unique_ptr<Transport>(std::move(transport));
    }
    std::lock_guard lock(mutex_);
    if (protocol == Protocol::kTls && !tls_) {
      auto contexts = detail::make_tls_contexts(tls_config_);
      if (!contexts) return contexts.error();
      tls_ = *contexts;
    }
    // Transports opened on one address with `shared` share its connections.
    std::shared_ptr<detail::StreamGroup> group;
    const auto key = std::make_pair(protocol, local);
    if (options.shared && local.port() != 0) {
      if (auto found = groups_.find(key); found != groups_.end()) group = found->second.lock();
    }
    if (!group) group = detail::make_stream_group();
    auto transport = detail::StreamTransport::open(io, protocol, local, group, limits_,
                                                   protocol == Protocol::kTls ? tls_ : nullptr,
                                                   options.shared, error);
    if (!transport)
      return message::Error{message::ErrorKind::kTransportError, 0, 0, error.message()};
    if (options.shared) {
      std::erase_if(groups_, [](const auto& entry) { return entry.second.expired(); });
      groups_[std::make_pair(protocol, transport->local_endpoint())] = group;
    }
    return std::unique_ptr<Transport>(std::move(transport));
  }

 private:
  const StreamLimits limits_;
  const TlsConfig tls_config_;
  std::mutex mutex_;
  std::shared_ptr<detail::TlsContexts> tls_;
  std::map<std::pair<Protocol, Endpoint>, std::weak_ptr<detail::StreamGroup>> groups_;
};

}  // namespace

std::shared_ptr<TransportFactory> socket_transport_factory() {
  static const auto factory =
      std::make_shared<SocketTransportFactory>(StreamLimits{}, TlsConfig{}, nullptr);
  return factory;
}

message::Result<std::shared_ptr<TransportFactory>> make_socket_transport_factory(
    const SocketTransportOptions& options) {
  // Files are checked now (a start-up error); OpenSSL is otherwise set up
  // when the first TLS transport opens.
  std::shared_ptr<detail::TlsContexts> tls;
  const TlsConfig& config = options.tls;
  if (!config.certificate_file.empty() || !config.private_key_file.empty() ||
      !config.ca_file.empty()) {
    auto contexts = detail::make_tls_contexts(config);
    if (!contexts) return contexts.error();
    tls = *contexts;
  }
  return std::shared_ptr<TransportFactory>(
      std::make_shared<SocketTransportFactory>(options.stream, config, std::move(tls)));
}

}  // namespace sippet::transport
