// UdpOptions::receive_thread: the socket is read by a thread of the
// transport's own, blocked in recvmmsg(MSG_WAITFORONE), instead of through
// the io_context's epoll reactor. The same behaviour is expected: order,
// replies gathered from the handler, the send backlog, ICMP errors reported
// once (RFC 3261 §18.4), IPv6, close() waking and joining the thread.
#include <asio/post.hpp>
#include <atomic>
#include <future>
#include <string>
#include <thread>

#include "../../../src/transport/udp_transport.hpp"
#include "udp_test_support.hpp"

namespace sippet::transport {
namespace {

// True when a socket of our own can bind `endpoint`: nothing holds it.
bool port_is_free(const Endpoint& endpoint) {
  int fd = ::socket(endpoint.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  sockaddr_storage address;
  std::size_t length = endpoint.to_sockaddr(address);
  bool bound =
      ::bind(fd, reinterpret_cast<sockaddr*>(&address), static_cast<socklen_t>(length)) == 0;
  ::close(fd);
  return bound;
}

UdpOptions threaded(UdpOptions options = {}) {
  options.receive_thread = true;
  options.single_threaded_io = true;  // as the stack's workers use it
  return options;
}

TEST(UdpReceiveThread, ReceivesInOrderOnItsOwnThread) {
  IoThreads io;
  auto a = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  auto b = open_or_fail(io.io(), Endpoint::loopback_v4(0), threaded());
  ASSERT_TRUE(a && b);
  Sink sink;
  std::atomic<bool> on_io_thread{false};
  std::promise<std::thread::id> io_thread_promise;
  asio::post(io.io(), [&] { io_thread_promise.set_value(std::this_thread::get_id()); });
  const std::thread::id io_thread = io_thread_promise.get_future().get();
  std::mutex mutex;
  std::vector<std::string> got;
  b->set_receive_handler([&](std::string_view bytes, const Flow& flow) {
    if (std::this_thread::get_id() == io_thread) on_io_thread = true;
    EXPECT_EQ(flow.remote, a->local_endpoint());
    std::lock_guard lock(mutex);
    got.emplace_back(bytes);
  });
  b->start();
  constexpr int kCount = 2000;  // several recvmmsg batches
  for (int i = 0; i < kCount; ++i)
    ASSERT_FALSE(a->send(b->local_endpoint(), std::to_string(i)));
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  for (;;) {
    {
      std::lock_guard lock(mutex);
      if (got.size() >= kCount) break;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << got.size();
    std::this_thread::sleep_for(1ms);
  }
  b->close();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i)
    EXPECT_EQ(got[i], std::to_string(i));
  EXPECT_FALSE(on_io_thread.load());
}

TEST(UdpReceiveThread, RepliesFromTheHandlerAndABacklogAllGoOut) {
  IoThreads io;
  UdpOptions options = threaded();
  options.batch_size = 8;
  options.send_buffer_bytes = 4096;  // small: replies must queue (backlog path)
  expect_echo_of_a_burst(io, options, threaded());
}

TEST(UdpReceiveThread, PortUnreachableReachesTheErrorHandlerOnce) {
  IoThreads io;
  auto a = open_or_fail(io.io(), Endpoint::loopback_v4(0), threaded());
  auto b = open_or_fail(io.io(), Endpoint::loopback_v4(0), threaded());
  ASSERT_TRUE(a && b);
  Sink sink_a, sink_b;
  sink_a.attach(*a);
  sink_b.attach(*b);
  a->start();
  b->start();
  Endpoint nobody = closed_port(Endpoint::loopback_v4(0));
  ASSERT_FALSE(a->send(nobody, "INVITE sip:nobody SIP/2.0\r\n\r\n"));
  ASSERT_TRUE(sink_a.wait_errors(1));
  EXPECT_EQ(sink_a.errors()[0].first, nobody);
  EXPECT_EQ(sink_a.errors()[0].second, std::errc::connection_refused);
  // A second one, then traffic both ways: each error reported once.
  ASSERT_FALSE(a->send(nobody, "again"));
  ASSERT_TRUE(sink_a.wait_errors(2));
  expect_ping_pong(*a, sink_a, *b, sink_b);
  EXPECT_EQ(sink_a.errors().size(), 2u);
}

TEST(UdpReceiveThread, SendAndReceiveV6) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "::1 not available";
  IoThreads io;
  auto a = open_or_fail(io.io(), Endpoint::loopback_v6(0), threaded());
  auto b = open_or_fail(io.io(), Endpoint::loopback_v6(0), threaded());
  ASSERT_TRUE(a && b);
  Sink sink;
  sink.attach(*b);
  b->start();
  ASSERT_FALSE(a->send(b->local_endpoint(), "over v6"));
  ASSERT_TRUE(sink.wait_received(1));
  EXPECT_EQ(sink.received()[0].bytes, "over v6");
  EXPECT_EQ(sink.received()[0].source, a->local_endpoint());
}

TEST(UdpReceiveThread, CloseWakesTheBlockedThreadAndStopsDelivery) {
  IoThreads io;
  auto a = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  auto b = open_or_fail(io.io(), Endpoint::loopback_v4(0), threaded());
  ASSERT_TRUE(a && b);
  Sink sink;
  sink.attach(*b);
  b->start();
  ASSERT_FALSE(a->send(b->local_endpoint(), "before"));
  ASSERT_TRUE(sink.wait_received(1));
  // The thread is blocked in recvmmsg() again: close() wakes and joins it.
  const auto start = std::chrono::steady_clock::now();
  b->close();
  EXPECT_LT(std::chrono::steady_clock::now() - start, kDeadline);
  b->close();  // idempotent
  ASSERT_FALSE(a->send(b->local_endpoint(), "after"));
  EXPECT_EQ(b->send(a->local_endpoint(), "x"), std::errc::bad_file_descriptor);
  EXPECT_EQ(sink.received().size(), 1u);  // close() joined: nothing can come later
}

TEST(UdpReceiveThread, HandlerMayCloseAndDestroyItsTransport) {
  IoThreads io;
  auto a = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  auto b = open_or_fail(io.io(), Endpoint::loopback_v4(0), threaded());
  ASSERT_TRUE(a && b);
  std::atomic<int> calls{0};
  std::mutex mutex;
  std::unique_ptr<UdpTransport> owned = std::move(b);
  const Endpoint b_endpoint = owned->local_endpoint();
  owned->set_receive_handler([&](std::string_view, const Flow&) {
    ++calls;
    std::lock_guard lock(mutex);
    owned.reset();  // close() from the receive thread itself, then destroyed
  });
  owned->start();
  for (int i = 0; i < 10; ++i)
    ASSERT_FALSE(a->send(b_endpoint, "x"));
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  for (;;) {
    {
      std::lock_guard lock(mutex);
      if (!owned) break;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::sleep_for(1ms);
  }
  // After the handler returns, the receive thread hands its reference to
  // the io_context, which destroys the rest of the transport there (joining
  // the thread, closing the socket). Wait for that, the port bound again,
  // before the io_context is stopped and destroyed: with it gone first, the
  // release would be destroyed with the io_context's queue, after the
  // services the transport's Asio objects need.
  while (!port_is_free(b_endpoint)) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::sleep_for(1ms);
  }
  // The other datagrams were never delivered: the loop stops at close().
  EXPECT_EQ(calls.load(), 1);
}

TEST(UdpReceiveThread, DestroyedWithoutStartOrAfterTheIoContextStopped) {
  {
    IoThreads io;
    auto never_started = open_or_fail(io.io(), Endpoint::loopback_v4(0), threaded());
    ASSERT_TRUE(never_started);
  }
  IoThreads io;
  auto t = open_or_fail(io.io(), Endpoint::loopback_v4(0), threaded());
  ASSERT_TRUE(t);
  t->start();
  io.stop();
  t.reset();  // joins the receive thread; the io_context no longer runs
}

}  // namespace
}  // namespace sippet::transport
