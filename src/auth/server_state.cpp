// Bounded memories of a Server: nonce counts and failures per source.
#include "server_state.hpp"

#include <algorithm>

namespace sippet::auth::detail {

NonceCounts::Check NonceCounts::record(const std::string& nonce, std::int64_t issued,
                                       std::uint32_t nc, std::int64_t expired_before) {
  while (!order_.empty() && order_.front().second < expired_before) {
    counts_.erase(order_.front().first);
    order_.pop_front();
  }
  auto it = counts_.find(nonce);
  if (it != counts_.end()) {
    if (nc <= it->second.nc) return Check::kReplayed;
    it->second.nc = nc;
    return Check::kOk;
  }
  if (issued <= forgotten_up_to_) return Check::kForgotten;
  counts_.emplace(nonce, Entry{nc, issued});
  order_.emplace_back(nonce, issued);
  while (counts_.size() > capacity_) {
    forgotten_up_to_ = std::max(forgotten_up_to_, order_.front().second);
    counts_.erase(order_.front().first);
    order_.pop_front();
  }
  return Check::kOk;
}

bool FailureLimiter::limited(std::string_view source, std::int64_t now) {
  if (max_failures_ == 0 || source.empty()) return false;
  auto it = sources_.find(std::string(source));
  if (it == sources_.end()) return false;
  if (now - it->second.start >= window_) {
    sources_.erase(it);
    return false;
  }
  return it->second.failures >= max_failures_;
}

void FailureLimiter::failed(std::string_view source, std::int64_t now) {
  if (max_failures_ == 0 || source.empty()) return;
  auto it = sources_.find(std::string(source));
  if (it == sources_.end()) {
    if (sources_.size() >= max_sources_) {
      // Full: drop the sources whose window has ended; a source that still
      // finds no room is not limited (never a false 403).
      std::erase_if(sources_, [&](const auto& s) { return now - s.second.start >= window_; });
      if (sources_.size() >= max_sources_) return;
    }
    sources_.emplace(std::string(source), Window{now, 1});
    return;
  }
  if (now - it->second.start >= window_) {
    it->second = Window{now, 1};
  } else {
    ++it->second.failures;
  }
}

}  // namespace sippet::auth::detail
