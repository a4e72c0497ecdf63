#pragma once
// TCP and TLS transports on Asio (RFC 3261 §18, §26; RFC 5626 §4.4.1).
//
// One StreamTransport per listen address and io_context. Several opened on
// one address (one per stack worker, OpenOptions::shared) each accept on
// their own SO_REUSEPORT socket and share one connection table (a
// StreamGroup): a send on any of them finds a connection by its id, or the
// open connection to the destination (reused, keyed by the remote address
// and, for TLS, the server name), or opens one on the io_context of the
// transport asked.
//
// A connection lives on its transport's io_context, which one thread must
// run (as every stack worker's is). Reading: TCP reads through Asio's
// reactor into a 1 KiB buffer of the connection's (no epoll_ctl() per
// read), then, when that filled, into one buffer per transport; TLS waits
// for readability and SSL_read()s into the transport's buffer, so an idle
// TLS connection holds no read buffer. A partial message is copied into the
// connection's own.
// Framing by Content-Length (message::frame_stream), CRLFCRLF pings
// answered with a CRLF pong. Writing: a send from any thread writes at once
// when nothing is queued (TCP), else queues (bounded by max_queued_bytes)
// and the connection's thread writes the queue. Timeouts (idle, partial
// message, connect and handshake) are checked by a sweep per transport, a
// few times per shortest timeout: nothing per message.
//
// A connection that closes or fails (refused, reset, end of stream, a
// timeout, a limit, a failed handshake) is reported once to the
// ErrorHandler of its transport with its flow.
#include <asio/io_context.hpp>

#include <memory>
#include <system_error>

#include "sippet/transport/stream_options.hpp"
#include "sippet/transport/transport.hpp"
#include "tls_context.hpp"

namespace sippet::transport::detail {

class StreamEndpoint;
struct StreamGroup;

// The connection table of transports sharing an address.
std::shared_ptr<StreamGroup> make_stream_group();

class StreamTransport final : public Transport {
 public:
  // Binds and listens on `local` (port 0: the kernel picks). `tls` is
  // required for Protocol::kTls. `reuse_port`: SO_REUSEPORT, for the other
  // members of `group`. nullptr and `error` on failure.
  static std::unique_ptr<StreamTransport> open(asio::io_context& io, Protocol protocol,
                                               const Endpoint& local,
                                               std::shared_ptr<StreamGroup> group,
                                               const StreamLimits& limits,
                                               std::shared_ptr<TlsContexts> tls, bool reuse_port,
                                               std::error_code& error);
  ~StreamTransport() override;

  Protocol protocol() const override;
  Endpoint local_endpoint() const override;
  void set_receive_handler(ReceiveHandler handler) override;
  void set_error_handler(ErrorHandler handler) override;
  void set_reject_handler(RejectHandler handler) override;
  void start() override;
  void close() override;
  std::error_code send(const Flow& flow, std::string_view bytes) override;
  void name_destination(const Endpoint& remote, std::string_view name) override;
  ConnectionId hold(const Flow& flow) override;
  void release(ConnectionId connection) override;
  void keep_open(const Flow& flow, std::chrono::milliseconds duration) override;
  std::size_t open_connections() const override;

 private:
  explicit StreamTransport(std::shared_ptr<StreamEndpoint> endpoint);
  std::shared_ptr<StreamEndpoint> endpoint_;
};

}  // namespace sippet::transport::detail
