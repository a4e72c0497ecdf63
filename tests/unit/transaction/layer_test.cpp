// The layer: matching (§17.1.3, §17.2.3, RFC 2543 fallback), routing of what
// has no transaction, refusals, CANCEL, stale timers, termination.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness.hpp"
#include "sippet/transaction/cancel.hpp"

namespace sippet::transaction::testing {
namespace {

std::string corpus(const std::string& name) {
  std::ifstream in(std::string(SIPPET_CORPUS_DIR) + "/rfc4475/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_FALSE(s.str().empty()) << name;
  return s.str();
}

std::optional<TransactionId> delivered_id(const Actions& out) {
  const DeliverRequest* d = first_of<DeliverRequest>(out);
  return d != nullptr ? d->id : std::nullopt;
}

TEST(Keys, ServerKeyUsesBranchSentByAndMethod) {
  Fixture f;
  f.via_host = "PC33.Atlanta.COM:5062";
  auto key = server_key(request(f));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->branch, "z9hG4bK776asdhds");
  EXPECT_EQ(key->sent_by, "pc33.atlanta.com:5062");
  EXPECT_EQ(key->method, "INVITE");
  EXPECT_TRUE(key->rfc2543.empty());
  Fixture a = f;
  a.method = "ACK";
  auto ack_key = server_key(request(a));
  ASSERT_TRUE(ack_key.ok());
  EXPECT_EQ(*ack_key, *key);  // the ACK matches the INVITE transaction
  EXPECT_EQ(TransactionKeyHash{}(*ack_key), TransactionKeyHash{}(*key));
}

TEST(Keys, ClientKeyUsesBranchAndCSeqMethod) {
  Fixture f;
  auto key = client_key(response(f, 200));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->role, Role::kClient);
  EXPECT_EQ(key->branch, f.branch);
  EXPECT_EQ(key->method, "INVITE");
  EXPECT_TRUE(key->sent_by.empty());
}

TEST(Keys, MagicCookie) {
  EXPECT_TRUE(is_rfc3261_branch("z9hG4bK1"));
  EXPECT_FALSE(is_rfc3261_branch("z9hG4bK"));  // RFC 4475 badbranch
  EXPECT_FALSE(is_rfc3261_branch("z9hg4bk12"));
  EXPECT_FALSE(is_rfc3261_branch(""));
}

TEST(Matching, SameBranchOtherSentByIsAnotherTransaction) {
  Driver d;
  Fixture f;
  ASSERT_TRUE(d.receive_request(request(f)).ok());
  Fixture g = f;
  g.via_host = "other.example.com";
  ASSERT_TRUE(d.receive_request(request(g)).ok());
  EXPECT_EQ(count_of<DeliverRequest>(d.out), 1u);
  EXPECT_TRUE(delivered_id(d.out).has_value());
  EXPECT_EQ(d.layer.size(), 2u);
  // Host case does not matter (§17.2.3 sent-by comparison).
  Fixture h = f;
  h.via_host = "PC33.ATLANTA.COM";
  ASSERT_TRUE(d.receive_request(request(h)).ok());
  EXPECT_EQ(count_of<DeliverRequest>(d.out), 0u);
  EXPECT_EQ(d.layer.size(), 2u);
}

TEST(Matching, CancelHasItsOwnTransactionAndFindsTheInvite) {
  Driver d;
  Fixture f;
  ASSERT_TRUE(d.receive_request(request(f)).ok());
  const TransactionId invite = *delivered_id(d.out);
  Fixture c = f;
  c.method = "CANCEL";
  ASSERT_TRUE(d.receive_request(request(c)).ok());
  ASSERT_EQ(count_of<DeliverRequest>(d.out), 1u);
  const TransactionId cancel = *delivered_id(d.out);
  EXPECT_NE(cancel, invite);
  EXPECT_EQ(d.layer.kind(cancel), Kind::kServerNonInvite);
  EXPECT_EQ(d.layer.find_cancelled_invite(first_of<DeliverRequest>(d.out)->request), invite);
  // §9.2: 200 to the CANCEL, then 487 to the INVITE, each through its own.
  auto ok = d.send_response(response(c, 200), std::nullopt);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, cancel);
  auto terminated = d.send_response(response(f, 487), std::nullopt);
  ASSERT_TRUE(terminated.ok());
  EXPECT_EQ(*terminated, invite);
  EXPECT_EQ(d.layer.state(invite), State::kCompleted);
}

