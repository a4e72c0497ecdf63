#pragma once
// One worker of a stack: a thread running its own io_context, with its own
// transaction layer, timer queue and transports (one per listen address,
// sharing the address with the other workers' when there are several).
// Messages belong to the worker chosen by the hash of their Call-ID
// (docs/threading.md).
//
// The worker's jobs, one file each:
//   worker.cpp            life cycle, acting for the worker, sends from the Core
//   incoming.cpp          parse, validate, stamp and answer what arrives
//   handover.cpp          hand a message to the worker that owns its Call-ID
//   actions.cpp           carry out the transaction layer's actions, call the Core
//   worker_timers.cpp     the alarm and the timer queue
//   transport_errors.cpp  send failures and ICMP errors to the transactions
//   resolution.cpp        sends waiting for a host name to be resolved
//   failover.cpp          RFC 3263 §4.3: the next target when one fails
//   response_routes.cpp   RFC 3263 §5: a response that cannot reach `received`
//   metrics.cpp           its counters summed into a snapshot (worker_metrics.hpp)
//   events.cpp            the debug log of transaction events (--verbose)
//
// Locking: `mutex_` guards the transaction layer, the timer queue and the
// client flows, so a send from any thread runs the layer under it. Core
// callbacks run only on a thread holding the worker's core lock (its
// io_context thread or a receive thread acting for it), never under `mutex_`.
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "events.hpp"
#include "fast_mutex.hpp"
#include "peer.hpp"
#include "sippet/message/message.hpp"
#include "sippet/stack/core.hpp"
#include "sippet/stack/observer.hpp"
#include "sippet/transaction/layer.hpp"
#include "sippet/transport/transport.hpp"
#include "timer_queue.hpp"
#include "worker_metrics.hpp"

namespace sippet::stack {

class StackState;

// A Core callback waiting to run on the worker's thread.
struct Delivery {
  using Action = std::variant<transaction::DeliverRequest, transaction::DeliverResponse,
                              transaction::DeliverError>;
  Delivery() = default;
  // Built in place from the layer's action (its message moved once).
  template <class A>
  Delivery(A&& deliver, const transport::Flow& from, std::error_code error = {})
      : action(std::in_place_type<std::remove_cvref_t<A>>, std::forward<A>(deliver)),
        flow(from),
        transport_error(error) {}

  Action action;
  transport::Flow flow;             // where a request or response came from
  std::error_code transport_error;  // why a transaction failed, when it did
};
using Deliveries = std::vector<Delivery>;  // empty: no allocation

// Builds a request again for another target (RFC 3263 §4.3): a new branch,
// and our Via for the listener that reaches `peer` (Stack::Impl).
using Rebuild = std::function<message::Result<message::Message>(const Peer& peer)>;

// Transport errors reported to the layer in one locked section, by
// transaction, so that their DeliverError carries the error code.
using TransportErrors = std::vector<std::pair<transaction::TransactionId, std::error_code>>;

// A transport error on a stream flow is a failed send only when the
// connection could not be made (a connection that closes is reported too,
// whether a message was lost or not).
inline bool connect_failure(std::error_code error) {
  return error == std::errc::connection_refused || error == std::errc::timed_out ||
         error == std::errc::host_unreachable || error == std::errc::network_unreachable;
}

class Worker {
 public:
  Worker(StackState& stack, std::uint32_t index);
  ~Worker();

  std::uint32_t index() const { return index_; }
  asio::io_context& io() { return io_; }
  // The calling thread is one of this worker's: its io_context thread or
  // the receive thread of one of its transports.
  bool on_thread() const;
  // The calling thread is this worker's io_context thread.
  bool on_io_thread() const;
  // The calling thread acts for this worker: it holds the worker's core lock,
  // so it may run the worker's Core callbacks (docs/threading.md).
  bool acting() const;

  // Holds a worker's core lock and marks the thread as acting for it.
  class Acting {
   public:
    explicit Acting(Worker& worker);
    Acting(Worker& worker, std::adopt_lock_t);
    ~Acting();
    Acting(const Acting&) = delete;
    Acting& operator=(const Acting&) = delete;

