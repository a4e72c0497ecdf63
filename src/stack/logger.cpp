#include "sippet/stack/logger.hpp"

#include <unistd.h>

#include <string>

namespace sippet::stack {

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
    case LogLevel::kOff:
      return "off";
  }
  return "?";
}

void StderrLogger::log(LogLevel level, std::string_view line) {
  if (!enabled(level)) return;
  std::string text;
  text.reserve(line.size() + 24);
  text.append("sippet: ").append(to_string(level)).append(": ").append(line).push_back('\n');
  // One write(2) per line so that lines from several threads stay whole.
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
}

std::shared_ptr<Logger> default_logger() {
  static const std::shared_ptr<Logger> logger = std::make_shared<StderrLogger>();
  return logger;
}

}  // namespace sippet::stack