TEST(Matching, CancelWithoutInviteFindsNothing) {
  Driver d;
  Fixture c;
  c.method = "CANCEL";
  EXPECT_EQ(d.layer.find_cancelled_invite(request(c)), std::nullopt);
}

TEST(Matching, AckWithoutTransactionGoesToCore) {
  Driver d;
  Fixture a;
  a.method = "ACK";
  a.branch = "z9hG4bKnewack";
  ASSERT_TRUE(d.receive_request(request(a)).ok());
  ASSERT_EQ(count_of<DeliverRequest>(d.out), 1u);
  EXPECT_EQ(delivered_id(d.out), std::nullopt);
  EXPECT_EQ(d.layer.size(), 0u);
}

TEST(Matching, StrayResponsesGoToCoreWithoutTransaction) {
  Driver d;
  Fixture f;
  ASSERT_TRUE(d.receive_response(response(f, 200)).ok());
  ASSERT_EQ(count_of<DeliverResponse>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverResponse>(d.out)->id, std::nullopt);
  // Same branch but another CSeq method: not this client transaction.
  ASSERT_TRUE(d.send_request(request(f)).ok());
  Fixture other = f;
  other.cseq_method = "BYE";
  other.method = "BYE";
  ASSERT_TRUE(d.receive_response(response(other, 200)).ok());
  ASSERT_EQ(count_of<DeliverResponse>(d.out), 1u);
  EXPECT_EQ(first_of<DeliverResponse>(d.out)->id, std::nullopt);
  // No branch at all.
  Fixture none = f;
  none.branch = "";
  ASSERT_TRUE(d.receive_response(response(none, 200)).ok());
  EXPECT_EQ(first_of<DeliverResponse>(d.out)->id, std::nullopt);
}

TEST(Refusals, SendingAnExistingTransactionIsRefused) {
  Driver d;
  Fixture f;
  ASSERT_TRUE(d.send_request(request(f)).ok());
  message::Message again = request(f);
  auto refused = d.send_request(std::move(again));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, message::ErrorKind::kTransactionExists);
  EXPECT_EQ(again.request_line().method, message::Method::kInvite);  // NOLINT: untouched
  EXPECT_TRUE(d.out.empty());
  EXPECT_EQ(d.layer.size(), 1u);
}

TEST(Refusals, AckThroughClientTransactionIsRefused) {
  Driver d;
  Fixture a;
  a.method = "ACK";
  auto refused = d.send_request(request(a));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reason, kErrAckNotAllowed);
  EXPECT_EQ(d.layer.size(), 0u);
}

TEST(Refusals, RequestWithoutBranchIsRefused) {
  Driver d;
  Fixture f;
  f.branch = "";
  auto refused = d.send_request(request(f));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reason, kErrUnmatchable);
}

TEST(Refusals, ResponseWithoutTransactionIsLeftToTheCaller) {
  Driver d;
  Fixture f;
  message::Message r = response(f, 200);
  auto refused = d.send_response(std::move(r), std::nullopt);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, message::ErrorKind::kNoTransaction);
  EXPECT_EQ(r.status_code(), 200);  // NOLINT: untouched, a proxy forwards it statelessly
  // A client transaction is not a server transaction.
  auto client = d.send_request(request(f));
  ASSERT_TRUE(client.ok());
  auto wrong = d.send_response(response(f, 200), *client);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().kind, message::ErrorKind::kNoTransaction);
}

TEST(Refusals, WrongMessageKinds) {
  Driver d;
  Fixture f;
  EXPECT_EQ(d.receive_request(response(f, 200)).error().reason, kErrNotARequest);
  EXPECT_EQ(d.receive_response(request(f)).error().reason, kErrNotAResponse);
  EXPECT_EQ(d.send_request(response(f, 200)).error().reason, kErrNotARequest);
  EXPECT_EQ(d.send_response(request(f), std::nullopt).error().reason, kErrNotAResponse);
}

