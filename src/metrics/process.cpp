// The process's CPU, memory and file descriptors, from proc(5) and
// getrusage(2): the process_* figures of Prometheus's client libraries.
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "sippet/metrics/prometheus.hpp"

namespace sippet::metrics {

namespace {

// The whole of a small /proc file, or "" when it cannot be read.
std::string read_small_file(const char* path) {
  std::string text;
  std::FILE* file = std::fopen(path, "re");
  if (file == nullptr) return text;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0)
    text.append(buffer, n);
  std::fclose(file);
  return text;
}

// Seconds since the epoch at which the system booted (/proc/stat btime).
std::optional<unsigned long long> boot_time() {
  const std::string stat = read_small_file("/proc/stat");
  const auto at = stat.find("\nbtime ");
  if (at == std::string::npos) return std::nullopt;
  unsigned long long seconds = 0;
  if (std::sscanf(stat.c_str() + at + 7, "%llu", &seconds) != 1) return std::nullopt;
  return seconds;
}

std::uint64_t count_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  std::uint64_t count = 0;
  while (const dirent* entry = ::readdir(dir))
    if (entry->d_name[0] != '.') ++count;
  ::closedir(dir);
  return count > 0 ? count - 1 : 0;  // not the descriptor reading the directory
}

}  // namespace

std::optional<ProcessMetrics> read_process_metrics() {
  // /proc/self/stat: "pid (comm) state ppid ...": the fields after the
  // last ')' (comm may hold anything), numbered from 3 (state).
  const std::string stat = read_small_file("/proc/self/stat");
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  long threads = 0;
  unsigned long long start_ticks = 0;
  unsigned long virtual_bytes = 0;
  // Fields 20 (num_threads), 22 (starttime), 23 (vsize).
  if (std::sscanf(stat.c_str() + paren + 1,
                  " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %ld %*d "
                  "%llu %lu",
                  &threads, &start_ticks, &virtual_bytes) != 3)
    return std::nullopt;

  ProcessMetrics process;
  process.threads = static_cast<std::uint64_t>(threads);
  process.virtual_bytes = virtual_bytes;
  const long ticks = ::sysconf(_SC_CLK_TCK);
  if (auto boot = boot_time(); boot && ticks > 0)
    process.start_time_seconds =
        static_cast<double>(*boot) + static_cast<double>(start_ticks) / static_cast<double>(ticks);

  // /proc/self/statm: size resident shared ... in pages.
  unsigned long size_pages = 0, resident_pages = 0;
  const std::string statm = read_small_file("/proc/self/statm");
  if (std::sscanf(statm.c_str(), "%lu %lu", &size_pages, &resident_pages) == 2)
    process.resident_bytes = static_cast<std::uint64_t>(resident_pages) *
                             static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));

  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) == 0) {
    auto seconds = [](const timeval& t) {
      return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    process.cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) process.max_fds = limit.rlim_cur;
  process.open_fds = count_open_fds();
  return process;
}

}  // namespace sippet::metrics
