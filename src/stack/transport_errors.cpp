// Transport errors (RFC 3261 §18.4, §17.1.1.2, §17.1.2.2): a send that
// failed after it left (an ICMP error, a backlog flush) or a connection that
// closed fails the client transactions still waiting for a response on that
// flow; those already answered (Completed, Accepted) are not told. A
// response that failed goes on by RFC 3263 §5 (response_routes.cpp).
#include "stack_state.hpp"
#include "worker.hpp"

namespace sippet::stack {

namespace {

bool same_flow(const transport::Flow& sent_on, const transport::Flow& failed) {
  if (sent_on.protocol != failed.protocol) return false;
  // A transaction sent to an address without naming a connection (the
  // transport opened or reused one to it) is on any failed connection to
  // that address.
  if (failed.connection != 0 && sent_on.connection != 0)
    return sent_on.connection == failed.connection;
  return sent_on.remote == failed.remote;
}

bool waiting_for_response(transaction::State state) {
  return state == transaction::State::kCalling || state == transaction::State::kTrying ||
         state == transaction::State::kProceeding;
}

}  // namespace

void Worker::on_transport_error(const transport::Flow& flow, std::error_code error) {
  // Any worker may have sent on this flow (a thread acting for one worker
  // sends through its own transport of the same listener).
  // A connection that closes is reported whether or not it carried a
  // transaction: it counts as an error only when one failed. The error is
  // counted before any Core callback it causes (whoever sees the callback
  // sees the count).
  if (flow.connection != 0 && stack_.config().connection_closed)
    stack_.config().connection_closed(flow);
  // A datagram's error, or a connection that could not be made: its
  // target is dead a while for stateless sends (dead_targets.hpp).
  if (flow.connection == 0 || connect_failure(error)) stack_.mark_dead(flow);
  bool counted = false;
  if (flow.connection == 0) {
    stack_.shared_counters().transport_error(TransportErrorSource::kReported);
    counted = true;
  }
  std::size_t failed = 0;
  for (std::uint32_t i = 0; i < stack_.worker_count(); ++i)
    failed += stack_.worker(i).fail_flow(flow, error, counted);
  if (failed == 0 && flow.connection != 0) {
    stack_.log(LogLevel::kDebug, "%s closed: %s", flow.to_string().c_str(),
               error.message().c_str());
    return;
  }
  stack_.log(LogLevel::kInfo, "send on %s failed: %s", flow.to_string().c_str(),
             error.message().c_str());
}

std::size_t Worker::fail_flow(const transport::Flow& flow, std::error_code error, bool& counted) {
  return with_layer([&](Run& run) {
    std::vector<transaction::TransactionId> failed;
    for (const auto& [id, peer] : client_flows_) {
      if (!same_flow(peer.flow, flow)) continue;
      if (auto state = layer_.state(id); state && waiting_for_response(*state))
        failed.push_back(id);
    }
    if (!failed.empty() && !counted) {
      stack_.shared_counters().transport_error(TransportErrorSource::kReported);
      counted = true;
    }
    for (const auto& id : failed)
      fail_transaction(id, error, run);
    // RFC 3263 §5: a response that did not reach its address goes on to
    // the next address of its Via's sent-by.
    const std::size_t rerouted = reroute_failed_response(flow, error, run);
    if (rerouted != 0 && !counted) {
      stack_.shared_counters().transport_error(TransportErrorSource::kReported);
      counted = true;
    }
    return failed.size() + rerouted;
  });
}

}  // namespace sippet::stack
