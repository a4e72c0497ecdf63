// Client non-INVITE transaction: every row of docs/transactions.md table "CN".
#include <gtest/gtest.h>

#include "harness.hpp"

namespace sippet::transaction::testing {
namespace {

using namespace std::chrono_literals;

class ClientNonInviteTest : public ::testing::Test {
 protected:
  ClientNonInviteTest() { f.method = "OPTIONS"; }
  TransactionId start(TransportInfo transport = udp()) {
    auto id = d.send_request(request(f), transport);
    EXPECT_TRUE(id.ok());
    return id.ok() ? *id : TransactionId{};
  }
  Fixture f;
  Driver d;
};

// CN1: request from the TU → Trying; send; E = T1 (unreliable), F = 64*T1.
TEST_F(ClientNonInviteTest, Cn1SendArmsEAndF) {
  TransactionId id = start();
  EXPECT_EQ(d.layer.state(id), State::kTrying);
  EXPECT_EQ(d.layer.kind(id), Kind::kClientNonInvite);
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  EXPECT_EQ(start_line(*first_of<SendMessage>(d.out)), "OPTIONS sip:bob@biloxi.com SIP/2.0");
  EXPECT_EQ(started(d.out, TimerId::kE)->after, 500ms);
  EXPECT_EQ(started(d.out, TimerId::kF)->after, 32000ms);
}

TEST_F(ClientNonInviteTest, Cn1ReliableHasNoTimerE) {
  start(tcp());
  EXPECT_EQ(started(d.out, TimerId::kE), nullptr);
  EXPECT_EQ(started(d.out, TimerId::kF)->after, 32000ms);
}

// CN2: Timer E in Trying → retransmit, E = MIN(2E, T2).
TEST_F(ClientNonInviteTest, Cn2TimerEDoublesAndCapsAtT2) {
  start();
  for (std::int64_t expected : {500, 1000, 2000, 4000, 4000, 4000}) {
    ASSERT_EQ(d.due_in(TimerId::kE), expected);
    d.advance(expected);
    ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
    EXPECT_TRUE(first_of<SendMessage>(d.out)->retransmission);
  }
}

// CN3: 1xx in Trying → Proceeding, to the TU; CN4: E in Proceeding → every T2.
TEST_F(ClientNonInviteTest, Cn3ProvisionalThenCn4RetransmitEveryT2) {
  TransactionId id = start();
  ASSERT_TRUE(d.receive_response(response(f, 100, "")).ok());
  EXPECT_EQ(d.layer.state(id), State::kProceeding);
  ASSERT_EQ(count_of<DeliverResponse>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverResponse>(d.out)->id, id);
  d.advance(500);  // E was armed at T1
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  EXPECT_EQ(d.due_in(TimerId::kE), 4000);
  d.advance(4000);
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  EXPECT_EQ(d.due_in(TimerId::kE), 4000);
}

// CN5: 1xx in Proceeding → to the TU.
TEST_F(ClientNonInviteTest, Cn5ProvisionalInProceeding) {
  start();
  ASSERT_TRUE(d.receive_response(response(f, 100, "")).ok());
  ASSERT_TRUE(d.receive_response(response(f, 180)).ok());
  EXPECT_EQ(count_of<DeliverResponse>(d.out), 1u);
}

// CN6: Timer F in Trying → timeout once, Terminated.
TEST_F(ClientNonInviteTest, Cn6TimerFInTrying) {
  TransactionId id = start();
  d.advance(32000);
  ASSERT_EQ(count_of<DeliverError>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverError>(d.out)->timer, TimerId::kF);
  EXPECT_EQ(first_of<DeliverError>(d.out)->id, id);
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_EQ(d.layer.size(), 0u);
}

// CN7: Timer F in Proceeding → timeout once, Terminated.
TEST_F(ClientNonInviteTest, Cn7TimerFInProceeding) {
  start();
  ASSERT_TRUE(d.receive_response(response(f, 100, "")).ok());
  d.advance(32000);
  ASSERT_EQ(count_of<DeliverError>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverError>(d.out)->reason, ErrorReason::kTimeout);
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  d.advance(100000);
  EXPECT_TRUE(d.out.empty());
}

// CN8: 200-699 in Trying → to the TU, Completed, K = T4.
TEST_F(ClientNonInviteTest, Cn8FinalInTrying) {
  TransactionId id = start();
  ASSERT_TRUE(d.receive_response(response(f, 200)).ok());
  EXPECT_EQ(d.layer.state(id), State::kCompleted);
  EXPECT_EQ(count_of<DeliverResponse>(d.out), 1u);
  EXPECT_TRUE(stopped(d.out, TimerId::kE));
  EXPECT_TRUE(stopped(d.out, TimerId::kF));
  EXPECT_EQ(started(d.out, TimerId::kK)->after, 5000ms);
}

// CN9: 200-699 in Proceeding → to the TU, Completed.
TEST_F(ClientNonInviteTest, Cn9FinalInProceeding) {
  TransactionId id = start();
  ASSERT_TRUE(d.receive_response(response(f, 100, "")).ok());
  ASSERT_TRUE(d.receive_response(response(f, 404)).ok());
  EXPECT_EQ(d.layer.state(id), State::kCompleted);
  EXPECT_EQ(count_of<DeliverResponse>(d.out), 1u);
  EXPECT_NE(started(d.out, TimerId::kK), nullptr);
}

// CN8 (reliable): K = 0: Terminated at once.
TEST_F(ClientNonInviteTest, Cn8ReliableTerminatesAtOnce) {
  start(tcp());
  ASSERT_TRUE(d.receive_response(response(f, 200)).ok());
  EXPECT_EQ(started(d.out, TimerId::kK), nullptr);
  EXPECT_EQ(count_of<DeliverResponse>(d.out), 1u);
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_EQ(d.layer.size(), 0u);
}

// CN10: any response in Completed → absorbed.
TEST_F(ClientNonInviteTest, Cn10RetransmissionsAbsorbed) {
  start();
  ASSERT_TRUE(d.receive_response(response(f, 200)).ok());
  ASSERT_TRUE(d.receive_response(response(f, 200)).ok());
  EXPECT_TRUE(d.out.empty());
  ASSERT_TRUE(d.receive_response(response(f, 100, "")).ok());
  EXPECT_TRUE(d.out.empty());
  d.advance(4000);  // no E retransmission any more
  EXPECT_TRUE(d.out.empty());
}

// CN11: Timer K → Terminated.
TEST_F(ClientNonInviteTest, Cn11TimerKTerminates) {
  start();
  ASSERT_TRUE(d.receive_response(response(f, 200)).ok());
  d.advance(5000);
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_EQ(count_of<DeliverError>(d.out), 0u);
  EXPECT_EQ(d.layer.size(), 0u);
}

// CN12: transport error → error once, Terminated.
TEST_F(ClientNonInviteTest, Cn12TransportError) {
  TransactionId id = start();
  ASSERT_TRUE(d.receive_response(response(f, 100, "")).ok());
  ASSERT_TRUE(d.transport_error(id));
  ASSERT_EQ(count_of<DeliverError>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverError>(d.out)->reason, ErrorReason::kTransportError);
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_FALSE(d.transport_error(id));
}

}  // namespace
}  // namespace sippet::transaction::testing
