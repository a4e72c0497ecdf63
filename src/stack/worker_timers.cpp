// The worker's timers: one queue for the short ones (retransmissions, the
// automatic 100 Trying), FIFO lanes for the long ones (64·T1 and the like),
// a queue for Stack::schedule()'s tasks, and one asio alarm set to the
// earliest, rounded to the resolution.
#include <asio/post.hpp>

#include <algorithm>

#include "stack_state.hpp"
#include "worker.hpp"

namespace sippet::stack {

bool Worker::schedule_timer(const transaction::StartTimer& start, const Run& run) {
  const TimePoint deadline = run.base.value_or(now()) + start.after;
  const TimerEntry entry{start.handle, deadline};
  // The alarm, set for armed_ or earlier, wakes the worker in time for a
  // timer due at or after it (arm_alarm_locked only moves it earlier).
  const bool earlier = deadline < armed_;
  if (start.after >= stack_.config().timers.t4) {
    // Long (64*T1 and the like): a FIFO lane per duration, no heap.
    if (!lanes_.schedule(start.after, deadline, entry)) timers_.schedule(deadline, entry);
    return earlier;
  }
  const TimerId queued = timers_.schedule(deadline, entry);
  const std::uint32_t slot = start.handle.id.slot;
  if (slot >= short_timers_.size()) short_timers_.resize(slot + 1);
  short_timers_[slot] = ShortTimer{start.handle, queued};
  return earlier;
}

void Worker::stop_timer(const transaction::StopTimer& stop) {
  // Stale firings are ignored by the layer (action.hpp); a short timer is
  // also taken out of the queue, so that it wakes nobody.
  const std::uint32_t slot = stop.handle.id.slot;
  if (slot < short_timers_.size() && short_timers_[slot].handle == stop.handle) {
    timers_.cancel(short_timers_[slot].queued);
    short_timers_[slot] = ShortTimer{};
  }
}

TimerId Worker::schedule_task(std::chrono::milliseconds delay, std::function<void()> task) {
  std::lock_guard lock(mutex_);
  const TimerId id = tasks_.schedule(now() + delay, std::move(task));
  arm_alarm_locked();
  return id;
}

bool Worker::cancel_task(TimerId id) {
  std::function<void()> task;  // destroyed outside the lock: it may own anything
  std::lock_guard lock(mutex_);
  return tasks_.cancel(id, &task);
}

void Worker::arm_alarm_locked() {
  if (stack_.config().manual_clock) return;  // fire_due_timers() only
  auto next = timers_.next_deadline();
  if (auto lane = lanes_.next_deadline(); lane && (!next || *lane < *next)) next = lane;
  if (auto task = tasks_.next_deadline(); task && (!next || *task < *next)) next = task;
  if (!next) return;
  // Round up to the resolution so that timers close together share a wake-up.
  const auto& config = stack_.config();
  const auto resolution = std::clamp(config.timer_resolution, std::chrono::milliseconds(1),
                                     std::max(config.timers.t1 / 10, std::chrono::milliseconds(1)));
  const auto since = next->time_since_epoch();
  const auto rounded =
      TimePoint((since + resolution - Clock::duration(1)) / resolution * resolution);
  if (rounded >= armed_) return;
  armed_ = rounded;
  if (on_io_thread()) {
    start_alarm(rounded);
  } else {
    // The alarm belongs to the worker's thread; it arms what armed_ says then.
    asio::post(io_, [this] {
      TimePoint deadline;
      {
        std::lock_guard lock(mutex_);
        deadline = armed_;
      }
      if (deadline != TimePoint::max()) start_alarm(deadline);
    });
  }
}

void Worker::start_alarm(TimePoint deadline) {
  alarm_.expires_at(deadline);
  alarm_.async_wait([this](std::error_code error) {
    if (error) return;  // re-armed or stopped
    fire_due_timers();
  });
}

void Worker::fire_due_timers() {
  Acting acting(*this);
  {
    std::lock_guard lock(mutex_);
    armed_ = TimePoint::max();
    // Earliest first across the queue and the lanes; timers scheduled by
    // the ones firing are honoured (one due already fires in this call).
    const TimePoint time = now();
    for (;;) {
      const auto queued = timers_.next_deadline();
      const auto laned = lanes_.next_deadline();
      std::optional<TimerEntry> entry;
      if (laned && *laned <= time && (!queued || *laned < *queued)) {
        entry = lanes_.pop_due(time);
      } else {
        entry = timers_.pop_due(time);
      }
      if (!entry) break;
      if (layer_.on_timer(entry->handle, actions_)) {
        layer_counters_.timer_fired(entry->handle.timer);
        if (events_.enabled()) events_.timer_fired(entry->handle, layer_);
      }
      Run run;
      run.base = entry->deadline;
      run_actions(run, pending_);
    }
  }
  deliver_pending();
  run_due_tasks();  // then arms the alarm for what is left
}

void Worker::run_due_tasks() {
  // Earliest first; a task that schedules one due already runs it too.
  for (;;) {
    std::optional<std::function<void()>> task;
    {
      std::lock_guard lock(mutex_);
      task = tasks_.pop_due(now());
      if (!task) {
        arm_alarm_locked();
        return;
      }
    }
    (*task)();
  }
}

}  // namespace sippet::stack
