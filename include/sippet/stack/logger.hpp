#pragma once
// Logging through a small interface the application can replace.
// The default writes readable lines to stderr and is quiet by default: only
// warnings and errors.
#include <atomic>
#include <memory>
#include <string_view>

namespace sippet::stack {

enum class LogLevel { kTrace, kDebug, kInfo, kWarning, kError, kOff };

std::string_view to_string(LogLevel level);

class Logger {
 public:
  virtual ~Logger() = default;
  // Cheap check made before a line is formatted; lines below are skipped.
  virtual bool enabled(LogLevel level) const = 0;
  // One complete line, without the trailing newline. Called from any thread.
  virtual void log(LogLevel level, std::string_view line) = 0;
};

// "sippet: warning: <line>" on stderr, one write per line (lines from
// several threads do not interleave).
class StderrLogger final : public Logger {
 public:
  explicit StderrLogger(LogLevel threshold = LogLevel::kWarning) : threshold_(threshold) {}
  bool enabled(LogLevel level) const override {
    return level >= threshold_.load(std::memory_order_relaxed);
  }
  void log(LogLevel level, std::string_view line) override;
  void set_threshold(LogLevel level) { threshold_.store(level, std::memory_order_relaxed); }

 private:
  std::atomic<LogLevel> threshold_;
};

// The logger used when the configuration names none.
std::shared_ptr<Logger> default_logger();

}  // namespace sippet::stack
