// Carrying out the transaction layer's actions (action.hpp): sends on the
// transaction's flow, timers, and the Core callbacks, which run after the
// layer's lock is released, in order, on a thread acting for the worker.
#include <asio/post.hpp>

#include "stack_state.hpp"
#include "worker.hpp"

namespace sippet::stack {

void Worker::run_actions(Run& run, Deliveries& out) {
  bool scheduled = false;
  const bool events = events_.enabled();  // debug lines (events.hpp)
  // Index loop: a transport error appends the layer's reaction to actions_.
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    transaction::Action& action = actions_[i];
    if (events) events_.action(action, layer_);
    if (auto* send = std::get_if<transaction::SendMessage>(&action)) {
      send_action(*send, run);
    } else if (auto* start = std::get_if<transaction::StartTimer>(&action)) {
      if (schedule_timer(*start, run)) scheduled = true;
    } else if (auto* stop = std::get_if<transaction::StopTimer>(&action)) {
      stop_timer(*stop);
    } else if (auto* terminated = std::get_if<transaction::Terminated>(&action)) {
      layer_counters_.transaction_ended(*terminated, run.terminating);
      release_connection(terminated->id);
      if (terminated->key.role == transaction::Role::kServer && !response_routes_.empty())
        response_routes_.erase(terminated->id);
      if (terminated->key.role == transaction::Role::kClient) {
        client_flows_.erase(terminated->id);
        forget_failover(terminated->id);
        if (auto r = resolution_of_.find(terminated->id); r != resolution_of_.end()) {
          if (auto found = resolutions_.find(r->second);
              found != resolutions_.end() && --found->second.users == 0)
            resolutions_.erase(found);
          resolution_of_.erase(r);
        }
      }
    } else if (auto* request = std::get_if<transaction::DeliverRequest>(&action)) {
      // A new server transaction holds its request's connection.
      if (request->id && run.incoming != nullptr && run.incoming->connection != 0)
        hold_connection(*request->id, Peer{*run.incoming, run.listener});
      out.emplace_back(std::move(*request), run.incoming ? *run.incoming : transport::Flow{});
    } else if (auto* response = std::get_if<transaction::DeliverResponse>(&action)) {
      if (response->id) {
        // RFC 3263 §4.3 with failover_on_503: a 503 sends the request to
        // the next target (fail_over appends to actions_: `action` is gone).
        if (response->response.status_code() == 503 && stack_.config().failover_on_503 &&
            fail_over(*response->id, run))
          continue;
        response = std::get_if<transaction::DeliverResponse>(&actions_[i]);
        response->id = original_locked(*response->id);
      }
      out.emplace_back(std::move(*response), run.incoming ? *run.incoming : transport::Flow{});
    } else if (auto* error = std::get_if<transaction::DeliverError>(&action)) {
      std::error_code code;
      for (const auto& [id, failure] : run.errors)
        if (id == error->id) code = failure;
      // RFC 3263 §4.3: a transport error or a timeout sends the request to
      // the next target, unseen by the Core.
      if (error->key.role == transaction::Role::kClient && fail_over(error->id, run)) continue;
      error = std::get_if<transaction::DeliverError>(&actions_[i]);
      layer_counters_.transaction_failed(*error);
      error->id = original_locked(error->id);
      out.emplace_back(std::move(*error), transport::Flow{}, code);
    }
  }
  if (events) events_.end_run(layer_);
  actions_.clear();
  if (run.base || !scheduled) return;  // fire_due_timers() arms when it is done
  if (acting()) {
    alarm_dirty_ = true;  // deliver_pending() arms after the callbacks
  } else {
    arm_alarm_locked();
  }
}

