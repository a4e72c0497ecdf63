// The outgoing path: client transactions, refusals, stateless sends, timers
// on a manual clock (no sleeping for SIP timers), transport errors.
#include <gtest/gtest.h>

#include "sippet/message/builder.hpp"
#include "test_peer.hpp"

namespace sippet::stack {
namespace {

using message::HeaderId;
using std::chrono::milliseconds;
using testing::loopback_config;
using testing::make_request;
using testing::RawPeer;
using testing::RecordingCore;

message::Message request_to(std::uint16_t port, std::string_view method, std::string_view call_id) {
  auto request = message::build_request(method, "sip:peer@127.0.0.1:" + std::to_string(port));
  EXPECT_TRUE(request.ok());
  (void)request->put(HeaderId::kFrom, "<sip:me@example.com>;tag=abc");
  (void)request->put(HeaderId::kTo, "<sip:peer@example.com>");
  (void)request->put(HeaderId::kCallId, call_id);
  (void)request->put(HeaderId::kCSeq, "1 " + std::string(method));
  (void)request->put(HeaderId::kMaxForwards, "70");
  return std::move(request).value();
}

class ClientTest : public ::testing::Test {
 protected:
  void start(StackConfig config) {
    auto created = Stack::create(std::move(config), core_);
    ASSERT_TRUE(created.ok()) << created.error().reason;
    stack_ = std::move(created).value();
    port_ = stack_->local_endpoints().front().port();
  }
  void advance(milliseconds by) {
    clock_->advance(by);
    stack_->fire_due_timers();
  }

  RecordingCore core_;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
  std::unique_ptr<Stack> stack_;
  std::uint16_t port_ = 0;
  RawPeer peer_;
};

TEST_F(ClientTest, RequestGetsViaAndItsResponseReachesTheTransaction) {
  start(loopback_config());
  auto sent = stack_->send_request(request_to(peer_.port(), "OPTIONS", "c-1"));
  ASSERT_TRUE(sent.ok()) << sent.error().reason;
  EXPECT_TRUE(sent->is_client());
  auto request = peer_.receive_message();
  ASSERT_TRUE(request.has_value());
  const auto* via = request->top_via();
  ASSERT_NE(via, nullptr);
  EXPECT_TRUE(via->branch.starts_with("z9hG4bK"));
  EXPECT_GT(via->branch.size(), 7u + 12u);
  EXPECT_EQ(via->port, port_);
  EXPECT_TRUE(via->params.has("rport"));

  auto response = message::build_response(*request, 200);
  peer_.send_to(port_, response->to_string());
  ASSERT_TRUE(core_.wait_responses(1));
  ASSERT_TRUE(core_.responses()[0].transaction.has_value());
  EXPECT_EQ(*core_.responses()[0].transaction, *sent);
  EXPECT_EQ(core_.responses()[0].message.status_code(), 200);
}

TEST_F(ClientTest, AckAndDuplicateAreRefused) {
  start(loopback_config());
  auto ack = stack_->send_request(request_to(peer_.port(), "ACK", "c-2"));
  ASSERT_FALSE(ack.ok());
  EXPECT_NE(ack.error().reason.find("ACK"), std::string::npos);

  auto first = request_to(peer_.port(), "OPTIONS", "c-3");
  (void)first.put(HeaderId::kVia,
                  "SIP/2.0/UDP 127.0.0.1:" + std::to_string(port_) + ";branch=z9hG4bKdup");
  auto second = first.clone();
  ASSERT_TRUE(stack_->send_request(std::move(first)).ok());
  auto again = stack_->send_request(std::move(second));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, message::ErrorKind::kTransactionExists);
}

TEST_F(ClientTest, AckGoesStatelesslyToTheRequestUri) {
  start(loopback_config());
  auto ack = request_to(peer_.port(), "ACK", "c-4");
  (void)ack.put(HeaderId::kVia,
                "SIP/2.0/UDP 127.0.0.1:" + std::to_string(port_) + ";branch=z9hG4bKack");
  ASSERT_TRUE(stack_->send_stateless(ack).ok());
  auto got = peer_.receive_message();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->method(), message::Method::kAck);
}

TEST_F(ClientTest, RequestGoesToFirstRouteNotRequestUri) {
  start(loopback_config());
  RawPeer proxy;
  auto request = request_to(peer_.port(), "OPTIONS", "c-5");
  (void)request.put(HeaderId::kRoute, "<sip:127.0.0.1:" + std::to_string(proxy.port()) + ";lr>");
  ASSERT_TRUE(stack_->send_request(std::move(request)).ok());
  EXPECT_TRUE(proxy.receive_message().has_value());
  EXPECT_FALSE(peer_.receive(milliseconds(100)).has_value());
}

