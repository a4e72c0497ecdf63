#pragma once
// The stack's timer queue: the timers of the sans-IO transaction layer,
// which reads no clock itself. One queue per worker, used by that worker only (or
// under its lock), so there is no synchronisation inside.
//
// A binary min-heap of (deadline, slot, generation) over a slab of slots:
// schedule is O(log n) without allocation once the slab has grown, cancel is
// O(1) (the heap entry goes stale and is skipped when it reaches the top).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include "sippet/stack/clock.hpp"

namespace sippet::stack {

// Names a scheduled timer; 0 is never a valid id.
using TimerId = std::uint64_t;

template <class Payload>
class TimerQueue {
 public:
  TimerId schedule(TimePoint deadline, Payload payload) {
    std::uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    Slot& s = slots_[slot];
    s.payload = std::move(payload);
    s.live = true;
    heap_.push(Entry{deadline, slot, s.generation});
    ++size_;
    return make_id(slot, s.generation);
  }

  // True when the timer was pending (it will not fire); false when it had
  // fired or been cancelled already.
  bool cancel(TimerId id) {
    const auto slot = static_cast<std::uint32_t>(id >> 32);
    const auto generation = static_cast<std::uint32_t>(id);
    if (slot >= slots_.size()) return false;
    Slot& s = slots_[slot];
    if (!s.live || s.generation != generation) return false;
    release(slot);
    return true;
  }

  // The earliest pending deadline.
  std::optional<TimePoint> next_deadline() {
    drop_stale();
    if (heap_.empty()) return std::nullopt;
    return heap_.top().deadline;
  }

  // Removes every timer due at `now` (deadline <= now), earliest first, and
  // calls fire(payload) for each. Timers scheduled by `fire` are honoured
  // (one due already fires in the same call).
  template <class Fire>
  std::size_t expire(TimePoint now, Fire&& fire) {
    std::size_t fired = 0;
    for (;;) {
      drop_stale();
      if (heap_.empty() || heap_.top().deadline > now) break;
      const std::uint32_t slot = heap_.top().slot;
      heap_.pop();
      Payload payload = std::move(slots_[slot].payload);
      release(slot);
      ++fired;
      fire(std::move(payload));
    }
    return fired;
  }

  // Removes the earliest timer due at `now` and returns its payload, if any.
  std::optional<Payload> pop_due(TimePoint now) {
    drop_stale();
    if (heap_.empty() || heap_.top().deadline > now) return std::nullopt;
    const std::uint32_t slot = heap_.top().slot;
    heap_.pop();
    std::optional<Payload> payload(std::move(slots_[slot].payload));
    release(slot);
    return payload;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  struct Slot {
    Payload payload{};
    std::uint32_t generation = 1;
    bool live = false;
  };
  struct Entry {
    TimePoint deadline;
    std::uint32_t slot;
    std::uint32_t generation;
    bool operator>(const Entry& o) const { return deadline > o.deadline; }
  };

  static TimerId make_id(std::uint32_t slot, std::uint32_t generation) {
    return (static_cast<TimerId>(slot) << 32) | generation;
  }
  void release(std::uint32_t slot) {
    Slot& s = slots_[slot];
    s.live = false;
    s.payload = Payload{};
    if (++s.generation == 0) s.generation = 1;  // keep ids non-zero
    free_.push_back(slot);
    --size_;
  }
  void drop_stale() {
    while (!heap_.empty()) {
      const Entry& top = heap_.top();
      const Slot& s = slots_[top.slot];
      if (s.live && s.generation == top.generation) return;
      heap_.pop();
    }
  }

  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_;
  std::size_t size_ = 0;
};

// Timers of a few fixed durations (Timers L, J, H, B, F: 64*T1, and the
// like). Scheduled "now + duration" in time order, each duration's timers
// form a FIFO lane: O(1) to add and to expire, no heap, memory written and
// read in sequence. No cancel: a stopped timer fires and is ignored (the
// transaction layer ignores stale handles). A deadline earlier than the last
// of its lane, or a new duration when every lane is taken, is refused
// (schedule() returns false): the caller queues it elsewhere.
template <class Payload>
class TimerLanes {
 public:
  static constexpr std::size_t kMaxLanes = 8;

  bool schedule(Clock::duration after, TimePoint deadline, Payload payload) {
    Lane* lane = nullptr;
    for (Lane& l : lanes_) {
      if (l.after == after) {
        lane = &l;
        break;
      }
    }
    if (lane == nullptr) {
      if (lanes_.size() >= kMaxLanes) return false;
      lane = &lanes_.emplace_back();
      lane->after = after;
    }
    if (!lane->entries.empty() && lane->entries.back().first > deadline) return false;
    lane->entries.emplace_back(deadline, std::move(payload));
    ++size_;
    return true;
  }

  // The earliest deadline of all lanes.
  std::optional<TimePoint> next_deadline() const {
    const Lane* lane = earliest();
    if (lane == nullptr) return std::nullopt;
    return lane->entries.front().first;
  }

  // Removes the earliest timer due at `now` and returns its payload, if any.
  std::optional<Payload> pop_due(TimePoint now) {
    Lane* lane = const_cast<Lane*>(earliest());
    if (lane == nullptr || lane->entries.front().first > now) return std::nullopt;
    std::optional<Payload> payload(std::move(lane->entries.front().second));
    lane->entries.pop_front();
    --size_;
    return payload;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  struct Lane {
    Clock::duration after{};
    std::deque<std::pair<TimePoint, Payload>> entries;  // deadlines in order
  };
  const Lane* earliest() const {
    const Lane* best = nullptr;
    for (const Lane& l : lanes_) {
      if (l.entries.empty()) continue;
      if (best == nullptr || l.entries.front().first < best->entries.front().first) best = &l;
    }
    return best;
  }

  std::vector<Lane> lanes_;
  std::size_t size_ = 0;
};

}  // namespace sippet::stack
