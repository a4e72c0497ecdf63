#pragma once
// Prometheus's text exposition format (version 0.0.4) of a stack's metrics
// snapshot and of the process's CPU and memory. docs/metrics.md lists the
// names, types and labels.
#include <cstdint>
#include <optional>
#include <string>

#include "sippet/stack/metrics.hpp"

namespace sippet::stack {
class Stack;
}

namespace sippet::metrics {

// The Content-Type of the text format.
inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// The process, as Prometheus's client libraries name it (process_*).
struct ProcessMetrics {
  double cpu_seconds = 0;  // user + system, all threads
  std::uint64_t resident_bytes = 0;
  std::uint64_t virtual_bytes = 0;
  double start_time_seconds = 0;  // since the Unix epoch
  std::uint64_t open_fds = 0;
  std::uint64_t max_fds = 0;  // RLIMIT_NOFILE's soft limit
  std::uint64_t threads = 0;
};

// Reads /proc/self (stat, statm, fd) and getrusage(); nullopt without /proc.
std::optional<ProcessMetrics> read_process_metrics();

// `# HELP` and `# TYPE` lines, then one sample per line; every label value
// of a family is written, zeros included, so that series never vanish.
std::string format_prometheus(const stack::MetricsSnapshot& snapshot,
                              const std::optional<ProcessMetrics>& process = std::nullopt);

// The stack's snapshot and this process's figures, formatted: what
// `/metrics` serves.
std::string scrape(const stack::Stack& stack);

}  // namespace sippet::metrics
