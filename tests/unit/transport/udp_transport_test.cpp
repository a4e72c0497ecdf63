#include "../../../src/transport/udp_transport.hpp"

#include "udp_test_support.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace sippet::transport {
namespace {

TEST(UdpTransport, PortZeroGetsARealPort) {
  IoThreads io;
  auto t = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  ASSERT_TRUE(t);
  EXPECT_NE(t->local_endpoint().port(), 0);
  EXPECT_EQ(t->local_endpoint().address_string(), "127.0.0.1");
  EXPECT_EQ(t->protocol(), Protocol::kUdp);
  EXPECT_FALSE(t->reliable());
}

TEST(UdpTransport, SocketBuffersAreEnlarged) {
  IoThreads io;
  UdpOptions options;
  options.receive_buffer_bytes = 1 << 20;
  options.send_buffer_bytes = 1 << 20;
  auto t = open_or_fail(io.io(), Endpoint::loopback_v4(0), options);
  ASSERT_TRUE(t);
  // Linux doubles the value it grants; the default (~208 KiB) is far below.
  EXPECT_GE(t->receive_buffer_bytes(), 1 << 20);
  EXPECT_GE(t->send_buffer_bytes(), 1 << 20);
}

TEST(UdpTransport, BindingABusyPortFails) {
  IoThreads io;
  auto a = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  ASSERT_TRUE(a);
  std::error_code error;
  auto b = UdpTransport::open(io.io(), a->local_endpoint(), error);
  EXPECT_FALSE(b);
  EXPECT_EQ(error, std::errc::address_in_use);
}

TEST(UdpTransport, SendAndReceiveV4BothWays) {
  IoThreads io;
  auto a = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  auto b = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  ASSERT_TRUE(a && b);
  Sink sink_a, sink_b;
  sink_a.attach(*a);
  sink_b.attach(*b);
  a->start();
  b->start();
  ASSERT_FALSE(a->send(b->local_endpoint(), "OPTIONS sip:b SIP/2.0\r\n\r\n"));
  ASSERT_TRUE(sink_b.wait_received(1));
  auto got = sink_b.received();
  EXPECT_EQ(got[0].bytes, "OPTIONS sip:b SIP/2.0\r\n\r\n");
  EXPECT_EQ(got[0].source, a->local_endpoint());
  EXPECT_EQ(got[0].local, b->local_endpoint());
  ASSERT_FALSE(b->send(got[0].source, "SIP/2.0 200 OK\r\n\r\n"));
  ASSERT_TRUE(sink_a.wait_received(1));
  EXPECT_EQ(sink_a.received()[0].bytes, "SIP/2.0 200 OK\r\n\r\n");
  EXPECT_EQ(sink_a.received()[0].source, b->local_endpoint());
}

TEST(UdpTransport, SendAndReceiveV6) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "::1 not available";
  IoThreads io;
  auto a = open_or_fail(io.io(), Endpoint::loopback_v6(0));
  auto b = open_or_fail(io.io(), Endpoint::loopback_v6(0));
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->local_endpoint().is_v6());
  EXPECT_NE(a->local_endpoint().port(), 0);
  Sink sink;
  sink.attach(*b);
  b->start();
  ASSERT_FALSE(a->send(b->local_endpoint(), "hello v6"));
  ASSERT_TRUE(sink.wait_received(1));
  EXPECT_EQ(sink.received()[0].bytes, "hello v6");
  EXPECT_EQ(sink.received()[0].source.to_string(), a->local_endpoint().to_string());
}

TEST(UdpTransport, WildcardBindReportsTheRealLocalAddress) {
  IoThreads io;
  auto server = open_or_fail(io.io(), Endpoint::any_v4(0));
  auto client = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  ASSERT_TRUE(server && client);
  Sink sink;
  sink.attach(*server);
  server->start();
  std::uint16_t port = server->local_endpoint().port();
  ASSERT_FALSE(client->send(Endpoint::loopback_v4(port), "to the wildcard"));
  ASSERT_TRUE(sink.wait_received(1));
  EXPECT_EQ(sink.received()[0].local, Endpoint::loopback_v4(port));
}

