// The TCP transport on loopback: framing (every split point, pipelining,
// keep-alives), limits (size, connections, timeouts, queued bytes), bad
// input, outbound connections and their reuse, failures reported once.
#include <gtest/gtest.h>

#include <thread>

#include "stream_test_support.hpp"

namespace sippet::transport {
namespace {

class TcpTransportTest : public ::testing::Test {
 protected:
  void SetUp() override { open_server(test_limits()); }
  void open_server(const StreamLimits& limits) {
    server_.reset();
    factory_ = stream_factory(limits);
    server_ = open_stream(*factory_, io_.io(), Protocol::kTcp, Endpoint::loopback_v4(0));
    ASSERT_TRUE(server_);
    sink_.attach(*server_);
    server_->start();
  }
  void TearDown() override {
    if (server_) server_->close();
    io_.stop();
  }
  Endpoint address() const { return server_->local_endpoint(); }

  IoThreads io_;
  std::shared_ptr<TransportFactory> factory_;
  std::unique_ptr<Transport> server_;
  StreamSink sink_;
};

TEST_F(TcpTransportTest, ReceivesOneMessageWithItsConnectionFlow) {
  RawClient client(address());
  ASSERT_TRUE(client.connected());
  const std::string message = sip_message("one", 10);
  ASSERT_TRUE(client.write(message));
  ASSERT_TRUE(sink_.wait_received(1));
  auto got = sink_.received()[0];
  EXPECT_EQ(got.bytes, message);
  EXPECT_EQ(got.flow.protocol, Protocol::kTcp);
  EXPECT_NE(got.flow.connection, 0u);
  EXPECT_EQ(got.flow.remote, client.local());
  EXPECT_EQ(got.flow.local, address());
  EXPECT_TRUE(got.flow.reliable());
}

TEST_F(TcpTransportTest, EverySplitPointOfARealMessageFramesIt) {
  RawClient client(address());
  ASSERT_TRUE(client.connected());
  const std::string message = sip_message("split", 37);
  for (std::size_t split = 1; split < message.size(); ++split) {
    ASSERT_TRUE(client.write(std::string_view(message).substr(0, split)));
    ASSERT_TRUE(client.write(std::string_view(message).substr(split)));
  }
  ASSERT_TRUE(sink_.wait_received(message.size() - 1));
  auto got = sink_.received();
  ASSERT_EQ(got.size(), message.size() - 1);
  for (const auto& one : got) {
    EXPECT_EQ(one.bytes, message);
    EXPECT_EQ(one.flow.connection, got[0].flow.connection);
  }
}

TEST_F(TcpTransportTest, ByteByByte) {
  RawClient client(address());
  const std::string message = sip_message("bytes", 5);
  for (char c : message)
    ASSERT_TRUE(client.write(std::string_view(&c, 1)));
  ASSERT_TRUE(sink_.wait_received(1));
  EXPECT_EQ(sink_.received()[0].bytes, message);
}

TEST_F(TcpTransportTest, PipelinedMessagesInOneWriteArriveInOrder) {
  RawClient client(address());
  const std::string a = sip_message("a", 3), b = sip_message("b"), c = sip_message("c", 100);
  ASSERT_TRUE(client.write("\r\n" + a + b + c));
  ASSERT_TRUE(sink_.wait_received(3));
  auto got = sink_.received();
  EXPECT_EQ(got[0].bytes, a);
  EXPECT_EQ(got[1].bytes, b);
  EXPECT_EQ(got[2].bytes, c);
}

TEST_F(TcpTransportTest, DoubleCrlfPingGetsACrlfPong) {
  RawClient client(address());
  ASSERT_TRUE(client.write("\r\n\r\n"));
  ASSERT_TRUE(client.read_until("\r\n"));
  EXPECT_EQ(client.buffer(), "\r\n");
  // A ping split over two writes too, and a message after it.
  ASSERT_TRUE(client.write("\r\n"));
  ASSERT_TRUE(client.write("\r\n" + sip_message("after")));
  ASSERT_TRUE(sink_.wait_received(1));
  ASSERT_TRUE(client.read_until("\r\n\r\n"));
  EXPECT_EQ(client.buffer(), "\r\n\r\n");
}

TEST_F(TcpTransportTest, RepliesOnTheFlowReachTheClient) {
  RawClient client(address());
  ASSERT_TRUE(client.write(sip_message("reply")));
  ASSERT_TRUE(sink_.wait_received(1));
  const Flow flow = sink_.received()[0].flow;
  const std::string response = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
  EXPECT_FALSE(server_->send(flow, response));
  ASSERT_TRUE(client.read_until(response));
}

TEST_F(TcpTransportTest, MissingContentLengthIsRejectedWith400ThenClosed) {
  RawClient client(address());
  std::string message = sip_message("nocl");
  message.erase(message.find("Content-Length"));
  message += "\r\n";
  ASSERT_TRUE(client.write(message));
  ASSERT_TRUE(sink_.wait_rejected(1));
  EXPECT_EQ(sink_.rejected()[0].status, 400);
  EXPECT_NE(sink_.rejected()[0].head.find("Call-ID: nocl"), std::string::npos);
  ASSERT_TRUE(client.read_until("SIP/2.0 400"));
  EXPECT_TRUE(client.read_until_closed());
  EXPECT_TRUE(sink_.received().empty());
}

TEST_F(TcpTransportTest, TenMegabyteContentLengthIsAnswered513AndClosed) {
  RawClient client(address());
  std::string message = sip_message("huge");
  message.replace(message.find("Content-Length: 0"), 17, "Content-Length: 10485760");
  ASSERT_TRUE(client.write(message));
  ASSERT_TRUE(client.write(std::string(100000, 'x')));  // part of the body; dropped
  ASSERT_TRUE(sink_.wait_rejected(1));
  EXPECT_EQ(sink_.rejected()[0].status, 513);
  ASSERT_TRUE(client.read_until("SIP/2.0 513"));
  EXPECT_TRUE(client.read_until_closed());
  EXPECT_TRUE(sink_.received().empty());
}

TEST_F(TcpTransportTest, HeadersWithoutEndCloseTheConnection) {
  RawClient client(address());
  std::string endless = "OPTIONS sip:a@b SIP/2.0\r\n";
  while (endless.size() < 8192)
    endless += "X-Long: 0123456789012345678901234567890123456789\r\n";
  (void)client.write(endless);  // the server may close before it is all written
  EXPECT_TRUE(client.read_until_closed());
  EXPECT_TRUE(client.buffer().empty());
  ASSERT_TRUE(sink_.wait_errors(1));
  EXPECT_TRUE(sink_.received().empty());
}

TEST_F(TcpTransportTest, HalfAMessageThenSilenceIsCutOffByThePartialTimeout) {
  RawClient client(address());
  const std::string message = sip_message("half", 20);
  ASSERT_TRUE(client.write(std::string_view(message).substr(0, message.size() / 2)));
  EXPECT_TRUE(client.read_until_closed());
  ASSERT_TRUE(sink_.wait_errors(1));
  EXPECT_EQ(sink_.errors()[0].error, std::errc::timed_out);
  EXPECT_TRUE(sink_.received().empty());
}

TEST_F(TcpTransportTest, GarbageBytesCloseTheConnection) {
  RawClient client(address());
  std::string garbage;
  for (int i = 0; i < 3000; ++i)
    garbage += static_cast<char>((i * 131 + 7) % 256);
  (void)client.write(garbage);
  EXPECT_TRUE(client.read_until_closed());
  ASSERT_TRUE(sink_.wait_errors(1));
  EXPECT_TRUE(sink_.received().empty());
}

TEST_F(TcpTransportTest, ContentLengthLargerThanWhatFollowsThenCloseReportsOnce) {
  {
    RawClient client(address());
    std::string message = sip_message("short", 10);
    message.replace(message.find("Content-Length: 10"), 18, "Content-Length: 50");
    ASSERT_TRUE(client.write(message));
  }
  ASSERT_TRUE(sink_.wait_errors(1));
  EXPECT_EQ(sink_.errors()[0].error, std::errc::connection_reset);
  EXPECT_TRUE(sink_.received().empty());
  // Once: another client's message arrives and no second error was added.
  RawClient other(address());
  ASSERT_TRUE(other.write(sip_message("other")));
  ASSERT_TRUE(sink_.wait_received(1));
  EXPECT_EQ(sink_.errors().size(), 1u);
}

TEST_F(TcpTransportTest, IdleConnectionIsClosed) {
  StreamLimits limits = test_limits();
  limits.idle_timeout = std::chrono::milliseconds(80);
  open_server(limits);
  RawClient client(address());
  ASSERT_TRUE(client.write(sip_message("idle")));
  ASSERT_TRUE(sink_.wait_received(1));
  EXPECT_TRUE(client.read_until_closed());
  ASSERT_TRUE(sink_.wait_errors(1));
  EXPECT_EQ(sink_.errors()[0].error, std::errc::timed_out);
}

TEST_F(TcpTransportTest, HeldAndKeptConnectionsAreNotClosedAsIdle) {
  StreamLimits limits = test_limits();
  limits.idle_timeout = std::chrono::milliseconds(80);
  open_server(limits);
  RawClient held(address()), kept(address());
  ASSERT_TRUE(held.write(sip_message("held")));
  ASSERT_TRUE(sink_.wait_received(1));
  ASSERT_TRUE(kept.write(sip_message("kept")));
  ASSERT_TRUE(sink_.wait_received(2));
  const Flow held_flow = sink_.received()[0].flow, kept_flow = sink_.received()[1].flow;
  const ConnectionId id = server_->hold(held_flow);
  EXPECT_EQ(id, held_flow.connection);
  EXPECT_EQ(server_->hold(held_flow), id);  // holds count
  server_->keep_open(kept_flow, std::chrono::seconds(60));
  // Two idle connections closed one after the other: the second opened
  // once the sweep that closed the first had run, in which the older
  // silent connections were past their idle timeout too.
  for (int i = 0; i < 2; ++i) {
    RawClient idle(address());
    EXPECT_TRUE(idle.read_until_closed());
  }
  ASSERT_TRUE(sink_.wait_errors(2));
  for (const auto& failure : sink_.errors()) {
    EXPECT_NE(failure.flow.connection, held_flow.connection);
    EXPECT_NE(failure.flow.connection, kept_flow.connection);
  }
  EXPECT_EQ(server_->open_connections(), 2u);
  server_->release(id);
  for (int i = 0; i < 2; ++i) {  // still held once
    RawClient idle(address());
    EXPECT_TRUE(idle.read_until_closed());
  }
  ASSERT_TRUE(sink_.wait_errors(4));  // reported once out of the table
  EXPECT_EQ(server_->open_connections(), 2u);
  server_->release(id);  // the idle timeout counts from here
  EXPECT_TRUE(held.read_until_closed());
  ASSERT_TRUE(sink_.wait_errors(5));
  EXPECT_EQ(sink_.errors()[4].flow.connection, held_flow.connection);
  EXPECT_EQ(sink_.errors()[4].error, std::errc::timed_out);
  server_->release(id);  // a closed connection: nothing
  EXPECT_EQ(server_->hold(held_flow), 0u);
}

TEST_F(TcpTransportTest, ConnectionsBeyondTheMostAreRefusedOthersUnaffected) {
  StreamLimits limits = test_limits();
  limits.max_connections = 2;
  open_server(limits);
  RawClient first(address()), second(address());
  ASSERT_TRUE(first.write(sip_message("first")));
  ASSERT_TRUE(second.write(sip_message("second")));
  ASSERT_TRUE(sink_.wait_received(2));
  RawClient third(address());  // the kernel accepts; the transport closes it
  EXPECT_TRUE(third.read_until_closed());
  ASSERT_TRUE(first.write(sip_message("first-again")));
  ASSERT_TRUE(sink_.wait_received(3));
  EXPECT_EQ(server_->open_connections(), 2u);
}

TEST_F(TcpTransportTest, ConnectionsFromOneAddressBeyondItsMostAreRefusedOthersUnaffected) {
  StreamLimits limits = test_limits();
  limits.max_connections_per_address = 2;
  open_server(limits);
  const Endpoint other = *Endpoint::parse("127.0.0.2:0");
  {
    RawClient probe(address(), other);
    if (!probe.connected()) GTEST_SKIP() << "127.0.0.2 cannot be bound here";
    probe.close();
    ASSERT_TRUE(sink_.wait_errors(1));  // its close is seen: nothing counted
  }
  auto first = std::make_unique<RawClient>(address());
  RawClient second(address());
  ASSERT_TRUE(first->write(sip_message("first")));
  ASSERT_TRUE(second.write(sip_message("second")));
  ASSERT_TRUE(sink_.wait_received(2));
  RawClient third(address());  // a third from 127.0.0.1: closed at once
  EXPECT_TRUE(third.read_until_closed());
  RawClient elsewhere(address(), other);  // 127.0.0.2 is not affected
  ASSERT_TRUE(elsewhere.write(sip_message("elsewhere")));
  ASSERT_TRUE(sink_.wait_received(3));
  EXPECT_EQ(sink_.received()[2].flow.remote.host_string(), "127.0.0.2");
  ASSERT_TRUE(second.write(sip_message("second-again")));  // nor are the first two
  ASSERT_TRUE(sink_.wait_received(4));
  // One from 127.0.0.1 closes: its place is free again.
  first.reset();
  ASSERT_TRUE(sink_.wait_errors(2));
  RawClient fourth(address());
  ASSERT_TRUE(fourth.write(sip_message("fourth")));
  ASSERT_TRUE(sink_.wait_received(5));
  EXPECT_EQ(server_->open_connections(), 3u);
}

TEST_F(TcpTransportTest, AClientThatNeverReadsIsClosedAtTheQueueCap) {
  RawClient client(address());
  ASSERT_TRUE(client.write(sip_message("stuck")));
  ASSERT_TRUE(sink_.wait_received(1));
  const Flow flow = sink_.received()[0].flow;
  const std::string response =
      "SIP/2.0 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'y');
  std::error_code error;
  int sends = 0;
  // Bounded: the cap (64 KiB) plus the socket buffers are far below this.
  for (; sends < 20000 && !error; ++sends)
    error = server_->send(flow, response);
  EXPECT_EQ(error, std::errc::no_buffer_space);
  ASSERT_TRUE(sink_.wait_errors(1));
  EXPECT_EQ(sink_.errors()[0].error, std::errc::no_buffer_space);
  EXPECT_EQ(sink_.errors()[0].flow.connection, flow.connection);
  EXPECT_EQ(server_->open_connections(), 0u);  // forgotten before it is reported
}

TEST_F(TcpTransportTest, ThousandConnectionsOpenedAndClosedLeaveNothingBehind) {
  RawClient warm(address());  // the first connection allocates lazily
  warm.close();
  ASSERT_TRUE(sink_.wait_errors(1));
  const std::size_t descriptors = open_descriptors();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int done = 0;
  for (; done < 1000 && std::chrono::steady_clock::now() < deadline; ++done) {
    RawClient client(address());
    ASSERT_TRUE(client.connected());
  }
  EXPECT_EQ(done, 1000);
  ASSERT_TRUE(sink_.wait_errors(1 + static_cast<std::size_t>(done)));
  EXPECT_EQ(server_->open_connections(), 0u);
  EXPECT_EQ(open_descriptors(), descriptors);
  // Still serving.
  RawClient client(address());
  ASSERT_TRUE(client.write(sip_message("after")));
  ASSERT_TRUE(sink_.wait_received(1));
}

// Two transports: outbound connections opened on demand and reused.
TEST_F(TcpTransportTest, OutboundConnectionIsOpenedOnDemandAndReused) {
  IoThreads client_io;
  auto client = open_stream(*factory_, client_io.io(), Protocol::kTcp, Endpoint::loopback_v4(0));
  ASSERT_TRUE(client);
  StreamSink client_sink;
  client_sink.attach(*client);
  client->start();
  const Flow to_server{Protocol::kTcp, client->local_endpoint(), address(), 0};
  EXPECT_FALSE(client->send(to_server, sip_message("r1")));
  EXPECT_FALSE(client->send(to_server, sip_message("r2")));
  ASSERT_TRUE(sink_.wait_received(2));
  auto got = sink_.received();
  EXPECT_EQ(got[0].flow.connection, got[1].flow.connection);  // one connection
  EXPECT_EQ(client->open_connections(), 1u);
  // The server answers on the flow; the client gets it on its connection,
  // its flow naming our listener's port and the server's address.
  EXPECT_FALSE(server_->send(got[0].flow, "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_TRUE(client_sink.wait_received(1));
  auto answer = client_sink.received()[0];
  EXPECT_EQ(answer.flow.remote, address());
  EXPECT_EQ(answer.flow.local.port(), client->local_endpoint().port());
  EXPECT_NE(answer.flow.connection, 0u);
  // The server closes its side: the client is told once, then a new send
  // opens a new connection.
  server_->close();
  ASSERT_TRUE(client_sink.wait_errors(1));
  EXPECT_EQ(client_sink.errors()[0].flow.remote, address());
  client->close();
  client_io.stop();
}

TEST_F(TcpTransportTest, AResponseAfterItsConnectionClosedGoesOnANewOne) {
  IoThreads client_io;
  auto client = open_stream(*factory_, client_io.io(), Protocol::kTcp, Endpoint::loopback_v4(0));
  StreamSink client_sink;
  client_sink.attach(*client);
  client->start();
  EXPECT_FALSE(client->send(Flow{Protocol::kTcp, {}, address(), 0}, sip_message("req")));
  ASSERT_TRUE(sink_.wait_received(1));
  Flow reply = sink_.received()[0].flow;
  const ConnectionId first = reply.connection;
  // The client's connection closes (its idle side); the server's reply
  // flow names the connection and, as the stack does (§18.2.2), the Via's
  // address: the client's listener.
  client->close();
  ASSERT_TRUE(sink_.wait_errors(1));
  client.reset();
  client = open_stream(*factory_, client_io.io(), Protocol::kTcp, Endpoint::loopback_v4(0));
  StreamSink second_sink;
  second_sink.attach(*client);
  client->start();
  reply.remote = client->local_endpoint();
  EXPECT_FALSE(server_->send(reply, "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_TRUE(second_sink.wait_received(1));
  EXPECT_NE(sink_.errors()[0].flow.connection, 0u);
  EXPECT_EQ(sink_.errors()[0].flow.connection, first);
  client->close();
  client_io.stop();
}

TEST_F(TcpTransportTest, ConnectionRefusedIsReportedOnce) {
  // A TCP port nobody listens on: bind a TCP socket, then close it.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_storage storage{};
  auto length = static_cast<socklen_t>(Endpoint::loopback_v4(0).to_sockaddr(storage));
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&storage), length), 0);
  socklen_t got = sizeof storage;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &got);
  const Endpoint closed = *Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), got);
  ::close(fd);
  EXPECT_FALSE(server_->send(Flow{Protocol::kTcp, {}, closed, 0}, sip_message("x")));
  ASSERT_TRUE(sink_.wait_errors(1));
  EXPECT_EQ(sink_.errors()[0].error, std::errc::connection_refused);
  EXPECT_EQ(sink_.errors()[0].flow.remote, closed);
  // One report: an event after it finds no second one.
  RawClient client(address());
  ASSERT_TRUE(client.write(sip_message("later")));
  ASSERT_TRUE(sink_.wait_received(1));
  EXPECT_EQ(sink_.errors().size(), 1u);
}

