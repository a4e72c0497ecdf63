// Many transactions at once: the live count, slot reuse, no leaks of state
// between transactions, everything gone after the timers fire.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace sippet::transaction::testing {
namespace {

TEST(Scale, ThousandConcurrentServerInvitesAllTerminate) {
  Driver d;
  std::vector<TransactionId> ids;
  for (int i = 0; i < 1000; ++i) {
    Fixture f;
    f.branch = "z9hG4bKscale" + std::to_string(i);
    ASSERT_TRUE(d.receive_request(request(f)).ok());
    const DeliverRequest* delivered = first_of<DeliverRequest>(d.out);
    ASSERT_NE(delivered, nullptr);
    ASSERT_TRUE(delivered->id.has_value());
    ids.push_back(*delivered->id);
    ASSERT_TRUE(d.send_response(response(f, i % 2 == 0 ? 200 : 486), ids.back()).ok());
  }
  EXPECT_EQ(d.layer.size(), 1000u);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(d.layer.state(ids[i]), i % 2 == 0 ? State::kAccepted : State::kCompleted);
  }
  // Completed ones time out (H) with an error each; Accepted ones end on L.
  d.advance(32000);
  EXPECT_EQ(count_of<DeliverError>(d.out), 500u);
  EXPECT_EQ(count_of<Terminated>(d.out), 1000u);
  EXPECT_EQ(d.layer.size(), 0u);
  EXPECT_EQ(d.armed(), 0u);
  // Slots are reused with new generations: old ids stay dead.
  Fixture f;
  f.branch = "z9hG4bKafter";
  ASSERT_TRUE(d.receive_request(request(f)).ok());
  const TransactionId fresh = *first_of<DeliverRequest>(d.out)->id;
  for (const TransactionId& old : ids)
    EXPECT_NE(old, fresh);
  EXPECT_EQ(d.layer.size(), 1u);
}

TEST(Scale, FindByKey) {
  Driver d;
  Fixture f;
  auto id = d.send_request(request(f));
  ASSERT_TRUE(id.ok());
  auto key = client_key(request(f));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(d.layer.find(*key), *id);
  key->method = "BYE";
  EXPECT_EQ(d.layer.find(*key), std::nullopt);
}

// The ordering contract: the Trying timer is armed before the INVITE is
// delivered, so a Core answering from inside its callback stops a timer the
// driver already knows.
TEST(Ordering, TryingTimerBeforeDelivery) {
  Driver d;
  ASSERT_TRUE(d.receive_request(request(Fixture{})).ok());
  ASSERT_EQ(d.out.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<StartTimer>(d.out[0]));
  EXPECT_TRUE(std::holds_alternative<DeliverRequest>(d.out[1]));
}

// §17.1.1.3: the ACK goes out before the response is delivered, and Timer D
// is armed after both.
TEST(Ordering, AckBeforeDeliveryOnError) {
  Driver d;
  Fixture f;
  ASSERT_TRUE(d.send_request(request(f)).ok());
  ASSERT_TRUE(d.receive_response(response(f, 486)).ok());
  std::vector<std::size_t> kinds;
  for (const Action& a : d.out)
    kinds.push_back(a.index());
  const std::vector<std::size_t> expected = {
      Action(StopTimer{}).index(), Action(StopTimer{}).index(), Action(SendMessage{}).index(),
      Action(DeliverResponse{}).index(), Action(StartTimer{}).index()};
  EXPECT_EQ(kinds, expected);
}

}  // namespace
}  // namespace sippet::transaction::testing
