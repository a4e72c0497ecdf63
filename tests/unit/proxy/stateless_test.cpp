// The stateless proxy (§16.11): no response context, branches derived from
// the request, responses forwarded by their Via.
#include "proxy_test_support.hpp"
#include "sippet/transaction/layer.hpp"

namespace sippet::proxy::testing {
namespace {

// Parameter: StackConfig::transactions.
class StatelessTest : public ProxyTest, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    ProxyConfig config;
    config.stateless = true;
    start(config, 1, GetParam());
  }
};

INSTANTIATE_TEST_SUITE_P(WithAndWithoutTransactions, StatelessTest, ::testing::Bool());

TEST_P(StatelessTest, RetransmissionAndCancelGetTheSameBranch) {
  send(*caller_, caller_request("INVITE", "sl-1"));
  auto first = next(*a_);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->message.count(HeaderId::kVia), 2u);
  EXPECT_EQ(first->message.max_forwards(), 69u);
  EXPECT_EQ(first->message.request_line().uri.text, kA);
  send(*caller_, caller_request("INVITE", "sl-1"));  // the caller retransmits
  auto again = next(*a_);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->message.top_via()->branch, first->message.top_via()->branch);
  send(*caller_, caller_request("CANCEL", "sl-1"));
  auto cancel = next(*a_);
  ASSERT_TRUE(cancel.has_value());
  EXPECT_EQ(cancel->message.method(), message::Method::kCancel);
  EXPECT_EQ(cancel->message.top_via()->branch, first->message.top_via()->branch);
  EXPECT_EQ(core_->contexts(), 0u);
  settle();
  EXPECT_EQ(stack_->metrics().alive(transaction::Kind::kServerInvite), 0u);
  EXPECT_EQ(stack_->metrics().alive(transaction::Kind::kServerNonInvite), 0u);
}

TEST_P(StatelessTest, ResponsesGoBackByTheirVia) {
  send(*caller_, caller_request("INVITE", "sl-2"));
  auto invite = next(*a_);
  ASSERT_TRUE(invite.has_value());
  reply(*a_, *invite, 180);
  reply(*a_, *invite, 486);
  auto ringing = next(*caller_);
  auto busy = next(*caller_);
  ASSERT_TRUE(ringing && busy);
  EXPECT_EQ(ringing->message.status_code(), 180);
  EXPECT_EQ(busy->message.status_code(), 486);
  EXPECT_EQ(busy->message.count(HeaderId::kVia), 1u);
  // The caller's ACK of the 486 gets the INVITE's branch (§16.11).
  std::string ack = caller_request("ACK", "sl-2");
  ack.replace(ack.find("To: <sip:bob@example.com>"), 25, "To: <sip:bob@example.com>;tag=callee");
  send(*caller_, ack);
  auto forwarded = next(*a_);
  ASSERT_TRUE(forwarded.has_value());
  EXPECT_EQ(forwarded->message.method(), message::Method::kAck);
  EXPECT_EQ(forwarded->message.top_via()->branch, invite->message.top_via()->branch);
}

TEST_P(StatelessTest, MaxForwardsZeroIs483) {
  std::string request = caller_request("INVITE", "sl-3");
  request.replace(request.find("Max-Forwards: 70"), 16, "Max-Forwards: 0");
  send(*caller_, request);
  auto answer = next(*caller_);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->message.status_code(), 483);
  EXPECT_TRUE(silent(*a_));
}

}  // namespace
}  // namespace sippet::proxy::testing
