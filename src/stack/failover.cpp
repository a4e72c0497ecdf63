// RFC 3263 §4.3: a request to a host name has an ordered list of targets
// (transport, address, port). When the client transaction to one fails with
// a transport error or a timeout (or a 503, with
// StackConfig::failover_on_503), the request goes to the next target as a
// new transaction with a new branch. The Core keeps the handle it was given:
// deliveries of the new transaction carry it, and terminate/build_cancel
// with it reach the new one, so the Core sees one outcome.
#include "stack_state.hpp"
#include "worker.hpp"

namespace sippet::stack {

bool Worker::fail_over(transaction::TransactionId id, Run& run) {
  auto found = failovers_.find(id);
  if (found == failovers_.end()) return false;
  Failover& failing = found->second;
  if (failing.over_udp) {
    // RFC 3261 §18.1.1: "if the attempt to establish the connection
    // generates either an ICMP Protocol Not Supported, or results in a TCP
    // reset, the element SHOULD retry the request, using UDP" (a refused
    // connect); once, before any other target.
    std::error_code error;
    for (const auto& [failed, code] : run.errors)
      if (failed == id) error = code;
    if (error == std::errc::connection_refused || error == std::errc::protocol_not_supported) {
      Failover state = std::move(failing);
      failovers_.erase(found);
      state.rest.insert(state.rest.begin(), *state.over_udp);
      state.over_udp.reset();
      if (start_attempt(state, "RFC 3261 §18.1.1: TCP refused a request over TCP for its size"))
        return true;
      failovers_.emplace(id, std::move(state));
      return false;
    }
    failing.over_udp.reset();  // a timeout, or a failure after the connection was made
  }
  if (failing.rest.empty()) return false;
  Failover state = std::move(failing);
  failovers_.erase(found);
  if (start_attempt(state, "RFC 3263 §4.3: failed")) return true;
  failovers_.emplace(id, std::move(state));  // nothing left: the Core gets the outcome
  return false;
}

bool Worker::start_attempt(Failover& state, const char* why) {
  while (!state.rest.empty()) {
    const Peer peer = state.rest.front();
    state.rest.erase(state.rest.begin());
    auto request = state.rebuild(peer);
    if (!request) continue;
    // Sent when the actions this appends are carried out (run_actions).
    auto next = layer_.send_request(std::move(*request), to_transport_info(peer), actions_);
    if (!next) continue;
    stack_.log(LogLevel::kInfo, "%s; the request goes to %s %s", why,
               std::string(transport::to_string(peer.flow.protocol)).c_str(),
               peer.flow.remote.to_string().c_str());
    client_flows_.emplace(*next, peer);
    current_of_[state.original] = *next;
    failovers_.emplace(*next, std::move(state));
    return true;
  }
  return false;
}

transaction::TransactionId Worker::current_locked(transaction::TransactionId id) const {
  auto found = current_of_.find(id);
  return found == current_of_.end() ? id : found->second;
}

transaction::TransactionId Worker::original_locked(transaction::TransactionId id) const {
  auto found = failovers_.find(id);
  return found == failovers_.end() ? id : found->second.original;
}

void Worker::forget_failover(transaction::TransactionId id) {
  auto found = failovers_.find(id);
  if (found == failovers_.end()) return;
  if (auto current = current_of_.find(found->second.original);
      current != current_of_.end() && current->second == id)
    current_of_.erase(current);
  failovers_.erase(found);
}

void Worker::cancelled_locked(transaction::TransactionId id) {
  if (auto found = failovers_.find(id); found != failovers_.end()) {
    found->second.rest.clear();
    found->second.over_udp.reset();
  }
  if (auto r = resolution_of_.find(id); r != resolution_of_.end())
    if (auto resolution = resolutions_.find(r->second); resolution != resolutions_.end())
      resolution->second.rebuild = nullptr;
}

}  // namespace sippet::stack
