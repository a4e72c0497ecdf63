// Client INVITE transaction: every row of docs/transactions.md table "CI".
#include <gtest/gtest.h>

#include "harness.hpp"
#include "sippet/message/message.hpp"

namespace sippet::transaction::testing {
namespace {

using namespace std::chrono_literals;

class ClientInviteTest : public ::testing::Test {
 protected:
  TransactionId start(TransportInfo transport = udp()) {
    auto id = d.send_request(request(f), transport);
    EXPECT_TRUE(id.ok());
    return id.ok() ? *id : TransactionId{};
  }
  Fixture f;
  Driver d;
};

// CI1: INVITE from the TU → Calling; send; A = T1 (unreliable), B = 64*T1.
TEST_F(ClientInviteTest, Ci1SendArmsAAndB) {
  TransactionId id = start();
  EXPECT_EQ(d.layer.state(id), State::kCalling);
  EXPECT_EQ(d.layer.kind(id), Kind::kClientInvite);
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  const SendMessage& send = *first_of<SendMessage>(d.out);
  EXPECT_EQ(start_line(send), "INVITE sip:bob@biloxi.com SIP/2.0");
  EXPECT_FALSE(send.retransmission);
  EXPECT_EQ(send.destination, udp());
  ASSERT_NE(started(d.out, TimerId::kA), nullptr);
  EXPECT_EQ(started(d.out, TimerId::kA)->after, 500ms);
  ASSERT_NE(started(d.out, TimerId::kB), nullptr);
  EXPECT_EQ(started(d.out, TimerId::kB)->after, 32000ms);
  EXPECT_EQ(d.layer.size(), 1u);
}

// CI1 (reliable): no Timer A.
TEST_F(ClientInviteTest, Ci1ReliableHasNoTimerA) {
  start(tcp());
  EXPECT_EQ(started(d.out, TimerId::kA), nullptr);
  EXPECT_NE(started(d.out, TimerId::kB), nullptr);
  EXPECT_EQ(first_of<SendMessage>(d.out)->destination, tcp());
}

// CI2: Timer A in Calling → retransmit, A doubles with no cap.
TEST_F(ClientInviteTest, Ci2TimerARetransmitsDoublingWithoutCap) {
  start();
  std::int64_t expected = 500;
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(d.due_in(TimerId::kA), expected);
    d.advance(expected);
    ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
    EXPECT_TRUE(first_of<SendMessage>(d.out)->retransmission);
    EXPECT_EQ(start_line(*first_of<SendMessage>(d.out)), "INVITE sip:bob@biloxi.com SIP/2.0");
    expected *= 2;
  }
  EXPECT_EQ(d.due_in(TimerId::kA), 16000);  // beyond T2: no cap for A
}

// CI3: Timer B in Calling → timeout to the TU once, Terminated.
TEST_F(ClientInviteTest, Ci3TimerBTimesOutOnce) {
  TransactionId id = start();
  d.advance(32000);
  auto errors = all_of<DeliverError>(d.out);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0]->reason, ErrorReason::kTimeout);
  EXPECT_EQ(errors[0]->timer, TimerId::kB);
  EXPECT_EQ(errors[0]->id, id);
  EXPECT_EQ(errors[0]->key.branch, f.branch);
  ASSERT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_TRUE(std::holds_alternative<Terminated>(d.out.back()));
  EXPECT_EQ(d.layer.size(), 0u);
  EXPECT_EQ(d.layer.state(id), std::nullopt);
  d.advance(100000);
  EXPECT_TRUE(d.out.empty());
}