   private:
    std::unique_lock<FastMutex> lock_;
    const Worker* previous_;
  };

  // Runs `task` on this worker's thread, acting for it.
  void post_acting(std::function<void()> task);

  // Start-up, before start(): one transport per listener, in listener order.
  void add_transport(std::unique_ptr<transport::Transport> transport);
  transport::Transport& transport(std::uint32_t listener) { return *transports_[listener]; }
  void start();
  void close();  // closes the transports: no new message arrives
  void stop();   // closes the transports, stops the io_context, joins the thread

  // ---- incoming.cpp: from this worker's transports (its threads).
  void on_received(std::string_view bytes, const transport::Flow& flow, std::uint32_t listener);
  // A parsed, validated incoming message owned by this worker (acting):
  // `flow` is where it came from, `reply` where its responses go (§18.2.2).
  void on_incoming(message::Message&& message, const transport::Flow& flow, const Peer& reply);

  // ---- transport_errors.cpp
  // A transport of this worker reports a failed send or a closed flow.
  void on_transport_error(const transport::Flow& flow, std::error_code error);
  // Fails this worker's client transactions still waiting for a response
  // on `flow` (any thread); how many. Counts the transport error first
  // (before the Core hears of it) unless `counted`, and sets it.
  std::size_t fail_flow(const transport::Flow& flow, std::error_code error, bool& counted);

  // ---- worker.cpp: from any thread, the layer under the lock.
  // `rest`: the targets to fail over to, in order (RFC 3263 §4.3), each
  // through `rebuild`.
  // `over_udp`: a request sent over TCP for its size is retried there when
  // the connection is refused (RFC 3261 §18.1.1).
  message::Result<Transaction> send_request(message::Message&& request, const Peer& destination,
                                            Rebuild rebuild = {}, std::vector<Peer> rest = {},
                                            std::optional<Peer> over_udp = std::nullopt);
  // A CANCEL, to where its INVITE's transaction sends (invite_destination),
  // which may still be a host name being resolved.
  message::Result<Transaction> send_cancel(message::Message&& cancel,
                                           const transaction::TransportInfo& destination);
  // Sends `response` through its server transaction; its storage goes back
  // to this thread's pools once it is serialized.
  message::Result<Transaction> send_response(message::Message&& response,
                                             std::optional<transaction::TransactionId> id);
  // The same, `response` left to the caller as it is.
  message::Result<Transaction> send_response(const message::Message& response,
                                             std::optional<transaction::TransactionId> id);
  message::Result<void> terminate(transaction::TransactionId id);
  message::Result<message::Message> build_cancel(transaction::TransactionId id);
  std::optional<Transaction> find_cancelled_invite(const message::Message& cancel);
  // Where the client INVITE transaction a CANCEL cancels sends (§9.1: the
  // CANCEL goes to the same place), as the layer keeps it.
  std::optional<transaction::TransportInfo> invite_destination(const message::Message& cancel);
  // Sends bytes on a peer's flow from this worker's transport (any thread).
  std::error_code send_bytes(const Peer& peer, std::string_view bytes);

  // ---- connection_holds.cpp (under the lock): transaction `id` uses the
  // stream connection of `peer`, which is then not closed as idle until
  // release_connection(id) (its Terminated). Nothing for datagrams.
  void hold_connection(transaction::TransactionId id, const Peer& peer);
  void release_connection(transaction::TransactionId id);

  // ---- resolution.cpp: a request whose target host is being resolved.
  // Its sends wait for complete_resolution (any thread): to the first of
  // `peers`, failing over to the others (RFC 3263 §4.3); none fails them as
  // transport errors. `reliable`: the target's transport is (§17.1: no
  // retransmissions). `listener`: the one our Via names; an answer whose
  // first target needs another starts a new transaction through `rebuild`.
  std::uint64_t new_resolution(bool reliable, std::uint32_t listener, Rebuild rebuild);
  message::Result<Transaction> send_request_resolving(message::Message&& request,
                                                      std::uint64_t resolution);
  void complete_resolution(std::uint64_t resolution, std::vector<Peer> peers);

