#pragma once
// Targets a send to which failed lately: an immediate send error, an ICMP
// error reported later, a refused connection. A stateless send to a host
// name skips them while another target is left (RFC 3261 §16.11, RFC 3263
// §4.4: a stateless proxy cannot fail over, but need not choose a target
// known to be dead). Any thread.
#include <atomic>
#include <cstddef>
#include <mutex>
#include <span>
#include <vector>

#include "peer.hpp"
#include "sippet/stack/clock.hpp"

namespace sippet::stack {

class DeadTargets {
 public:
  // At most this many kept; the one that expires first makes room.
  static constexpr std::size_t kCapacity = 256;

  // `flow`'s (transport, remote address) is dead until `until`.
  void mark(const transport::Flow& flow, TimePoint until);
  // The first of `peers` not dead at `now`, else the first (all dead, or
  // none known); `peers` must not be empty.
  const Peer& choose(std::span<const Peer> peers, TimePoint now) const;

 private:
  struct Entry {
    transport::Protocol protocol;
    transport::Endpoint remote;
    TimePoint until;
  };
  bool dead_locked(const transport::Flow& flow, TimePoint now) const;

  mutable std::mutex mutex_;
  std::atomic<bool> any_{false};  // read without the lock on every choice
  std::vector<Entry> entries_;
};

}  // namespace sippet::stack
