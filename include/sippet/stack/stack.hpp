#pragma once
// The stack (design.md §1 layer 5, issue 4): owns the transports, one
// transaction layer per worker, the clock and the timer queues; routes every
// incoming message (Sippet's Router) and calls the Core.
//
// Threading (docs/threading.md): N workers, each a thread with its own
// io_context, transaction layer and timer queue. A message belongs to the
// worker chosen by the hash of its Call-ID, so one Call-ID is handled by one
// thread, in arrival order. Every public function is safe from any thread,
// Core callbacks included.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "sippet/message/message.hpp"
#include "sippet/message/result.hpp"
#include "sippet/message/validate.hpp"
#include "sippet/stack/core.hpp"
#include "sippet/stack/logger.hpp"
#include "sippet/stack/manual_clock.hpp"
#include "sippet/transaction/timers.hpp"
#include "sippet/transport/endpoint.hpp"
#include "sippet/transport/listen_spec.hpp"

namespace sippet::stack {

struct StackConfig {
  // Where to listen ("udp:127.0.0.1:5060", port 0 allowed). At least one.
  std::vector<transport::ListenSpec> listen;
  // Worker threads; 0 means one per core.
  unsigned threads = 0;
  // T1, T2, T4 and the automatic 100 Trying (RFC 3261 §17, Table 4).
  transaction::TimerConfig timers;
  // Timers fire at most this much late (and never more than T1/10 late);
  // coarser means fewer wake-ups under load.
  std::chrono::milliseconds timer_resolution{20};
  // Each socket is read by a thread of its own blocked in recvmmsg() (one
  // system call per wake-up); false: by the worker's io_context thread
  // through epoll (three system calls per wake-up). docs/threading.md.
  bool receive_threads = true;
  // Checks made on every incoming message before routing (§8.2, §16.3).
  message::ValidateOptions validation;
  // Where log lines go; default_logger() (stderr, warnings and up) if null.
  std::shared_ptr<Logger> logger;
  // Tests: when set, the stack reads time from this clock and fires timers
  // only in Stack::fire_due_timers(), never by itself.
  std::shared_ptr<ManualClock> manual_clock;
};

class Stack {
 public:
  // Binds every listen address and starts the workers. Errors (kInvalidArgument)
  // name what failed, e.g. "udp:127.0.0.1:5060: Address already in use".
  // `core` must outlive the stack.
  static message::Result<std::unique_ptr<Stack>> create(StackConfig config, Core& core);

  ~Stack();  // stop() and join the workers
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // Sends a request through a new client transaction (§17.1). The request goes
  // to its first Route (loose routing) or else its Request-URI, over the
  // transport of the URI's `transport` param or of the top Via. When the
  // request has no Via the stack adds "SIP/2.0/UDP <local>;branch=...;rport";
  // a Via without a branch gets one. Errors: an ACK (send it with
  // send_stateless), a transaction that already exists, no usable target.
  // On an error the message is left as it was (the caller may still use it).
  message::Result<Transaction> send_request(message::Message&& request);

  // Sends a response through its server transaction: `transaction` when given,
  // else the one the response matches (top Via + CSeq). Error "no transaction"
  // (kNotFound) when there is none: a proxy then uses send_stateless.
  message::Result<Transaction> send_response(message::Message&& response,
                                             std::optional<Transaction> transaction = {});

  // Sends without a transaction: an ACK or a statelessly forwarded request
  // (to its Route / Request-URI), or a response (by §18.2.2 from its top Via).
  message::Result<void> send_stateless(const message::Message& message);

  // Ends a transaction now, without a Core callback. Error "no transaction".
  message::Result<void> terminate(Transaction transaction);

  // A CANCEL for the client INVITE transaction `invite` (§9.1), to be sent
  // with send_request.
  message::Result<message::Message> build_cancel(Transaction invite);

  // The server INVITE transaction a received CANCEL refers to (§9.2).
  std::optional<Transaction> find_cancelled_invite(const message::Message& cancel);

  // Runs `task` on the worker that owns `call_id` after `delay`: serialised
  // with the Core callbacks of that Call-ID (e.g. a delayed answer).
  void schedule(std::string_view call_id, std::chrono::milliseconds delay,
                std::function<void()> task);

  // The bound addresses, in the order of StackConfig::listen (real ports).
  std::vector<transport::Endpoint> local_endpoints() const;
  unsigned worker_count() const;
  Logger& logger();

  // With StackConfig::manual_clock: runs every timer due at the clock's time,
  // on the workers, and returns when they are done. Not from a Core callback.
  void fire_due_timers();

  // Stops receiving and the workers; idempotent. Not from a Core callback.
  void stop();

  class Impl;

 private:
  explicit Stack(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sippet::stack