  // ---- worker_timers.cpp: runs the timers due now, then the tasks due
  // (its thread).
  void fire_due_timers();
  // Stack::schedule() and Stack::cancel(): any thread. A task runs on this
  // worker's thread, acting for it, once `delay` has passed on the stack's
  // clock.
  TimerId schedule_task(std::chrono::milliseconds delay, std::function<void()> task);
  bool cancel_task(TimerId id);

  // ---- metrics.cpp: adds this worker's counters to `out` (any thread).
  void add_metrics(MetricsSnapshot& out);

 private:
  // What a run of the layer's actions needs besides them.
  struct Run {
    const transport::Flow* incoming = nullptr;  // the flow of the message handled
    std::uint32_t listener = 0;                 // the listener it came on
    TransportErrors errors;                     // transport errors of this run
    std::optional<TimePoint> base;              // a fired timer's deadline
    bool terminating = false;                   // Stack::terminate (for the metrics)
  };

  // The "lock, call the layer, carry out its actions, deliver" step every
  // entry point takes: `body(run)` runs under `mutex_` and returns the
  // result; the Core callbacks its actions ask for run afterwards.
  template <class Body>
  auto with_layer(Body&& body, const transport::Flow* incoming = nullptr);

  // actions.cpp: carries out actions_ (under the lock); Core callbacks go to
  // `out`. StartTimer counts from run.base when set (so that retransmission
  // intervals do not drift), else from now().
  void run_actions(Run& run, Deliveries& out);
  void send_action(transaction::SendMessage& send, Run& run);
  // Reports a transport error to the layer; its DeliverError gets `error`.
  void fail_transaction(transaction::TransactionId id, std::error_code error, Run& run);

  // failover.cpp (under the lock). The transactions that can fail over
  // (RFC 3263 §4.3) and those that replaced the one the Core knows.
  struct Failover {
    transaction::TransactionId original;  // the transaction the Core was given
    Rebuild rebuild;
    std::vector<Peer> rest;  // the targets left, in order
    // RFC 3261 §18.1.1: a request over TCP only for its size goes here
    // (UDP) when its connection is refused, before any other target.
    std::optional<Peer> over_udp;
  };
  // Client transaction `id` failed (or got a 503 with failover_on_503):
  // starts the request as a new transaction to the next target and returns
  // true (the Core is not told); false when there is none left.
  bool fail_over(transaction::TransactionId id, Run& run);
  // Starts `state`'s request to its next target that takes it.
  bool start_attempt(Failover& state, const char* why);
  // The transaction the Core's handle `id` stands for now.
  transaction::TransactionId current_locked(transaction::TransactionId id) const;
  // The handle the Core knows for transaction `id`.
  transaction::TransactionId original_locked(transaction::TransactionId id) const;
  // A client transaction ended: forgets its failover state.
  void forget_failover(transaction::TransactionId id);

