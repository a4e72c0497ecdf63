#include "sippet/stack/timer_queue.hpp"

#include <gtest/gtest.h>

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
