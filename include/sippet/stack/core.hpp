#pragma once
// The Core (Sippet.Core): what the application implements.
// A stack has exactly one Core; it calls it from its worker threads under the
// threading contract of docs/threading.md:
// - callbacks for messages of one Call-ID never run concurrently and run in
//   the order the messages arrived;
// - callbacks may call every Stack function (send, respond, ...) directly.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "sippet/message/message.hpp"
#include "sippet/transaction/action.hpp"
#include "sippet/transaction/key.hpp"
#include "sippet/transaction/timers.hpp"
#include "sippet/transport/flow.hpp"

namespace sippet::stack {

class Stack;

// Names one transaction of one stack. A cheap value; it does not keep the
// transaction alive: once the transaction is gone, calls naming it fail with
// "no transaction".
struct Transaction {
  transaction::Role role = transaction::Role::kClient;
  std::uint32_t worker = 0;  // the worker that owns it (hash of the Call-ID)
  transaction::TransactionId id;

  bool is_client() const { return role == transaction::Role::kClient; }
  bool is_server() const { return role == transaction::Role::kServer; }
  friend bool operator==(const Transaction&, const Transaction&) = default;
};

// Why a transaction failed (receive_error).
struct TransactionError {
  transaction::ErrorReason reason = transaction::ErrorReason::kTimeout;
  std::optional<transaction::TimerId> timer;  // B, F or H for a timeout
  std::error_code transport_error;            // for kTransportError, when known
  transaction::TransactionKey key;            // what the transaction matched by

  // "timeout (Timer F)", "transport error: Connection refused".
  std::string describe() const;
};

class Core {
 public:
  virtual ~Core() = default;

  // Called once by Stack::create with the stack being created, on the
  // calling thread, after the listeners are bound (local_endpoints() is
  // known) and before any message is read: no callback below comes
  // before it returns. A Core keeps the stack here to answer with it; it
  // must not wait to be handed the stack after Stack::create returns: a
  // request that reaches it before then and goes unanswered is never
  // answered, since its server transaction absorbs the client's
  // retransmissions (RFC 3261 §17.2.1, §17.2.2). Not called when
  // Stack::create fails.
  virtual void attached(Stack& stack) { (void)stack; }

  // A new request, or an ACK. `transaction` is the server transaction the
  // stack created for it; empty for an ACK that matched no transaction (the
  // ACK for a 2xx). `flow` is where it came from: the transport, our address
  // it arrived on, the peer's address and its connection (a registrar keeps
  // it to reach the phone later, Stack::send_request with SendOptions::flow).
  // Answer with Stack::send_response (now or later, from any thread): the
  // response goes back on this flow (RFC 3261 §18.2.2).
  virtual void receive_request(message::Message request, std::optional<Transaction> transaction,
                               const transport::Flow& flow) = 0;

  // A response to a request sent with Stack::send_request, and the flow it
  // came on. `transaction` is empty when no client transaction matched
  // (retransmissions of a 2xx to INVITE, which belong to the Core).
  // Responses whose top Via is not ours never get here (§18.1.2).
  virtual void receive_response(message::Message response, std::optional<Transaction> transaction,
                                const transport::Flow& flow) = 0;

  // A transaction failed: Timer B, F or H fired, or sending failed. Called
  // at most once per transaction; the transaction is gone afterwards, but
  // for a server INVITE transaction that had sent a 2xx: it stays until
  // Timer L (64*T1), absorbing INVITE retransmissions (RFC 6026 §7.1, §8.8).
  virtual void receive_error(const TransactionError& error, Transaction transaction) = 0;
};

}  // namespace sippet::stack
