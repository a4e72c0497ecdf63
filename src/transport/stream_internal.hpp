#pragma once
// The parts of the stream transports (stream_transport.hpp) that the
// transport and its connections share: the connection table of an address,
// the transport's state that outlives it while connections run, and one
// connection.
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sippet/transport/stream_options.hpp"
#include "sippet/transport/transport.hpp"
#include "tls_context.hpp"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace sippet::transport::detail {

class StreamConnection;

// Milliseconds of the steady clock: the timeouts' time.
std::int64_t stream_now_ms();

struct StreamGroup {
  std::mutex mutex;
  std::unordered_map<ConnectionId, std::shared_ptr<StreamConnection>> by_id;
  // Open outbound connections by destination ("remote|server name").
  std::unordered_map<std::string, std::shared_ptr<StreamConnection>> by_destination;
  // TLS server names by remote address (Transport::name_destination).
  std::unordered_map<Endpoint, std::string> names;
  // Accepted connections in by_id by remote IP address (port 0), for
  // StreamLimits::max_connections_per_address.
  std::unordered_map<Endpoint, std::size_t> accepted_from;
};

// What a StreamTransport's connections need of it; it outlives the
// transport while a connection or an operation holds it.
class StreamEndpoint : public std::enable_shared_from_this<StreamEndpoint> {
 public:
  StreamEndpoint(asio::io_context& io, Protocol protocol, std::shared_ptr<StreamGroup> group,
                 const StreamLimits& limits, std::shared_ptr<TlsContexts> tls);

  asio::io_context& io;
  const Protocol protocol;
  const std::shared_ptr<StreamGroup> group;
  const StreamLimits limits;
  const std::shared_ptr<TlsContexts> tls;
  asio::ip::tcp::acceptor acceptor;
  asio::steady_timer sweep_timer;
  asio::steady_timer accept_retry;
  Endpoint local;
  // The TCP read buffer (the io_context's thread only).
  std::vector<char> scratch;

  ReceiveHandler on_receive;
  ErrorHandler on_error;
  RejectHandler on_reject;

  bool secure() const { return protocol == Protocol::kTls; }

  // Calls a handler unless closed; close() waits for running ones.
  void deliver(std::string_view bytes, const Flow& flow);
  void report(const Flow& flow, std::error_code error);
  void reject(std::string_view head, const Flow& flow, const message::Error& error);

  void start();
  void close();
  bool closed() const { return closed_.load(std::memory_order_acquire); }
  std::error_code send(const Flow& flow, std::string_view bytes);

  // The open connection a send on `flow` would use (its id, else the
  // outbound one to flow.remote), or nullptr.
  std::shared_ptr<StreamConnection> find(const Flow& flow);

  // A connection is done: out of the table.
  void forget(const StreamConnection& connection);
  std::size_t owned() const { return owned_.load(std::memory_order_relaxed); }

 private:
  void accept_next();
  void on_accepted(std::error_code error, asio::ip::tcp::socket socket);
  // group->mutex held: `connection` is out of by_id.
  void erased(const StreamConnection& connection);
  void sweep();
  std::chrono::milliseconds sweep_interval() const;
  // Enters a handler call: false when closed.
  bool enter();
  void leave();

  std::atomic<bool> closed_{false};
  std::atomic<std::size_t> owned_{0};
  std::mutex handlers_mutex_;
  std::condition_variable handlers_idle_;
  int running_ = 0;
};

// One TCP or TLS connection, on its endpoint's io_context.
class StreamConnection : public std::enable_shared_from_this<StreamConnection> {
 public:
  enum class State { kConnecting, kHandshaking, kOpen, kClosed };

  StreamConnection(std::shared_ptr<StreamEndpoint> owner, ConnectionId id, Flow flow,
                   std::string key, std::string server_name);
  ~StreamConnection();

