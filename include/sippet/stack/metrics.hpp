#pragma once
// What a stack has done, as counters and gauges: Stack::metrics() returns a
// snapshot (docs/metrics.md lists every figure and its Prometheus name).
//
// The stack counts on its hot path without locks: each worker keeps its own
// counters, written only by the threads acting for it (or under its mutex),
// and a snapshot sums them. Counters only grow; a snapshot taken while
// messages flow is a consistent total per counter, not across counters.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sippet/message/method.hpp"
#include "sippet/message/result.hpp"
#include "sippet/transaction/layer.hpp"
#include "sippet/transaction/timers.hpp"
#include "sippet/transport/protocol.hpp"

namespace sippet::stack {

// message::Method's values, kExtension (any other method) last.
inline constexpr std::size_t kMethodCount =
    static_cast<std::size_t>(message::Method::kExtension) + 1;
// 1xx to 6xx.
inline constexpr std::size_t kStatusClassCount = 6;
// message::ErrorKind's values; parsing and validation fail with the first
// ones, up to kLastMessageErrorKind.
inline constexpr std::size_t kErrorKindCount =
    static_cast<std::size_t>(message::ErrorKind::kStorageError) + 1;
inline constexpr message::ErrorKind kLastMessageErrorKind = message::ErrorKind::kHeaderTooLarge;
// transaction::Kind's values.
inline constexpr std::size_t kTransactionKindCount = 4;

// Messages by method (requests) and status class (responses).
struct MessageCounts {
  std::array<std::uint64_t, kMethodCount> requests{};        // by message::Method
  std::array<std::uint64_t, kStatusClassCount> responses{};  // [0] 1xx ... [5] 6xx

  std::uint64_t request(message::Method method) const {
    return requests[static_cast<std::size_t>(method)];
  }
  std::uint64_t response_class(int first_digit) const { return responses[first_digit - 1]; }
};

// How a transaction ended.
enum class TransactionOutcome : std::uint8_t {
  kCompleted,       // the normal end: a final response sent or received, its timers run out
  kTimeout,         // Timer B, F or H fired (receive_error)
  kTransportError,  // a send failed or an ICMP error came back (receive_error)
  kTerminated,      // Stack::terminate()
};
inline constexpr std::size_t kTransactionOutcomeCount = 4;

// Where a received message was handled (docs/threading.md, "Hand-over").
enum class Dispatch : std::uint8_t {
  kOwn,     // by the worker that read it, which owns its Call-ID
  kInline,  // by the thread that read it, acting for the owner (another worker)
  kPosted,  // queued to the owner's thread
};
inline constexpr std::size_t kDispatchCount = 3;

// Where a transport error was seen.
enum class TransportErrorSource : std::uint8_t {
  kSend,      // the send call itself failed
  kReported,  // reported later by the transport: an ICMP error, a closed connection
};
inline constexpr std::size_t kTransportErrorSourceCount = 2;

struct MetricsSnapshot {
  // Every message that parsed, valid or not, retransmissions included.
  MessageCounts received;
  // Every message the transport took (transactions' sends, retransmissions
  // included; stateless sends; answers to unparsable or invalid requests).
  MessageCounts sent;
  // The part of `sent` that transactions retransmitted (Timers A, E, G, or a
  // retransmitted request answered again).
  MessageCounts retransmitted;
  // Received datagrams that did not parse, and parsed messages refused by
  // validation, by message::ErrorKind.
  std::array<std::uint64_t, kErrorKindCount> parse_failures{};
  std::array<std::uint64_t, kErrorKindCount> validation_failures{};
  // Responses whose top Via is not ours (RFC 3261 §18.1.2), dropped.
  std::uint64_t responses_discarded = 0;
  // Timers that fired and mattered to their transaction (stopped ones that
  // still go off are not counted), by transaction::TimerId.
  std::array<std::uint64_t, transaction::kTimerCount> timers_fired{};
  // Live transactions, and those that ended, by transaction::Kind.
  std::array<std::uint64_t, kTransactionKindCount> transactions_alive{};
  std::array<std::array<std::uint64_t, kTransactionOutcomeCount>, kTransactionKindCount>
      transactions_ended{};  // [kind][outcome]
  std::array<std::uint64_t, kTransportErrorSourceCount> transport_errors{};
  std::array<std::uint64_t, kDispatchCount> dispatched{};  // received messages, by Dispatch
  unsigned workers = 0;
  // Tasks of Stack::schedule() waiting to run (a proxy's Timer C, a delayed
  // answer): a gauge.
  std::uint64_t scheduled_tasks = 0;
  // Open connections now, by transport::Protocol (0 for UDP): accepted and
  // opened, every listener of the protocol.
  std::array<std::uint64_t, std::size(transport::kAllProtocols)> connections{};

  std::uint64_t parse_failure(message::ErrorKind kind) const {
    return parse_failures[static_cast<std::size_t>(kind)];
  }
  std::uint64_t validation_failure(message::ErrorKind kind) const {
    return validation_failures[static_cast<std::size_t>(kind)];
  }
  std::uint64_t timer_fired(transaction::TimerId timer) const {
    return timers_fired[static_cast<std::size_t>(timer)];
  }
  std::uint64_t alive(transaction::Kind kind) const {
    return transactions_alive[static_cast<std::size_t>(kind)];
  }
  std::uint64_t ended(transaction::Kind kind, TransactionOutcome outcome) const {
    return transactions_ended[static_cast<std::size_t>(kind)][static_cast<std::size_t>(outcome)];
  }
  // Transactions created so far: alive + ended.
  std::uint64_t created(transaction::Kind kind) const;
  std::uint64_t connections_open(transport::Protocol protocol) const {
    return connections[static_cast<std::size_t>(protocol)];
  }
  std::uint64_t transport_error(TransportErrorSource source) const {
    return transport_errors[static_cast<std::size_t>(source)];
  }
  std::uint64_t dispatch(Dispatch how) const { return dispatched[static_cast<std::size_t>(how)]; }
};

// Label values, as the Prometheus exposition uses them.
std::string_view metric_label(message::Method method);       // "INVITE", ..., "other"
std::string_view metric_label(message::ErrorKind kind);      // "malformed_header", ...
std::string_view metric_label(transaction::Kind kind);       // "client_invite", ...
std::string_view metric_label(TransactionOutcome outcome);   // "completed", "timeout", ...
std::string_view metric_label(Dispatch how);                 // "own", "inline", "posted"
std::string_view metric_label(TransportErrorSource source);  // "send", "reported"

}  // namespace sippet::stack
