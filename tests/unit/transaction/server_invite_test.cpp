// Server INVITE transaction: every row of docs/transactions.md table "SI".
#include <gtest/gtest.h>

#include "harness.hpp"

namespace sippet::transaction::testing {
namespace {

using namespace std::chrono_literals;

class ServerInviteTest : public ::testing::Test {
 protected:
  TransactionId start(TransportInfo transport = udp()) {
    EXPECT_TRUE(d.receive_request(request(f), transport).ok());
    const DeliverRequest* delivered = first_of<DeliverRequest>(d.out);
    EXPECT_NE(delivered, nullptr);
    if (delivered == nullptr || !delivered->id) return TransactionId{};
    transport_ = transport;
    return *delivered->id;
  }
  message::Message ack(std::string_view to_tag = "a6c85cf") {
    Fixture a = f;
    a.method = "ACK";
    a.to_tag = std::string(to_tag);
    return request(a);
  }
  void respond(TransactionId id, int code) {
    auto sent = d.send_response(response(f, code), id);
    ASSERT_TRUE(sent.ok()) << sent.error().reason;
  }
  Fixture f;
  Driver d;
  TransportInfo transport_;
};

// SI1: INVITE from the transport → Proceeding, Trying timer (200 ms), to the TU.
TEST_F(ServerInviteTest, Si1NewInviteDeliveredWithTransaction) {
  TransactionId id = start();
  EXPECT_EQ(d.layer.state(id), State::kProceeding);
  EXPECT_EQ(d.layer.kind(id), Kind::kServerInvite);
  EXPECT_EQ(d.layer.size(), 1u);
  ASSERT_NE(started(d.out, TimerId::kTrying), nullptr);
  EXPECT_EQ(started(d.out, TimerId::kTrying)->after, 200ms);
  EXPECT_EQ(count_of<SendMessage>(d.out), 0u);
  const DeliverRequest* delivered = first_of<DeliverRequest>(d.out);
  EXPECT_EQ(delivered->request.request_line().method, message::Method::kInvite);
  const TransactionKey* key = d.layer.key_of(id);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->role, Role::kServer);
  EXPECT_EQ(key->branch, f.branch);
  EXPECT_EQ(key->sent_by, "pc33.atlanta.com");
  EXPECT_EQ(key->method, "INVITE");
}

// SI2: Trying timer with no answer from the TU → 100 Trying (no To tag).
TEST_F(ServerInviteTest, Si2AutomaticTrying) {
  TransactionId id = start();
  d.advance(199);
  EXPECT_TRUE(d.out.empty());
  d.advance(1);
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  const SendMessage& send = *first_of<SendMessage>(d.out);
  EXPECT_EQ(start_line(send), "SIP/2.0 100 Trying");
  EXPECT_EQ(send.destination, udp());
  message::Message trying = parse(*send.bytes);
  EXPECT_EQ(trying.to()->tag(), "");
  EXPECT_EQ(trying.top_via()->branch, f.branch);
  EXPECT_EQ(trying.cseq()->seq, 314159u);
  EXPECT_EQ(d.layer.state(id), State::kProceeding);
  // A retransmitted INVITE now gets the 100 again.
  ASSERT_TRUE(d.receive_request(request(f)).ok());
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  EXPECT_TRUE(first_of<SendMessage>(d.out)->retransmission);
  EXPECT_EQ(start_line(*first_of<SendMessage>(d.out)), "SIP/2.0 100 Trying");
  EXPECT_EQ(count_of<DeliverRequest>(d.out), 0u);
}

TEST(ServerInviteConfig, AutoTryingOffAndDelayConfigurable) {
  TimerConfig c;
  c.auto_trying = false;
  Driver off(c);
  ASSERT_TRUE(off.receive_request(request(Fixture{})).ok());
  EXPECT_EQ(started(off.out, TimerId::kTrying), nullptr);
  c.auto_trying = true;
  c.trying_delay = 50ms;
  Driver fast(c);
  ASSERT_TRUE(fast.receive_request(request(Fixture{})).ok());
  EXPECT_EQ(started(fast.out, TimerId::kTrying)->after, 50ms);
}

// SI1: a Trying delay of 0 sends the 100 at once, before the TU sees the
// INVITE (§17.2.1), with no timer; auto_trying = false still sends none.
TEST(ServerInviteConfig, ZeroTryingDelaySendsTheTryingAtOnce) {
  for (TransportInfo transport : {udp(), tcp()}) {
    TimerConfig c;
    c.trying_delay = 0ms;
    Driver d(c);
    ASSERT_TRUE(d.receive_request(request(Fixture{}), transport).ok());
    ASSERT_EQ(d.out.size(), 2u);
    const auto* send = std::get_if<SendMessage>(&d.out[0]);
    ASSERT_NE(send, nullptr);
    EXPECT_EQ(start_line(*send), "SIP/2.0 100 Trying");
    EXPECT_FALSE(send->retransmission);
    EXPECT_EQ(send->destination, transport);
    message::Message trying = parse(*send->bytes);
    EXPECT_EQ(trying.to()->tag(), "");  // §8.2.6.1: no tag on a 100
    EXPECT_EQ(trying.top_via()->branch, Fixture{}.branch);
    const auto* delivered = std::get_if<DeliverRequest>(&d.out[1]);
    ASSERT_NE(delivered, nullptr);
    ASSERT_TRUE(delivered->id.has_value());
    const TransactionId id = *delivered->id;
    EXPECT_EQ(started(d.out, TimerId::kTrying), nullptr);
    EXPECT_EQ(d.armed(), 0u);
    // A retransmitted INVITE gets the 100 again; the TU's 180 replaces it.
    ASSERT_TRUE(d.receive_request(request(Fixture{}), transport).ok());
    ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
    EXPECT_TRUE(first_of<SendMessage>(d.out)->retransmission);
    EXPECT_EQ(start_line(*first_of<SendMessage>(d.out)), "SIP/2.0 100 Trying");
    ASSERT_TRUE(d.send_response(response(Fixture{}, 180), id).ok());
    EXPECT_EQ(start_line(*first_of<SendMessage>(d.out)), "SIP/2.0 180 Reason");
    EXPECT_EQ(d.layer.state(id), State::kProceeding);
  }
  TimerConfig off;
  off.trying_delay = 0ms;
  off.auto_trying = false;
  Driver d(off);
  ASSERT_TRUE(d.receive_request(request(Fixture{})).ok());
  EXPECT_EQ(count_of<SendMessage>(d.out), 0u);
  EXPECT_EQ(count_of<DeliverRequest>(d.out), 1u);
}

// SI3: INVITE retransmission in Proceeding before any provisional → absorbed.
TEST_F(ServerInviteTest, Si3RetransmissionBeforeAnswerAbsorbed) {
  start();
  ASSERT_TRUE(d.receive_request(request(f)).ok());
  EXPECT_TRUE(d.out.empty());
  EXPECT_EQ(d.layer.size(), 1u);
}

// SI4: 1xx from the TU → sent, Trying timer stops; INVITE retransmission → last 1xx.
TEST_F(ServerInviteTest, Si4ProvisionalFromCore) {
  TransactionId id = start();
  respond(id, 180);
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  EXPECT_EQ(start_line(*first_of<SendMessage>(d.out)), "SIP/2.0 180 Reason");
  EXPECT_TRUE(stopped(d.out, TimerId::kTrying));
  d.advance(1000);
  EXPECT_TRUE(d.out.empty());  // no automatic 100 after an answer
  respond(id, 183);
  ASSERT_TRUE(d.receive_request(request(f)).ok());
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  EXPECT_EQ(start_line(*first_of<SendMessage>(d.out)), "SIP/2.0 183 Reason");
  EXPECT_TRUE(first_of<SendMessage>(d.out)->retransmission);
}

// SI5: 2xx from the TU → sent, Accepted, Timer L = 64*T1.
TEST_F(ServerInviteTest, Si5SuccessMovesToAccepted) {
  TransactionId id = start();
  respond(id, 200);
  EXPECT_EQ(d.layer.state(id), State::kAccepted);
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  EXPECT_EQ(start_line(*first_of<SendMessage>(d.out)), "SIP/2.0 200 Reason");
  EXPECT_EQ(started(d.out, TimerId::kL)->after, 32000ms);
  EXPECT_EQ(started(d.out, TimerId::kG), nullptr);
}

// SI6: INVITE retransmission in Accepted → absorbed (the TU retransmits 2xx).
TEST_F(ServerInviteTest, Si6InviteInAcceptedAbsorbed) {
  TransactionId id = start();
  respond(id, 200);
  ASSERT_TRUE(d.receive_request(request(f)).ok());
  EXPECT_TRUE(d.out.empty());
}

// SI7: ACK matching in Accepted → to the TU, with no transaction.
TEST_F(ServerInviteTest, Si7AckInAcceptedGoesToCore) {
  TransactionId id = start();
  respond(id, 200);
  ASSERT_TRUE(d.receive_request(ack()).ok());
  ASSERT_EQ(count_of<DeliverRequest>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverRequest>(d.out)->id, std::nullopt);
  EXPECT_EQ(d.layer.state(id), State::kAccepted);
}

// SI8: 2xx from the TU in Accepted → sent; other responses refused.
TEST_F(ServerInviteTest, Si8SuccessRetransmissionsFromCore) {
  TransactionId id = start();
  respond(id, 200);
  respond(id, 200);
  EXPECT_EQ(count_of<SendMessage>(d.out), 1u);
  auto refused = d.send_response(response(f, 180), id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, message::ErrorKind::kWrongState);
  EXPECT_TRUE(d.out.empty());
}

// SI9: Timer L in Accepted → Terminated.
TEST_F(ServerInviteTest, Si9TimerLTerminates) {
  TransactionId id = start();
  respond(id, 200);
  d.advance(32000);
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_EQ(count_of<DeliverError>(d.out), 0u);
  EXPECT_EQ(d.layer.size(), 0u);
  // The 2xx can no longer go through it.
  auto late = d.send_response(response(f, 200), id);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().kind, message::ErrorKind::kNoTransaction);
}

