#pragma once
// The transaction layer (RFC 3261 §17, updated by RFC 6026), sans-IO.
//
// Inputs: incoming requests and responses, requests and responses the Core
// sends, fired timers, transport errors. Outputs: Actions appended, in order,
// to the vector the caller passes (see action.hpp). No sockets, no clock
// reads, no threads: single-threaded per instance, no global mutable state,
// so a stack may run one instance per worker (e.g. sharded by Call-ID).
//
// Routing (Sippet's Router):
// - on_request: a request matching a server transaction goes to it (a
//   retransmission is absorbed or answered with the last response; the ACK of
//   a non-2xx is absorbed). Otherwise an ACK is delivered with no transaction;
//   otherwise a server transaction is created and the request delivered from it.
// - on_response: a response matching a client transaction goes to it, which
//   delivers what the Core must see; otherwise it is delivered with no
//   transaction.
// - A timeout (B, F, H) or transport error is delivered once as DeliverError,
//   then the transaction is Terminated; but a server INVITE transaction in
//   Accepted stays there after a transport error (RFC 6026 §7.1, §8.8).
//
// Error values: their kind says what went wrong and their reason is one of
// the kErr* texts below; on error the message passed in is left untouched
// (it was not moved from), so the caller can still use it (e.g. a proxy then
// forwards a response statelessly).
#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "sippet/message/message.hpp"
#include "sippet/message/result.hpp"
#include "sippet/transaction/action.hpp"
#include "sippet/transaction/key.hpp"
#include "sippet/transaction/timers.hpp"
#include "sippet/transaction/transport_info.hpp"

namespace sippet::transaction {

// The reasons of the layer's errors. Tell errors apart by their kind:
// kNoTransaction, kTransactionExists, kWrongState; kInvalidArgument for a
// misuse (an ACK sent through a transaction, a request where a response is
// expected, a CANCEL for what is not a pending INVITE); kMissingHeader for a
// message without the top Via or CSeq transactions match by.
inline constexpr std::string_view kErrNoTransaction = "no transaction";
inline constexpr std::string_view kErrTransactionExists = "transaction already exists";
inline constexpr std::string_view kErrAckNotAllowed =
    "an ACK is not sent through a client transaction; send it to the transport";
inline constexpr std::string_view kErrNotARequest = "not a request";
inline constexpr std::string_view kErrNotAResponse = "not a response";
inline constexpr std::string_view kErrUnmatchable = "message has no top Via or CSeq to match by";
inline constexpr std::string_view kErrWrongState =
    "the transaction cannot send this response in its current state";
inline constexpr std::string_view kErrNotPendingInvite =
    "not a client INVITE transaction waiting for a final response";

// The state of a transaction (RFC 3261 §17 figures 5-8, RFC 6026 Accepted).
// Terminated transactions are removed, so they are never observed.
enum class State : std::uint8_t {
  kCalling,     // client INVITE
  kTrying,      // non-INVITE client and server
  kProceeding,  // all
  kCompleted,   // all
  kConfirmed,   // server INVITE
  kAccepted,    // INVITE client and server (RFC 6026)
};
std::string_view to_string(State state);

enum class Kind : std::uint8_t { kClientInvite, kClientNonInvite, kServerInvite, kServerNonInvite };

class TransactionLayer {
 public:
  explicit TransactionLayer(TimerConfig config = {});
  ~TransactionLayer();
  TransactionLayer(const TransactionLayer&) = delete;
  TransactionLayer& operator=(const TransactionLayer&) = delete;
  // Moves the live transactions along; a moved-from layer is empty and still
  // usable. A move-assigned layer ends its own transactions first (no
  // actions emitted).
  TransactionLayer(TransactionLayer&&) noexcept;
  TransactionLayer& operator=(TransactionLayer&&) noexcept;

  const TimerConfig& config() const { return config_; }

  // ---- From the transport ---------------------------------------------------
  // An incoming (already parsed and validated) request from `source`.
  // Error kErrNotARequest / kErrUnmatchable (no top Via or CSeq).
  message::Result<void> on_request(message::Message&& request, const TransportInfo& source,
                                   Actions& out);
  // An incoming response. Error kErrNotAResponse / kErrUnmatchable.
  message::Result<void> on_response(message::Message&& response, const TransportInfo& source,
                                    Actions& out);

  // ---- From the Core ----------------------------------------------------------
  // Creates a client transaction for `request` (whose top Via must carry the
  // branch) and sends it to `destination`. Errors: kErrAckNotAllowed,
  // kErrTransactionExists, kErrNotARequest, kErrUnmatchable.
  message::Result<TransactionId> send_request(message::Message&& request,
                                              const TransportInfo& destination, Actions& out);
  // Sends `response` through its server transaction: `id` when given, else
  // the one matching the response (top Via + CSeq method). Errors:
  // kErrNoTransaction (kNotFound), kErrWrongState (e.g. a second final
  // response), kErrNotAResponse, kErrUnmatchable. The response is read
  // (serialized), never moved from.
  message::Result<TransactionId> send_response(const message::Message& response,
                                               std::optional<TransactionId> id, Actions& out);
  // A CANCEL for the pending client INVITE transaction `id` (§9.1), to be sent
  // with send_request (it gets its own transaction). Error
  // kErrNotPendingInvite when `id` is not a client INVITE in Calling or
  // Proceeding; §9.1 wants a provisional response first: see state().
  message::Result<message::Message> build_cancel(TransactionId id) const;

  // ---- From the driver ----------------------------------------------------
  // A timer armed by StartTimer fired. Returns false (and does nothing) for a
  // stale handle: stopped, re-armed, or of a transaction that is gone.
  bool on_timer(const TimerHandle& handle, Actions& out);
  // Sending for transaction `id` failed (§17.1.1.2, §17.1.2.2, §17.2.1,
  // §17.2.2): DeliverError(kTransportError) then Terminated. A server INVITE
  // transaction in Accepted delivers the error (once) and stays in Accepted,
  // absorbing INVITE retransmissions until Timer L (RFC 6026 §7.1, §8.8).
  // Returns false when `id` is not live.
  bool on_transport_error(TransactionId id, Actions& out);
  // Removes a transaction at once (e.g. stack shutdown): StopTimer for its
  // armed timers, then Terminated. No DeliverError. False when not live.
  bool terminate(TransactionId id, Actions& out);

  // ---- Queries ------------------------------------------------------------------
  std::size_t size() const;           // live transactions
  std::size_t size(Kind kind) const;  // live transactions of one kind
  std::optional<TransactionId> find(const TransactionKey& key) const;
  const TransactionKey* key_of(TransactionId id) const;  // nullptr when not live
  std::optional<State> state(TransactionId id) const;
  std::optional<Kind> kind(TransactionId id) const;
  // The server INVITE transaction a received CANCEL refers to (§9.2: same
  // key as the CANCEL's but method INVITE), when there is one.
  std::optional<TransactionId> find_cancelled_invite(const message::Message& cancel) const;

 private:
  // The transactions, their index and pooled storage
  // (src/transaction/layer_internal.hpp).
  class Impl;
  Impl& impl();  // made again for a moved-from layer

  TimerConfig config_;
  std::unique_ptr<Impl> impl_;  // null only in a moved-from layer
};

}  // namespace sippet::transaction