TEST(UdpTransport, ManyDatagramsAllArriveInOrder) {
  IoThreads io;
  UdpOptions options;
  options.batch_size = 16;  // several recvmmsg batches
  auto a = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  auto b = open_or_fail(io.io(), Endpoint::loopback_v4(0), options);
  ASSERT_TRUE(a && b);
  Sink sink;
  sink.attach(*b);
  b->start();
  constexpr int kCount = 2000;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_FALSE(a->send(b->local_endpoint(), "message " + std::to_string(i)));
  }
  ASSERT_TRUE(sink.wait_received(kCount)) << sink.received().size();
  auto got = sink.received();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i)
    EXPECT_EQ(got[i].bytes, "message " + std::to_string(i));
}

TEST(UdpTransport, ConcurrentSendsFromSeveralThreadsAllArrive) {
  IoThreads io(2);
  auto sender = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  auto receiver = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  ASSERT_TRUE(sender && receiver);
  Sink sink;
  sink.attach(*receiver);
  receiver->start();
  constexpr int kThreads = 4;
  constexpr int kEach = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        // append(), not operator+: GCC 12 -O3 misreports -Wrestrict on the latter.
        std::string text = "t";
        text.append(std::to_string(t)).append(" n").append(std::to_string(i));
        auto error = sender->send(receiver->local_endpoint(), text);
        EXPECT_FALSE(error) << error.message();
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  ASSERT_TRUE(sink.wait_received(kThreads * kEach)) << sink.received().size();
  std::set<std::string> distinct;
  for (const auto& r : sink.received())
    distinct.insert(r.bytes);
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_TRUE(distinct.count("t3 n499"));
}

class HandlerSends : public ::testing::TestWithParam<bool> {};

TEST_P(HandlerSends, RepliesFromInsideTheReceiveHandlerGoOut) {
  // Sends made by the receive handler: gathered and sent with sendmmsg, or
  // each sent at once (gather_handler_sends = false).
  IoThreads io;
  UdpOptions options;
  options.gather_handler_sends = GetParam();
  auto echo = open_or_fail(io.io(), Endpoint::loopback_v4(0), options);
  auto client = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  ASSERT_TRUE(echo && client);
  UdpTransport* echo_ptr = echo.get();
  echo->set_receive_handler([echo_ptr](std::string_view bytes, const Flow& flow) {
    EXPECT_FALSE(echo_ptr->send(flow.remote, "echo " + std::string(bytes)));
    EXPECT_FALSE(echo_ptr->send(flow.remote, "again " + std::string(bytes)));
  });
  Sink sink;
  sink.attach(*client);
  echo->start();
  client->start();
  constexpr int kCount = 300;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_FALSE(client->send(echo->local_endpoint(), std::to_string(i)));
  }
  ASSERT_TRUE(sink.wait_received(2 * kCount)) << sink.received().size();
  std::set<std::string> distinct;
  for (const auto& r : sink.received())
    distinct.insert(r.bytes);
  EXPECT_EQ(distinct.size(), 2u * kCount);
  EXPECT_TRUE(distinct.count("echo 0"));
  EXPECT_TRUE(distinct.count("again 299"));
}

INSTANTIATE_TEST_SUITE_P(UdpTransport, HandlerSends, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Gathered" : "Direct";
                         });

TEST(UdpTransport, LargeDatagramArrivesWhole) {
  IoThreads io;
  auto a = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  auto b = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  ASSERT_TRUE(a && b);
  Sink sink;
  sink.attach(*b);
  b->start();
  std::string big(60000, 'x');
  big.back() = 'y';
  ASSERT_FALSE(a->send(b->local_endpoint(), big));
  ASSERT_TRUE(sink.wait_received(1));
  EXPECT_EQ(sink.received()[0].bytes, big);
}

TEST(UdpTransport, OversizeDatagramIsRefused) {
  IoThreads io;
  auto a = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  auto b = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  ASSERT_TRUE(a && b);
  Sink sink;
  sink.attach(*b);
  b->start();
  EXPECT_EQ(a->send(b->local_endpoint(), std::string(kMaxDatagramSize + 1, 'x')),
            std::errc::message_size);
  // Over the IPv4 payload limit (65535 - 20 - 8) the kernel refuses too.
  EXPECT_EQ(a->send(b->local_endpoint(), std::string(65520, 'x')), std::errc::message_size);
  // The transport still works afterwards.
  ASSERT_FALSE(a->send(b->local_endpoint(), "small"));
  ASSERT_TRUE(sink.wait_received(1));
  EXPECT_EQ(sink.received()[0].bytes, "small");
}

