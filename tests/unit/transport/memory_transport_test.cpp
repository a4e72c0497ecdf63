// The in-memory network (memory_transport.hpp): binding, delivery on the
// receiver's io_context with its flow, connections and their ids, shared
// addresses, and the failures a test injects (unreachable, reset, drop).
#include "sippet/transport/memory_transport.hpp"

#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace sippet::transport {
namespace {

using namespace std::chrono_literals;

constexpr auto kWait = 10s;  // a bound on events that come at once; never reached when passing

Endpoint at(std::string_view text) {
  return Endpoint::parse(text).value();
}

// An io_context run by one thread for the duration of a test.
class IoThread {
 public:
  IoThread() : guard_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~IoThread() {
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  asio::io_context& io() { return io_; }
  std::thread::id id() const { return thread_.get_id(); }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

// What a transport hands to its handlers, and on which thread.
class Sink {
 public:
  struct Got {
    std::string bytes;
    Flow flow;
    std::thread::id thread;
  };
  struct Error {
    Flow flow;
    std::error_code error;
    std::thread::id thread;
  };

  void attach(Transport& transport) {
    transport.set_receive_handler([this](std::string_view bytes, const Flow& flow) {
      std::lock_guard lock(mutex_);
      received_.push_back({std::string(bytes), flow, std::this_thread::get_id()});
      changed_.notify_all();
    });
    transport.set_error_handler([this](const Flow& flow, std::error_code error) {
      std::lock_guard lock(mutex_);
      errors_.push_back({flow, error, std::this_thread::get_id()});
      changed_.notify_all();
    });
  }
  bool wait_received(std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kWait, [&] { return received_.size() >= n; });
  }
  bool wait_errors(std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kWait, [&] { return errors_.size() >= n; });
  }
  std::vector<Got> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  std::vector<Error> errors() {
    std::lock_guard lock(mutex_);
    return errors_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Got> received_;
  std::vector<Error> errors_;
};

std::unique_ptr<Transport> open(MemoryNetwork& network, asio::io_context& io, Protocol protocol,
                                std::string_view local, bool shared = false) {
  OpenOptions options;
  options.shared = shared;
  auto transport = network.open(io, protocol, at(local), options);
  EXPECT_TRUE(transport.ok()) << local << ": " << transport.error().reason;
  return transport.ok() ? std::move(transport).value() : nullptr;
}

std::unique_ptr<MemoryPeer> peer(MemoryNetwork& network, Protocol protocol,
                                 std::string_view local) {
  auto made = network.peer(protocol, at(local));
  EXPECT_TRUE(made.ok()) << local << ": " << made.error().reason;
  return made.ok() ? std::move(made).value() : nullptr;
}

TEST(MemoryNetwork, PortZeroGetsAPortAndABoundAddressIsRefusedUnlessShared) {
  MemoryNetwork network;
  IoThread io;
  auto first = open(network, io.io(), Protocol::kUdp, "10.0.0.1:0");
  ASSERT_TRUE(first);
  EXPECT_NE(first->local_endpoint().port(), 0);
  EXPECT_EQ(first->local_endpoint().address_string(), "10.0.0.1");
  auto second = open(network, io.io(), Protocol::kUdp, "10.0.0.1:0");
  EXPECT_NE(second->local_endpoint(), first->local_endpoint());

  const Endpoint taken = first->local_endpoint();
  auto busy = network.open(io.io(), Protocol::kUdp, taken, OpenOptions{});
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().kind, message::ErrorKind::kTransportError);
  EXPECT_EQ(busy.error().reason, "Address already in use");
  EXPECT_FALSE(network.peer(Protocol::kUdp, taken).ok());
  EXPECT_TRUE(network.peer(Protocol::kTcp, taken).ok());  // another protocol's port

