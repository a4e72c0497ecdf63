// The stateful proxy (ProxyCore) on the in-memory network: forwarding both
// ways (§16.6, §16.7), forking, the best response, CANCEL (§16.10) and
// Timer C (§16.6 step 11) on a manual clock.
#include "proxy_test_support.hpp"

namespace sippet::proxy::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class StatefulTest : public ProxyTest {
 protected:
  // The next final response to the INVITE at `peer`, skipping provisionals
  // and other methods' responses.
  std::optional<PeerMessage> final_at(MemoryPeer& peer) {
    for (;;) {
      auto got = next(peer);
      if (!got) return got;
      if (got->message.is_response() && got->message.status_code() >= 200 &&
          got->message.method() == message::Method::kInvite)
        return got;
    }
  }
};

TEST_F(StatefulTest, ForwardsAnInviteAndItsResponsesWithRecordRoute) {
  ProxyConfig config;
  config.record_route = true;
  start(config);
  send(*caller_, caller_request("INVITE", "sf-1"));
  auto invite = next(*a_);
  ASSERT_TRUE(invite.has_value());
  const auto& forwarded = invite->message;
  EXPECT_EQ(forwarded.request_line().uri.text, kA);  // §16.6 step 2
  EXPECT_EQ(forwarded.max_forwards(), 69u);          // step 3
  auto vias = forwarded.get_all(HeaderId::kVia);
  ASSERT_EQ(vias.size(), 2u);  // step 8: ours on top
  EXPECT_EQ(forwarded.top_via()->host, "10.0.0.1");
  EXPECT_TRUE(forwarded.top_via()->branch.starts_with("z9hG4bK"));
  auto rr = forwarded.get_all(HeaderId::kRecordRoute);
  ASSERT_EQ(rr.size(), 1u);  // step 4
  EXPECT_EQ(rr[0]->value, "<sip:10.0.0.1:5060;lr>");
  settle();
  EXPECT_EQ(core_->contexts(), 1u);
  EXPECT_EQ(core_->branches(), 1u);

  reply(*a_, *invite, 180);
  auto ringing = next(*caller_);
  ASSERT_TRUE(ringing.has_value());
  EXPECT_EQ(ringing->message.status_code(), 180);
  EXPECT_EQ(ringing->message.count(HeaderId::kVia), 1u);  // ours popped
  EXPECT_EQ(ringing->message.top_via()->branch, "z9hG4bKcaller1");

  reply(*a_, *invite, 200);
  auto ok = next(*caller_);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->message.status_code(), 200);
  EXPECT_EQ(ok->message.count(HeaderId::kRecordRoute), 1u);
  settle();
  EXPECT_EQ(core_->contexts(), 0u);
  EXPECT_EQ(core_->branches(), 0u);

  // The ACK follows the recorded route, statelessly (§16.7 step 1).
  send(*caller_,
       caller_request("ACK", "sf-1", "Route: <sip:10.0.0.1:5060;lr>\r\n", kA, "z9hG4bKcaller2"));
  auto ack = next(*a_);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->message.method(), message::Method::kAck);
  EXPECT_FALSE(ack->message.has(HeaderId::kRoute));  // ours removed (§16.4)
  EXPECT_EQ(ack->message.count(HeaderId::kVia), 2u);
  EXPECT_EQ(core_->contexts(), 0u);
}

TEST_F(StatefulTest, ParallelForkForwardsBoth2xx) {
  targets_ = {target(kA), target(kB)};
  start();
  send(*caller_, caller_request("INVITE", "sf-2"));
  auto at_a = next(*a_);
  auto at_b = next(*b_);
  ASSERT_TRUE(at_a && at_b);
  EXPECT_NE(at_a->message.top_via()->branch, at_b->message.top_via()->branch);
  reply(*a_, *at_a, 200, "a");
  reply(*b_, *at_b, 200, "b");
  auto first = final_at(*caller_);
  auto second = final_at(*caller_);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->message.status_code(), 200);
  EXPECT_EQ(second->message.status_code(), 200);
  EXPECT_NE(first->message.to()->tag(), second->message.to()->tag());
  settle();
  EXPECT_EQ(core_->contexts(), 0u);
  EXPECT_EQ(core_->branches(), 0u);
}

TEST_F(StatefulTest, BestResponseOfTheBranchesIsForwarded) {
  targets_ = {target(kA), target(kB)};
  start();
  send(*caller_, caller_request("INVITE", "sf-3"));
  auto at_a = next(*a_);
  auto at_b = next(*b_);
  ASSERT_TRUE(at_a && at_b);
  reply(*a_, *at_a, 503);
  EXPECT_TRUE(silent(*caller_));  // B is still pending
  reply(*b_, *at_b, 486);
  auto final = final_at(*caller_);
  ASSERT_TRUE(final.has_value());
  EXPECT_EQ(final->message.status_code(), 486);
  // Each branch was ACKed by its client transaction (§17.1.1.3).
  auto ack_a = next(*a_);
  auto ack_b = next(*b_);
  ASSERT_TRUE(ack_a && ack_b);
  EXPECT_EQ(ack_a->message.method(), message::Method::kAck);
  EXPECT_EQ(ack_b->message.method(), message::Method::kAck);
  settle();
  EXPECT_EQ(core_->contexts(), 0u);
}