// RFC 4475 §3.3.15 inv2543: an RFC 2543 INVITE (no branch).
TEST(Rfc2543, InviteWithoutBranchMatchesByDialogFields) {
  Driver d;
  const std::string text = corpus("inv2543.dat");
  ASSERT_TRUE(d.receive_request(parse(text)).ok());
  ASSERT_TRUE(delivered_id(d.out).has_value());
  const TransactionId id = *delivered_id(d.out);
  const TransactionKey* key = d.layer.key_of(id);
  ASSERT_NE(key, nullptr);
  EXPECT_TRUE(key->branch.empty());
  EXPECT_FALSE(key->rfc2543.empty());
  // The retransmission is absorbed.
  ASSERT_TRUE(d.receive_request(parse(text)).ok());
  EXPECT_TRUE(d.out.empty());
  // Another CSeq is another transaction.
  std::string next = text;
  next.replace(next.find("CSeq: 56"), 8, "CSeq: 57");
  ASSERT_TRUE(d.receive_request(parse(next)).ok());
  EXPECT_TRUE(delivered_id(d.out).has_value());
  EXPECT_EQ(d.layer.size(), 2u);
}

// §17.2.3: the ACK of an RFC 2543 INVITE matches with the To tag of the response.
TEST(Rfc2543, AckMatchesByResponseToTag) {
  Driver d;
  Fixture f;
  f.branch = "";
  ASSERT_TRUE(d.receive_request(request(f)).ok());
  const TransactionId id = *delivered_id(d.out);
  ASSERT_TRUE(d.send_response(response(f, 486, "t486"), id).ok());
  // ACK with another To tag: not this transaction → the Core.
  Fixture wrong = f;
  wrong.method = "ACK";
  wrong.to_tag = "other";
  ASSERT_TRUE(d.receive_request(request(wrong)).ok());
  ASSERT_EQ(count_of<DeliverRequest>(d.out), 1u);
  EXPECT_EQ(delivered_id(d.out), std::nullopt);
  EXPECT_EQ(d.layer.state(id), State::kCompleted);
  // ACK with the response's To tag: absorbed, Confirmed.
  Fixture ack = wrong;
  ack.to_tag = "t486";
  ASSERT_TRUE(d.receive_request(request(ack)).ok());
  EXPECT_EQ(count_of<DeliverRequest>(d.out), 0u);
  EXPECT_EQ(d.layer.state(id), State::kConfirmed);
}

// RFC 4475 §3.1.2.x badbranch: a branch that is only the cookie → RFC 2543 rules.
TEST(Rfc2543, CookieOnlyBranchUsesRfc2543Rules) {
  Driver d;
  const std::string text = corpus("badbranch.dat");
  ASSERT_TRUE(d.receive_request(parse(text)).ok());
  ASSERT_TRUE(delivered_id(d.out).has_value());
  const TransactionKey* key = d.layer.key_of(*delivered_id(d.out));
  EXPECT_TRUE(key->branch.empty());
  EXPECT_FALSE(key->rfc2543.empty());
  EXPECT_EQ(key->method, "OPTIONS");
  ASSERT_TRUE(d.receive_request(parse(text)).ok());
  EXPECT_TRUE(d.out.empty());
  EXPECT_EQ(d.layer.size(), 1u);
}

