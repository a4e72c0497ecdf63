#pragma once
// One worker of a stack: a thread running its own io_context, with its own
// transaction layer, timer queue and sockets (one per listen address, bound
// with SO_REUSEPORT when there are several workers; each read by a receive
// thread of its own unless StackConfig::receive_threads is false). Messages
// belong to the worker chosen by the hash of their Call-ID
// (docs/threading.md).
//
// Locking: `mutex_` guards the transaction layer, the timer queue and the
// client destinations, so a send from any thread runs the layer under it.
// Core callbacks run only on a thread holding the worker's core lock (its
// io_context thread or a receive thread acting for it), never under `mutex_`.
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "sippet/message/message.hpp"
#include "sippet/stack/core.hpp"
#include "sippet/stack/timer_queue.hpp"
#include "sippet/transaction/layer.hpp"
#include "sippet/transport/udp_transport.hpp"
#include "transport_info.hpp"

namespace sippet::stack {

class StackState;

// A Core callback waiting to run on the worker's thread.
struct Delivery {
  using Action = std::variant<transaction::DeliverRequest, transaction::DeliverResponse,
                              transaction::DeliverError>;
  // Built in place from the layer's action (one move of its message).
  template <class T>
  requires(!std::is_same_v<std::remove_cvref_t<T>, Delivery>) explicit Delivery(
      T&& from, std::error_code error = {})
      : action(std::forward<T>(from)), transport_error(error) {}

  Action action;
  std::error_code transport_error;
};
using Deliveries = std::vector<Delivery>;  // empty: no allocation

class Worker {
 public:
  Worker(StackState& stack, std::uint32_t index);
  ~Worker();

  std::uint32_t index() const { return index_; }
  asio::io_context& io() { return io_; }
  // The calling thread is one of this worker's: its io_context thread or
  // the receive thread of one of its sockets.
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
    std::unique_lock<std::mutex> lock_;
    const Worker* previous_;
  };

  // Runs `task` on this worker's thread, acting for it.
  void post_acting(std::function<void()> task);

  // Start-up, before start(): one socket per listen address.
  void add_transport(std::unique_ptr<transport::UdpTransport> transport);
  transport::UdpTransport& transport(std::uint32_t listener) { return *transports_[listener]; }
  void start();
  void close();  // closes the sockets: no new message arrives
  void stop();   // closes the sockets, stops the io_context, joins the thread

  // From this worker's sockets (its thread).
  void on_datagram(std::string_view bytes, const transport::Endpoint& source,
                   std::uint32_t listener);
  void on_send_error(const transport::Endpoint& destination, std::error_code error);
  // Reports a transport error to this worker's client transactions that
  // sent to `destination` (any thread).
  void fail_destination(const transport::Endpoint& destination, std::error_code error);

  // A parsed, validated incoming message owned by this worker (its thread).
  void on_incoming(message::Message&& message, const Peer& peer);

  // From any thread: the layer's send calls, under the lock.
  message::Result<Transaction> send_request(message::Message&& request, const Peer& destination);
  // A request whose target host is being resolved: its sends wait for
  // complete_resolution (any thread); nullopt fails them as transport errors.
  std::uint64_t new_resolution();
  message::Result<Transaction> send_request_resolving(message::Message&& request,
                                                      std::uint64_t resolution);
  void complete_resolution(std::uint64_t resolution, std::optional<Peer> peer);
  message::Result<Transaction> send_response(message::Message&& response,
                                             std::optional<transaction::TransactionId> id);
  message::Result<void> terminate(transaction::TransactionId id);
  message::Result<message::Message> build_cancel(transaction::TransactionId id);
  std::optional<Transaction> find_cancelled_invite(const message::Message& cancel);

  // Runs the timers due now (its thread).
  void fire_due_timers();

 private:
  // Carries out actions (under the lock); Core callbacks go to `out`.
  // StartTimer counts from `base` (a fired timer's deadline, so that
  // retransmission intervals do not drift), else from now().
  void run_actions(transaction::Actions& actions, Deliveries& out,
                   std::optional<TimePoint> base = std::nullopt);
  // After a locked section: delivers (or posts) `out` and re-arms the alarm.
  void finish(Deliveries& out);
  void deliver_pending();
  void call_core(Delivery& delivery);
  void arm_alarm_locked();
  void start_alarm(TimePoint deadline);  // the worker's thread
  // Hands a message this worker read to its owner: handled at once on this
  // thread when the owner is idle with nothing queued (no wake-up), else
  // queued to the owner's thread.
  // `overloaded`: the receiving thread is busy; it then posts instead.
  void hand_over(Worker& owner, message::Message&& message, const Peer& peer, bool overloaded);
  // Queues a message to the owner's io_context thread (FIFO).
  void post_incoming(Worker& owner, message::Message&& message, const Peer& peer);
  void answer_invalid(const message::Message& request, const message::Error& error,
                      const Peer& peer);
  TimePoint now() const;

  StackState& stack_;
  const std::uint32_t index_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::unique_ptr<transport::UdpTransport>> transports_;
  std::thread thread_;

  // Held by whoever runs this worker's Core callbacks (Acting). Blocking
  // acquisitions happen only at the top of an io_context handler, with no
  // other core lock held; others only try_lock: no lock-order cycles.
  std::mutex core_mutex_;
  std::atomic<int> queued_{0};  // messages posted to this worker, not yet handled
  // The receive load of each socket's receive thread (that thread only;
  // CLOCK_MONOTONIC_COARSE time): when busy, hand over instead of handling
  // other workers' messages inline. By listener.
  struct ReceiveLoad {
    TimePoint window_start{};
    Clock::duration busy{0};
    bool overloaded = false;
  };
  std::vector<ReceiveLoad> loads_;

  std::mutex mutex_;  // guards the members below up to `pending_`
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
  TimePoint armed_ = TimePoint::max();    // deadline the alarm is set for
  transaction::Actions actions_;
  std::unordered_map<transaction::TransactionId, transport::Endpoint,
                     transaction::TransactionIdHash>
      client_destinations_;  // where each client transaction sends, for ICMP errors
  std::error_code current_error_;
  struct Resolution {
    std::optional<Peer> peer;
    bool done = false;
    std::vector<std::pair<transaction::TransactionId, std::shared_ptr<const std::string>>> waiting;
  };
  std::unordered_map<std::uint64_t, Resolution> resolutions_;
  std::unordered_map<transaction::TransactionId, std::uint64_t, transaction::TransactionIdHash>
      resolution_of_;
  std::uint64_t next_resolution_ = 1;

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

}  // namespace sippet::stack