TEST_F(StatefulTest, A503AloneBecomes500) {
  start();
  send(*caller_, caller_request("INVITE", "sf-4"));
  auto invite = next(*a_);
  ASSERT_TRUE(invite.has_value());
  reply(*a_, *invite, 503);
  auto final = final_at(*caller_);
  ASSERT_TRUE(final.has_value());
  EXPECT_EQ(final->message.status_code(), 500);
}

TEST_F(StatefulTest, A6xxCancelsThePendingBranchesAndWins) {
  targets_ = {target(kA), target(kB)};
  start();
  send(*caller_, caller_request("INVITE", "sf-5"));
  auto at_a = next(*a_);
  auto at_b = next(*b_);
  ASSERT_TRUE(at_a && at_b);
  reply(*a_, *at_a, 180, "a");
  auto ringing = next(*caller_);
  ASSERT_TRUE(ringing.has_value());
  EXPECT_EQ(ringing->message.status_code(), 180);
  reply(*b_, *at_b, 603, "b");
  auto cancel = next(*a_);
  ASSERT_TRUE(cancel.has_value());
  EXPECT_EQ(cancel->message.method(), message::Method::kCancel);
  EXPECT_EQ(cancel->message.top_via()->branch, at_a->message.top_via()->branch);
  EXPECT_TRUE(silent(*caller_));  // the 6xx waits for A's answer
  reply(*a_, *cancel, 200, "a");
  reply(*a_, *at_a, 487, "a");
  auto final = final_at(*caller_);
  ASSERT_TRUE(final.has_value());
  EXPECT_EQ(final->message.status_code(), 603);
  settle();
  EXPECT_EQ(core_->contexts(), 0u);
  EXPECT_EQ(core_->branches(), 0u);
}

TEST_F(StatefulTest, ChallengesOf401And407AreMerged) {
  targets_ = {target(kA), target(kB)};
  start();
  send(*caller_, caller_request("INVITE", "sf-6"));
  auto at_a = next(*a_);
  auto at_b = next(*b_);
  ASSERT_TRUE(at_a && at_b);
  reply(*a_, *at_a, 401, "a", "WWW-Authenticate", "Digest realm=\"a.example.com\", nonce=\"1\"");
  reply(*b_, *at_b, 407, "b", "Proxy-Authenticate", "Digest realm=\"b.example.com\", nonce=\"2\"");
  auto final = final_at(*caller_);
  ASSERT_TRUE(final.has_value());
  EXPECT_EQ(final->message.status_code(), 401);
  ASSERT_EQ(final->message.count(HeaderId::kWwwAuthenticate), 1u);
  ASSERT_EQ(final->message.count(HeaderId::kProxyAuthenticate), 1u);
  EXPECT_NE(final->message.get(HeaderId::kProxyAuthenticate)->value.find("b.example.com"),
            std::string_view::npos);
}

TEST_F(StatefulTest, SequentialForkTriesTheNextQGroupAfterAFailure) {
  targets_ = {target(kB, 0.5), target(kA, 1.0)};
  start();
  send(*caller_, caller_request("INVITE", "sf-7"));
  auto at_a = next(*a_);
  ASSERT_TRUE(at_a.has_value());
  EXPECT_TRUE(silent(*b_));  // the lower q waits
  reply(*a_, *at_a, 486, "a");
  auto at_b = next(*b_);
  ASSERT_TRUE(at_b.has_value());
  EXPECT_EQ(at_b->message.method(), message::Method::kInvite);
  reply(*b_, *at_b, 200, "b");
  auto final = final_at(*caller_);
  ASSERT_TRUE(final.has_value());
  EXPECT_EQ(final->message.status_code(), 200);
  EXPECT_EQ(final->message.to()->tag(), "b");
}

TEST_F(StatefulTest, CancelIsAnsweredAndFansOutOnlyToBranchesWithAProvisional) {
  targets_ = {target(kA), target(kB)};
  start();
  send(*caller_, caller_request("INVITE", "sf-8"));
  auto at_a = next(*a_);
  auto at_b = next(*b_);
  ASSERT_TRUE(at_a && at_b);
  reply(*a_, *at_a, 180, "a");
  ASSERT_EQ(next(*caller_)->message.status_code(), 180);
  send(*caller_, caller_request("CANCEL", "sf-8"));
  auto cancel_answer = next(*caller_);
  ASSERT_TRUE(cancel_answer.has_value());
  EXPECT_EQ(cancel_answer->message.status_code(), 200);
  EXPECT_EQ(cancel_answer->message.method(), message::Method::kCancel);
  auto cancel_a = next(*a_);
  ASSERT_TRUE(cancel_a.has_value());
  EXPECT_EQ(cancel_a->message.method(), message::Method::kCancel);
  EXPECT_TRUE(silent(*b_));  // §9.1: not before B's provisional
  reply(*b_, *at_b, 180, "b");
  auto cancel_b = next(*b_);
  ASSERT_TRUE(cancel_b.has_value());
  EXPECT_EQ(cancel_b->message.method(), message::Method::kCancel);
  reply(*a_, *cancel_a, 200, "a");
  reply(*b_, *cancel_b, 200, "b");
  reply(*a_, *at_a, 487, "a");
  reply(*b_, *at_b, 487, "b");
  auto final = final_at(*caller_);
  ASSERT_TRUE(final.has_value());
  EXPECT_EQ(final->message.status_code(), 487);
  settle();
  EXPECT_EQ(core_->contexts(), 0u);
  EXPECT_EQ(core_->branches(), 0u);
}

