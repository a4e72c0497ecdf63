// The metrics HTTP server (http_server.hpp): one io_context thread, a list
// of connections oldest first, each with one deadline timer.
#include "sippet/metrics/http_server.hpp"

#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include <array>
#include <list>
#include <mutex>
#include <thread>

#include "http_request.hpp"

namespace sippet::metrics {

namespace {

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

std::string response_head(int status, std::string_view content_type, std::size_t length,
                          bool allow) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
  head += "Content-Type: ";
  head += content_type;
  head += "\r\nContent-Length: " + std::to_string(length) + "\r\n";
  if (allow) head += "Allow: GET, HEAD\r\n";
  head += "Connection: close\r\n\r\n";
  return head;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, Body body)
      : options_(std::move(options)), body_(std::move(body)), acceptor_(io_), retry_(io_) {}

  message::Result<void> open();
  void run() {
    thread_ = std::thread([this] { io_.run(); });
  }
  void stop();
  transport::Endpoint local_endpoint() const { return bound_; }
  HttpServerStats stats() const {
    std::lock_guard lock(stats_mutex_);
    return stats_;
  }

 private:
  enum class Phase { kReading, kWriting, kLingering };
  struct Connection {
    explicit Connection(asio::io_context& io, asio::ip::tcp::socket&& s)
        : socket(std::move(s)), deadline(io) {}
    asio::ip::tcp::socket socket;
    asio::steady_timer deadline;
    Phase phase = Phase::kReading;
    std::string received;
    HeadScanner scanner;
    std::string response;
    std::array<char, 2048> buffer;
    bool closed = false;
    std::list<std::shared_ptr<Connection>>::iterator position;
  };
  using Pointer = std::shared_ptr<Connection>;

  void accept();
  void admit(asio::ip::tcp::socket&& socket);
  void arm(const Pointer& connection);
  void read(const Pointer& connection);
  void on_read(const Pointer& connection, std::size_t n);
  void respond(const Pointer& connection, int status, bool with_body = true);
  void linger(const Pointer& connection);
  void close(const Pointer& connection);
  void count(std::uint64_t HttpServerStats::*field) {
    std::lock_guard lock(stats_mutex_);
    ++(stats_.*field);
  }

  HttpServerOptions options_;
  Body body_;
  asio::io_context io_{1};
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer retry_;  // accept again after an error (e.g. EMFILE)
  transport::Endpoint bound_;
  std::thread thread_;
  std::list<Pointer> connections_;  // oldest first
  mutable std::mutex stats_mutex_;
  HttpServerStats stats_;
  bool stopped_ = false;
};

message::Result<void> HttpServer::Impl::open() {
  const std::string name = "tcp:" + options_.listen.to_string();
  std::error_code error;
  auto fail = [&](const std::error_code& e) -> message::Result<void> {
    return message::Error{message::ErrorKind::kInvalidArgument, 0, 0, name + ": " + e.message()};
  };
  const auto address = asio::ip::make_address(options_.listen.address_string(), error);
  if (error) return fail(error);
  const asio::ip::tcp::endpoint endpoint(address, options_.listen.port());
  acceptor_.open(endpoint.protocol(), error);
  if (!error) acceptor_.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) return fail(error);
  const auto local = acceptor_.local_endpoint(error);
  if (error) return fail(error);
  bound_ = options_.listen;
  bound_.set_port(local.port());
  accept();
  return {};
}

void HttpServer::Impl::stop() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    stopped_ = true;
    std::error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
    while (!connections_.empty())
      close(connections_.front());
  });
  thread_.join();
}

void HttpServer::Impl::accept() {
  acceptor_.async_accept([this](std::error_code error, asio::ip::tcp::socket socket) {
    if (stopped_ || error == asio::error::operation_aborted) return;
    if (error) {
      // Out of descriptors or memory: try again a little later, not in a loop.
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([this](std::error_code e) {
        if (!e && !stopped_) accept();
      });
      return;
    }
    admit(std::move(socket));
    accept();
  });
}