  auto a = open(network, io.io(), Protocol::kUdp, "10.0.0.2:5060", true);
  auto b = open(network, io.io(), Protocol::kUdp, "10.0.0.2:5060", true);
  EXPECT_TRUE(a && b);
  EXPECT_FALSE(network.open(io.io(), Protocol::kUdp, at("10.0.0.2:5060"), OpenOptions{}).ok());
}

TEST(MemoryNetwork, DatagramReachesTheTransportOnItsIoContextWithItsFlowAndTheReplyComesBack) {
  MemoryNetwork network;
  IoThread io;
  Sink sink;  // outlives the transports, whose handlers use it
  auto transport = open(network, io.io(), Protocol::kUdp, "10.0.0.1:5060");
  sink.attach(*transport);
  transport->start();
  auto phone = peer(network, Protocol::kUdp, "10.0.0.2:5070");

  ASSERT_FALSE(phone->send(at("10.0.0.1:5060"), "hello"));
  ASSERT_TRUE(sink.wait_received(1));
  const auto got = sink.received()[0];
  EXPECT_EQ(got.bytes, "hello");
  EXPECT_EQ(got.thread, io.id());
  EXPECT_EQ(got.flow, (Flow{Protocol::kUdp, at("10.0.0.1:5060"), at("10.0.0.2:5070"), 0}));

  ASSERT_FALSE(transport->send(got.flow, "welcome"));
  auto reply = phone->receive(kWait);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->bytes, "welcome");
  EXPECT_EQ(reply->flow, (Flow{Protocol::kUdp, at("10.0.0.2:5070"), at("10.0.0.1:5060"), 0}));
}

TEST(MemoryNetwork, MessagesArriveInOrderAndThoseBeforeStartWaitForIt) {
  MemoryNetwork network;
  IoThread io;
  Sink sink;  // outlives the transports, whose handlers use it
  auto transport = open(network, io.io(), Protocol::kUdp, "10.0.0.1:5060");
  sink.attach(*transport);
  auto phone = peer(network, Protocol::kUdp, "10.0.0.2:5070");
  for (int i = 0; i < 100; ++i)
    ASSERT_FALSE(phone->send(at("10.0.0.1:5060"), std::to_string(i)));
  transport->start();  // like a socket's receive buffer, nothing was lost
  ASSERT_TRUE(sink.wait_received(100));
  const auto got = sink.received();
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(got[i].bytes, std::to_string(i));
}

TEST(MemoryNetwork, ConnectionCarriesOneIdInBothEndsFlowsAndTheReplyUsesIt) {
  MemoryNetwork network;
  IoThread io;
  Sink sink;  // outlives the transports, whose handlers use it
  auto transport = open(network, io.io(), Protocol::kTcp, "10.0.0.1:5060");
  sink.attach(*transport);
  transport->start();
  auto phone = peer(network, Protocol::kTcp, "10.0.0.2:5070");
  auto other = peer(network, Protocol::kTcp, "10.0.0.3:5070");

  ASSERT_FALSE(phone->send(at("10.0.0.1:5060"), "one"));
  ASSERT_FALSE(phone->send(at("10.0.0.1:5060"), "two"));  // the same connection
  ASSERT_FALSE(other->send(at("10.0.0.1:5060"), "three"));
  ASSERT_TRUE(sink.wait_received(3));
  const auto got = sink.received();
  const auto id = network.connection(Protocol::kTcp, at("10.0.0.2:5070"), at("10.0.0.1:5060"));
  ASSERT_TRUE(id);
  EXPECT_NE(*id, 0u);
  EXPECT_EQ(got[0].flow, (Flow{Protocol::kTcp, at("10.0.0.1:5060"), at("10.0.0.2:5070"), *id}));
  EXPECT_EQ(got[1].flow, got[0].flow);
  EXPECT_NE(got[2].flow.connection, *id);
  EXPECT_NE(got[2].flow.connection, 0u);
  EXPECT_FALSE(network.connection(Protocol::kUdp, at("10.0.0.2:5070"), at("10.0.0.1:5060")));

  // On the flow: the same connection, whatever the flow's remote says.
  Flow reply_flow = got[0].flow;
  reply_flow.remote = at("10.0.0.9:9999");
  ASSERT_FALSE(transport->send(reply_flow, "reply"));
  auto reply = phone->receive(kWait);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->bytes, "reply");
  EXPECT_EQ(reply->flow, (Flow{Protocol::kTcp, at("10.0.0.2:5070"), at("10.0.0.1:5060"), *id}));
  EXPECT_FALSE(other->receive(0ms));
}

