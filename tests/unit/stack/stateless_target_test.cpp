// Stateless sends to a host name (RFC 3261 §16.11, RFC 3263 §4.4), against
// dnsmasq on loopback: one target chosen from the message alone (the SRV
// weighted choice drawn with the Call-ID, so a retransmission goes where
// the request went), skipping a target known dead (a transport error in
// the last 64·T1, on a manual clock) while another is left.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <set>
#include <thread>

#include "../../support/dnsmasq.hpp"
#include "memory_peer.hpp"
#include "sippet/stack/manual_clock.hpp"
#include "test_peer.hpp"

namespace sippet::stack {
namespace {

using namespace std::chrono_literals;
using sippet::testing::srv;
using testing::outgoing;
using testing::RawPeer;
using testing::RecordingCore;

message::Message request_to(const std::string& uri, const std::string& call_id) {
  auto request = outgoing("OPTIONS", uri, call_id);
  (void)request.put(message::HeaderId::kVia, "SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK" + call_id);
  return request;
}

class StatelessTarget : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& records) {
    dns_ = std::make_unique<sippet::testing::Dnsmasq>(records);
    ASSERT_TRUE(dns_->ready()) << "dnsmasq did not start";
    StackConfig config = testing::loopback_config();
    config.dns.servers = {*transport::Endpoint::parse(dns_->server())};
    config.dns.timeout = 500ms;
    config.manual_clock = clock_;
    auto created = Stack::create(std::move(config), core_);
    ASSERT_TRUE(created) << created.error().reason;
    stack_ = std::move(*created);
  }
  void TearDown() override {
    if (stack_) stack_->stop();
  }
  // Waits (bounded) until the stack has counted `n` reported transport
  // errors (ICMP).
  bool wait_reported(std::uint64_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (stack_->metrics().transport_error(TransportErrorSource::kReported) >= n) return true;
      std::this_thread::sleep_for(1ms);  // polling a counter, not waiting for a timer
    }
    return false;
  }

  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
  RecordingCore core_;
  std::unique_ptr<sippet::testing::Dnsmasq> dns_;
  std::unique_ptr<Stack> stack_;
};

// Two SRV targets of one priority, equal weights: every send of one
// request (same Call-ID) reaches the same target; over 40 Call-IDs both
// are chosen.
TEST_F(StatelessTarget, OneCallIdOneTarget) {
  RawPeer a, b;
  start({srv("_sip._udp.sl.test", "a.sl.test", a.port(), 0, 50),
         srv("_sip._udp.sl.test", "b.sl.test", b.port(), 0, 50), "host-record=a.sl.test,127.0.0.1",
         "host-record=b.sl.test,127.0.0.1", "local-ttl=60"});
  std::set<std::uint16_t> reached;
  for (int call = 0; call < 40; ++call) {
    const std::string call_id = "sl-" + std::to_string(call);
    std::optional<std::uint16_t> first;
    for (int retransmission = 0; retransmission < 5; ++retransmission) {
      ASSERT_TRUE(stack_->send_stateless(request_to("sip:bob@sl.test", call_id)));
      // Whichever of the two gets it (both polled at once).
      pollfd both[2] = {{a.fd(), POLLIN, 0}, {b.fd(), POLLIN, 0}};
      ASSERT_EQ(::poll(both, 2, 3000), 1) << call_id;
      const RawPeer& at_peer = (both[0].revents & POLLIN) != 0 ? a : b;
      auto got = at_peer.receive_message(0ms);
      ASSERT_TRUE(got);
      EXPECT_EQ(got->call_id(), call_id);
      std::optional<std::uint16_t> at = at_peer.port();
      ASSERT_TRUE(at) << call_id << " reached neither target";
      if (!first) first = at;
      EXPECT_EQ(*at, *first) << call_id << ": a retransmission went elsewhere";
    }
    reached.insert(*first);
  }
  EXPECT_EQ(reached.size(), 2u);
}

// The first target (priority 0) is a closed port: the first send goes
// there and draws ICMP; the retransmission and a new request go to the
// second while the first is known dead; after 64·T1 the first is tried
// again.
TEST_F(StatelessTarget, SkipsATargetKnownDead) {
  RawPeer dead_probe, good;
  const std::uint16_t dead = dead_probe.port();
  dead_probe.close();
  start({srv("_sip._udp.sl.test", "a.sl.test", dead, 0, 10),
         srv("_sip._udp.sl.test", "b.sl.test", good.port(), 1, 10),
         "host-record=a.sl.test,127.0.0.1", "host-record=b.sl.test,127.0.0.1", "local-ttl=600"});
  ASSERT_TRUE(stack_->send_stateless(request_to("sip:bob@sl.test", "sl-dead-1")));
  ASSERT_TRUE(wait_reported(1));  // the ICMP error of the dead target
  EXPECT_FALSE(good.receive(0ms));
  ASSERT_TRUE(stack_->send_stateless(request_to("sip:bob@sl.test", "sl-dead-1")));
  auto again = good.receive_message(3s);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->call_id(), "sl-dead-1");
  ASSERT_TRUE(stack_->send_stateless(request_to("sip:bob@sl.test", "sl-dead-2")));
  auto other = good.receive_message(3s);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->call_id(), "sl-dead-2");
  // 64·T1 later the mark is gone: the first target (priority 0) again.
  clock_->advance(32s);
  ASSERT_TRUE(stack_->send_stateless(request_to("sip:bob@sl.test", "sl-dead-3")));
  ASSERT_TRUE(wait_reported(2));
  EXPECT_FALSE(good.receive(0ms));
}

}  // namespace
}  // namespace sippet::stack