// CI4: 1xx in Calling → Proceeding, to the TU, A and B stop.
TEST_F(ClientInviteTest, Ci4ProvisionalMovesToProceeding) {
  TransactionId id = start();
  auto a = started(d.out, TimerId::kA)->handle;
  ASSERT_TRUE(d.receive_response(response(f, 180)).ok());
  EXPECT_EQ(d.layer.state(id), State::kProceeding);
  ASSERT_EQ(count_of<DeliverResponse>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverResponse>(d.out)->id, id);
  EXPECT_EQ(first_of<DeliverResponse>(d.out)->response.status_code(), 180);
  EXPECT_TRUE(stopped(d.out, TimerId::kA));
  EXPECT_TRUE(stopped(d.out, TimerId::kB));
  // A stale firing of A is ignored.
  Actions out;
  EXPECT_FALSE(d.layer.on_timer(a, out));
  EXPECT_TRUE(out.empty());
  d.advance(64000);
  EXPECT_EQ(count_of<SendMessage>(d.out), 0u);
  EXPECT_EQ(d.layer.state(id), State::kProceeding);
}

// CI5: 1xx in Proceeding → to the TU.
TEST_F(ClientInviteTest, Ci5ProvisionalInProceedingGoesToCore) {
  TransactionId id = start();
  ASSERT_TRUE(d.receive_response(response(f, 100, "")).ok());
  ASSERT_TRUE(d.receive_response(response(f, 183)).ok());
  ASSERT_EQ(count_of<DeliverResponse>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverResponse>(d.out)->response.status_code(), 183);
  EXPECT_EQ(d.layer.state(id), State::kProceeding);
}

// CI6: 2xx in Calling → to the TU, Accepted, Timer M; no ACK from the transaction.
TEST_F(ClientInviteTest, Ci6SuccessInCallingIsAccepted) {
  TransactionId id = start();
  ASSERT_TRUE(d.receive_response(response(f, 200)).ok());
  EXPECT_EQ(d.layer.state(id), State::kAccepted);
  EXPECT_EQ(count_of<SendMessage>(d.out), 0u);
  ASSERT_EQ(count_of<DeliverResponse>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverResponse>(d.out)->id, id);
  EXPECT_TRUE(stopped(d.out, TimerId::kA));
  EXPECT_TRUE(stopped(d.out, TimerId::kB));
  ASSERT_NE(started(d.out, TimerId::kM), nullptr);
  EXPECT_EQ(started(d.out, TimerId::kM)->after, 32000ms);
}

// CI7: 2xx in Proceeding → to the TU, Accepted.
TEST_F(ClientInviteTest, Ci7SuccessInProceedingIsAccepted) {
  TransactionId id = start();
  ASSERT_TRUE(d.receive_response(response(f, 180)).ok());
  ASSERT_TRUE(d.receive_response(response(f, 200)).ok());
  EXPECT_EQ(d.layer.state(id), State::kAccepted);
  EXPECT_EQ(count_of<DeliverResponse>(d.out), 1u);
  EXPECT_NE(started(d.out, TimerId::kM), nullptr);
}

// CI8: 2xx in Accepted (retransmission or fork) → to the TU with the transaction.
TEST_F(ClientInviteTest, Ci8SuccessRetransmissionsReachCore) {
  TransactionId id = start();
  ASSERT_TRUE(d.receive_response(response(f, 200)).ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(d.receive_response(response(f, 200)).ok());
    ASSERT_EQ(count_of<DeliverResponse>(d.out), 1u);
    EXPECT_EQ(first_of<DeliverResponse>(d.out)->id, id);
    EXPECT_EQ(count_of<SendMessage>(d.out), 0u);
  }
}

// CI9: 300-699 in Accepted → absorbed.
TEST_F(ClientInviteTest, Ci9ErrorInAcceptedIsAbsorbed) {
  start();
  ASSERT_TRUE(d.receive_response(response(f, 200)).ok());
  ASSERT_TRUE(d.receive_response(response(f, 486)).ok());
  EXPECT_TRUE(d.out.empty());
}

