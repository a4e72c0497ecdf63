#include "dead_targets.hpp"

#include <algorithm>

namespace sippet::stack {

void DeadTargets::mark(const transport::Flow& flow, TimePoint until) {
  std::lock_guard lock(mutex_);
  for (Entry& entry : entries_) {
    if (entry.protocol == flow.protocol && entry.remote == flow.remote) {
      entry.until = std::max(entry.until, until);
      return;
    }
  }
  if (entries_.size() >= kCapacity) {
    auto first = std::min_element(entries_.begin(), entries_.end(),
                                  [](const Entry& a, const Entry& b) { return a.until < b.until; });
    entries_.erase(first);
  }
  entries_.push_back(Entry{flow.protocol, flow.remote, until});
  any_.store(true, std::memory_order_release);
}

bool DeadTargets::dead_locked(const transport::Flow& flow, TimePoint now) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const Entry& entry) {
    return entry.protocol == flow.protocol && entry.remote == flow.remote && entry.until > now;
  });
}

const Peer& DeadTargets::choose(std::span<const Peer> peers, TimePoint now) const {
  if (peers.size() == 1 || !any_.load(std::memory_order_acquire)) return peers.front();
  std::lock_guard lock(mutex_);
  for (const Peer& peer : peers)
    if (!dead_locked(peer.flow, now)) return peer;
  return peers.front();
}

}  // namespace sippet::stack
