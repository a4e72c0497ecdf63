// The worker's lock (fast_mutex.hpp): mutual exclusion under contention,
// try_lock, and a waiter woken by the unlock.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "../../../src/stack/fast_mutex.hpp"

namespace sippet::stack {
namespace {

TEST(FastMutex, ContendedSectionsNeverOverlapAndLoseNoUpdate) {
  FastMutex mutex;
  long counter = 0;  // not atomic: only the lock orders its updates
  int inside = 0;
  std::atomic<bool> overlapped{false};
  constexpr int kThreads = 4;
  constexpr int kRounds = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        std::lock_guard lock(mutex);
        if (++inside != 1) overlapped = true;
        ++counter;
        --inside;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_FALSE(overlapped.load());
  EXPECT_EQ(counter, long{kThreads} * kRounds);
}

TEST(FastMutex, TryLockFailsWhileHeldAndSucceedsOnceFree) {
  FastMutex mutex;
  mutex.lock();
  bool taken = true;
  std::thread other([&] { taken = mutex.try_lock(); });
  other.join();
  EXPECT_FALSE(taken);
  mutex.unlock();
  ASSERT_TRUE(mutex.try_lock());
  mutex.unlock();
}

TEST(FastMutex, AWaiterTakesTheLockOnlyAfterTheUnlock) {
  FastMutex mutex;
  std::atomic<bool> started{false};
  std::atomic<bool> acquired{false};
  mutex.lock();
  std::thread waiter([&] {
    started = true;
    mutex.lock();
    acquired = true;
    mutex.unlock();
  });
  while (!started.load())
    std::this_thread::yield();
  EXPECT_FALSE(acquired.load());  // it waits (spinning or asleep) while held
  mutex.unlock();
  waiter.join();
  EXPECT_TRUE(acquired.load());
  ASSERT_TRUE(mutex.try_lock());  // the waiter let go
  mutex.unlock();
}

}  // namespace
}  // namespace sippet::stack
