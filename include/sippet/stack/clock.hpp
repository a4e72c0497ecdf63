#pragma once
// The stack's clock: the only one the library reads (the message and
// transaction layers read none). Tests replace it with a ManualClock.
#include <chrono>

namespace sippet::stack {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

}  // namespace sippet::stack