TEST_F(ClientTest, UnsupportedTransportIsRefused) {
  start(loopback_config());
  auto request = message::build_request(
      "OPTIONS", "sip:peer@127.0.0.1:" + std::to_string(peer_.port()) + ";transport=sctp");
  (void)request->put(HeaderId::kCallId, "c-6");
  (void)request->put(HeaderId::kCSeq, "1 OPTIONS");
  EXPECT_FALSE(stack_->send_request(std::move(*request)).ok());
}

TEST_F(ClientTest, TimerEretransmitsAndTimerFReachesCoreOnce) {
  auto config = loopback_config();
  config.manual_clock = clock_;
  start(std::move(config));
  auto sent = stack_->send_request(request_to(peer_.port(), "OPTIONS", "c-7"));
  ASSERT_TRUE(sent.ok());
  ASSERT_TRUE(peer_.receive().has_value());
  // §17.1.2.2: Timer E at T1 (500 ms) retransmits.
  advance(milliseconds(499));
  EXPECT_FALSE(peer_.receive(milliseconds(50)).has_value());
  advance(milliseconds(1));
  EXPECT_TRUE(peer_.receive().has_value());
  EXPECT_EQ(core_.error_count(), 0u);
  // Timer F at 64*T1.
  for (int i = 0; i < 64; ++i)
    advance(milliseconds(500));
  ASSERT_TRUE(core_.wait_errors(1));
  advance(milliseconds(60000));
  EXPECT_EQ(core_.error_count(), 1u);
  const auto& error = core_.errors()[0];
  EXPECT_EQ(error.error.reason, transaction::ErrorReason::kTimeout);
  EXPECT_EQ(error.error.timer, transaction::TimerId::kF);
  EXPECT_EQ(error.transaction, *sent);
  EXPECT_EQ(error.error.describe(), "timeout (Timer F)");
}

TEST_F(ClientTest, InviteServerSends100TryingWhenCoreIsSilentFor200ms) {
  auto config = loopback_config();
  config.manual_clock = clock_;
  start(std::move(config));
  peer_.send_to(port_, make_request("INVITE", port_, "127.0.0.1:" + std::to_string(peer_.port()),
                                    "z9hG4bKinv", "c-8"));
  ASSERT_TRUE(core_.wait_requests(1));
  advance(milliseconds(199));
  EXPECT_FALSE(peer_.receive(milliseconds(50)).has_value());
  advance(milliseconds(1));
  auto trying = peer_.receive_message();
  ASSERT_TRUE(trying.has_value());
  EXPECT_EQ(trying->status_code(), 100);
}

TEST_F(ClientTest, Automatic100TryingCarriesTheStampedVia) {
  // §8.2.6.2 / RFC 3581 §4: the 100 copies the Via as the stack stamped it
  // (received, rport), like every later response, not the bytes received.
  auto config = loopback_config();
  config.manual_clock = clock_;
  start(std::move(config));
  peer_.send_to(port_, make_request("INVITE", port_, "client.example.com:5999", "z9hG4bKrp", "c-8b",
                                    1, ";rport"));
  ASSERT_TRUE(core_.wait_requests(1));
  advance(milliseconds(200));
  auto trying = peer_.receive_message();  // rport: at the source port
  ASSERT_TRUE(trying.has_value());
  EXPECT_EQ(trying->status_code(), 100);
  const message::Via* via = trying->top_via();
  ASSERT_NE(via, nullptr);
  EXPECT_EQ(via->params.get("received"), std::optional<std::string_view>("127.0.0.1"));
  EXPECT_EQ(via->params.get("rport"),
            std::optional<std::string_view>(std::to_string(peer_.port())));
}

