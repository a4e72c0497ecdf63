// Stack::schedule() and Stack::cancel(): tasks on the worker owning a
// Call-ID, on the manual clock and on the real one; a cancelled task never
// runs and leaves the queue at once (MetricsSnapshot::scheduled_tasks).
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <thread>

#include "test_peer.hpp"

namespace sippet::stack {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::loopback_config;
using testing::RecordingCore;

class ScheduleTest : public ::testing::Test {
 protected:
  void start(bool manual) {
    auto config = loopback_config(2);
    if (manual) config.manual_clock = clock_;
    auto created = Stack::create(std::move(config), core_);
    ASSERT_TRUE(created.ok()) << created.error().reason;
    stack_ = std::move(created).value();
  }
  void advance(milliseconds by) {
    clock_->advance(by);
    stack_->fire_due_timers();
  }

  RecordingCore core_;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
  std::unique_ptr<Stack> stack_;
};

TEST_F(ScheduleTest, TasksRunWhenDueAndCancelledOnesNever) {
  start(true);
  std::atomic<int> ran{0};
  auto owned = std::make_shared<int>(0);  // held by the cancelled task only
  const ScheduledTask a = stack_->schedule("call-a", seconds(181), [&] { ran += 1; });
  const ScheduledTask b = stack_->schedule("call-b", seconds(181), [&] { ran += 10; });
  const ScheduledTask c = stack_->schedule("call-a", seconds(100), [&, owned] { ran += 100; });
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(stack_->metrics().scheduled_tasks, 3u);
  EXPECT_EQ(owned.use_count(), 2);

  EXPECT_TRUE(stack_->cancel(c));
  EXPECT_FALSE(stack_->cancel(c));  // once only
  EXPECT_EQ(owned.use_count(), 1);  // its function is gone at once
  EXPECT_EQ(stack_->metrics().scheduled_tasks, 2u);

  advance(seconds(180));
  EXPECT_EQ(ran, 0);
  advance(seconds(1));
  EXPECT_EQ(ran, 11);
  EXPECT_EQ(stack_->metrics().scheduled_tasks, 0u);
  EXPECT_FALSE(stack_->cancel(a));  // it ran
  EXPECT_FALSE(stack_->cancel(ScheduledTask{}));
}

TEST_F(ScheduleTest, ATaskCanCancelAnotherAndScheduleOne) {
  start(true);
  std::atomic<int> ran{0};
  ScheduledTask later = stack_->schedule("call-a", seconds(2), [&] { ran += 1; });
  stack_->schedule("call-a", seconds(1), [&] {
    EXPECT_TRUE(stack_->cancel(later));
    stack_->schedule("call-a", milliseconds(1), [&] { ran += 10; });
  });
  advance(seconds(5));
  EXPECT_EQ(ran, 0);  // `later` cancelled; the new one is due 1 ms after this firing
  EXPECT_EQ(stack_->metrics().scheduled_tasks, 1u);
  advance(milliseconds(1));
  EXPECT_EQ(ran, 10);
  EXPECT_EQ(stack_->metrics().scheduled_tasks, 0u);
}

TEST_F(ScheduleTest, OnTheRealClockACancelledTaskNeverRuns) {
  start(false);
  std::atomic<bool> cancelled_ran{false};
  std::promise<std::thread::id> done;
  const ScheduledTask cancelled =
      stack_->schedule("call-a", milliseconds(20), [&] { cancelled_ran = true; });
  // Later on the same worker (same Call-ID): once it ran, the first would have.
  stack_->schedule("call-a", milliseconds(60), [&] { done.set_value(std::this_thread::get_id()); });
  ASSERT_TRUE(stack_->cancel(cancelled));
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(seconds(10)), std::future_status::ready);
  EXPECT_NE(future.get(), std::this_thread::get_id());  // on a worker
  EXPECT_FALSE(cancelled_ran);
  EXPECT_EQ(stack_->metrics().scheduled_tasks, 0u);
}

TEST_F(ScheduleTest, ANoDelayTaskRunsAtOnceAndHasNoHandle) {
  start(false);
  std::promise<void> done;
  const ScheduledTask task = stack_->schedule("call-a", milliseconds(0), [&] { done.set_value(); });
  EXPECT_FALSE(task);
  EXPECT_EQ(done.get_future().wait_for(seconds(10)), std::future_status::ready);
}

}  // namespace
}  // namespace sippet::stack