TEST(Lifecycle, StaleTimerHandlesAreIgnored) {
  Driver d;
  Fixture f;
  f.method = "OPTIONS";
  auto id = d.send_request(request(f));
  ASSERT_TRUE(id.ok());
  const TimerHandle e = started(d.out, TimerId::kE)->handle;
  const TimerHandle fh = started(d.out, TimerId::kF)->handle;
  ASSERT_TRUE(d.terminate(*id));
  EXPECT_TRUE(stopped(d.out, TimerId::kE));
  EXPECT_TRUE(stopped(d.out, TimerId::kF));
  EXPECT_EQ(count_of<Terminated>(d.out), 1u);
  EXPECT_EQ(count_of<DeliverError>(d.out), 0u);
  EXPECT_FALSE(d.terminate(*id));
  Actions out;
  EXPECT_FALSE(d.layer.on_timer(e, out));
  EXPECT_FALSE(d.layer.on_timer(fh, out));
  // The slot is reused by a new transaction: the old handles still miss it.
  Fixture g = f;
  g.branch = "z9hG4bKsecond";
  auto second = d.send_request(request(g));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->slot, id->slot);
  EXPECT_NE(second->generation, id->generation);
  EXPECT_FALSE(d.layer.on_timer(fh, out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(d.layer.state(*id), std::nullopt);
  EXPECT_EQ(d.layer.state(*second), State::kTrying);
}

TEST(Lifecycle, ReArmedTimerInvalidatesTheOldHandle) {
  Driver d;
  Fixture f;
  ASSERT_TRUE(d.send_request(request(f)).ok());
  const TimerHandle first_a = started(d.out, TimerId::kA)->handle;
  d.advance(500);  // A fired and was re-armed
  const TimerHandle second_a = started(d.out, TimerId::kA)->handle;
  EXPECT_NE(first_a, second_a);
  Actions out;
  EXPECT_FALSE(d.layer.on_timer(first_a, out));
  EXPECT_TRUE(out.empty());
}

TEST(Lifecycle, TerminatedCarriesTheKeyAndComesLast) {
  Driver d;
  Fixture f;
  f.method = "OPTIONS";
  ASSERT_TRUE(d.receive_request(request(f), tcp()).ok());
  const TransactionId id = *delivered_id(d.out);
  ASSERT_TRUE(d.send_response(response(f, 200), id).ok());
  ASSERT_FALSE(d.out.empty());
  const auto* t = std::get_if<Terminated>(&d.out.back());
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->id, id);
  EXPECT_EQ(t->key.branch, f.branch);
  EXPECT_EQ(t->key.method, "OPTIONS");
  EXPECT_EQ(t->key.role, Role::kServer);
}

TEST(Lifecycle, LayersAreIndependent) {
  TimerConfig fast;
  fast.t1 = std::chrono::milliseconds(100);
  Driver a(fast), b;
  Fixture f;
  ASSERT_TRUE(a.send_request(request(f)).ok());
  ASSERT_TRUE(b.send_request(request(f)).ok());
  EXPECT_EQ(started(a.out, TimerId::kA)->after.count(), 100);
  EXPECT_EQ(started(b.out, TimerId::kA)->after.count(), 500);
  EXPECT_EQ(a.layer.size(), 1u);
  EXPECT_EQ(b.layer.size(), 1u);
}

TEST(Cancel, BuildCancelFollowsSection9_1) {
  Fixture f;
  f.to_tag = "";
  f.routes = "Route: <sip:p1.example.com;lr>\r\n";
  message::Message invite = request(f);
  auto cancel = build_cancel(invite);
  ASSERT_TRUE(cancel.ok()) << cancel.error().reason;
  EXPECT_EQ(cancel->request_line().method, message::Method::kCancel);
  EXPECT_EQ(cancel->request_line().uri.text, "sip:bob@biloxi.com");
  EXPECT_EQ(cancel->count(message::HeaderId::kVia), 1u);
  EXPECT_EQ(cancel->get(message::HeaderId::kVia)->value,
            invite.get(message::HeaderId::kVia)->value);
  EXPECT_EQ(cancel->get(message::HeaderId::kTo)->value, invite.get(message::HeaderId::kTo)->value);
  EXPECT_EQ(cancel->get(message::HeaderId::kFrom)->value,
            invite.get(message::HeaderId::kFrom)->value);
  EXPECT_EQ(cancel->call_id(), invite.call_id());
  EXPECT_EQ(cancel->cseq()->seq, 314159u);
  EXPECT_EQ(cancel->cseq()->method, message::Method::kCancel);
  EXPECT_EQ(cancel->max_forwards(), 70u);
  ASSERT_EQ(cancel->count(message::HeaderId::kRoute), 1u);
  EXPECT_TRUE(cancel->body().empty());
  // It parses back (serialization is well-formed).
  message::Message reparsed = parse(cancel->to_string());
  EXPECT_EQ(reparsed.cseq()->method, message::Method::kCancel);
}

TEST(Cancel, OnlyForInvites) {
  Fixture f;
  f.method = "OPTIONS";
  EXPECT_FALSE(build_cancel(request(f)).ok());
  Fixture i;
  EXPECT_FALSE(build_cancel(response(i, 200)).ok());
}

}  // namespace
}  // namespace sippet::transaction::testing