TEST_F(StatefulTest, TimerCCancelsABranchStuckInProceeding) {
  start();
  send(*caller_, caller_request("INVITE", "sf-9"));
  auto invite = next(*a_);
  ASSERT_TRUE(invite.has_value());
  reply(*a_, *invite, 180);
  ASSERT_EQ(next(*caller_)->message.status_code(), 180);
  advance(seconds(100));
  reply(*a_, *invite, 183);  // restarts Timer C (§16.6 step 11)
  ASSERT_EQ(next(*caller_)->message.status_code(), 183);
  advance(seconds(100));
  EXPECT_TRUE(silent(*a_));  // 200 s after the 180, 100 s after the 183
  advance(seconds(82));
  auto cancel = next(*a_);
  ASSERT_TRUE(cancel.has_value());
  EXPECT_EQ(cancel->message.method(), message::Method::kCancel);
  reply(*a_, *cancel, 200);
  reply(*a_, *invite, 487);
  auto final = final_at(*caller_);
  ASSERT_TRUE(final.has_value());
  EXPECT_EQ(final->message.status_code(), 487);
  settle();
  EXPECT_EQ(core_->contexts(), 0u);
}

TEST_F(StatefulTest, TimerCIsConfigurableAndEndsABranchThatIgnoresTheCancel) {
  ProxyConfig config;
  config.timer_c = seconds(200);
  start(config);
  send(*caller_, caller_request("INVITE", "sf-10"));
  auto invite = next(*a_);
  ASSERT_TRUE(invite.has_value());
  reply(*a_, *invite, 180);
  ASSERT_EQ(next(*caller_)->message.status_code(), 180);
  advance(seconds(190));
  EXPECT_TRUE(silent(*a_));
  advance(seconds(11));
  auto cancel = next(*a_);
  ASSERT_TRUE(cancel.has_value());
  EXPECT_EQ(cancel->message.method(), message::Method::kCancel);
  // A answers nothing more: after Timer C again the branch ends as a 408.
  advance(seconds(201));
  auto final = final_at(*caller_);
  ASSERT_TRUE(final.has_value());
  EXPECT_EQ(final->message.status_code(), 408);
  settle();
  EXPECT_EQ(core_->contexts(), 0u);
  EXPECT_EQ(core_->branches(), 0u);
}

TEST_F(StatefulTest, TimerCIsCancelledWhenEachBranchEnds) {
  // §16.6 step 11 starts Timer C with a provisional; a branch that ends
  // (here 200 or 486 after a 180) needs it no more: no task is left
  // waiting for 3 minutes per call.
  start();
  constexpr int kCalls = 200;
  for (int i = 0; i < kCalls; ++i) {
    const std::string call_id = "tc-" + std::to_string(i);
    send(*caller_, caller_request("INVITE", call_id, {}, "sip:bob@example.com",
                                  "z9hG4bKtc" + std::to_string(i)));
    auto invite = next(*a_);
    if (invite && invite->message.method() == message::Method::kAck) invite = next(*a_);  // a 486's
    ASSERT_TRUE(invite.has_value());
    ASSERT_EQ(invite->message.method(), message::Method::kInvite);
    reply(*a_, *invite, 180);
    ASSERT_EQ(next(*caller_)->message.status_code(), 180);
    if (i == 0) {
      EXPECT_EQ(stack_->metrics().scheduled_tasks, 1u);  // Timer C of the branch
    }
    reply(*a_, *invite, i % 2 == 0 ? 200 : 486);
    ASSERT_EQ(final_at(*caller_)->message.status_code(), i % 2 == 0 ? 200 : 486);
  }
  settle();
  EXPECT_EQ(core_->contexts(), 0u);
  EXPECT_EQ(core_->branches(), 0u);
  EXPECT_EQ(stack_->metrics().scheduled_tasks, 0u);
  // Past Timer C: nothing is cancelled, nothing but the last 486's ACK
  // reaches the callee.
  advance(seconds(200));
  auto ack = next(*a_);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->message.method(), message::Method::kAck);
  EXPECT_TRUE(silent(*a_));
}

TEST_F(StatefulTest, NonInviteRequestsAreForwardedStatefullyToo) {
  start();
  send(*caller_, caller_request("OPTIONS", "sf-11"));
  auto options = next(*a_);
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(options->message.method(), message::Method::kOptions);
  reply(*a_, *options, 200);
  auto ok = next(*caller_);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->message.status_code(), 200);
  settle();
  EXPECT_EQ(core_->contexts(), 0u);
}

}  // namespace
}  // namespace sippet::proxy::testing