TEST(UdpTransport, WrongFamilyAndClosedAreRefused) {
  IoThreads io;
  auto a = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->send(Endpoint::loopback_v6(5060), "x"), std::errc::address_family_not_supported);
  a->close();
  EXPECT_EQ(a->send(Endpoint::loopback_v4(5060), "x"), std::errc::bad_file_descriptor);
}

TEST(UdpTransport, PortUnreachableReachesTheErrorHandlerOnce) {
  // RFC 3261 §18.4 / RFC 1122 §4.1.3.3: the ICMP error reported for an
  // unconnected socket (IP_RECVERR) names the failed destination.
  IoThreads io;
  auto a = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  auto b = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  ASSERT_TRUE(a && b);
  Sink sink_a, sink_b;
  sink_a.attach(*a);
  sink_b.attach(*b);
  a->start();
  b->start();
  Endpoint nobody = closed_port(Endpoint::loopback_v4(0));
  ASSERT_FALSE(a->send(nobody, "INVITE sip:nobody SIP/2.0\r\n\r\n"));
  ASSERT_TRUE(sink_a.wait_errors(1));
  auto errors = sink_a.errors();
  EXPECT_EQ(errors[0].first, nobody);
  EXPECT_EQ(errors[0].second, std::errc::connection_refused);
  // Later traffic flows both ways and the error is not reported again.
  expect_ping_pong(*a, sink_a, *b, sink_b);
  EXPECT_EQ(sink_a.errors().size(), 1u);
}

TEST(UdpTransport, PortUnreachableV6) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "::1 not available";
  IoThreads io;
  auto a = open_or_fail(io.io(), Endpoint::loopback_v6(0));
  ASSERT_TRUE(a);
  Sink sink;
  sink.attach(*a);
  a->start();
  Endpoint nobody = closed_port(Endpoint::loopback_v6(0));
  ASSERT_FALSE(a->send(nobody, "hello?"));
  ASSERT_TRUE(sink.wait_errors(1));
  EXPECT_EQ(sink.errors()[0].first, nobody);
  EXPECT_EQ(sink.errors()[0].second, std::errc::connection_refused);
}

TEST(UdpTransport, CloseStopsDelivery) {
  IoThreads io;
  auto a = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  auto b = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  ASSERT_TRUE(a && b);
  Sink sink;
  sink.attach(*b);
  b->start();
  ASSERT_FALSE(a->send(b->local_endpoint(), "before"));
  ASSERT_TRUE(sink.wait_received(1));
  b->close();
  b->close();  // idempotent
  ASSERT_FALSE(a->send(b->local_endpoint(), "after"));
  // Give the io_context a chance to run anything pending, then check.
  auto c = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  Sink sink_c;
  sink_c.attach(*c);
  c->start();
  ASSERT_FALSE(a->send(c->local_endpoint(), "marker"));
  ASSERT_TRUE(sink_c.wait_received(1));
  EXPECT_EQ(sink.received().size(), 1u);
}

TEST(UdpTransport, SeveralSocketsShareAPortWithReusePort) {
  IoThreads io;
  UdpOptions options;
  options.reuse_port = true;
  auto first = open_or_fail(io.io(), Endpoint::loopback_v4(0), options);
  ASSERT_TRUE(first);
  auto second = open_or_fail(io.io(), first->local_endpoint(), options);
  ASSERT_TRUE(second);
  EXPECT_EQ(first->local_endpoint(), second->local_endpoint());
}

}  // namespace
}  // namespace sippet::transport

