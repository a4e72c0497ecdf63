#pragma once
// Helpers shared by the UDP transport tests: a handler sink, io_context
// threads, and loopback endpoints (port 0, a closed port).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../../../src/transport/udp_transport.hpp"

namespace sippet::transport {
namespace {

using namespace std::chrono_literals;

// Network events (not SIP timers) get a generous deadline on a loaded machine.
constexpr auto kDeadline = 10s;

struct Received {
  std::string bytes;
  Endpoint source;
  Endpoint local;
};

// Collects what a transport hands to its handlers, from the io_context thread.
class Sink {
 public:
  void attach(Transport& transport) {
    transport.set_receive_handler([this](std::string_view bytes, const Flow& flow) {
      std::lock_guard lock(mutex_);
      received_.push_back({std::string(bytes), flow.remote, flow.local});
      changed_.notify_all();
    });
    transport.set_error_handler([this](const Flow& flow, std::error_code error) {
      std::lock_guard lock(mutex_);
      errors_.emplace_back(flow.remote, error);
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
  std::vector<Received> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  std::vector<std::pair<Endpoint, std::error_code>> errors() {
    std::lock_guard lock(mutex_);
    return errors_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Received> received_;
  std::vector<std::pair<Endpoint, std::error_code>> errors_;
};

// An io_context run by `threads` threads for the duration of a test.
class IoThreads {
 public:
  explicit IoThreads(int threads = 1) : guard_(asio::make_work_guard(io_)) {
    for (int i = 0; i < threads; ++i)
      threads_.emplace_back([this] { io_.run(); });
  }
  ~IoThreads() { stop(); }
  void stop() {
    guard_.reset();
    io_.stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  asio::io_context& io() { return io_; }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
};

inline std::unique_ptr<UdpTransport> open_or_fail(asio::io_context& io, const Endpoint& local,
                                                  UdpOptions options = {}) {
  std::error_code error;
  auto transport = UdpTransport::open(io, local, error, options);
  EXPECT_TRUE(transport) << local.to_string() << ": " << error.message();
  EXPECT_FALSE(error);
  return transport;
}

inline bool ipv6_loopback_available() {
  int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

// A loopback port nobody listens on: bound by a plain socket, then closed.
inline Endpoint closed_port(const Endpoint& loopback) {
  int fd = ::socket(loopback.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM, 0);
  sockaddr_storage address;
  std::size_t length = loopback.to_sockaddr(address);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), static_cast<socklen_t>(length)), 0);
  socklen_t bound_length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &bound_length);
  ::close(fd);
  auto bound = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&address), bound_length);
  EXPECT_TRUE(bound.has_value());
  return bound.value_or(loopback);
}

// "ping" from `a` reaches `b`, "pong" from `b` reaches `a` (each sink had
// received nothing before): traffic flows both ways.
inline void expect_ping_pong(UdpTransport& a, Sink& sink_a, UdpTransport& b, Sink& sink_b) {
  ASSERT_FALSE(a.send(b.local_endpoint(), "ping"));
  ASSERT_TRUE(sink_b.wait_received(1));
  ASSERT_FALSE(b.send(a.local_endpoint(), "pong"));
  ASSERT_TRUE(sink_a.wait_received(1));
  EXPECT_EQ(sink_a.received()[0].bytes, "pong");
}

// An echo transport (`echo_options`) answers from its ReceiveHandler each of
// 1000 datagrams of 200+ octets a client (`client_options`) sends it: every
// answer must come back, in order, whatever path the sends take (direct, or
// the backlog when the echo's send buffer is small).
inline void expect_echo_of_a_burst(IoThreads& io, const UdpOptions& echo_options,
                                   const UdpOptions& client_options) {
  auto echo = open_or_fail(io.io(), Endpoint::loopback_v4(0), echo_options);
  auto client = open_or_fail(io.io(), Endpoint::loopback_v4(0), client_options);
  ASSERT_TRUE(echo && client);
  UdpTransport* echo_ptr = echo.get();
  echo->set_receive_handler([echo_ptr](std::string_view bytes, const Flow& flow) {
    EXPECT_FALSE(echo_ptr->send(flow.remote, "echo " + std::string(bytes)));
  });
  Sink sink;
  sink.attach(*client);
  echo->start();
  client->start();
  constexpr int kCount = 1000;
  const std::string padding(200, 'x');
  for (int i = 0; i < kCount; ++i)
    ASSERT_FALSE(client->send(echo->local_endpoint(), std::to_string(i) + " " + padding));
  ASSERT_TRUE(sink.wait_received(kCount)) << sink.received().size();
  auto got = sink.received();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i)
    EXPECT_EQ(got[i].bytes, "echo " + std::to_string(i) + " " + padding);
}

}  // namespace
}  // namespace sippet::transport
