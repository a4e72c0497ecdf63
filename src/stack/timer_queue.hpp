#pragma once
// The stack's timer queue: the timers of the sans-IO transaction layer,
// which reads no clock itself. One queue per worker, used by that worker only (or
// under its lock), so there is no synchronisation inside.
//
// A binary min-heap of (deadline, slot, generation) over a slab of slots:
// schedule is O(log n) without allocation once the slab has grown, cancel is
// O(1) (the slot and its payload are freed at once; the heap entry goes
// stale and is skipped when it reaches the top). When stale entries
// outnumber the live ones the heap is rebuilt without them (amortised O(1)
// per cancel), so long timers cancelled early (a proxy's Timer C, more
// than 3 minutes) do not pile up until their deadline.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
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
    heap_.push_back(Entry{deadline, slot, s.generation});
    std::push_heap(heap_.begin(), heap_.end(), std::greater<Entry>());
    ++size_;
    return make_id(slot, s.generation);
  }

  // True when the timer was pending (it will not fire); false when it had
  // fired or been cancelled already. `payload`: receives the cancelled
  // timer's payload (to destroy it elsewhere) instead of destroying it here.
  bool cancel(TimerId id, Payload* payload = nullptr) {
    const auto slot = static_cast<std::uint32_t>(id >> 32);
    const auto generation = static_cast<std::uint32_t>(id);
    if (slot >= slots_.size()) return false;
    Slot& s = slots_[slot];
    if (!s.live || s.generation != generation) return false;
    if (payload != nullptr) *payload = std::move(s.payload);
    release(slot);
    if (heap_.size() > kCompactAbove && heap_.size() > 2 * size_) compact();
    return true;
  }

  // The earliest pending deadline.
  std::optional<TimePoint> next_deadline() {
    drop_stale();
    if (heap_.empty()) return std::nullopt;
    return heap_.front().deadline;
  }

  // Removes every timer due at `now` (deadline <= now), earliest first, and
  // calls fire(payload) for each. Timers scheduled by `fire` are honoured
  // (one due already fires in the same call).
  template <class Fire>
  std::size_t expire(TimePoint now, Fire&& fire) {
    std::size_t fired = 0;
    for (;;) {
      drop_stale();
      if (heap_.empty() || heap_.front().deadline > now) break;
      const std::uint32_t slot = pop_top();
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
    if (heap_.empty() || heap_.front().deadline > now) return std::nullopt;
    const std::uint32_t slot = pop_top();
    std::optional<Payload> payload(std::move(slots_[slot].payload));
    release(slot);
    return payload;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Heap entries, stale ones included: at most about twice size().
  std::size_t entries() const { return heap_.size(); }

 private:
  // Below this many entries stale ones are left to reach the top.
  static constexpr std::size_t kCompactAbove = 64;

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
  bool stale(const Entry& entry) const {
    const Slot& s = slots_[entry.slot];
    return !s.live || s.generation != entry.generation;
  }
  void drop_stale() {
    while (!heap_.empty() && stale(heap_.front()))
      pop_top();
  }
  std::uint32_t pop_top() {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<Entry>());
    const std::uint32_t slot = heap_.back().slot;
    heap_.pop_back();
    return slot;
  }
  void compact() {
    std::erase_if(heap_, [this](const Entry& entry) { return stale(entry); });
    std::make_heap(heap_.begin(), heap_.end(), std::greater<Entry>());
  }

  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::vector<Entry> heap_;  // a min-heap by deadline (std::push_heap with greater)
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