// SI10: 300-699 from the TU → sent, Completed, G = T1 (unreliable), H = 64*T1.
TEST_F(ServerInviteTest, Si10ErrorMovesToCompleted) {
  TransactionId id = start();
  respond(id, 486);
  EXPECT_EQ(d.layer.state(id), State::kCompleted);
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  EXPECT_EQ(started(d.out, TimerId::kG)->after, 500ms);
  EXPECT_EQ(started(d.out, TimerId::kH)->after, 32000ms);
}

TEST_F(ServerInviteTest, Si10ReliableHasNoTimerG) {
  TransactionId id = start(tcp());
  respond(id, 486);
  EXPECT_EQ(started(d.out, TimerId::kG), nullptr);
  EXPECT_EQ(started(d.out, TimerId::kH)->after, 32000ms);
  EXPECT_EQ(first_of<SendMessage>(d.out)->destination, tcp());
}

// SI11: Timer G in Completed → resend the final, G = MIN(2G, T2).
TEST_F(ServerInviteTest, Si11TimerGDoublesAndCaps) {
  TransactionId id = start();
  respond(id, 486);
  for (std::int64_t expected : {500, 1000, 2000, 4000, 4000}) {
    ASSERT_EQ(d.due_in(TimerId::kG), expected);
    d.advance(expected);
    ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
    EXPECT_TRUE(first_of<SendMessage>(d.out)->retransmission);
    EXPECT_EQ(start_line(*first_of<SendMessage>(d.out)), "SIP/2.0 486 Reason");
  }
}