// CI10: Timer M in Accepted → Terminated; later 2xx reach the Core with no transaction.
TEST_F(ClientInviteTest, Ci10TimerMTerminates) {
  start();
  ASSERT_TRUE(d.receive_response(response(f, 200)).ok());
  d.advance(32000);
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_EQ(count_of<DeliverError>(d.out), 0u);
  EXPECT_EQ(d.layer.size(), 0u);
  ASSERT_TRUE(d.receive_response(response(f, 200)).ok());
  ASSERT_EQ(count_of<DeliverResponse>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverResponse>(d.out)->id, std::nullopt);
}

// CI11: 300-699 in Calling → ACK (§17.1.1.3), to the TU, Completed, Timer D.
TEST_F(ClientInviteTest, Ci11ErrorInCallingSendsAckAndCompletes) {
  f.routes = "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n";
  TransactionId id = start();
  ASSERT_TRUE(d.receive_response(response(f, 486, "xyz")).ok());
  EXPECT_EQ(d.layer.state(id), State::kCompleted);
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  const SendMessage& ack_send = *first_of<SendMessage>(d.out);
  EXPECT_FALSE(ack_send.retransmission);
  EXPECT_EQ(ack_send.destination, udp());
  message::Message ack = parse(*ack_send.bytes);
  EXPECT_EQ(ack.request_line().method, message::Method::kAck);
  EXPECT_EQ(ack.request_line().uri.text, "sip:bob@biloxi.com");
  EXPECT_EQ(ack.count(message::HeaderId::kVia), 1u);
  EXPECT_EQ(ack.top_via()->branch, f.branch);
  EXPECT_EQ(ack.to()->tag(), "xyz");
  EXPECT_EQ(ack.from()->tag(), "1928301774");
  EXPECT_EQ(ack.call_id(), "a84b4c76e66710@pc33.atlanta.com");
  EXPECT_EQ(ack.cseq()->seq, 314159u);
  EXPECT_EQ(ack.cseq()->method, message::Method::kAck);
  auto routes = ack.get_all(message::HeaderId::kRoute);
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0]->value, "<sip:p1.example.com;lr>");
  EXPECT_EQ(routes[1]->value, "<sip:p2.example.com;lr>");
  ASSERT_EQ(count_of<DeliverResponse>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverResponse>(d.out)->response.status_code(), 486);
  EXPECT_TRUE(stopped(d.out, TimerId::kA));
  EXPECT_TRUE(stopped(d.out, TimerId::kB));
  ASSERT_NE(started(d.out, TimerId::kD), nullptr);
  EXPECT_EQ(started(d.out, TimerId::kD)->after, 32000ms);
}

// CI12: 300-699 in Proceeding → ACK, to the TU, Completed.
TEST_F(ClientInviteTest, Ci12ErrorInProceedingSendsAck) {
  TransactionId id = start();
  ASSERT_TRUE(d.receive_response(response(f, 180)).ok());
  ASSERT_TRUE(d.receive_response(response(f, 603)).ok());
  EXPECT_EQ(d.layer.state(id), State::kCompleted);
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  EXPECT_EQ(start_line(*first_of<SendMessage>(d.out)), "ACK sip:bob@biloxi.com SIP/2.0");
  EXPECT_EQ(count_of<DeliverResponse>(d.out), 1u);
}

// CI12 (reliable): Timer D is 0: Terminated at once after the ACK.
TEST_F(ClientInviteTest, Ci12ReliableTerminatesAtOnce) {
  start(tcp());
  ASSERT_TRUE(d.receive_response(response(f, 404)).ok());
  EXPECT_EQ(started(d.out, TimerId::kD), nullptr);
  EXPECT_EQ(count_of<SendMessage>(d.out), 1u);
  EXPECT_EQ(count_of<DeliverResponse>(d.out), 1u);
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_TRUE(std::holds_alternative<Terminated>(d.out.back()));
  EXPECT_EQ(d.layer.size(), 0u);
}