TEST(MemoryNetwork, ClosedConnectionReportsResetToBothEndsAndTheNextSendOpensAnother) {
  MemoryNetwork network;
  IoThread io;
  Sink sink;  // outlives the transports, whose handlers use it
  auto transport = open(network, io.io(), Protocol::kTls, "10.0.0.1:5061");
  sink.attach(*transport);
  transport->start();
  auto phone = peer(network, Protocol::kTls, "10.0.0.2:5071");
  ASSERT_FALSE(phone->send(at("10.0.0.1:5061"), "hello"));
  ASSERT_TRUE(sink.wait_received(1));
  const Flow flow = sink.received()[0].flow;

  ASSERT_TRUE(network.close_connection(flow.connection));
  EXPECT_FALSE(network.close_connection(flow.connection));
  ASSERT_TRUE(sink.wait_errors(1));
  const auto error = sink.errors()[0];
  EXPECT_EQ(error.flow, flow);
  EXPECT_EQ(error.error, std::errc::connection_reset);
  EXPECT_EQ(error.thread, io.id());
  auto failure = phone->failure(kWait);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->error, std::errc::connection_reset);
  EXPECT_EQ(failure->flow,
            (Flow{Protocol::kTls, at("10.0.0.2:5071"), at("10.0.0.1:5061"), flow.connection}));
  EXPECT_FALSE(network.connection(Protocol::kTls, at("10.0.0.2:5071"), at("10.0.0.1:5061")));

  // A send on the closed flow goes to its remote on a new connection.
  ASSERT_FALSE(transport->send(flow, "again"));
  auto again = phone->receive(kWait);
  ASSERT_TRUE(again);
  EXPECT_NE(again->flow.connection, 0u);
  EXPECT_NE(again->flow.connection, flow.connection);
  EXPECT_EQ(sink.errors().size(), 1u);
}

TEST(MemoryNetwork, SendToAnAddressNobodyListensOnIsRefusedLaterOnTheSendersErrorHandler) {
  MemoryNetwork network;
  IoThread io;
  Sink sink;  // outlives the transports, whose handlers use it
  std::vector<std::unique_ptr<Transport>> transports;
  for (Protocol protocol : {Protocol::kUdp, Protocol::kTcp}) {
    auto& transport = transports.emplace_back(open(network, io.io(), protocol, "10.0.0.1:5060"));
    sink.attach(*transport);
    transport->start();
    const Flow to_nobody{protocol, at("10.0.0.1:5060"), at("10.0.0.99:5060"), 0};
    EXPECT_FALSE(transport->send(to_nobody, "anyone?"));  // like ICMP: not at once
    ASSERT_TRUE(sink.wait_errors(transports.size()));
    const auto error = sink.errors().back();
    EXPECT_EQ(error.error, std::errc::connection_refused);
    EXPECT_EQ(error.flow, to_nobody);
    EXPECT_EQ(error.thread, io.id());  // posted to the sender's io_context
  }
  EXPECT_EQ(sink.errors().size(), 2u);
  EXPECT_TRUE(sink.received().empty());
  auto phone = peer(network, Protocol::kUdp, "10.0.0.2:5070");
  ASSERT_FALSE(phone->send(at("10.0.0.99:5060"), "anyone?"));
  auto failure = phone->failure(kWait);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->error, std::errc::connection_refused);
  EXPECT_EQ(failure->flow.remote, at("10.0.0.99:5060"));
}

TEST(MemoryNetwork, ErrorsFoundAtOnceAreReturned) {
  MemoryNetwork network;
  IoThread io;
  auto transport = open(network, io.io(), Protocol::kUdp, "10.0.0.1:5060");
  auto phone = peer(network, Protocol::kUdp, "10.0.0.2:5070");
  const Flow flow{Protocol::kUdp, at("10.0.0.1:5060"), at("10.0.0.2:5070"), 0};
  EXPECT_EQ(transport->send(flow, std::string(kMaxDatagramSize + 1, 'x')), std::errc::message_size);
  EXPECT_EQ(transport->send(Flow{Protocol::kUdp, {}, at("[2001:db8::1]:5060"), 0}, "x"),
            std::errc::address_family_not_supported);
  transport->close();
  transport->close();
  EXPECT_EQ(transport->send(flow, "x"), std::errc::bad_file_descriptor);
  EXPECT_FALSE(phone->receive(0ms));
}