// SI12: INVITE retransmission in Completed → resend the final.
TEST_F(ServerInviteTest, Si12InviteInCompletedResendsFinal) {
  TransactionId id = start();
  respond(id, 404);
  ASSERT_TRUE(d.receive_request(request(f)).ok());
  ASSERT_EQ(count_of<SendMessage>(d.out), 1u);
  EXPECT_EQ(start_line(*first_of<SendMessage>(d.out)), "SIP/2.0 404 Reason");
  EXPECT_EQ(count_of<DeliverRequest>(d.out), 0u);
}

// SI13: ACK in Completed → Confirmed, absorbed, G and H stop, I = T4.
TEST_F(ServerInviteTest, Si13AckConfirms) {
  TransactionId id = start();
  respond(id, 486);
  ASSERT_TRUE(d.receive_request(ack()).ok());
  EXPECT_EQ(d.layer.state(id), State::kConfirmed);
  EXPECT_EQ(count_of<DeliverRequest>(d.out), 0u);
  EXPECT_TRUE(stopped(d.out, TimerId::kG));
  EXPECT_TRUE(stopped(d.out, TimerId::kH));
  EXPECT_EQ(started(d.out, TimerId::kI)->after, 5000ms);
}

TEST_F(ServerInviteTest, Si13ReliableAckTerminatesAtOnce) {
  TransactionId id = start(tcp());
  respond(id, 486);
  ASSERT_TRUE(d.receive_request(ack(), tcp()).ok());
  EXPECT_EQ(started(d.out, TimerId::kI), nullptr);
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_EQ(d.layer.size(), 0u);
}

// SI14: Timer H in Completed → timeout once, Terminated.
TEST_F(ServerInviteTest, Si14TimerHTimesOut) {
  TransactionId id = start();
  respond(id, 486);
  d.advance(32000);
  ASSERT_EQ(count_of<DeliverError>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverError>(d.out)->timer, TimerId::kH);
  EXPECT_EQ(first_of<DeliverError>(d.out)->id, id);
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_EQ(d.layer.size(), 0u);
  d.advance(100000);
  EXPECT_TRUE(d.out.empty());
}

// SI15: a second final response in Completed is refused; the message is kept.
TEST_F(ServerInviteTest, Si15SecondFinalRefused) {
  TransactionId id = start();
  respond(id, 486);
  message::Message again = response(f, 500);
  auto refused = d.send_response(std::move(again), id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, message::ErrorKind::kWrongState);
  EXPECT_EQ(again.status_code(), 500);  // NOLINT: not moved from on error
  EXPECT_TRUE(d.out.empty());
}