// CI12 (config): Timer D follows timer_d when above 32 s.
TEST(ClientInviteConfig, TimerDFromConfig) {
  TimerConfig c;
  c.timer_d = 40000ms;
  Driver d(c);
  Fixture f;
  ASSERT_TRUE(d.send_request(request(f)).ok());
  ASSERT_TRUE(d.receive_response(response(f, 500)).ok());
  EXPECT_EQ(started(d.out, TimerId::kD)->after, 40000ms);
}

// CI13: 300-699 retransmitted in Completed → ACK resent, not to the TU.
TEST_F(ClientInviteTest, Ci13RetransmittedErrorResendsAck) {
  start();
  ASSERT_TRUE(d.receive_response(response(f, 486)).ok());
  const std::string first_ack = *first_of<SendMessage>(d.out)->bytes;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(d.receive_response(response(f, 486)).ok());
    ASSERT_EQ(d.out.size(), 1u);
    const SendMessage* send = first_of<SendMessage>(d.out);
    ASSERT_NE(send, nullptr);
    EXPECT_TRUE(send->retransmission);
    EXPECT_EQ(*send->bytes, first_ack);
  }
  // 1xx and 2xx in Completed are absorbed.
  ASSERT_TRUE(d.receive_response(response(f, 180)).ok());
  EXPECT_TRUE(d.out.empty());
}

// CI14: Timer D in Completed → Terminated.
TEST_F(ClientInviteTest, Ci14TimerDTerminates) {
  TransactionId id = start();
  ASSERT_TRUE(d.receive_response(response(f, 486)).ok());
  d.advance(31999);
  EXPECT_EQ(d.layer.state(id), State::kCompleted);
  d.advance(1);
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_EQ(count_of<DeliverError>(d.out), 0u);
  EXPECT_EQ(d.layer.size(), 0u);
}

// CI15: transport error in Calling → error to the TU once, Terminated.
TEST_F(ClientInviteTest, Ci15TransportErrorReportedOnce) {
  TransactionId id = start();
  ASSERT_TRUE(d.transport_error(id));
  ASSERT_EQ(count_of<DeliverError>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverError>(d.out)->reason, ErrorReason::kTransportError);
  EXPECT_EQ(first_of<DeliverError>(d.out)->timer, std::nullopt);
  EXPECT_TRUE(stopped(d.out, TimerId::kA));
  EXPECT_TRUE(stopped(d.out, TimerId::kB));
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_FALSE(d.transport_error(id));
  EXPECT_TRUE(d.out.empty());
  d.advance(64000);
  EXPECT_TRUE(d.out.empty());
}

// CI16: build_cancel in Calling/Proceeding; refused once final.
TEST_F(ClientInviteTest, Ci16BuildCancelWhilePending) {
  TransactionId id = start();
  ASSERT_TRUE(d.receive_response(response(f, 180)).ok());
  auto cancel = d.layer.build_cancel(id);
  ASSERT_TRUE(cancel.ok());
  EXPECT_EQ(cancel->request_line().method, message::Method::kCancel);
  EXPECT_EQ(cancel->top_via()->branch, f.branch);
  // The CANCEL gets its own client transaction.
  auto cancel_id = d.send_request(std::move(*cancel));
  ASSERT_TRUE(cancel_id.ok());
  EXPECT_EQ(d.layer.kind(*cancel_id), Kind::kClientNonInvite);
  EXPECT_EQ(d.layer.size(), 2u);
  // 200 to CANCEL goes to the CANCEL transaction, 487 to the INVITE's.
  Fixture fc = f;
  fc.method = "CANCEL";
  ASSERT_TRUE(d.receive_response(response(fc, 200)).ok());
  EXPECT_EQ(first_of<DeliverResponse>(d.out)->id, *cancel_id);
  ASSERT_TRUE(d.receive_response(response(f, 487)).ok());
  EXPECT_EQ(first_of<DeliverResponse>(d.out)->id, id);
  auto refused = d.layer.build_cancel(id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reason, kErrNotPendingInvite);
}

}  // namespace
}  // namespace sippet::transaction::testing
