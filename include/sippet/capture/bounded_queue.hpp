#pragma once
// A bounded multi-producer, single-consumer queue that never blocks its
// producers: when it is full, what they push is counted as dropped. The
// consumer takes everything queued at once (one lock per batch).
//
// Producers wake the consumer only when `wake_at` items are queued; otherwise
// it wakes by itself every `interval` (pop_all's timeout). So a producer on a
// hot path pays a short lock and a move, and no wake-up system call in the
// common case.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <utility>
#include <vector>

namespace sippet::capture {

template <class T>
class BoundedQueue {
 public:
  // At most `capacity` items and `max_bytes` bytes (as weighed by try_push)
  // queued; the consumer is woken when `wake_at` items are queued.
  explicit BoundedQueue(std::size_t capacity,
                        std::size_t max_bytes = std::numeric_limits<std::size_t>::max(),
                        std::size_t wake_at = 1)
      : capacity_(capacity), max_bytes_(max_bytes), wake_at_(wake_at == 0 ? 1 : wake_at) {}

  // Queues `item`, which weighs `bytes`, unless the queue is full or closed:
  // then the item is dropped (counted) and false returned. Never waits for
  // the consumer.
  bool try_push(T&& item, std::size_t bytes = 0) {
    bool wake = false;
    {
      std::lock_guard lock(mutex_);
      if (closed_ || items_.size() >= capacity_ || bytes > max_bytes_ - bytes_) {
        ++dropped_;
        return false;
      }
      items_.push_back(std::move(item));
      bytes_ += bytes;
      wake = waiting_ && items_.size() >= wake_at_;
    }
    if (wake) ready_.notify_one();
    return true;
  }

  // Waits up to `timeout` for an item (returns at once when there is one or
  // the queue is closed), then moves every queued item to `out`, which must
  // be empty (its capacity is kept: swap). Returns false once the queue is
  // closed and empty.
  bool pop_all(std::vector<T>& out, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (items_.empty() && !closed_) {
      waiting_ = true;
      ready_.wait_for(lock, timeout, [this] { return closed_ || items_.size() >= wake_at_; });
      waiting_ = false;
    }
    out.swap(items_);
    bytes_ = 0;
    return !(closed_ && out.empty());
  }

  // No more items are accepted (later pushes are dropped); the consumer
  // gets what is queued, then false.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }

  std::uint64_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }
  std::size_t capacity() const { return capacity_; }

 private:
  const std::size_t capacity_;
  const std::size_t max_bytes_;
  const std::size_t wake_at_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<T> items_;
  std::size_t bytes_ = 0;
  std::uint64_t dropped_ = 0;
  bool waiting_ = false;
  bool closed_ = false;
};

}  // namespace sippet::capture
