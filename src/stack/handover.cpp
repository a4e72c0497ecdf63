// Handing a message to the worker that owns its Call-ID (docs/threading.md):
// the receiving thread handles it itself when it may (no wake-up, no
// queue), else queues it to the owner's io_context thread.
#include <asio/post.hpp>

#include <time.h>

#include "stack_state.hpp"
#include "worker.hpp"

namespace sippet::stack {

namespace {

// The receive-load measure reads the clock twice per message: the coarse
// clock (the kernel's tick, a few ms) is much cheaper to read than the
// precise one. A message is counted one tick when a tick passes while it is
// handled, else zero: summed over many messages that is the busy time.
TimePoint coarse_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return TimePoint(std::chrono::duration_cast<Clock::duration>(
      std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

}  // namespace

void Worker::hand_over(Worker& owner, message::Message&& message, const transport::Flow& flow,
                       const Peer& reply, std::uint32_t listener) {
  if (stack_.worker_count() == 1 && queued_.load(std::memory_order_acquire) == 0) {
    // (Nothing is posted to a lone worker but messages from its other
    // transports' threads that found it busy: those go first.)
    Acting acting(*this);
    if (queued_.load(std::memory_order_acquire) == 0) {
      receive_counters_[listener]->dispatch(Dispatch::kOwn);
      on_incoming(std::move(message), flow, reply);
      return;  // nobody to hand over to: no load to measure
    }
  }
  ReceiveLoad& load = loads_[listener];
  const TimePoint start = coarse_now();
  // Handling it here keeps the contract: the owner's core lock serialises
  // the Call-ID's callbacks, and nothing of the owner's is queued ahead.
  // The owner's own receive thread waits for the lock (its io_context
  // thread holds it only briefly: timers, posted work); another worker's
  // only tries, and posts when the owner is busy or itself is overloaded.
  bool handled = false;
  if (&owner == this && owner.queued_.load(std::memory_order_acquire) == 0) {
    owner.core_mutex_.lock();
    handled = true;
  } else if (!load.overloaded && owner.queued_.load(std::memory_order_acquire) == 0 &&
             owner.core_mutex_.try_lock()) {
    handled = true;
  }
  if (handled) {
    if (owner.queued_.load(std::memory_order_acquire) == 0) {
      receive_counters_[listener]->dispatch(&owner == this ? Dispatch::kOwn : Dispatch::kInline);
      Acting acting(owner, std::adopt_lock);
      owner.on_incoming(std::move(message), flow, reply);
    } else {
      owner.core_mutex_.unlock();
      handled = false;
    }
  }
  if (!handled) {
    receive_counters_[listener]->dispatch(Dispatch::kPosted);
    post_incoming(owner, std::move(message), flow, reply);
  }
  // Busy more than half of the last 10 ms: stop handling others' messages.
  const TimePoint end = coarse_now();
  load.busy += end - start;
  if (end - load.window_start >= std::chrono::milliseconds(10)) {
    load.overloaded = load.busy * 2 > end - load.window_start;
    load.busy = Clock::duration(0);
    load.window_start = end;
  }
}

void Worker::post_incoming(Worker& owner, message::Message&& message, const transport::Flow& flow,
                           const Peer& reply) {
  owner.queued_.fetch_add(1, std::memory_order_acq_rel);
  asio::post(owner.io(), [&owner, message = std::move(message), flow, reply]() mutable {
    Acting acting(owner);
    owner.on_incoming(std::move(message), flow, reply);
    owner.queued_.fetch_sub(1, std::memory_order_acq_rel);
  });
}

}  // namespace sippet::stack