TEST(MemoryNetwork, SharedAddressDeliversEachRemoteToOneTransportInOrder) {
  MemoryNetwork network;
  constexpr int kMembers = 3;
  IoThread io[kMembers];
  Sink sink;  // all members (the thread tells which one); outlives them
  std::unique_ptr<Transport> members[kMembers];
  for (int i = 0; i < kMembers; ++i) {
    members[i] = open(network, io[i].io(), Protocol::kUdp, "10.0.0.1:5060", true);
    sink.attach(*members[i]);
    members[i]->start();
  }
  constexpr int kPeers = 20, kEach = 5;
  std::vector<std::unique_ptr<MemoryPeer>> phones;
  for (int p = 0; p < kPeers; ++p)
    phones.push_back(peer(network, Protocol::kUdp, "10.0.1." + std::to_string(p + 1) + ":5070"));
  for (int n = 0; n < kEach; ++n)
    for (auto& phone : phones)
      ASSERT_FALSE(phone->send(at("10.0.0.1:5060"), std::to_string(n)));
  ASSERT_TRUE(sink.wait_received(kPeers * kEach));

  std::map<Endpoint, std::thread::id> member_of;
  std::map<Endpoint, int> next;
  std::set<std::thread::id> used;
  for (const auto& got : sink.received()) {
    auto [member, first] = member_of.emplace(got.flow.remote, got.thread);
    EXPECT_EQ(member->second, got.thread) << got.flow.remote.to_string() << " reached two members";
    EXPECT_EQ(got.bytes, std::to_string(next[got.flow.remote]++));  // in order
    used.insert(got.thread);
  }
  EXPECT_EQ(member_of.size(), static_cast<std::size_t>(kPeers));
  EXPECT_GE(used.size(), 2u);  // spread over the members
}

TEST(MemoryNetwork, DropRuleLosesWhatItMatches) {
  MemoryNetwork network;
  IoThread io;
  Sink sink;  // outlives the transports, whose handlers use it
  auto transport = open(network, io.io(), Protocol::kUdp, "10.0.0.1:5060");
  sink.attach(*transport);
  transport->start();
  auto phone = peer(network, Protocol::kUdp, "10.0.0.2:5070");
  std::vector<Flow> seen;
  network.drop_if([&](const Flow& flow, std::string_view bytes) {
    seen.push_back(flow);
    return bytes.starts_with("lose");
  });
  ASSERT_FALSE(phone->send(at("10.0.0.1:5060"), "lose me"));
  ASSERT_FALSE(phone->send(at("10.0.0.1:5060"), "keep me"));
  ASSERT_TRUE(sink.wait_received(1));
  EXPECT_EQ(network.dropped(), 1u);
  network.drop_if(nullptr);
  ASSERT_FALSE(phone->send(at("10.0.0.1:5060"), "lose me not"));
  ASSERT_TRUE(sink.wait_received(2));
  const auto got = sink.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].bytes, "keep me");
  EXPECT_EQ(got[1].bytes, "lose me not");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], (Flow{Protocol::kUdp, at("10.0.0.2:5070"), at("10.0.0.1:5060"), 0}));
}

TEST(MemoryNetwork, ClosingFreesTheAddressAndResetsItsConnections) {
  MemoryNetwork network;
  IoThread io;
  Sink sink;  // outlives the transports, whose handlers use it
  auto transport = open(network, io.io(), Protocol::kTcp, "10.0.0.1:5060");
  sink.attach(*transport);
  transport->start();
  auto phone = peer(network, Protocol::kTcp, "10.0.0.2:5070");
  ASSERT_FALSE(phone->send(at("10.0.0.1:5060"), "hello"));
  ASSERT_TRUE(sink.wait_received(1));
  const ConnectionId id = sink.received()[0].flow.connection;

  transport->close();
  auto failure = phone->failure(kWait);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->error, std::errc::connection_reset);
  EXPECT_EQ(failure->flow.connection, id);
  ASSERT_FALSE(phone->send(at("10.0.0.1:5060"), "anyone?"));
  failure = phone->failure(kWait);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->error, std::errc::connection_refused);

  auto again = open(network, io.io(), Protocol::kTcp, "10.0.0.1:5060");
  EXPECT_TRUE(again);
  phone->close();
  EXPECT_EQ(phone->send(at("10.0.0.1:5060"), "x"), std::errc::bad_file_descriptor);
  EXPECT_FALSE(phone->receive(0ms));  // still safe to ask
}

