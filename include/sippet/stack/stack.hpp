#pragma once
// The stack: owns the transports, one transaction layer per worker, the clock
// and the timer queues; routes every incoming message (Sippet's Router) and
// calls the Core.
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
#include <string>
#include <string_view>
#include <vector>

#include "sippet/message/message.hpp"
#include "sippet/message/result.hpp"
#include "sippet/message/validate.hpp"
#include "sippet/stack/core.hpp"
#include "sippet/stack/logger.hpp"
#include "sippet/stack/manual_clock.hpp"
#include "sippet/stack/metrics.hpp"
#include "sippet/stack/observer.hpp"
#include "sippet/stack/resolver.hpp"
#include "sippet/transaction/timers.hpp"
#include "sippet/transport/endpoint.hpp"
#include "sippet/transport/flow.hpp"
#include "sippet/transport/listen_spec.hpp"
#include "sippet/transport/transport_factory.hpp"

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
  // Each UDP socket is read by a thread of its own blocked in recvmmsg()
  // (one system call per wake-up); false: by the worker's io_context thread
  // through epoll. docs/threading.md.
  bool receive_threads = true;
  // false: no transaction layer (a stateless proxy, RFC 3261 §16.11):
  // every request, ACK and response reaches the Core with no transaction,
  // in arrival order; send_request is refused and send_response finds no
  // transaction, so everything goes out with send_stateless.
  bool transactions = true;
  // Checks made on every incoming message before routing (§8.2, §16.3).
  message::ValidateOptions validation;
  // Where log lines go; default_logger() (stderr, warnings and up) if null.
  std::shared_ptr<Logger> logger;
  // Called for every message received and sent (observer.hpp).
  std::vector<std::shared_ptr<MessageObserver>> observers;
  // Opens the transports; socket_transport_factory() if null. Tests give an
  // in-memory network (transport/memory_transport.hpp).
  std::shared_ptr<transport::TransportFactory> transports;
  // Resolves host names (RFC 3263); if null, dns_resolver(dns): c-ares
  // with these options (DNS servers, timeout and tries, NAPTR on or off),
  // or system_resolver() should c-ares fail to start.
  std::shared_ptr<Resolver> resolver;
  dns::ResolverOptions dns;
  // RFC 3263 §4.3: a client transaction to a host name that fails (a
  // transport error or a timeout) is sent again, as a new transaction with
  // a new branch, to the next (transport, address, port) the resolver gave;
  // the Core sees one outcome. With this set, a 503 answer fails over too.
  bool failover_on_503 = false;
  // Called when a connection-oriented flow's connection closes or fails
  // (the transport's report, RFC 5626 §5.3: a registrar stops using a
  // binding's flow then). Any thread; it must not block.
  std::function<void(const transport::Flow&)> connection_closed;
  // Tests: when set, the stack reads time from this clock and fires timers
  // only in Stack::fire_due_timers(), never by itself.
  std::shared_ptr<ManualClock> manual_clock;
};

// How a request leaves (send_request, send_stateless).
struct SendOptions {
  // Send on this flow (e.g. the one a registered phone's REGISTER came on,
  // RFC 5626 §5.3) instead of to the request's Route / Request-URI target.
  std::optional<transport::Flow> flow;
  // Push our own Via on top even when the request already has one (a
  // proxy, RFC 3261 §16.6 step 8). Without it the stack adds a Via only to
  // a request that has none.
  bool add_via = false;
  // Send to this SIP URI's target (located by RFC 3263 like a Route's)
  // instead of the request's Route / Request-URI target, without writing it
  // into the request: the local policy of RFC 3261 §16.6 step 7 (a proxy's
  // configured next hop). Ignored with `flow`.
  std::string destination;
  // The branch of the Via the stack adds; a fresh one when empty. A
  // stateless proxy passes message::stateless_branch(incoming) (§16.11).
  std::string branch;
  // send_request: the targets already located for this request's target
  // (Hop::targets, RFC 3263 §4.3 order), sent to the first and failed over
  // along the rest without locating them again. Ignored with `flow`, when
  // empty, and when a UDP request may have to move to TCP (§18.1.1: the
  // stack listens on TCP).
  std::vector<transport::Flow> targets;
};

// A task of Stack::schedule(), to cancel it with Stack::cancel(). Empty
// (false) for a task with no delay, which runs at once and cannot be
// cancelled.
struct ScheduledTask {
  std::uint32_t worker = 0;
  std::uint64_t id = 0;
  explicit operator bool() const { return id != 0; }
};

// Where a request to a target leaves from: what a proxy writes in its Via.
struct Hop {
  transport::Protocol protocol = transport::Protocol::kUdp;
  std::string sent_by;        // "192.0.2.1:5060", "[::1]:5070": the Via sent-by
  transport::Endpoint local;  // the listener's bound address
  // The flow to the target chosen, when the target is known (an address,
  // or a host name whose lookup the cache answered): what a stateless
  // send of the same request takes, to pass as SendOptions::flow.
  std::optional<transport::Flow> flow;
  // Every target of a host name the cache answered, in the order a
  // transaction fails over along (RFC 3263 §4.3): SendOptions::targets.
  // Empty when there is one target only: `flow`.
  std::vector<transport::Flow> targets;
};

