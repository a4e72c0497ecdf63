#pragma once
// The outputs of the transaction layer (sans-IO). Every call into the layer
// appends zero or more actions, in the order the driver (the stack) must carry
// them out, to a vector the driver passes in and reuses.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sippet/message/message.hpp"
#include "sippet/transaction/key.hpp"
#include "sippet/transaction/timers.hpp"
#include "sippet/transaction/transport_info.hpp"

namespace sippet::transaction {

// Names one arming of one timer of one transaction. The driver keeps time:
// when `after` has elapsed it calls TransactionLayer::on_timer(handle). A
// handle that was stopped, re-armed or whose transaction is gone is ignored
// (stale firings are safe), so the driver may skip StopTimer if it likes.
struct TimerHandle {
  TransactionId id;
  TimerId timer = TimerId::kA;
  std::uint32_t generation = 0;
  friend bool operator==(const TimerHandle&, const TimerHandle&) = default;
};

// Send these bytes to `destination` (the TransportInfo given with the request
// that created the transaction). The bytes are shared with the transaction
// when it may retransmit them, so keep the pointer, do not copy.
// `retransmission` is true when these bytes were sent before (by a timer or
// on a retransmitted request/response), e.g. for metrics.
struct SendMessage {
  TransactionId id;
  std::shared_ptr<const std::string> bytes;
  TransportInfo destination;
  bool retransmission = false;
};

// Arm `handle.timer` to fire once after `after` (relative: no clock is read).
struct StartTimer {
  TimerHandle handle;
  milliseconds after{0};
};

// The timer armed with `handle` no longer matters.
struct StopTimer {
  TimerHandle handle;
};

// Give a request to the Core (Core::receive_request). `id` is the
// server transaction created for it; nullopt for an ACK that matched no
// transaction (the ACK for a 2xx, or any ACK in the Accepted state).
struct DeliverRequest {
  message::Message request;
  std::optional<TransactionId> id;
};

// Give a response to the Core (receive_response). `id` is the client
// transaction; nullopt when no transaction matched (e.g. 2xx retransmissions
// after the client INVITE transaction is gone, stray responses).
struct DeliverResponse {
  message::Message response;
  std::optional<TransactionId> id;
};

enum class ErrorReason : std::uint8_t {
  kTimeout,         // Timer B, F or H fired (see `timer`)
  kTransportError,  // the driver reported a transport failure
};

std::string_view to_string(ErrorReason reason);

// The transaction failed (receive_error). Emitted at most once per
// transaction, and followed by its Terminated, except for a transport error
// in a server INVITE transaction's Accepted state: that transaction lives on
// until Timer L (RFC 6026 §7.1, §8.8).
struct DeliverError {
  TransactionId id;
  ErrorReason reason = ErrorReason::kTimeout;
  std::optional<TimerId> timer;  // B, F or H for kTimeout
  TransactionKey key;
};

// The transaction is gone: its id is no longer valid, its timers may be
// dropped. Emitted exactly once per transaction, last.
struct Terminated {
  TransactionId id;
  TransactionKey key;
};

using Action = std::variant<SendMessage, StartTimer, StopTimer, DeliverRequest, DeliverResponse,
                            DeliverError, Terminated>;
using Actions = std::vector<Action>;

}  // namespace sippet::transaction
