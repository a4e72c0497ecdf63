#pragma once
// What the four state machines share: identity, state, transport, armed
// timers (with generations, so stale firings are ignored) and the helpers
// that append actions. Each machine lives in its own file.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "key_internal.hpp"
#include "sippet/message/message.hpp"
#include "sippet/message/result.hpp"
#include "sippet/transaction/action.hpp"
#include "sippet/transaction/layer.hpp"

namespace sippet::transaction {

// What a machine needs while handling one event.
struct Context {
  const TimerConfig& config;
  Actions& out;
};

message::Error make_error(message::ErrorKind kind, std::string_view reason);

// Serializes `message` once, for sending and possibly retransmitting.
std::shared_ptr<const std::string> serialize(const message::Message& message);

// The same at its exact size, for bytes kept long (a final response a
// non-INVITE transaction resends for Timer J, 64*T1): written into a pooled
// buffer first, then copied once.
std::shared_ptr<const std::string> serialize_compact(const message::Message& message);

// A string buffer from serialize's per-thread pool (empty, maybe with
// capacity), and its return (cleared; freed when the pool is full, the
// buffer large, or the thread has no pool). For short-lived copies.
std::string take_buffer();
void give_back(std::string& buffer);

// Appends a DeliverRequest / DeliverResponse built in place: the message is
// moved once, with no temporary left to destroy.
inline void deliver_request(Actions& out, message::Message&& request,
                            std::optional<TransactionId> id) {
  auto& deliver = std::get<DeliverRequest>(out.emplace_back(std::in_place_type<DeliverRequest>));
  deliver.request = std::move(request);
  deliver.id = id;
}
inline void deliver_response(Actions& out, message::Message&& response,
                             std::optional<TransactionId> id) {
  auto& deliver = std::get<DeliverResponse>(out.emplace_back(std::in_place_type<DeliverResponse>));
  deliver.response = std::move(response);
  deliver.id = id;
}

class Transaction {
 public:
  Transaction(Kind kind, State state, const TransportInfo& transport)
      : transport_(transport), kind_(kind), state_(state) {}
  virtual ~Transaction() = default;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Kind kind() const { return kind_; }
  State state() const { return state_; }
  TransactionId id() const { return id_; }
  const TransactionKey& key() const { return key_; }
  bool is_server() const { return kind_ == Kind::kServerInvite || kind_ == Kind::kServerNonInvite; }
  bool done() const { return done_; }
  void bind(TransactionId id, TransactionKey&& key) {
    id_ = id;
    key_ = std::move(key);
  }
  // The same from views: each string is built once, in place.
  void bind(TransactionId id, const detail::KeyView& key) {
    id_ = id;
    key_.role = key.role;
    key_.method.assign(key.method);
    key_.branch.assign(key.branch);
    key_.sent_by.assign(key.sent_by);
    key_.rfc2543.assign(key.rfc2543);
  }
  // The key, moved out as the transaction ends (Terminated carries it).
  TransactionKey take_key() { return std::move(key_); }

  // A request matched this (server) transaction: a retransmission or an ACK.
  virtual void on_request(message::Message&& request, Context& ctx);
  // A response matched this (client) transaction.
  virtual void on_response(message::Message&& response, Context& ctx);
  // The Core sends a response through this (server) transaction (serialized:
  // `response` is left as it is).
  virtual message::Result<void> send_response(const message::Message& response, Context& ctx);
  // A live timer fired (already disarmed).
  virtual void on_timer(TimerId timer, Context& ctx) = 0;
  // A CANCEL for this transaction (client INVITE only).
  virtual message::Result<message::Message> build_cancel() const;
  // RFC 2543 ACK matching (§17.2.3): the To tag of the final response sent.
  virtual std::string_view response_to_tag() const { return {}; }

  // Sending failed. §17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2: inform the TU,
  // then Terminated (the layer erases a transaction that is done()).
  virtual void on_transport_error(Context& ctx) {
    fail(ctx, ErrorReason::kTransportError, std::nullopt);
  }

  // True (and the timer disarmed) when `handle` is the live arming of its timer.
  bool take_timer(const TimerHandle& handle);
  // StopTimer for every armed timer.
  void stop_all_timers(Context& ctx);

 protected:
  const TransportInfo& transport() const { return transport_; }
  bool reliable() const { return transport_.reliable; }
  void set_state(State state) { state_ = state; }
  void finish() { done_ = true; }

  void send(Context& ctx, std::shared_ptr<const std::string> bytes, bool retransmission);
  // Arms `timer` for `after`; a zero duration is not a timer: returns false
  // and arms nothing (the caller moves on at once, Table 4's "0s").
  bool start_timer(Context& ctx, TimerId timer, milliseconds after);
  void stop_timer(Context& ctx, TimerId timer);
  // DeliverError once, then finish (the layer emits Terminated).
  void fail(Context& ctx, ErrorReason reason, std::optional<TimerId> timer);
  // DeliverError unless one was delivered already; the transaction goes on.
  void report(Context& ctx, ErrorReason reason, std::optional<TimerId> timer);

 private:
  TransportInfo transport_;
  TransactionId id_;
  TransactionKey key_;  // its index entry refers to it (the layer's slot keeps the hash)
  std::array<std::uint32_t, kTimerCount> armed_{};  // generation of each armed timer, 0 = idle
  std::uint32_t timer_generation_ = 0;
  Kind kind_;
  State state_;
  bool done_ = false;
  bool reported_ = false;  // a DeliverError was emitted (at most one per transaction)
};

}  // namespace sippet::transaction
