#include "../../../src/stack/timer_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace sippet::stack {
namespace {

using std::chrono::milliseconds;

const TimePoint kStart{};

TEST(TimerQueue, FiresInDeadlineOrderOnlyWhenDue) {
  TimerQueue<std::string> queue;
  queue.schedule(kStart + milliseconds(500), "A");
  queue.schedule(kStart + milliseconds(100), "B");
  queue.schedule(kStart + milliseconds(300), "C");
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(queue.next_deadline(), kStart + milliseconds(100));

  std::vector<std::string> fired;
  auto record = [&](std::string name) { fired.push_back(std::move(name)); };
  EXPECT_EQ(queue.expire(kStart + milliseconds(99), record), 0u);
  EXPECT_TRUE(fired.empty());
  EXPECT_EQ(queue.expire(kStart + milliseconds(300), record), 2u);
  EXPECT_EQ(fired, (std::vector<std::string>{"B", "C"}));
  EXPECT_EQ(queue.next_deadline(), kStart + milliseconds(500));
  EXPECT_EQ(queue.expire(kStart + milliseconds(1000), record), 1u);
  EXPECT_EQ(fired.back(), "A");
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.next_deadline(), std::nullopt);
}

TEST(TimerQueue, CancelledTimerNeverFires) {
  TimerQueue<int> queue;
  TimerId a = queue.schedule(kStart + milliseconds(10), 1);
  TimerId b = queue.schedule(kStart + milliseconds(20), 2);
  EXPECT_NE(a, 0u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(queue.cancel(a));
  EXPECT_FALSE(queue.cancel(a));  // twice: already gone
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.next_deadline(), kStart + milliseconds(20));
  std::vector<int> fired;
  queue.expire(kStart + milliseconds(100), [&](int v) { fired.push_back(v); });
  EXPECT_EQ(fired, std::vector<int>{2});
  EXPECT_FALSE(queue.cancel(b));  // fired already
}

TEST(TimerQueue, CancelledLongTimersDoNotPileUpInTheHeap) {
  // 10,000 timers 181 s away (a proxy's Timer C), each cancelled soon after
  // it was set, as branches end: the heap keeps at most about twice the
  // live timers, not one entry per cancelled timer until its deadline.
  TimerQueue<std::string> queue;
  std::vector<TimerId> live;
  std::size_t most = 0;
  for (int i = 0; i < 10000; ++i) {
    live.push_back(queue.schedule(kStart + milliseconds(181000 + i), "C" + std::to_string(i)));
    if (live.size() > 10) {
      std::string payload;
      ASSERT_TRUE(queue.cancel(live.front(), &payload));
      EXPECT_EQ(payload, "C" + std::to_string(i - 10));  // handed back, not destroyed inside
      live.erase(live.begin());
    }
    most = std::max(most, queue.entries());
  }
  EXPECT_EQ(queue.size(), 10u);
  EXPECT_LE(most, 64u + 1u);
  // The survivors still fire, in order.
  std::vector<std::string> fired;
  queue.expire(kStart + milliseconds(200000), [&](std::string v) { fired.push_back(v); });
  ASSERT_EQ(fired.size(), 10u);
  EXPECT_EQ(fired.front(), "C9990");
  EXPECT_EQ(fired.back(), "C9999");
  EXPECT_EQ(queue.entries(), 0u);
}

TEST(TimerQueue, StaleIdDoesNotCancelReusedSlot) {
  TimerQueue<int> queue;
  TimerId a = queue.schedule(kStart + milliseconds(10), 1);
  ASSERT_TRUE(queue.cancel(a));
  TimerId b = queue.schedule(kStart + milliseconds(10), 2);  // reuses the slot
  EXPECT_NE(a, b);
  EXPECT_FALSE(queue.cancel(a));
  int fired = 0;
  queue.expire(kStart + milliseconds(10), [&](int v) { fired = v; });
  EXPECT_EQ(fired, 2);
}