// SI16: ACK and INVITE in Confirmed → absorbed.
TEST_F(ServerInviteTest, Si16ConfirmedAbsorbs) {
  TransactionId id = start();
  respond(id, 486);
  ASSERT_TRUE(d.receive_request(ack()).ok());
  ASSERT_TRUE(d.receive_request(ack()).ok());
  EXPECT_TRUE(d.out.empty());
  ASSERT_TRUE(d.receive_request(request(f)).ok());
  EXPECT_TRUE(d.out.empty());
  EXPECT_EQ(d.layer.state(id), State::kConfirmed);
}

// SI17: Timer I in Confirmed → Terminated.
TEST_F(ServerInviteTest, Si17TimerITerminates) {
  TransactionId id = start();
  respond(id, 486);
  ASSERT_TRUE(d.receive_request(ack()).ok());
  d.advance(5000);
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_EQ(count_of<DeliverError>(d.out), 0u);
  EXPECT_EQ(d.layer.size(), 0u);
}

// SI18: transport error in Proceeding or Completed → error once, Terminated.
TEST_F(ServerInviteTest, Si18TransportError) {
  TransactionId id = start();
  respond(id, 180);
  ASSERT_TRUE(d.transport_error(id));
  ASSERT_EQ(count_of<DeliverError>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverError>(d.out)->reason, ErrorReason::kTransportError);
  EXPECT_EQ(first_of<DeliverError>(d.out)->id, id);
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_FALSE(d.transport_error(id));

  Fixture other = f;
  other.branch = "z9hG4bKcompleted";
  ASSERT_TRUE(d.receive_request(request(other)).ok());
  const TransactionId completed = *first_of<DeliverRequest>(d.out)->id;
  ASSERT_TRUE(d.send_response(response(other, 486), completed).ok());
  ASSERT_TRUE(d.transport_error(completed));
  EXPECT_EQ(count_of<DeliverError>(d.out), 1u);
  EXPECT_TRUE(stopped(d.out, TimerId::kG));
  EXPECT_TRUE(stopped(d.out, TimerId::kH));
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_EQ(d.layer.size(), 0u);
}

// SI20: transport error in Accepted → the TU is told once, the transaction
// stays in Accepted (RFC 6026 §7.1, §8.8): a retransmitted INVITE is still
// absorbed instead of reaching the TU as a new INVITE, until Timer L.
TEST_F(ServerInviteTest, Si20TransportErrorInAcceptedKeepsTheTransaction) {
  TransactionId id = start();
  respond(id, 200);
  ASSERT_TRUE(d.transport_error(id));
  ASSERT_EQ(count_of<DeliverError>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverError>(d.out)->reason, ErrorReason::kTransportError);
  EXPECT_EQ(first_of<DeliverError>(d.out)->id, id);
  EXPECT_EQ(count_of<Terminated>(d.out), 0u);
  EXPECT_FALSE(stopped(d.out, TimerId::kL));
  EXPECT_EQ(d.layer.state(id), State::kAccepted);

  // The INVITE retransmission is absorbed: the TU does not see it again.
  ASSERT_TRUE(d.receive_request(request(f)).ok());
  EXPECT_TRUE(d.out.empty());
  EXPECT_EQ(d.layer.size(), 1u);
  // The TU's 2xx retransmissions still pass; a second failure is not reported.
  respond(id, 200);
  EXPECT_EQ(count_of<SendMessage>(d.out), 1u);
  ASSERT_TRUE(d.transport_error(id));
  EXPECT_TRUE(d.out.empty());
  // The ACK still reaches the TU.
  ASSERT_TRUE(d.receive_request(ack()).ok());
  ASSERT_EQ(count_of<DeliverRequest>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverRequest>(d.out)->id, std::nullopt);
  // Timer L ends it, with no second error.
  d.advance(32000);
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_EQ(count_of<DeliverError>(d.out), 0u);
  EXPECT_EQ(d.layer.size(), 0u);
}

// SI19: ACK in Proceeding (no final yet) → absorbed.
TEST_F(ServerInviteTest, Si19AckInProceedingAbsorbed) {
  TransactionId id = start();
  ASSERT_TRUE(d.receive_request(ack()).ok());
  EXPECT_TRUE(d.out.empty());
  EXPECT_EQ(d.layer.state(id), State::kProceeding);
}

// A response found from its Via and CSeq, without naming the transaction.
TEST_F(ServerInviteTest, ResponseMatchedByViaAndCSeq) {
  TransactionId id = start();
  auto sent = d.send_response(response(f, 180), std::nullopt);
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(*sent, id);
  EXPECT_EQ(count_of<SendMessage>(d.out), 1u);
}

}  // namespace
}  // namespace sippet::transaction::testing
