#pragma once
// Helpers of the TCP and TLS transport tests: a sink for every handler, a
// plain blocking socket client, a factory with small limits.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sippet/transport/transport_factory.hpp"
#include "udp_test_support.hpp"

namespace sippet::transport {
namespace {

struct StreamReceived {
  std::string bytes;
  Flow flow;
};
struct StreamFailure {
  Flow flow;
  std::error_code error;
};
struct StreamRejected {
  std::string head;
  Flow flow;
  int status;
};

// Collects what a transport hands to its handlers. `answer_rejects`: a
// rejected message is answered "SIP/2.0 <status> ..." on its flow.
class StreamSink {
 public:
  void attach(Transport& transport, bool answer_rejects = true) {
    transport_ = &transport;
    transport.set_receive_handler([this](std::string_view bytes, const Flow& flow) {
      std::lock_guard lock(mutex_);
      received_.push_back({std::string(bytes), flow});
      changed_.notify_all();
    });
    transport.set_error_handler([this](const Flow& flow, std::error_code error) {
      std::lock_guard lock(mutex_);
      errors_.push_back({flow, error});
      changed_.notify_all();
    });
    transport.set_reject_handler([this, answer_rejects](std::string_view head, const Flow& flow,
                                                        const message::Error& e) {
      if (answer_rejects)
        (void)transport_->send(
            flow, "SIP/2.0 " + std::to_string(e.status) + " Rejected\r\nContent-Length: 0\r\n\r\n");
      std::lock_guard lock(mutex_);
      rejected_.push_back({std::string(head), flow, e.status});
      changed_.notify_all();
    });
  }
  bool wait_received(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kDeadline, [&] { return received_.size() >= count; });
  }
  bool wait_errors(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kDeadline, [&] { return errors_.size() >= count; });
  }
  bool wait_rejected(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kDeadline, [&] { return rejected_.size() >= count; });
  }
  std::vector<StreamReceived> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  std::vector<StreamFailure> errors() {
    std::lock_guard lock(mutex_);
    return errors_;
  }
  std::vector<StreamRejected> rejected() {
    std::lock_guard lock(mutex_);
    return rejected_;
  }

 private:
  Transport* transport_ = nullptr;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<StreamReceived> received_;
  std::vector<StreamFailure> errors_;
  std::vector<StreamRejected> rejected_;
};

// A blocking TCP client socket (the peer a test plays), reads bounded by
// kDeadline.
class RawClient {
 public:
  // `from`: the local address to connect from (any port), else the kernel's
  // choice; connected() is false when it cannot be bound.
  explicit RawClient(const Endpoint& server, const std::optional<Endpoint>& from = std::nullopt) {
    fd_ = ::socket(server.is_v4() ? AF_INET : AF_INET6, SOCK_STREAM, 0);
    if (from) {
      sockaddr_storage local{};
      auto local_length = static_cast<socklen_t>(from->to_sockaddr(local));
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), local_length) != 0) return;
    }
    timeval timeout{static_cast<time_t>(kDeadline.count()), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_storage address{};
    auto length = static_cast<socklen_t>(server.to_sockaddr(address));
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), length) == 0;
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }
  Endpoint local() const {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    return *Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&address), length);
  }
  bool write(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // Reads until `text` was read (true) or the peer closed / the deadline.
  bool read_until(std::string_view text) {
    while (buffer_.find(text) == std::string::npos) {
      if (!read_some()) return false;
    }
    return true;
  }
  // True when the peer closes (end of stream or reset) before the deadline.
  bool read_until_closed() {
    while (read_some()) {
    }
    return closed_;
  }
  const std::string& buffer() const { return buffer_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  bool read_some() {
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    closed_ = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    return false;
  }
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buffer_;
};

// Limits small enough that a test sees each one act within milliseconds.
inline StreamLimits test_limits() {
  StreamLimits limits;
  limits.max_message_size = 4096;
  limits.max_connections = 64;
  limits.idle_timeout = std::chrono::milliseconds(2000);
  limits.partial_message_timeout = std::chrono::milliseconds(100);
  limits.handshake_timeout = std::chrono::milliseconds(300);
  limits.max_queued_bytes = 64 * 1024;
  return limits;
}

inline std::shared_ptr<TransportFactory> stream_factory(const StreamLimits& limits,
                                                        const TlsConfig& tls = {}) {
  SocketTransportOptions options;
  options.stream = limits;
  options.tls = tls;
  auto factory = make_socket_transport_factory(options);
  EXPECT_TRUE(factory) << factory.error().reason;
  return *factory;
}

inline std::unique_ptr<Transport> open_stream(TransportFactory& factory, asio::io_context& io,
                                              Protocol protocol, const Endpoint& local) {
  auto opened = factory.open(io, protocol, local, OpenOptions{});
  EXPECT_TRUE(opened) << opened.error().reason;
  return opened ? std::move(*opened) : nullptr;
}

// A SIP message of `body_size` body octets with Content-Length.
inline std::string sip_message(std::string_view call_id, std::size_t body_size = 0) {
  std::string body(body_size, 'x');
  return "OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
         "Via: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK-" +
         std::string(call_id) +
         "\r\n"
         "From: <sip:alice@127.0.0.1>;tag=1\r\n"
         "To: <sip:bob@127.0.0.1>\r\n"
         "Call-ID: " +
         std::string(call_id) +
         "\r\n"
         "CSeq: 1 OPTIONS\r\n"
         "Max-Forwards: 70\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Open descriptors of this process.
inline std::size_t open_descriptors() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    ++count;
  return count;
}

}  // namespace
}  // namespace sippet::transport
