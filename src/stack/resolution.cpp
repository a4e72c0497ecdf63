// Client transactions whose target host is being resolved: the transaction
// starts at once and its sends wait here until the Resolver answers, so no
// worker ever blocks on DNS.
#include "stack_state.hpp"
#include "worker.hpp"

namespace sippet::stack {

std::uint64_t Worker::new_resolution(bool reliable) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_resolution_++;
  Resolution resolution;
  resolution.reliable = reliable;
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
    if (found != resolutions_.end()) ++found->second.users;
    resolution_of_.emplace(*id, resolution);
    return Transaction{transaction::Role::kClient, index_, *id};
  });
}

void Worker::complete_resolution(std::uint64_t resolution, std::optional<Peer> peer) {
  with_layer([&](Run& run) {
    auto found = resolutions_.find(resolution);
    if (found == resolutions_.end()) return false;  // its transactions are gone
    found->second.done = true;
    found->second.peer = peer;
    auto waiting = std::move(found->second.waiting);
    for (auto& [id, bytes] : waiting) {
      if (!peer) {
        fail_transaction(id, std::make_error_code(std::errc::host_unreachable), run);
        continue;
      }
      client_flows_[id] = *peer;
      if (auto error = send_bytes(*peer, *bytes)) {
        stack_.shared_counters().transport_error(TransportErrorSource::kSend);
        fail_transaction(id, error, run);
      } else {
        layer_counters_.sent.count(*bytes);
      }
    }
    return true;
  });
}

}  // namespace sippet::stack
