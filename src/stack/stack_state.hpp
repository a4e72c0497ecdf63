#pragma once
// What the workers share: the Core, the configuration, the logger, the
// listeners, and the other workers (to hand a message to the worker of its
// Call-ID).
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dead_targets.hpp"
#include "listeners.hpp"
#include "peer.hpp"
#include "sippet/message/message.hpp"
#include "sippet/stack/core.hpp"
#include "sippet/stack/logger.hpp"
#include "sippet/stack/stack.hpp"
#include "timer_queue.hpp"
#include "worker_metrics.hpp"

namespace sippet::stack {

class Worker;

class StackState {
 public:
  StackState(StackConfig config, Core& core);
  ~StackState();

  Core& core() { return core_; }
  const StackConfig& config() const { return config_; }
  Logger& logger() { return *logger_; }
  std::uint32_t worker_count() const { return static_cast<std::uint32_t>(workers_.size()); }
  Worker& worker(std::uint32_t index) { return *workers_[index]; }
  // The worker owning a Call-ID (one worker: always 0).
  std::uint32_t worker_for(std::string_view call_id) const;
  TimePoint now() const;

  // printf-style line at `level`, formatted only when enabled.
  template <class... Args>
  void log(LogLevel level, const char* format, Args... args) {
    if (!logger_->enabled(level)) return;
    char line[512];
    int n = std::snprintf(line, sizeof line, format, args...);
    if (n < 0) return;
    logger_->log(level, std::string_view(line, std::min<std::size_t>(n, sizeof line - 1)));
  }

  std::vector<std::unique_ptr<Worker>>& workers() { return workers_; }
  Listeners& listeners() { return listeners_; }
  const Listeners& listeners() const { return listeners_; }
  // Counts made from any thread (stateless sends, transport errors).
  SharedCounters& shared_counters() { return shared_counters_; }

  // RFC 3263 §5 (Stack::Impl sets it): locates the sent-by of `response`'s
  // top Via with its transport and runs `done` with the peers a listener
  // reaches, in order (none when it does not resolve), from any thread or
  // inside the call (an answer from the cache). False (and `done` never runs) when the Via
  // names no transport we listen on.
  using SentByLocator = std::function<bool(const message::Message& response,
                                           std::function<void(std::vector<Peer>)> done)>;
  SentByLocator locate_sent_by;

  // Targets whose sends failed in the last 64·T1 (stateless sends to a
  // host name skip them).
  DeadTargets& dead_targets() { return dead_targets_; }
  // Marks `flow`'s target dead for 64·T1 from now.
  void mark_dead(const transport::Flow& flow);

 private:
  Core& core_;
  StackConfig config_;
  std::shared_ptr<Logger> logger_;
  std::vector<std::unique_ptr<Worker>> workers_;
  Listeners listeners_;
  SharedCounters shared_counters_;
  DeadTargets dead_targets_;
};

}  // namespace sippet::stack
