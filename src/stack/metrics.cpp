// Stack::metrics(): the workers' counters summed (worker_metrics.hpp), and
// the label values of the figures.
#include "sippet/stack/metrics.hpp"

#include <mutex>

#include "stack_impl.hpp"
#include "worker.hpp"
#include "worker_metrics.hpp"

namespace sippet::stack {

std::uint64_t MetricsSnapshot::created(transaction::Kind kind) const {
  std::uint64_t total = alive(kind);
  for (std::uint64_t ended : transactions_ended[static_cast<std::size_t>(kind)])
    total += ended;
  return total;
}

void ReceiveCounters::add_to(MetricsSnapshot& out) const {
  received.add_to(out.received);
  answered.add_to(out.sent);
  stack::add_to(out.parse_failures, parse_failures);
  stack::add_to(out.validation_failures, validation_failures);
  out.responses_discarded += responses_discarded.value();
  stack::add_to(out.dispatched, dispatched);
}

void LayerCounters::transaction_failed(const transaction::DeliverError& error) {
  failures_.emplace_back(error.id, error.reason == transaction::ErrorReason::kTimeout
                                       ? TransactionOutcome::kTimeout
                                       : TransactionOutcome::kTransportError);
}

void LayerCounters::transaction_ended(const transaction::Terminated& terminated, bool terminating) {
  TransactionOutcome outcome =
      terminating ? TransactionOutcome::kTerminated : TransactionOutcome::kCompleted;
  for (auto failure = failures_.begin(); failure != failures_.end(); ++failure) {
    if (failure->first == terminated.id) {
      outcome = failure->second;
      failures_.erase(failure);
      break;
    }
  }
  // The key of a server INVITE transaction says INVITE (its ACK matches it).
  const transaction::TransactionKey& key = terminated.key;
  const bool invite = key.method == "INVITE";
  const transaction::Kind kind =
      key.role == transaction::Role::kClient
          ? (invite ? transaction::Kind::kClientInvite : transaction::Kind::kClientNonInvite)
          : (invite ? transaction::Kind::kServerInvite : transaction::Kind::kServerNonInvite);
  ended[static_cast<std::size_t>(kind)][static_cast<std::size_t>(outcome)].add();
}

void LayerCounters::add_to(MetricsSnapshot& out) const {
  sent.add_to(out.sent);
  retransmitted.add_to(out.retransmitted);
  stack::add_to(out.timers_fired, timers_fired);
  for (std::size_t kind = 0; kind < kTransactionKindCount; ++kind)
    stack::add_to(out.transactions_ended[kind], ended[kind]);
}

void SharedCounters::add_to(MetricsSnapshot& out) const {
  sent.add_to(out.sent);
  stack::add_to(out.transport_errors, transport_errors);
}

void Worker::add_metrics(MetricsSnapshot& out) {
  for (const auto& counters : receive_counters_)
    counters->add_to(out);
  for (const auto& transport : transports_)
    out.connections[static_cast<std::size_t>(transport->protocol())] +=
        transport->open_connections();
  // Under the mutex: the live transactions and what ended are consistent
  // (created = alive + ended).
  std::lock_guard lock(mutex_);
  layer_counters_.add_to(out);
  for (std::size_t kind = 0; kind < kTransactionKindCount; ++kind)
    out.transactions_alive[kind] += layer_.size(static_cast<transaction::Kind>(kind));
  out.scheduled_tasks += tasks_.size();
}

MetricsSnapshot Stack::metrics() const {
  auto& state = impl_->state;
  MetricsSnapshot snapshot;
  snapshot.workers = state.worker_count();
  for (auto& worker : state.workers())
    worker->add_metrics(snapshot);
  state.shared_counters().add_to(snapshot);
  return snapshot;
}

// ---- Label values ------------------------------------------------------------

std::string_view metric_label(message::Method method) {
  if (method == message::Method::kExtension) return "other";
  return message::to_string(method);
}

std::string_view metric_label(message::ErrorKind kind) {
  switch (kind) {
    case message::ErrorKind::kMalformedStartLine:
      return "malformed_start_line";
    case message::ErrorKind::kBadVersion:
      return "bad_version";
    case message::ErrorKind::kMalformedHeader:
      return "malformed_header";
    case message::ErrorKind::kMalformedUri:
      return "malformed_uri";
    case message::ErrorKind::kBadContentLength:
      return "bad_content_length";
    case message::ErrorKind::kIncomplete:
      return "incomplete";
    case message::ErrorKind::kTooLarge:
      return "too_large";
    case message::ErrorKind::kMissingHeader:
      return "missing_header";
    case message::ErrorKind::kMultipleValues:
      return "multiple_values";
    case message::ErrorKind::kMethodMismatch:
      return "method_mismatch";
    case message::ErrorKind::kUnsupportedScheme:
      return "unsupported_scheme";
    case message::ErrorKind::kTooManyHops:
      return "too_many_hops";
    case message::ErrorKind::kHeaderTooLarge:
      return "header_too_large";
    case message::ErrorKind::kNotFound:
      return "not_found";
    case message::ErrorKind::kInvalidArgument:
      return "invalid_argument";
    case message::ErrorKind::kNoTransaction:
      return "no_transaction";
    case message::ErrorKind::kTransactionExists:
      return "transaction_exists";
    case message::ErrorKind::kWrongState:
      return "wrong_state";
    case message::ErrorKind::kNoRoute:
      return "no_route";
    case message::ErrorKind::kResolveFailed:
      return "resolve_failed";
    case message::ErrorKind::kTransportError:
      return "transport_error";
    case message::ErrorKind::kStorageError:
      return "storage_error";
  }
  return "unknown";
}

std::string_view metric_label(transaction::Kind kind) {
  switch (kind) {
    case transaction::Kind::kClientInvite:
      return "client_invite";
    case transaction::Kind::kClientNonInvite:
      return "client_non_invite";
    case transaction::Kind::kServerInvite:
      return "server_invite";
    case transaction::Kind::kServerNonInvite:
      return "server_non_invite";
  }
  return "unknown";
}

std::string_view metric_label(TransactionOutcome outcome) {
  switch (outcome) {
    case TransactionOutcome::kCompleted:
      return "completed";
    case TransactionOutcome::kTimeout:
      return "timeout";
    case TransactionOutcome::kTransportError:
      return "transport_error";
    case TransactionOutcome::kTerminated:
      return "terminated";
  }
  return "unknown";
}

std::string_view metric_label(Dispatch how) {
  switch (how) {
    case Dispatch::kOwn:
      return "own";
    case Dispatch::kInline:
      return "inline";
    case Dispatch::kPosted:
      return "posted";
  }
  return "unknown";
}

std::string_view metric_label(TransportErrorSource source) {
  switch (source) {
    case TransportErrorSource::kSend:
      return "send";
    case TransportErrorSource::kReported:
      return "reported";
  }
  return "unknown";
}

}  // namespace sippet::stack