TEST(MemoryNetwork, CloseWaitsForARunningHandlerAndAHandlerMayCloseItsTransport) {
  MemoryNetwork network;
  IoThread io;
  std::promise<void> entered, release;
  std::atomic<bool> finished{false};
  auto transport = open(network, io.io(), Protocol::kUdp, "10.0.0.1:5060");
  auto released = release.get_future().share();
  transport->set_receive_handler([&, released](std::string_view, const Flow&) {
    entered.set_value();
    released.wait_for(kWait);
    finished = true;
  });
  transport->start();
  auto phone = peer(network, Protocol::kUdp, "10.0.0.2:5070");
  ASSERT_FALSE(phone->send(at("10.0.0.1:5060"), "hold on"));
  ASSERT_EQ(entered.get_future().wait_for(kWait), std::future_status::ready);
  auto closing = std::async(std::launch::async, [&] { transport->close(); });
  EXPECT_EQ(closing.wait_for(50ms), std::future_status::timeout);  // the handler still runs
  release.set_value();
  ASSERT_EQ(closing.wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(finished);

  auto second = open(network, io.io(), Protocol::kUdp, "10.0.0.1:5061");
  std::promise<void> closed_itself;
  second->set_receive_handler([&](std::string_view, const Flow&) {
    second->close();  // from its own handler: no wait for itself
    closed_itself.set_value();
  });
  second->start();
  ASSERT_FALSE(phone->send(at("10.0.0.1:5061"), "close"));
  EXPECT_EQ(closed_itself.get_future().wait_for(kWait), std::future_status::ready);
}

TEST(MemoryNetwork, WildcardReceivesForEveryAddressOfItsFamilyAndPort) {
  MemoryNetwork network;
  IoThread io;
  Sink sink;  // outlives the transports, whose handlers use it
  auto transport = open(network, io.io(), Protocol::kUdp, "0.0.0.0:5060");
  sink.attach(*transport);
  transport->start();
  auto phone = peer(network, Protocol::kUdp, "10.0.0.2:5070");
  ASSERT_FALSE(phone->send(at("10.1.2.3:5060"), "hello"));
  ASSERT_TRUE(sink.wait_received(1));
  EXPECT_EQ(sink.received()[0].flow.local, at("10.1.2.3:5060"));  // the real destination
  ASSERT_FALSE(phone->send(at("10.1.2.3:5061"), "wrong port"));
  EXPECT_TRUE(phone->failure(kWait));
}

TEST(MemoryNetwork, WildcardAnswersOnAConnectionFromTheAddressItWasReachedAt) {
  MemoryNetwork network;
  IoThread io;
  Sink sink;  // outlives the transports, whose handlers use it
  auto transport = open(network, io.io(), Protocol::kTcp, "0.0.0.0:5060");
  sink.attach(*transport);
  transport->start();
  auto phone = peer(network, Protocol::kTcp, "10.0.0.2:5070");
  ASSERT_FALSE(phone->send(at("10.1.2.3:5060"), "hello"));
  ASSERT_TRUE(sink.wait_received(1));
  Flow flow = sink.received()[0].flow;
  EXPECT_EQ(flow.local, at("10.1.2.3:5060"));
  flow.local = transport->local_endpoint();  // as the stack names it: the listener's
  ASSERT_FALSE(transport->send(flow, "welcome"));
  auto reply = phone->receive(kWait);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->flow,
            (Flow{Protocol::kTcp, at("10.0.0.2:5070"), at("10.1.2.3:5060"), flow.connection}));
}

}  // namespace
}  // namespace sippet::transport
