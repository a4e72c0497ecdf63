// Server non-INVITE transaction: every row of docs/transactions.md table "SN".
#include <gtest/gtest.h>

#include "harness.hpp"

namespace sippet::transaction::testing {
namespace {

using namespace std::chrono_literals;

class ServerNonInviteTest : public ::testing::Test {
 protected:
  ServerNonInviteTest() { f.method = "OPTIONS"; }
  TransactionId start(TransportInfo transport = udp()) {
    EXPECT_TRUE(d.receive_request(request(f), transport).ok());
    const DeliverRequest* delivered = first_of<DeliverRequest>(d.out);
    EXPECT_NE(delivered, nullptr);
    return delivered != nullptr && delivered->id ? *delivered->id : TransactionId{};
  }
  void respond(TransactionId id, int code) {
    auto sent = d.send_response(response(f, code), id);
    ASSERT_TRUE(sent.ok()) << sent.error().reason;
  }
  Fixture f;
  Driver d;
};

// SN1: request from the transport → Trying, to the TU; no timer, nothing sent.
TEST_F(ServerNonInviteTest, Sn1NewRequestDelivered) {
  TransactionId id = start();
  EXPECT_EQ(d.layer.state(id), State::kTrying);
  EXPECT_EQ(d.layer.kind(id), Kind::kServerNonInvite);
  EXPECT_EQ(d.out.size(), 1u);
  EXPECT_EQ(d.layer.key_of(id)->method, "OPTIONS");
}

// SN2: retransmission in Trying → absorbed.
TEST_F(ServerNonInviteTest, Sn2RetransmissionInTryingAbsorbed) {
  start();
  ASSERT_TRUE(d.receive_request(request(f)).ok());
  EXPECT_TRUE(d.out.empty());
}

// SN3: 1xx from the TU → sent, Proceeding; SN4: retransmission → last 1xx;
// SN5: another 1xx → sent.
TEST_F(ServerNonInviteTest, Sn3ProvisionalThenSn4Retransmission) {
  TransactionId id = start();
  respond(id, 100);
  EXPECT_EQ(d.layer.state(id), State::kProceeding);
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  respond(id, 180);
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  ASSERT_TRUE(d.receive_request(request(f)).ok());
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  EXPECT_TRUE(first_of<SendMessage>(d.out)->retransmission);
  EXPECT_EQ(start_line(*first_of<SendMessage>(d.out)), "SIP/2.0 180 Reason");
}

// SN6: 200-699 from the TU in Trying → sent, Completed, J = 64*T1.
TEST_F(ServerNonInviteTest, Sn6FinalInTrying) {
  TransactionId id = start();
  respond(id, 200);
  EXPECT_EQ(d.layer.state(id), State::kCompleted);
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  EXPECT_EQ(started(d.out, TimerId::kJ)->after, 32000ms);
}

// SN7: 200-699 from the TU in Proceeding → sent, Completed.
TEST_F(ServerNonInviteTest, Sn7FinalInProceeding) {
  TransactionId id = start();
  respond(id, 100);
  respond(id, 404);
  EXPECT_EQ(d.layer.state(id), State::kCompleted);
  EXPECT_NE(started(d.out, TimerId::kJ), nullptr);
}

// SN6 (reliable): J = 0: Terminated at once.
TEST_F(ServerNonInviteTest, Sn6ReliableTerminatesAtOnce) {
  TransactionId id = start(tcp());
  respond(id, 200);
  EXPECT_EQ(started(d.out, TimerId::kJ), nullptr);
  EXPECT_EQ(count_of<SendMessage>(d.out), 1u);
  EXPECT_EQ(first_of<SendMessage>(d.out)->destination, tcp());
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_EQ(d.layer.size(), 0u);
}

// SN8: retransmission in Completed → resend the final.
TEST_F(ServerNonInviteTest, Sn8RetransmissionInCompleted) {
  TransactionId id = start();
  respond(id, 200);
  ASSERT_TRUE(d.receive_request(request(f)).ok());
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  EXPECT_EQ(start_line(*first_of<SendMessage>(d.out)), "SIP/2.0 200 Reason");
  EXPECT_TRUE(first_of<SendMessage>(d.out)->retransmission);
  EXPECT_EQ(count_of<DeliverRequest>(d.out), 0u);
}

// SN9: a response from the TU in Completed → refused.
TEST_F(ServerNonInviteTest, Sn9ResponseInCompletedRefused) {
  TransactionId id = start();
  respond(id, 200);
  auto refused = d.send_response(response(f, 500), id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, message::ErrorKind::kWrongState);
  EXPECT_TRUE(d.out.empty());
}

// SN10: Timer J → Terminated.
TEST_F(ServerNonInviteTest, Sn10TimerJTerminates) {
  TransactionId id = start();
  respond(id, 200);
  d.advance(32000);
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_EQ(count_of<DeliverError>(d.out), 0u);
  EXPECT_EQ(d.layer.state(id), std::nullopt);
  // A retransmission now is a new request for the Core.
  ASSERT_TRUE(d.receive_request(request(f)).ok());
  EXPECT_EQ(count_of<DeliverRequest>(d.out), 1u);
}

// SN11: transport error → error once, Terminated.
TEST_F(ServerNonInviteTest, Sn11TransportError) {
  TransactionId id = start();
  respond(id, 100);
  ASSERT_TRUE(d.transport_error(id));
  ASSERT_EQ(count_of<DeliverError>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverError>(d.out)->reason, ErrorReason::kTransportError);
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_FALSE(d.transport_error(id));
  EXPECT_EQ(d.layer.size(), 0u);
}

}  // namespace
}  // namespace sippet::transaction::testing
