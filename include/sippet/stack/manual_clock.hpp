#pragma once
// A clock that moves only when told to: tests fire SIP timers without
// sleeping. See StackConfig::manual_clock.
#include <atomic>
#include <chrono>

#include "sippet/stack/clock.hpp"

namespace sippet::stack {

class ManualClock {
 public:
  TimePoint now() const { return TimePoint(Clock::duration(ticks_.load())); }
  void advance(Clock::duration by) { ticks_.fetch_add(by.count()); }

 private:
  std::atomic<Clock::rep> ticks_{0};
};

}  // namespace sippet::stack