TEST_F(TcpTransportTest, SendsAfterCloseAndWrongFamilyFailAtOnce) {
  EXPECT_EQ(server_->send(Flow{Protocol::kTcp, {}, Endpoint::loopback_v6(5060), 0}, "x"),
            std::errc::address_family_not_supported);
  server_->close();
  EXPECT_EQ(server_->send(Flow{Protocol::kTcp, {}, Endpoint::loopback_v4(5060), 0}, "x"),
            std::errc::bad_file_descriptor);
}

TEST_F(TcpTransportTest, Ipv6AndUdpOnTheSamePort) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no ::1";
  auto v6 = open_stream(*factory_, io_.io(), Protocol::kTcp, Endpoint::loopback_v6(0));
  ASSERT_TRUE(v6);
  StreamSink sink;
  sink.attach(*v6);
  v6->start();
  RawClient client(v6->local_endpoint());
  ASSERT_TRUE(client.write(sip_message("v6")));
  ASSERT_TRUE(sink.wait_received(1));
  EXPECT_TRUE(sink.received()[0].flow.remote.is_v6());
  // UDP next to TCP on the same port number.
  auto udp = factory_->open(io_.io(), Protocol::kUdp, Endpoint::loopback_v4(address().port()),
                            OpenOptions{});
  EXPECT_TRUE(udp) << udp.error().reason;
  v6->close();
}

}  // namespace
}  // namespace sippet::transport