  // response_routes.cpp (under the lock). RFC 3261 §18.2.2 / RFC 3263 §5:
  // a server transaction's response that could not reach the address it
  // was sent to goes to the next address the top Via's sent-by is located
  // at, and the transaction's later sends follow it.
  struct ResponseRoute {
    std::shared_ptr<const std::string> bytes;  // the last response sent
    std::vector<transport::Flow> failed;       // where it could not go
    std::optional<Peer> peer;                  // where it goes; none while locating
    std::vector<Peer> rest;                    // the addresses left, in order
    // When it started: a route whose transaction has ended (a final
    // response over TCP ends it at once, §17.2.2) is forgotten 64·T1 later.
    TimePoint started{};
  };
  // Server transaction `id` sent `bytes` to `peer`: kept a while (a ring),
  // for the transport errors reported after the send (ICMP).
  void record_response(transaction::TransactionId id, const Peer& peer,
                       const std::shared_ptr<const std::string>& bytes);
  // The send of `bytes` for server transaction `id` to `failed` failed:
  // starts §5 (or moves to the next address) and returns true; false when
  // §5 cannot start (the transaction is failed as before).
  bool reroute_response(transaction::TransactionId id, const transport::Flow& failed,
                        const std::shared_ptr<const std::string>& bytes, Run& run);
  // A transport error for `flow` reported after the send: reroutes the
  // latest server transaction's response sent there; how many (0 or 1).
  std::size_t reroute_failed_response(const transport::Flow& flow, std::error_code error, Run& run);
  // The sent-by of `id`'s response was located (any thread).
  void response_route_located(transaction::TransactionId id, std::vector<Peer> peers);
  // Sends the response to the next address left; fails the transaction
  // (§17.2.4) when there is none.
  void send_next_response(transaction::TransactionId id, ResponseRoute& route, Run& run);
  // No failover for the INVITE `id` once it is cancelled (§9.1).
  void cancelled_locked(transaction::TransactionId id);
  // After a locked section: delivers (or posts) `out` and re-arms the alarm.
  void finish(Deliveries& out);
  void deliver_pending();
  void call_core(Delivery& delivery);

  // worker_timers.cpp
  // Whether the alarm must be re-armed for it (due before armed_).
  bool schedule_timer(const transaction::StartTimer& start, const Run& run);
  void stop_timer(const transaction::StopTimer& stop);
  void arm_alarm_locked();
  void run_due_tasks();                  // fire_due_timers(), outside the lock
  void start_alarm(TimePoint deadline);  // the worker's thread

  // incoming.cpp
  void answer_unparsable(std::string_view bytes, const message::Error& error,
                         const transport::Flow& flow, std::uint32_t listener);
  void answer_invalid(message::Message& request, const message::Error& error,
                      const transport::Flow& flow, std::uint32_t listener);
  // Counts an answer sent (or not) by the receive handler of `listener`.
  void count_answer(std::error_code error, std::string_view bytes, std::uint32_t listener);

  // handover.cpp: hands a message this worker read to its owner: handled at
  // once on this thread when the owner is idle with nothing queued (no
  // wake-up), else queued to the owner's thread.
  void hand_over(Worker& owner, message::Message&& message, const transport::Flow& flow,
                 const Peer& reply, std::uint32_t listener);
  void post_incoming(Worker& owner, message::Message&& message, const transport::Flow& flow,
                     const Peer& reply);

  // Tells the observers (StackConfig::observers) about a message.
  void observe(Direction direction, const transport::Flow& flow, std::string_view bytes,
               const message::Error* error = nullptr);
  bool observed() const { return observed_; }

  TimePoint now() const;
  transport::Endpoint listener_address(std::uint32_t listener) const;

  StackState& stack_;
  const std::uint32_t index_;
  const bool observed_;  // observers are installed
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::unique_ptr<transport::Transport>> transports_;
  std::thread thread_;

  // Held by whoever runs this worker's Core callbacks (Acting). Blocking
  // acquisitions happen only at the top of an io_context handler, with no
  // other core lock held; others only try_lock: no lock-order cycles.
  FastMutex core_mutex_;
  std::atomic<int> queued_{0};  // messages posted to this worker, not yet handled
  // The receive load of each transport's receive thread (that thread only;
  // CLOCK_MONOTONIC_COARSE time): when busy, hand over instead of handling
  // other workers' messages inline. By listener.
  struct ReceiveLoad {
    TimePoint window_start{};
    Clock::duration busy{0};
    bool overloaded = false;
  };
  std::vector<ReceiveLoad> loads_;
  // What each transport's receive handler counts (that thread only), by
  // listener.
  std::vector<std::unique_ptr<ReceiveCounters>> receive_counters_;

