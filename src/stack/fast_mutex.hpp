#pragma once
// Internal: the lock a worker takes several times per message (its core
// lock, the lock of its transaction layer). Uncontended, a lock and an
// unlock are one atomic instruction each, where std::mutex goes through
// pthread_mutex_lock/unlock (tens of instructions); contended, a waiter
// sleeps in the kernel (std::atomic::wait: a futex on Linux) until the
// holder lets go. The three states of U. Drepper's "Futexes Are Tricky"
// (mutex 2): 0 free, 1 held, 2 held with waiters maybe asleep.
// Lockable (lock_guard, unique_lock); not recursive. The object must
// outlive every thread that may still be unlocking it.
#include <atomic>
#include <cstdint>

namespace sippet::stack {

class FastMutex {
 public:
  FastMutex() = default;
  FastMutex(const FastMutex&) = delete;
  FastMutex& operator=(const FastMutex&) = delete;

  void lock() noexcept {
    std::uint32_t expected = kFree;
    if (state_.compare_exchange_strong(expected, kHeld, std::memory_order_acquire,
                                       std::memory_order_relaxed))
      return;
    lock_contended();
  }

  bool try_lock() noexcept {
    std::uint32_t expected = kFree;
    return state_.compare_exchange_strong(expected, kHeld, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }

  void unlock() noexcept {
    if (state_.exchange(kFree, std::memory_order_release) == kWaited) state_.notify_one();
  }

 private:
  static constexpr std::uint32_t kFree = 0;
  static constexpr std::uint32_t kHeld = 1;
  static constexpr std::uint32_t kWaited = 2;

  void lock_contended() noexcept {
    // A short spin first: the holder of a worker's lock keeps it briefly.
    for (int i = 0; i < 64; ++i) {
      std::uint32_t expected = kFree;
      if (state_.load(std::memory_order_relaxed) == kFree &&
          state_.compare_exchange_weak(expected, kHeld, std::memory_order_acquire,
                                       std::memory_order_relaxed))
        return;
    }
    // Marked as waited on: whoever unlocks wakes one sleeper, which takes it
    // as waited on again (others may still sleep).
    while (state_.exchange(kWaited, std::memory_order_acquire) != kFree)
      state_.wait(kWaited, std::memory_order_relaxed);
  }

  std::atomic<std::uint32_t> state_{kFree};
};

}  // namespace sippet::stack
