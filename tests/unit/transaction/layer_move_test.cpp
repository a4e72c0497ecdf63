// A TransactionLayer moved while it holds live transactions keeps them (its
// index, pools and machines move together); a move-assigned layer drops its
// own transactions first.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace sippet::transaction::testing {
namespace {

Fixture with_branch(const char* branch) {
  Fixture f;
  f.branch = branch;
  return f;
}

// Feeds an INVITE and returns how many requests reached the Core.
std::size_t feed_invite(TransactionLayer& layer, const Fixture& f) {
  Actions out;
  EXPECT_TRUE(layer.on_request(request(f), udp(), out).ok());
  return count_of<DeliverRequest>(out);
}

TEST(LayerMove, MoveConstructedLayerKeepsLiveTransactions) {
  TransactionLayer a;
  ASSERT_EQ(feed_invite(a, with_branch("z9hG4bKmove1")), 1u);
  ASSERT_EQ(feed_invite(a, with_branch("z9hG4bKmove2")), 1u);

  TransactionLayer b(std::move(a));
  EXPECT_EQ(b.size(), 2u);
  // The moved-from layer is empty and still works.
  const TransactionId first{0, 1};  // the first slot, first generation
  ASSERT_NE(b.key_of(first), nullptr);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(a.find(*b.key_of(first)), std::nullopt);
  EXPECT_EQ(a.state(first), std::nullopt);
  EXPECT_EQ(feed_invite(a, with_branch("z9hG4bKmove1")), 1u);
  EXPECT_EQ(a.size(), 1u);
  // A retransmission still matches its server transaction: absorbed (§17.2.1).
  EXPECT_EQ(feed_invite(b, with_branch("z9hG4bKmove1")), 0u);
  // The moved transactions still answer.
  Actions out;
  EXPECT_TRUE(b.send_response(response(with_branch("z9hG4bKmove2"), 486), std::nullopt, out).ok());
  EXPECT_EQ(count_of<SendMessage>(out), 1u);
}

TEST(LayerMove, MoveAssignedLayerDropsItsOwnAndTakesTheOthers) {
  TransactionLayer a;
  ASSERT_EQ(feed_invite(a, with_branch("z9hG4bKmoveA")), 1u);
  TransactionLayer c;
  ASSERT_EQ(feed_invite(c, with_branch("z9hG4bKmoveC")), 1u);

  c = std::move(a);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(feed_invite(c, with_branch("z9hG4bKmoveA")), 0u);  // a's transaction, absorbed
  EXPECT_EQ(feed_invite(c, with_branch("z9hG4bKmoveC")), 1u);  // c's own was dropped: new
  EXPECT_EQ(c.size(), 2u);
}

}  // namespace
}  // namespace sippet::transaction::testing