  FastMutex mutex_;  // guards the members below up to `pending_`
  transaction::TransactionLayer layer_;
  struct TimerEntry {
    transaction::TimerHandle handle;
    TimePoint deadline;
  };
  TimerQueue<TimerEntry> timers_;  // short timers, and long ones out of order
  TimerLanes<TimerEntry> lanes_;   // long timers (>= T4), by duration
  // The short timer (retransmissions, 100 Trying: shorter than T4) each
  // transaction slot last armed, so that its StopTimer removes it from the
  // queue: a stopped timer then never wakes the worker. Long timers are
  // left to go stale (they are few and late).
  struct ShortTimer {
    transaction::TimerHandle handle;
    TimerId queued = 0;
  };
  std::vector<ShortTimer> short_timers_;  // by transaction slot
  // Stack::schedule()'s tasks: a cancelled one leaves the queue at once.
  TimerQueue<std::function<void()>> tasks_;
  TimePoint armed_ = TimePoint::max();  // deadline the alarm is set for
  transaction::Actions actions_;
  // The flow of the last send_action, by its TransportInfo (to_peer once
  // for the sends of a flow in a row).
  transaction::TransportInfo last_destination_;
  std::optional<Peer> last_peer_;
  LayerCounters layer_counters_;
  TransactionEvents events_;  // debug lines, only when the logger shows them
  // The stream connection each transaction holds (connection_holds.cpp),
  // by transaction slot; connection 0: none.
  struct HeldConnection {
    std::uint32_t generation = 0;
    std::uint32_t listener = 0;
    transport::ConnectionId connection = 0;
  };
  std::vector<HeldConnection> held_;
  // The flow each client transaction sends on, for transport errors.
  std::unordered_map<transaction::TransactionId, Peer, transaction::TransactionIdHash>
      client_flows_;
  struct Resolution {
    std::optional<Peer> peer;
    bool done = false;
    bool reliable = false;       // the transport its transactions will use
    std::uint32_t users = 0;     // transactions sending to it (an INVITE and its CANCEL)
    std::uint32_t listener = 0;  // the one our Via names
    std::optional<transaction::TransactionId> owner;  // the request (not its CANCEL)
    Rebuild rebuild;                                  // empty once cancelled
    std::vector<std::pair<transaction::TransactionId, std::shared_ptr<const std::string>>> waiting;
  };
  std::unordered_map<std::uint64_t, Resolution> resolutions_;
  std::unordered_map<transaction::TransactionId, std::uint64_t, transaction::TransactionIdHash>
      resolution_of_;
  std::uint64_t next_resolution_ = 1;
  std::unordered_map<transaction::TransactionId, Failover, transaction::TransactionIdHash>
      failovers_;  // by the transaction now sending
  std::unordered_map<transaction::TransactionId, transaction::TransactionId,
                     transaction::TransactionIdHash>
      current_of_;  // the Core's handle → the transaction that replaced it
  // The latest responses server transactions sent (a ring, filled on
  // first use), to find the one an ICMP error reported later is about.
  struct SentResponse {
    transaction::TransactionId id;
    transport::Flow flow;
    std::shared_ptr<const std::string> bytes;  // null: free
  };
  std::vector<SentResponse> sent_responses_;
  std::size_t next_sent_response_ = 0;
  std::unordered_map<transaction::TransactionId, ResponseRoute, transaction::TransactionIdHash>
      response_routes_;  // server transactions sending by §5

  // Whoever acts for the worker (holds core_mutex_).
  Deliveries pending_;  // waiting for deliver_pending()
  Deliveries batch_;    // being delivered
  bool delivering_ = false;
  // Timers were scheduled while acting: the alarm is re-armed once the
  // callbacks are done (deliver_pending), when the Core has answered and
  // stopped what it made unnecessary (e.g. the 100 Trying timer).
  bool alarm_dirty_ = false;
  asio::steady_timer alarm_;
};

template <class Body>
auto Worker::with_layer(Body&& body, const transport::Flow* incoming) {
  Deliveries deliveries;
  Run run;
  run.incoming = incoming;
  std::unique_lock lock(mutex_);
  auto result = body(run);
  run_actions(run, acting() ? pending_ : deliveries);
  lock.unlock();
  finish(deliveries);
  return result;
}

}  // namespace sippet::stack