TEST(TimerQueue, TimerScheduledWhileFiringFiresWhenDue) {
  TimerQueue<int> queue;
  queue.schedule(kStart + milliseconds(10), 1);
  std::vector<int> fired;
  queue.expire(kStart + milliseconds(50), [&](int v) {
    fired.push_back(v);
    if (v == 1) {
      queue.schedule(kStart + milliseconds(20), 2);   // due: fires now
      queue.schedule(kStart + milliseconds(200), 3);  // later
    }
  });
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
  EXPECT_EQ(queue.size(), 1u);
}

}  // namespace
}  // namespace sippet::stack

namespace sippet::stack {
namespace {

using std::chrono::milliseconds;

TEST(TimerLanes, FiresEachDurationInOrderAndAcrossLanesEarliestFirst) {
  TimerLanes<std::string> lanes;
  const TimePoint t0{};
  EXPECT_TRUE(lanes.schedule(milliseconds(32000), t0 + milliseconds(32000), "L1"));
  EXPECT_TRUE(lanes.schedule(milliseconds(5000), t0 + milliseconds(5010), "I1"));
  EXPECT_TRUE(lanes.schedule(milliseconds(32000), t0 + milliseconds(32005), "L2"));
  EXPECT_TRUE(lanes.schedule(milliseconds(5000), t0 + milliseconds(5020), "I2"));
  EXPECT_EQ(lanes.size(), 4u);
  EXPECT_EQ(lanes.next_deadline(), t0 + milliseconds(5010));
  EXPECT_FALSE(lanes.pop_due(t0 + milliseconds(5009)).has_value());
  std::vector<std::string> fired;
  while (auto p = lanes.pop_due(t0 + milliseconds(40000)))
    fired.push_back(*p);
  EXPECT_EQ(fired, (std::vector<std::string>{"I1", "I2", "L1", "L2"}));
  EXPECT_TRUE(lanes.empty());
  EXPECT_FALSE(lanes.next_deadline().has_value());
}

TEST(TimerLanes, RefusesOutOfOrderDeadlinesAndTooManyDurations) {
  TimerLanes<int> lanes;
  const TimePoint t0{};
  EXPECT_TRUE(lanes.schedule(milliseconds(100), t0 + milliseconds(200), 1));
  // Earlier than the last of its lane (a retransmission counted from an old
  // deadline): the caller must queue it elsewhere.
  EXPECT_FALSE(lanes.schedule(milliseconds(100), t0 + milliseconds(150), 2));
  EXPECT_TRUE(lanes.schedule(milliseconds(100), t0 + milliseconds(200), 3));  // equal is fine
  for (std::size_t i = 1; i < TimerLanes<int>::kMaxLanes; ++i)
    EXPECT_TRUE(lanes.schedule(milliseconds(1000 + i), t0 + milliseconds(5000), 0));
  EXPECT_FALSE(lanes.schedule(milliseconds(99999), t0 + milliseconds(99999), 4));
  EXPECT_EQ(lanes.size(), 2u + TimerLanes<int>::kMaxLanes - 1);
}

TEST(TimerQueue, PopDueTakesOneAtATimeSkippingCancelled) {
  TimerQueue<int> queue;
  const TimePoint t0{};
  queue.schedule(t0 + milliseconds(10), 1);
  const auto cancelled = queue.schedule(t0 + milliseconds(5), 2);
  queue.schedule(t0 + milliseconds(20), 3);
  EXPECT_TRUE(queue.cancel(cancelled));
  EXPECT_EQ(queue.pop_due(t0 + milliseconds(15)), std::optional<int>(1));
  EXPECT_FALSE(queue.pop_due(t0 + milliseconds(15)).has_value());
  EXPECT_EQ(queue.pop_due(t0 + milliseconds(20)), std::optional<int>(3));
  EXPECT_TRUE(queue.empty());
}

}  // namespace
}  // namespace sippet::stack