TEST_F(ClientTest, InviteAnsweredFromTheCallbackGetsNo100Trying) {
  // The Core answers inside receive_request: the stopped 100 Trying timer
  // leaves the worker's queue (it never fires, never wakes the worker), and
  // the retransmission timers armed later still run.
  auto config = loopback_config();
  config.manual_clock = clock_;
  start(std::move(config));
  core_.on_request = [this](const message::Message& request, std::optional<Transaction> t) {
    auto ringing = message::build_response(request, 180);
    ASSERT_TRUE(ringing.ok());
    ASSERT_TRUE(stack_->send_response(std::move(*ringing), t).ok());
    auto busy = message::build_response(request, 486);
    ASSERT_TRUE(busy.ok());
    ASSERT_TRUE(stack_->send_response(std::move(*busy), t).ok());
  };
  peer_.send_to(port_, make_request("INVITE", port_, "127.0.0.1:" + std::to_string(peer_.port()),
                                    "z9hG4bKinv2", "c-8b"));
  ASSERT_TRUE(core_.wait_requests(1));
  auto ringing = peer_.receive_message();
  ASSERT_TRUE(ringing.has_value());
  EXPECT_EQ(ringing->status_code(), 180);
  auto busy = peer_.receive_message();
  ASSERT_TRUE(busy.has_value());
  EXPECT_EQ(busy->status_code(), 486);
  advance(milliseconds(200));
  EXPECT_FALSE(peer_.receive(milliseconds(50)).has_value());  // no 100 Trying
  // Timer G (T1 = 500 ms) retransmits the 486 (§17.2.1).
  advance(milliseconds(300));
  auto again = peer_.receive_message();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status_code(), 486);
}

TEST_F(ClientTest, IcmpPortUnreachableReachesCoreOnceAsTransportError) {
  start(loopback_config());
  RawPeer gone;
  const auto port = gone.port();
  gone.close();  // nothing listens there now: ICMP port unreachable
  auto sent = stack_->send_request(request_to(port, "OPTIONS", "c-9"));
  ASSERT_TRUE(sent.ok());
  ASSERT_TRUE(core_.wait_errors(1));
  EXPECT_FALSE(core_.wait_errors(2, milliseconds(300)));
  const auto& error = core_.errors()[0];
  EXPECT_EQ(error.error.reason, transaction::ErrorReason::kTransportError);
  EXPECT_EQ(error.error.transport_error, std::errc::connection_refused);
  EXPECT_EQ(error.transaction, *sent);
}

TEST_F(ClientTest, HostNameTargetFromCoreCallbackIsResolvedWithoutBlocking) {
  // From a worker thread the name is resolved in the background; the
  // transaction exists at once and its request leaves once resolved.
  std::optional<message::Result<Transaction>> sent;
  core_.on_request = [&](const message::Message&, std::optional<Transaction>) {
    auto request =
        message::build_request("OPTIONS", "sip:peer@localhost:" + std::to_string(peer_.port()));
    (void)request->put(HeaderId::kFrom, "<sip:me@example.com>;tag=abc");
    (void)request->put(HeaderId::kTo, "<sip:peer@example.com>");
    (void)request->put(HeaderId::kCallId, "c-11-out");
    (void)request->put(HeaderId::kCSeq, "1 OPTIONS");
    sent.emplace(stack_->send_request(std::move(*request)));
  };
  start(loopback_config());
  RawPeer trigger;
  trigger.send_to(port_,
                  make_request("MESSAGE", port_, "127.0.0.1:" + std::to_string(trigger.port()),
                               "z9hG4bKtrig", "c-11"));
  ASSERT_TRUE(core_.wait_requests(1));
  ASSERT_TRUE(sent.has_value());
  ASSERT_TRUE(sent->ok()) << sent->error().reason;
  auto got = peer_.receive_message(milliseconds(5000));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->call_id(), "c-11-out");
  // Its response reaches the transaction created before resolution.
  peer_.send_to(port_, message::build_response(*got, 200)->to_string());
  ASSERT_TRUE(core_.wait_responses(1));
  ASSERT_TRUE(core_.responses()[0].transaction.has_value());
  EXPECT_EQ(*core_.responses()[0].transaction, sent->value());
}

TEST_F(ClientTest, TerminateEndsTransactionWithoutCallback) {
  start(loopback_config());
  auto sent = stack_->send_request(request_to(peer_.port(), "OPTIONS", "c-10"));
  ASSERT_TRUE(sent.ok());
  auto request = peer_.receive_message();
  ASSERT_TRUE(stack_->terminate(*sent).ok());
  EXPECT_FALSE(stack_->terminate(*sent).ok());
  // Its response now matches nothing: the Core gets it without a transaction.
  peer_.send_to(port_, message::build_response(*request, 200)->to_string());
  ASSERT_TRUE(core_.wait_responses(1));
  EXPECT_FALSE(core_.responses()[0].transaction.has_value());
  EXPECT_EQ(core_.error_count(), 0u);
}

}  // namespace
}  // namespace sippet::stack