void Worker::send_action(transaction::SendMessage& send, Run& run) {
  const auto id = send.id;
  Peer peer;
  if (send.destination.protocol == kUnresolved) {
    // Target host still being resolved (resolution.cpp).
    auto found = resolutions_.find(send.destination.connection);
    if (found == resolutions_.end() || (found->second.done && !found->second.peer)) {
      fail_transaction(id, std::make_error_code(std::errc::host_unreachable), run);
      return;
    }
    if (!found->second.done) {
      found->second.waiting.emplace_back(id, std::move(send.bytes));
      return;
    }
    peer = *found->second.peer;
  } else if (last_peer_ && send.destination == last_destination_) {
    peer = *last_peer_;  // the same flow as the last send (a 180, then the 200)
  } else {
    peer = to_peer(send.destination, listener_address(send.destination.local));
    last_destination_ = send.destination;
    last_peer_ = peer;
  }
  if (!response_routes_.empty()) {
    // RFC 3263 §5: this server transaction's response goes elsewhere.
    if (auto found = response_routes_.find(id); found != response_routes_.end()) {
      found->second.bytes = send.bytes;
      if (!found->second.peer) return;  // sent once its sent-by is located
      peer = *found->second.peer;
    }
  }
  // Server transactions send responses, client ones requests (the layer
  // may have ended the transaction already: a final response over TCP).
  const bool server = send.bytes->starts_with("SIP/");
  if (std::error_code error = send_bytes(peer, *send.bytes)) {
    stack_.shared_counters().transport_error(TransportErrorSource::kSend);
    stack_.mark_dead(peer.flow);
    stack_.log(LogLevel::kInfo, "send to %s failed: %s", peer.flow.remote.to_string().c_str(),
               error.message().c_str());
    // §18.2.2 / RFC 3263 §5: a response tries the sent-by's addresses.
    if (server && reroute_response(id, peer.flow, send.bytes, run)) return;
    // §18.4 / §17.1.1.2: a transport failure goes to the transaction.
    fail_transaction(id, error, run);
    return;
  }
  hold_connection(id, peer);
  layer_counters_.sent_message(send);
  if (server) record_response(id, peer, send.bytes);
}

void Worker::fail_transaction(transaction::TransactionId id, std::error_code error, Run& run) {
  run.errors.emplace_back(id, error);
  layer_.on_transport_error(id, actions_);
}

void Worker::finish(Deliveries& out) {
  if (acting()) {
    deliver_pending();
    return;
  }
  if (out.empty()) return;
  asio::post(io_, [this, batch = std::move(out)]() mutable {
    Acting acting(*this);
    for (auto& delivery : batch)
      pending_.push_back(std::move(delivery));
    deliver_pending();
  });
}

void Worker::deliver_pending() {
  // Callbacks may send, which may add deliveries: they queue behind. The
  // batch being delivered is swapped out first (a callback appends to
  // pending_, which may reallocate); both vectors keep their capacity.
  if (delivering_) return;
  delivering_ = true;
  while (!pending_.empty()) {
    batch_.swap(pending_);
    for (Delivery& delivery : batch_)
      call_core(delivery);
    batch_.clear();
  }
  delivering_ = false;
  if (alarm_dirty_) {
    std::lock_guard lock(mutex_);
    alarm_dirty_ = false;
    arm_alarm_locked();
  }
}

void Worker::call_core(Delivery& delivery) {
  Core& core = stack_.core();
  if (auto* request = std::get_if<transaction::DeliverRequest>(&delivery.action)) {
    std::optional<Transaction> transaction;
    if (request->id) transaction = Transaction{transaction::Role::kServer, index_, *request->id};
    core.receive_request(std::move(request->request), transaction, delivery.flow);
  } else if (auto* response = std::get_if<transaction::DeliverResponse>(&delivery.action)) {
    std::optional<Transaction> transaction;
    if (response->id) transaction = Transaction{transaction::Role::kClient, index_, *response->id};
    core.receive_response(std::move(response->response), transaction, delivery.flow);
  } else if (auto* error = std::get_if<transaction::DeliverError>(&delivery.action)) {
    TransactionError reason{error->reason, error->timer, delivery.transport_error,
                            std::move(error->key)};
    core.receive_error(reason, Transaction{reason.key.role, index_, error->id});
  }
}

}  // namespace sippet::stack