void HttpServer::Impl::admit(asio::ip::tcp::socket&& socket) {
  count(&HttpServerStats::accepted);
  if (connections_.size() >= options_.max_connections) {
    // At the cap: the oldest connection still sending its request (or
    // lingering after its response) makes room; none: refuse this one.
    Pointer oldest;
    for (const auto& c : connections_) {
      if (c->phase != Phase::kWriting) {
        oldest = c;
        break;
      }
    }
    count(&HttpServerStats::evicted);
    if (!oldest) {
      std::error_code ignored;
      socket.close(ignored);
      return;
    }
    close(oldest);
  }
  auto connection = std::make_shared<Connection>(io_, std::move(socket));
  connection->received.reserve(1024);
  connections_.push_back(connection);
  connection->position = std::prev(connections_.end());
  arm(connection);
  read(connection);
}

void HttpServer::Impl::arm(const Pointer& connection) {
  connection->deadline.expires_after(options_.timeout);
  connection->deadline.async_wait([this, connection](std::error_code error) {
    if (error || connection->closed) return;
    if (connection->phase != Phase::kLingering) count(&HttpServerStats::timed_out);
    close(connection);
  });
}

void HttpServer::Impl::read(const Pointer& connection) {
  connection->socket.async_read_some(asio::buffer(connection->buffer),
                                     [this, connection](std::error_code error, std::size_t n) {
                                       if (connection->closed) return;
                                       if (error) {
                                         close(connection);  // the client went away (or reset)
                                         return;
                                       }
                                       on_read(connection, n);
                                     });
}

void HttpServer::Impl::on_read(const Pointer& connection, std::size_t n) {
  if (connection->phase == Phase::kLingering) {
    read(connection);  // discarded, until the client closes or the deadline
    return;
  }
  connection->received.append(connection->buffer.data(), n);
  const HeadStatus status = connection->scanner.scan(connection->received);
  if (status == HeadStatus::kGarbage) return respond(connection, 400);
  if (status == HeadStatus::kIncomplete) {
    if (connection->received.size() > options_.max_request) return respond(connection, 431);
    return read(connection);
  }
  if (connection->scanner.length() > options_.max_request) return respond(connection, 431);
  const Request request =
      parse_head(std::string_view(connection->received).substr(0, connection->scanner.length()));
  if (request.status != 0) return respond(connection, request.status);
  const bool head = request.method == "HEAD";
  if (request.method != "GET" && !head) return respond(connection, 405);
  if (request.path != options_.path) return respond(connection, 404, !head);
  respond(connection, 200, !head);
}

void HttpServer::Impl::respond(const Pointer& connection, int status, bool with_body) {
  std::string body;
  std::string_view type = "text/plain; charset=utf-8";
  if (status == 200) {
    body = body_.text();
    type = body_.content_type;
    count(&HttpServerStats::served);
  } else {
    body = std::to_string(status) + " " + reason_phrase(status) + "\n";
    count(&HttpServerStats::rejected);
  }
  connection->response = response_head(status, type, body.size(), status == 405);
  if (with_body) connection->response += body;
  connection->phase = Phase::kWriting;
  arm(connection);  // the response must leave within the timeout too
  asio::async_write(connection->socket, asio::buffer(connection->response),
                    [this, connection](std::error_code error, std::size_t) {
                      if (connection->closed) return;
                      if (error) return close(connection);
                      linger(connection);
                    });
}

void HttpServer::Impl::linger(const Pointer& connection) {
  // Closing with unread octets would reset the connection, and the client
  // could lose the response: send FIN, then read and drop what comes until
  // the client closes, within the timeout.
  connection->phase = Phase::kLingering;
  connection->response.clear();
  connection->received.clear();
  std::error_code ignored;
  connection->socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  arm(connection);
  read(connection);
}

void HttpServer::Impl::close(const Pointer& connection) {
  if (connection->closed) return;
  connection->closed = true;
  std::error_code ignored;
  connection->deadline.cancel();
  connection->socket.close(ignored);
  connections_.erase(connection->position);
}

// ---- HttpServer -------------------------------------------------------------------

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  stop();
}

message::Result<std::unique_ptr<HttpServer>> HttpServer::start(HttpServerOptions options,
                                                               Body body) {
  auto impl = std::make_unique<Impl>(std::move(options), std::move(body));
  if (auto opened = impl->open(); !opened) return opened.error();
  impl->run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

transport::Endpoint HttpServer::local_endpoint() const {
  return impl_->local_endpoint();
}

HttpServerStats HttpServer::stats() const {
  return impl_->stats();
}

void HttpServer::stop() {
  impl_->stop();
}

}  // namespace sippet::metrics
