// Client transactions whose target host is being resolved: the transaction
// starts at once and its sends wait here until the Resolver answers, so no
// worker ever blocks on DNS.
#include "stack_state.hpp"
#include "worker.hpp"

namespace sippet::stack {

std::uint64_t Worker::new_resolution(bool reliable, std::uint32_t listener, Rebuild rebuild) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_resolution_++;
  Resolution resolution;
  resolution.reliable = reliable;
  resolution.listener = listener;
  resolution.rebuild = std::move(rebuild);
  resolutions_.emplace(id, std::move(resolution));
  return id;
}

message::Result<Transaction> Worker::send_request_resolving(message::Message&& request,
                                                            std::uint64_t resolution) {
  transaction::TransportInfo info;
  info.protocol = kUnresolved;
  info.connection = resolution;
  return with_layer([&](Run&) -> message::Result<Transaction> {
    auto found = resolutions_.find(resolution);
    info.reliable = found != resolutions_.end() && found->second.reliable;
    auto id = layer_.send_request(std::move(request), info, actions_);
    if (!id) {
      if (found != resolutions_.end() && found->second.users == 0) resolutions_.erase(found);
      return id.error();
    }
    if (found != resolutions_.end()) {
      ++found->second.users;
      if (!found->second.owner) found->second.owner = *id;
    }
    resolution_of_.emplace(*id, resolution);
    return Transaction{transaction::Role::kClient, index_, *id};
  });
}

void Worker::complete_resolution(std::uint64_t resolution, std::vector<Peer> peers) {
  with_layer([&](Run& run) {
    auto found = resolutions_.find(resolution);
    if (found == resolutions_.end()) return false;  // its transactions are gone
    Resolution& r = found->second;
    r.done = true;
    if (!peers.empty()) r.peer = peers.front();
    auto waiting = std::move(r.waiting);
    bool owner_seen = false;  // its retransmissions may wait too
    bool restarted = false;
    for (auto& [id, bytes] : waiting) {
      if (restarted && r.owner == id) continue;
      if (peers.empty()) {
        fail_transaction(id, std::make_error_code(std::errc::host_unreachable), run);
        continue;
      }
      const Peer& peer = peers.front();
      if (r.owner == id && r.rebuild && !owner_seen) {
        owner_seen = true;
        if (peer.listener != r.listener) {
          restarted = true;
          // RFC 3263 chose a transport (or family) other than the one our
          // Via names: the request starts again, as a new transaction with
          // our Via for that listener, and this one ends unseen.
          Failover state{id, r.rebuild, peers, std::nullopt};
          if (start_attempt(state, "RFC 3263 §4.3: resolved to another transport")) {
            layer_.terminate(id, actions_);
          } else {
            fail_transaction(id, std::make_error_code(std::errc::host_unreachable), run);
          }
          continue;
        }
        if (peers.size() > 1)
          failovers_.emplace(
              id, Failover{id, r.rebuild, {peers.begin() + 1, peers.end()}, std::nullopt});
      }
      client_flows_[id] = peer;
      if (auto error = send_bytes(peer, *bytes)) {
        stack_.shared_counters().transport_error(TransportErrorSource::kSend);
        fail_transaction(id, error, run);
      } else {
        hold_connection(id, peer);
        layer_counters_.sent.count(*bytes);
      }
    }
    return true;
  });
}

}  // namespace sippet::stack