namespace sippet::transport {
namespace {

TEST(UdpTransportLifetime, DestroyedAfterTheIoContextStopped) {
  // The stack's shutdown order: close, stop the io_context, join, destroy.
  auto io = std::make_unique<IoThreads>();
  auto t = open_or_fail(io->io(), Endpoint::loopback_v4(0));
  ASSERT_TRUE(t);
  Sink sink;
  sink.attach(*t);
  t->start();
  ASSERT_FALSE(t->send(t->local_endpoint(), "to myself"));
  ASSERT_TRUE(sink.wait_received(1));
  t->close();
  io->stop();
  t.reset();
  io.reset();  // pending operations (holding the socket) go with the io_context
}

TEST(UdpTransportLifetime, NeverRunIoContext) {
  asio::io_context io;
  std::error_code error;
  auto t = UdpTransport::open(io, Endpoint::loopback_v4(0), error);
  ASSERT_TRUE(t) << error.message();
  t->set_receive_handler([](std::string_view, const Flow&) {});
  t->start();
  EXPECT_FALSE(t->send(t->local_endpoint(), "queued in the kernel"));
  t.reset();
}

TEST(UdpTransportLifetime, HandlerMayCloseItsTransport) {
  IoThreads io;
  auto a = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  auto b = open_or_fail(io.io(), Endpoint::loopback_v4(0));
  ASSERT_TRUE(a && b);
  std::atomic<int> calls{0};
  std::promise<void> first_call;
  UdpTransport* b_ptr = b.get();
  b->set_receive_handler([&](std::string_view, const Flow&) {
    b_ptr->close();
    if (++calls == 1) first_call.set_value();
  });
  b->start();
  for (int i = 0; i < 10; ++i)
    ASSERT_FALSE(a->send(b->local_endpoint(), "x"));
  // The ten datagrams are in b's receive queue: the first is delivered and
  // its handler closes b.
  ASSERT_EQ(first_call.get_future().wait_for(kDeadline), std::future_status::ready);
  // Joining the io_context thread lets whatever b was running (the rest of
  // the batch that first datagram came in) return, and nothing can run
  // after it: every handler call b would ever make has been made.
  io.stop();
  // The other nine were never delivered: the loop stops at close().
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace sippet::transport

namespace sippet::transport {
namespace {

TEST(UdpTransportReusePort, IcmpErrorReachesTheSenderWhicheverSocketGotIt) {
  // With SO_REUSEPORT the kernel picks the socket that receives an ICMP error
  // by hash, often not the sender: every member of the group reports it.
  IoThreads io_a;
  IoThreads io_b;
  UdpOptions options;
  options.reuse_port = true;
  auto a = open_or_fail(io_a.io(), Endpoint::loopback_v4(0), options);
  ASSERT_TRUE(a);
  auto b = open_or_fail(io_b.io(), a->local_endpoint(), options);
  ASSERT_TRUE(b);
  Sink sink_a, sink_b;
  sink_a.attach(*a);
  sink_b.attach(*b);
  a->start();
  b->start();
  constexpr int kSends = 12;
  std::vector<Endpoint> sent_by_a, sent_by_b;
  for (int i = 0; i < kSends; ++i) {
    Endpoint nobody = closed_port(Endpoint::loopback_v4(0));
    UdpTransport& sender = i % 2 == 0 ? *a : *b;
    (i % 2 == 0 ? sent_by_a : sent_by_b).push_back(nobody);
    ASSERT_FALSE(sender.send(nobody, "INVITE"));
    // Every error reaches both members: wait for this one on both.
    ASSERT_TRUE(sink_a.wait_errors(i + 1)) << i;
    ASSERT_TRUE(sink_b.wait_errors(i + 1)) << i;
  }
  auto has = [](Sink& sink, const Endpoint& destination) {
    for (const auto& [where, error] : sink.errors()) {
      if (where == destination && error == std::errc::connection_refused) return true;
    }
    return false;
  };
  for (const auto& d : sent_by_a)
    EXPECT_TRUE(has(sink_a, d)) << d.to_string();
  for (const auto& d : sent_by_b)
    EXPECT_TRUE(has(sink_b, d)) << d.to_string();
  EXPECT_EQ(sink_a.errors().size(), static_cast<std::size_t>(kSends));
  EXPECT_EQ(sink_b.errors().size(), static_cast<std::size_t>(kSends));
}

}  // namespace
}  // namespace sippet::transport

namespace sippet::transport {
namespace {

// single_threaded_io: no strand (one thread runs the io_context). Receiving
// in order, handler replies, and a burst larger than the socket buffers
// (the backlog path waits for writability) must all work as with the strand.
TEST(UdpTransportSingleThreadedIo, ReceivesInOrderRepliesAndDrainsABacklog) {
  IoThreads io;  // one thread
  UdpOptions options;
  options.single_threaded_io = true;
  options.batch_size = 8;
  options.send_buffer_bytes = 4096;  // small: a burst must queue
  options.receive_buffer_bytes = 1 << 20;
  expect_echo_of_a_burst(io, options, options);
}

}  // namespace
}  // namespace sippet::transport