class Stack {
 public:
  // Binds every listen address, hands the stack to core.attached()
  // (core.hpp), then starts the workers: no message is read before the
  // Core has the stack. Errors name what failed: kTransportError
  // "udp:127.0.0.1:5060: Address already in use", kInvalidArgument for a
  // configuration that cannot work (no listen address, a transport the
  // factory does not support). `core` must outlive the stack.
  static message::Result<std::unique_ptr<Stack>> create(StackConfig config, Core& core);

  ~Stack();  // stop() and join the workers
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // Sends a request through a new client transaction (§17.1). The request
  // goes on `options.flow` when given; else a CANCEL goes where its INVITE
  // went (§9.1); else to the first Route when it is a loose router (`lr`),
  // else to the Request-URI (§8.1.2, a strict router's Route is already in
  // the Request-URI). The transport is the URI's `transport` parameter's,
  // else the top Via's, else TLS for sips: and UDP otherwise. A host name
  // is resolved without blocking (the transaction starts at once; its sends
  // wait for the answer). When the request has no Via (or with
  // options.add_via) the stack adds "SIP/2.0/<transport> <sent-by of the
  // listener used>;branch=...;rport"; a Via without a branch gets one.
  // Errors (the message is then left as it was): kInvalidArgument for an
  // ACK (send it with send_stateless) or a response; kTransactionExists;
  // kNoRoute when no listener reaches the target (or it is not a SIP URI);
  // kResolveFailed when its host name is known to have no address.
  message::Result<Transaction> send_request(message::Message&& request,
                                            const SendOptions& options = {});

  // Sends a response through its server transaction: `transaction` when
  // given, else the one the response matches (top Via + CSeq), on the flow
  // its request came on (§18.2.2). Error kNoTransaction when there is none
  // (a proxy then uses send_stateless); kWrongState for a response the
  // transaction cannot send now (a second final response).
  message::Result<Transaction> send_response(message::Message&& response,
                                             std::optional<Transaction> transaction = {});
  // The same, `response` left to the caller as it is (serialized, not
  // moved from): e.g. a 180 whose fields the final response reuses.
  message::Result<Transaction> send_response(const message::Message& response,
                                             std::optional<Transaction> transaction = {});

  // Sends without a transaction: an ACK or a statelessly forwarded request
  // (as send_request routes it), or a response (on options.flow, else by
  // §18.2.2 from its top Via: received, rport, sent-by). A host name is
  // resolved in the background (the send happens later; failures are
  // logged), from any thread, Core callbacks included.
  message::Result<void> send_stateless(const message::Message& message,
                                       const SendOptions& options = {});

  // The listener a request would leave from (its target as send_request
  // finds it): a proxy's own Via names it. Errors as for send_request.
  // `destination`: SendOptions::destination of the send to come.
  message::Result<Hop> next_hop(const message::Message& request,
                                std::string_view destination = {}) const;

  // Ends a transaction now, without a Core callback. Error kNoTransaction.
  message::Result<void> terminate(Transaction transaction);

  // A CANCEL for the client INVITE transaction `invite` (§9.1), to be sent
  // with send_request (it goes where the INVITE went).
  message::Result<message::Message> build_cancel(Transaction invite);

  // The server INVITE transaction a received CANCEL refers to (§9.2).
  std::optional<Transaction> find_cancelled_invite(const message::Message& cancel);

  // Runs `task` on the worker that owns `call_id` after `delay`: serialised
  // with the Core callbacks of that Call-ID (e.g. a delayed answer, a
  // proxy's Timer C). The task waits in that worker's timer queue until
  // due (run at most StackConfig::timer_resolution late, like the
  // transaction timers) or cancelled; MetricsSnapshot::scheduled_tasks
  // counts those waiting. With StackConfig::manual_clock the delay is counted on that
  // clock: fire_due_timers() runs the task once it is due. A delay of 0
  // runs it as soon as the worker can (an empty ScheduledTask).
  ScheduledTask schedule(std::string_view call_id, std::chrono::milliseconds delay,
                         std::function<void()> task);

  // Cancels a task of schedule() that has not started: true when it was
  // waiting (it will not run; its function is destroyed now); false when
  // it ran, is running, was cancelled already, or is empty. Any thread.
  bool cancel(ScheduledTask task);

  // A TCP or TLS flow something refers to beyond its transactions (a
  // registrar binding, RFC 5626 §3): its connection is not closed by the
  // idle timeout before `duration` has passed (a later call may extend it,
  // never shorten it; the duration is real time, not the manual clock's).
  // A connection carrying a transaction is kept open by the stack itself
  // while the transaction lasts. Nothing for UDP or a flow no listener owns.
  void keep_flow_open(const transport::Flow& flow, std::chrono::milliseconds duration);

  // The stack's clock (StackConfig::manual_clock's time when set).
  TimePoint now() const;

  // The bound addresses, in the order of StackConfig::listen (real ports).
  std::vector<transport::Endpoint> local_endpoints() const;
  unsigned worker_count() const;
  Logger& logger();

  // What the stack has done so far: messages, failures, transactions,
  // timers (metrics.hpp). Sums the workers' counters; any thread.
  MetricsSnapshot metrics() const;

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