  ConnectionId id() const { return id_; }
  const std::string& key() const { return key_; }  // empty: inbound
  const Endpoint& remote() const { return flow_.remote; }
  const StreamEndpoint* owner() const { return owner_.get(); }
  asio::ip::tcp::socket& socket();

  // Inbound: `socket` was accepted. Outbound: connects to flow.remote.
  void start_inbound(asio::ip::tcp::socket socket);
  void start_outbound();
  // Any thread: writes or queues. not_connected once closed.
  std::error_code send(std::string_view bytes);
  // The io_context's thread: closes once, reports when asked.
  void close(std::error_code error, bool report);
  // Any thread: close() on the connection's thread.
  void close_later(std::error_code error);
  // The io_context's thread: closes it when a timeout has passed.
  void check_timeouts(std::int64_t now);
  // The connection whose messages this thread is handing up, if any.
  static StreamConnection* delivering();
  // Any thread: not closed as idle while held (Transport::hold), nor
  // before `until` (steady milliseconds, Transport::keep_open).
  void hold() { holds_.fetch_add(1, std::memory_order_relaxed); }
  void release();
  void keep_until(std::int64_t until);

 private:
  void connected();
  bool new_tls_session(SSL_CTX* context);
  void handshake();
  void opened();
  void read_tcp();
  void read_tls();
  void read_ssl();
  void flush_ssl();
  // What OpenSSL asks for after a call returned `result`.
  enum class SslWait { kRead, kWrite, kFailed };
  SslWait ssl_wait(int result, std::error_code& error);
  // Waits for the socket to be readable or writable, then calls `next`.
  void wait_then(SslWait wait, void (StreamConnection::*next)());
  // After an OpenSSL call that returned `result` without finishing: closes
  // the connection if it failed, else waits for what OpenSSL asks and calls
  // `next` again.
  void retry_ssl(int result, void (StreamConnection::*next)());
  // Frames what was read; false when the connection stops reading.
  bool consume(const char* data, std::size_t size);
  // consume() with the sends its handlers make gathered, then written.
  bool consume_gathering(const char* data, std::size_t size);
  void flush();
  // Writes what sends made while its messages were handed up (the
  // connection's thread).
  void write_gathered();
  // Stops reading messages after an answer to a rejected one (close once
  // it is written); shutdown_send() with mutex_ held.
  void linger();
  void shutdown_send();
  void touch() { last_activity_.store(stream_now_ms(), std::memory_order_relaxed); }

  const std::shared_ptr<StreamEndpoint> owner_;
  const ConnectionId id_;
  Flow flow_;
  const std::string key_;
  const std::string server_name_;
  std::optional<asio::ip::tcp::socket> plain_;
  SSL* ssl_ = nullptr;    // TLS: OpenSSL on the socket's descriptor
  BioSocket bio_socket_;  // what ssl_'s BIO reads and writes

  // The io_context's thread.
  std::unique_ptr<char[]> head_;  // TCP: what a read takes first (read_tcp)
  std::string partial_;           // a message begun
  std::int64_t partial_since_ = 0;
  int crlf_pairs_ = 0;      // consecutive CRLFs (RFC 5626 §4.4.1 ping)
  bool lingering_ = false;  // linger()
  const std::int64_t created_;
  std::atomic<std::int64_t> last_activity_;
  std::atomic<int> holds_{0};                // transactions carried
  std::atomic<std::int64_t> kept_until_{0};  // keep_until()

  std::mutex mutex_;  // guards the members below
  State state_ = State::kConnecting;
  std::string out_;      // queued, not being written
  std::string sending_;  // being written
  std::size_t queued_ = 0;
  bool writing_ = false;
  bool closing_ = false;  // close once the queue is written
};

// Conversions between Endpoint and Asio's.
asio::ip::tcp::endpoint to_asio(const Endpoint& endpoint);
Endpoint from_asio(const asio::ip::tcp::endpoint& endpoint);

}  // namespace sippet::transport::detail
