// Stack::metrics() over loopback: what arrives, what leaves, what fails and
// what the transactions do is counted. Waits are for messages (a later
// message from the same peer shows that an earlier one was handled), SIP
// timers run on a manual clock.
#include <gtest/gtest.h>

#include "../../../src/stack/worker_metrics.hpp"
#include "sippet/message/builder.hpp"
#include "test_peer.hpp"

namespace sippet::stack {
namespace {

using message::ErrorKind;
using message::HeaderId;
using message::Method;
using std::chrono::milliseconds;
using testing::loopback_config;
using testing::make_request;
using testing::RawPeer;
using testing::RecordingCore;
using transaction::Kind;

class MetricsTest : public ::testing::Test {
 protected:
  void start(StackConfig config) {
    auto created = Stack::create(std::move(config), core_);
    ASSERT_TRUE(created.ok()) << created.error().reason;
    stack_ = std::move(created).value();
    port_ = stack_->local_endpoints().front().port();
  }
  std::string sent_by() const { return "127.0.0.1:" + std::to_string(peer_.port()); }
  std::string request(std::string_view method, std::string_view branch, std::string_view call_id) {
    return make_request(method, port_, sent_by(), branch, call_id);
  }
  // Sends an OPTIONS and waits until the Core has it: everything the peer
  // sent before has been handled by then (one socket, one receive thread).
  void sync(std::string_view call_id) {
    const std::size_t before = core_.request_count();
    peer_.send_to(port_,
                  request("OPTIONS", std::string("z9hG4bKsync") + std::string(call_id), call_id));
    ASSERT_TRUE(core_.wait_requests(before + 1));
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

TEST_F(MetricsTest, StartsAtZero) {
  start(loopback_config(2));
  const MetricsSnapshot m = stack_->metrics();
  EXPECT_EQ(m.workers, 2u);
  for (auto n : m.received.requests)
    EXPECT_EQ(n, 0u);
  for (auto n : m.sent.responses)
    EXPECT_EQ(n, 0u);
  EXPECT_EQ(m.alive(Kind::kServerNonInvite), 0u);
}

TEST_F(MetricsTest, RequestInAndResponseOutAreCountedByMethodAndClass) {
  start(loopback_config());
  peer_.send_to(port_, request("OPTIONS", "z9hG4bKm1", "m-1"));
  ASSERT_TRUE(core_.wait_requests(1));
  auto response = message::build_response(core_.requests()[0].message, 200);
  ASSERT_TRUE(stack_->send_response(std::move(*response), core_.requests()[0].transaction).ok());
  ASSERT_TRUE(peer_.receive_message().has_value());

  const MetricsSnapshot m = stack_->metrics();
  EXPECT_EQ(m.received.request(Method::kOptions), 1u);
  EXPECT_EQ(m.received.request(Method::kInvite), 0u);
  EXPECT_EQ(m.sent.response_class(2), 1u);
  EXPECT_EQ(m.sent.response_class(1), 0u);
  EXPECT_EQ(m.retransmitted.response_class(2), 0u);
  EXPECT_EQ(m.alive(Kind::kServerNonInvite), 1u);  // Timer J keeps it
  EXPECT_EQ(m.created(Kind::kServerNonInvite), 1u);
  EXPECT_EQ(m.dispatch(Dispatch::kOwn), 1u);

  // The retransmitted request is received again and its response resent.
  peer_.send_to(port_, request("OPTIONS", "z9hG4bKm1", "m-1"));
  ASSERT_TRUE(peer_.receive_message().has_value());
  sync("m-2");
  const MetricsSnapshot again = stack_->metrics();
  EXPECT_EQ(again.received.request(Method::kOptions), 3u);  // with the sync
  EXPECT_EQ(again.sent.response_class(2), 2u);
  EXPECT_EQ(again.retransmitted.response_class(2), 1u);
  EXPECT_EQ(again.created(Kind::kServerNonInvite), 2u);
}

TEST_F(MetricsTest, ExtensionMethodsCountAsOther) {
  start(loopback_config());
  peer_.send_to(port_, request("FOO", "z9hG4bKfoo", "m-foo"));
  ASSERT_TRUE(core_.wait_requests(1));
  EXPECT_EQ(stack_->metrics().received.request(Method::kExtension), 1u);
}

TEST_F(MetricsTest, GarbageCountsAParseFailure) {
  start(loopback_config());
  const std::string garbage = "this is not SIP\r\n\r\n";
  const auto parsed = message::parse_message(garbage);
  ASSERT_FALSE(parsed.ok());
  peer_.send_to(port_, garbage);
  sync("m-3");
  const MetricsSnapshot m = stack_->metrics();
  std::uint64_t failures = 0;
  for (auto n : m.parse_failures)
    failures += n;
  EXPECT_EQ(failures, 1u);
  EXPECT_EQ(m.parse_failure(parsed.error().kind), 1u);
  EXPECT_EQ(m.received.request(Method::kOptions), 1u);  // the sync only
}

TEST_F(MetricsTest, InvalidRequestCountsAValidationFailureAndItsAnswer) {
  start(loopback_config());
  std::string text = request("OPTIONS", "z9hG4bKbad", "m-4");
  text.replace(text.find("sip:uas@"), 8, "foo:uas@");  // §8.2.2.1: 416
  peer_.send_to(port_, text);
  auto answer = peer_.receive_message();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status_code(), 416);
  sync("m-5");
  const MetricsSnapshot m = stack_->metrics();
  EXPECT_EQ(m.validation_failure(ErrorKind::kUnsupportedScheme), 1u);
  EXPECT_EQ(m.received.request(Method::kOptions), 2u);  // parsed, then refused; the sync
  EXPECT_EQ(m.sent.response_class(4), 1u);
}

TEST_F(MetricsTest, ResponseWithAForeignViaIsDiscardedAndCounted) {
  start(loopback_config());
  std::string text =
      "SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKforeign\r\n"
      "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\n"
      "Call-ID: m-6\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
  peer_.send_to(port_, text);
  sync("m-7");
  const MetricsSnapshot m = stack_->metrics();
  EXPECT_EQ(m.responses_discarded, 1u);
  EXPECT_EQ(m.received.response_class(2), 1u);
  EXPECT_EQ(core_.response_count(), 0u);
}

message::Message options_to(std::uint16_t port, std::string_view call_id) {
  auto request = message::build_request("OPTIONS", "sip:peer@127.0.0.1:" + std::to_string(port));
  EXPECT_TRUE(request.ok());
  (void)request->put(HeaderId::kFrom, "<sip:me@example.com>;tag=abc");
  (void)request->put(HeaderId::kTo, "<sip:peer@example.com>");
  (void)request->put(HeaderId::kCallId, call_id);
  (void)request->put(HeaderId::kCSeq, "1 OPTIONS");
  (void)request->put(HeaderId::kMaxForwards, "70");
  return std::move(request).value();
}

TEST_F(MetricsTest, ClientTimeoutCountsRetransmissionsTimersAndTheOutcome) {
  auto config = loopback_config();
  config.manual_clock = clock_;
  start(std::move(config));
  auto sent = stack_->send_request(options_to(peer_.port(), "m-8"));
  ASSERT_TRUE(sent.ok());
  ASSERT_TRUE(peer_.receive().has_value());
  EXPECT_EQ(stack_->metrics().alive(Kind::kClientNonInvite), 1u);
  // Timer E at 500, 1500, 3500, 7500, then every 4 s; Timer F at 32 s.
  for (int i = 0; i < 64; ++i)
    advance(milliseconds(500));
  ASSERT_TRUE(core_.wait_errors(1));
  const MetricsSnapshot m = stack_->metrics();
  EXPECT_EQ(m.timer_fired(transaction::TimerId::kF), 1u);
  const std::uint64_t retransmissions = m.timer_fired(transaction::TimerId::kE);
  EXPECT_GE(retransmissions, 4u);
  EXPECT_EQ(m.retransmitted.request(Method::kOptions), retransmissions);
  EXPECT_EQ(m.sent.request(Method::kOptions), retransmissions + 1);
  EXPECT_EQ(m.alive(Kind::kClientNonInvite), 0u);
  EXPECT_EQ(m.ended(Kind::kClientNonInvite, TransactionOutcome::kTimeout), 1u);
  EXPECT_EQ(m.ended(Kind::kClientNonInvite, TransactionOutcome::kCompleted), 0u);
  EXPECT_EQ(m.created(Kind::kClientNonInvite), 1u);
}

TEST_F(MetricsTest, IcmpErrorCountsATransportErrorAndTheOutcome) {
  start(loopback_config());
  RawPeer gone;
  const auto port = gone.port();
  gone.close();  // ICMP port unreachable
  ASSERT_TRUE(stack_->send_request(options_to(port, "m-9")).ok());
  ASSERT_TRUE(core_.wait_errors(1));
  const MetricsSnapshot m = stack_->metrics();
  EXPECT_EQ(m.transport_error(TransportErrorSource::kReported), 1u);
  EXPECT_EQ(m.ended(Kind::kClientNonInvite, TransactionOutcome::kTransportError), 1u);
}

TEST_F(MetricsTest, TerminateCountsATerminatedTransaction) {
  start(loopback_config());
  peer_.send_to(port_, request("INVITE", "z9hG4bKinv", "m-10"));
  ASSERT_TRUE(core_.wait_requests(1));
  EXPECT_EQ(stack_->metrics().alive(Kind::kServerInvite), 1u);
  ASSERT_TRUE(stack_->terminate(*core_.requests()[0].transaction).ok());
  const MetricsSnapshot m = stack_->metrics();
  EXPECT_EQ(m.alive(Kind::kServerInvite), 0u);
  EXPECT_EQ(m.ended(Kind::kServerInvite, TransactionOutcome::kTerminated), 1u);
  EXPECT_EQ(m.received.request(Method::kInvite), 1u);
}

TEST_F(MetricsTest, CompletedTransactionsAndStatelessSends) {
  auto config = loopback_config();
  config.manual_clock = clock_;
  start(std::move(config));
  peer_.send_to(port_, request("OPTIONS", "z9hG4bKdone", "m-11"));
  ASSERT_TRUE(core_.wait_requests(1));
  auto response = message::build_response(core_.requests()[0].message, 404);
  ASSERT_TRUE(stack_->send_response(std::move(*response), core_.requests()[0].transaction).ok());
  ASSERT_TRUE(peer_.receive_message().has_value());
  advance(milliseconds(32000));  // Timer J
  // A stateless 200 (as a proxy would send it).
  auto stateless = message::build_response(core_.requests()[0].message, 200);
  ASSERT_TRUE(stack_->send_stateless(*stateless).ok());
  ASSERT_TRUE(peer_.receive_message().has_value());
  const MetricsSnapshot m = stack_->metrics();
  EXPECT_EQ(m.timer_fired(transaction::TimerId::kJ), 1u);
  EXPECT_EQ(m.ended(Kind::kServerNonInvite, TransactionOutcome::kCompleted), 1u);
  EXPECT_EQ(m.alive(Kind::kServerNonInvite), 0u);
  EXPECT_EQ(m.sent.response_class(4), 1u);
  EXPECT_EQ(m.sent.response_class(2), 1u);
}

TEST_F(MetricsTest, EveryReceivedMessageIsDispatchedOnceAcrossWorkers) {
  start(loopback_config(4));
  constexpr int kRequests = 40;
  for (int i = 0; i < kRequests; ++i)
    peer_.send_to(port_,
                  request("OPTIONS", "z9hG4bKw" + std::to_string(i), "m-w" + std::to_string(i)));
  ASSERT_TRUE(core_.wait_requests(kRequests));
  const MetricsSnapshot m = stack_->metrics();
  EXPECT_EQ(m.received.request(Method::kOptions), std::uint64_t{kRequests});
  EXPECT_EQ(
      m.dispatch(Dispatch::kOwn) + m.dispatch(Dispatch::kInline) + m.dispatch(Dispatch::kPosted),
      std::uint64_t{kRequests});
  EXPECT_EQ(m.created(Kind::kServerNonInvite), std::uint64_t{kRequests});
}

// A server INVITE transaction in Accepted outlives its transport error
// (RFC 6026 §8.8): the failure is remembered until its Terminated.
TEST(LayerCounters, AFailureCountsWhenItsTransactionEndsLater) {
  LayerCounters counters;
  transaction::TransactionKey invite;
  invite.role = transaction::Role::kServer;
  invite.method = "INVITE";
  const transaction::TransactionId failed{3, 1}, other{4, 1};
  counters.transaction_failed(
      transaction::DeliverError{failed, transaction::ErrorReason::kTransportError, {}, invite});
  counters.transaction_ended(transaction::Terminated{other, invite}, false);
  counters.transaction_ended(transaction::Terminated{failed, invite}, false);
  counters.transaction_ended(transaction::Terminated{failed, invite}, false);  // slot reused
  MetricsSnapshot m;
  counters.add_to(m);
  EXPECT_EQ(m.ended(Kind::kServerInvite, TransactionOutcome::kTransportError), 1u);
  EXPECT_EQ(m.ended(Kind::kServerInvite, TransactionOutcome::kCompleted), 2u);
}

}  // namespace
}  // namespace sippet::stack
