// Timer values per RFC 3261 Table 4 and RFC 6026, for the configured T1/T2/T4.
#include <gtest/gtest.h>

#include "sippet/transaction/timers.hpp"

namespace sippet::transaction {
namespace {

using namespace std::chrono_literals;

TEST(Timers, DefaultsAreTable4) {
  TimerConfig c;
  EXPECT_EQ(c.t1, 500ms);
  EXPECT_EQ(c.t2, 4000ms);
  EXPECT_EQ(c.t4, 5000ms);
  EXPECT_EQ(c.trying_delay, 200ms);
}

struct Row {
  TimerId id;
  milliseconds unreliable;
  milliseconds reliable;
};

TEST(Timers, InitialDurationsFollowConfiguredT1T4) {
  TimerConfig c;
  c.t1 = 100ms;
  c.t2 = 1000ms;
  c.t4 = 2500ms;
  c.trying_delay = 150ms;
  const Row rows[] = {
      {TimerId::kA, 100ms, 0ms},        {TimerId::kB, 6400ms, 6400ms},
      {TimerId::kD, 32000ms, 0ms},      {TimerId::kE, 100ms, 0ms},
      {TimerId::kF, 6400ms, 6400ms},    {TimerId::kG, 100ms, 0ms},
      {TimerId::kH, 6400ms, 6400ms},    {TimerId::kI, 2500ms, 0ms},
      {TimerId::kJ, 6400ms, 0ms},       {TimerId::kK, 2500ms, 0ms},
      {TimerId::kL, 6400ms, 6400ms},    {TimerId::kM, 6400ms, 6400ms},
      {TimerId::kTrying, 150ms, 150ms},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(initial_duration(c, row.id, false), row.unreliable) << to_string(row.id);
    EXPECT_EQ(initial_duration(c, row.id, true), row.reliable) << to_string(row.id);
  }
}

TEST(Timers, TimerDIsAtLeast32Seconds) {
  TimerConfig c;
  c.timer_d = 5000ms;
  EXPECT_EQ(initial_duration(c, TimerId::kD, false), 32000ms);
  c.timer_d = 40000ms;
  EXPECT_EQ(initial_duration(c, TimerId::kD, false), 40000ms);
  EXPECT_EQ(initial_duration(c, TimerId::kD, true), 0ms);
}

TEST(Timers, ADoublesWithoutCap) {
  TimerConfig c;
  milliseconds a = c.t1;
  for (milliseconds expected : {1000ms, 2000ms, 4000ms, 8000ms, 16000ms}) {
    a = next_interval(c, TimerId::kA, a);
    EXPECT_EQ(a, expected);
  }
}

TEST(Timers, EAndGDoubleAndCapAtT2) {
  TimerConfig c;
  for (TimerId id : {TimerId::kE, TimerId::kG}) {
    milliseconds v = c.t1;
    for (milliseconds expected : {1000ms, 2000ms, 4000ms, 4000ms, 4000ms}) {
      v = next_interval(c, id, v);
      EXPECT_EQ(v, expected) << to_string(id);
    }
  }
  c.t2 = 1500ms;  // a T2 that is not a power-of-two multiple of T1
  EXPECT_EQ(next_interval(c, TimerId::kE, 1000ms), 1500ms);
}

TEST(Timers, Names) {
  EXPECT_EQ(to_string(TimerId::kA), "A");
  EXPECT_EQ(to_string(TimerId::kM), "M");
  EXPECT_EQ(to_string(TimerId::kTrying), "Trying");
}

}  // namespace
}  // namespace sippet::transaction
