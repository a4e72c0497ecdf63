#include "worker.hpp"

#include <asio/post.hpp>

#include <time.h>

#include <algorithm>

#include <utility>

#include "raw_answer.hpp"
#include "sippet/message/builder.hpp"
#include "sippet/message/parser.hpp"
#include "sippet/message/validate.hpp"
#include "stack_state.hpp"
#include "via_routing.hpp"

namespace sippet::stack {

namespace {

// The worker whose io_context thread or receive thread this is.
thread_local Worker* current_worker = nullptr;
thread_local Worker* io_worker = nullptr;         // the worker whose io_context thread this is
thread_local const Worker* acting_for = nullptr;  // the worker whose core lock is held

// The receive-load measure reads the clock twice per message: the coarse
// clock (the kernel's tick, a few ms) is much cheaper to read than the
// precise one. A message is counted one tick when a tick passes while it is
// handled, else zero: summed over many messages that is the busy time.
TimePoint coarse_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return TimePoint(std::chrono::duration_cast<Clock::duration>(
      std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

}  // namespace

Worker::Worker(StackState& stack, std::uint32_t index)
    : stack_(stack),
      index_(index),
      io_(1),
      work_(asio::make_work_guard(io_)),
      layer_(stack.config().timers),
      alarm_(io_) {
  actions_.reserve(16);
}

Worker::~Worker() {
  stop();
}

bool Worker::on_thread() const {
  return current_worker == this;
}

bool Worker::on_io_thread() const {
  return io_worker == this;
}

bool Worker::acting() const {
  return acting_for == this;
}

Worker::Acting::Acting(Worker& worker) : lock_(worker.core_mutex_), previous_(acting_for) {
  acting_for = &worker;
}

Worker::Acting::Acting(Worker& worker, std::adopt_lock_t)
    : lock_(worker.core_mutex_, std::adopt_lock), previous_(acting_for) {
  acting_for = &worker;
}

Worker::Acting::~Acting() {
  acting_for = previous_;
}

void Worker::post_acting(std::function<void()> task) {
  asio::post(io_, [this, task = std::move(task)] {
    Acting acting(*this);
    task();
  });
}

void Worker::add_transport(std::unique_ptr<transport::UdpTransport> transport) {
  const auto listener = static_cast<std::uint32_t>(transports_.size());
  // With UdpOptions::receive_thread the handlers run on the socket's receive
  // thread (or the io_context's): either way a thread of this worker.
  transport->set_receive_handler([this, listener](std::string_view bytes,
                                                  const transport::Endpoint& source,
                                                  const transport::Endpoint&) {
    current_worker = this;
    on_datagram(bytes, source, listener);
  });
  transport->set_error_handler(
      [this](const transport::Endpoint& destination, std::error_code error) {
        current_worker = this;
        on_send_error(destination, error);
      });
  transports_.push_back(std::move(transport));
  loads_.emplace_back();
}

void Worker::start() {
  for (auto& transport : transports_)
    transport->start();
  thread_ = std::thread([this] {
    current_worker = this;
    io_worker = this;
    io_.run();
    io_worker = nullptr;
    current_worker = nullptr;
  });
}

void Worker::close() {
  for (auto& transport : transports_)
    transport->close();
}

void Worker::stop() {
  close();
  work_.reset();
  io_.stop();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

TimePoint Worker::now() const {
  return stack_.now();
}

// ---- Incoming ------------------------------------------------------------------

void Worker::on_datagram(std::string_view bytes, const transport::Endpoint& source,
                         std::uint32_t listener) {
  // RFC 3261 §18.3: a datagram carries one message; keep-alives (CRLF) are
  // ignored (RFC 5626 §3.5.1).
  if (bytes.find_first_not_of("\r\n") == std::string_view::npos) return;
  auto parsed = message::parse_message(bytes);
  if (!parsed) {
    const auto& error = parsed.error();
    // A request is answered with the status the parser chose when the lines
    // a response needs can still be found (raw_answer.hpp), at its source.
    if (auto answer = raw_error_response(bytes, error.status, error.reason)) {
      stack_.log(LogLevel::kInfo, "answered an unparsable request from %s with %d: %s",
                 source.to_string().c_str(), error.status, error.reason.c_str());
      (void)transports_[listener]->send(source, *answer);
      return;
    }
    stack_.log(LogLevel::kWarning, "dropped an unparsable message from %s: %s (offset %zu)",
               source.to_string().c_str(), error.reason.c_str(), error.offset);
    return;
  }
  message::Message& message = *parsed;  // moved on once, below
  Peer peer{source, listener};
  if (auto valid = message::validate(message, stack_.config().validation); !valid) {
    const auto& error = valid.error();
    if (message.is_request() && error.status != 0 && message.method() != message::Method::kAck) {
      answer_invalid(message, error, peer);
    } else {
      stack_.log(LogLevel::kWarning, "dropped an invalid %s from %s: %s",
                 message.is_request() ? "request" : "response", source.to_string().c_str(),
                 error.reason.c_str());
    }
    return;
  }
  if (message.is_request()) {
    // §18.2.1 and RFC 3581: received/rport, and where responses go (§18.2.2).
    auto destination = stamp_received(message, source);
    if (!destination) {
      stack_.log(LogLevel::kWarning, "dropped a request from %s: %s", source.to_string().c_str(),
                 destination.error().reason.c_str());
      return;
    }
    peer.endpoint = *destination;
  }
  const std::uint32_t owner = stack_.worker_for(message.call_id());
  if (stack_.worker_count() == 1 && queued_.load(std::memory_order_acquire) == 0) {
    // (Nothing is posted to a lone worker but messages from its other
    // sockets' threads that found it busy: those go first.)
    Acting acting(*this);
    if (queued_.load(std::memory_order_acquire) == 0) {
      on_incoming(std::move(message), peer);
      return;  // nobody to hand over to: no load to measure
    }
  }
  ReceiveLoad& load = loads_[listener];
  const TimePoint start = coarse_now();
  hand_over(stack_.worker(owner), std::move(message), peer, load.overloaded);
  // Busy more than half of the last 10 ms: stop handling others' messages.
  const TimePoint end = coarse_now();
  load.busy += end - start;
  if (end - load.window_start >= std::chrono::milliseconds(10)) {
    load.overloaded = load.busy * 2 > end - load.window_start;
    load.busy = Clock::duration(0);
    load.window_start = end;
  }
}

void Worker::hand_over(Worker& owner, message::Message&& message, const Peer& peer,
                       bool overloaded) {
  // Handling it here keeps the contract: the owner's core lock serialises
  // the Call-ID's callbacks, and nothing of the owner's is queued ahead.
  // The owner's own receive thread waits for the lock (its io_context
  // thread holds it only briefly: timers, posted work); another worker's
  // only tries, and posts when the owner is busy or itself is overloaded.
  if (&owner == this && owner.queued_.load(std::memory_order_acquire) == 0) {
    owner.core_mutex_.lock();
  } else if (overloaded || owner.queued_.load(std::memory_order_acquire) != 0 ||
             !owner.core_mutex_.try_lock()) {
    post_incoming(owner, std::move(message), peer);
    return;
  }
  {
    if (owner.queued_.load(std::memory_order_acquire) == 0) {
      Acting acting(owner, std::adopt_lock);
      owner.on_incoming(std::move(message), peer);
      return;
    }
    owner.core_mutex_.unlock();
  }
  post_incoming(owner, std::move(message), peer);
}

void Worker::post_incoming(Worker& owner, message::Message&& message, const Peer& peer) {
  owner.queued_.fetch_add(1, std::memory_order_acq_rel);
  asio::post(owner.io(), [&owner, message = std::move(message), peer]() mutable {
    Acting acting(owner);
    owner.on_incoming(std::move(message), peer);
    owner.queued_.fetch_sub(1, std::memory_order_acq_rel);
  });
}

void Worker::answer_invalid(const message::Message& request, const message::Error& error,
                            const Peer& peer) {
  // §8.2 / §16.3: answer with the status the validation chose, the reason
  // phrase saying what is wrong; §18.2.2 routing from the top Via.
  auto response = message::build_response(request, error.status, error.reason);
  if (!response) {
    stack_.log(LogLevel::kWarning, "dropped an invalid request from %s: %s (cannot answer: %s)",
               peer.endpoint.to_string().c_str(), error.reason.c_str(),
               response.error().reason.c_str());
    return;
  }
  if (error.status == 415 && !error.reason.empty()) {
    // The reason lists the accepted types (validate.hpp) for an Accept header.
    auto colon = error.reason.rfind(": ");
    if (colon != std::string::npos)
      (void)response->put(message::HeaderId::kAccept,
                          std::string_view(error.reason).substr(colon + 2));
  }
  // §18.2.2 as for a valid request (stamp_received): the source address, at
  // the source port when rport was asked for, else at the sent-by port.
  transport::Endpoint destination = peer.endpoint;
  if (const message::Via* via = request.top_via()) {
    auto rport = via->params.get("rport");
    if (!(rport && rport->empty())) destination.set_port(via->has_port ? via->port : 5060);
  }
  std::string bytes = response->to_string();
  stack_.log(LogLevel::kInfo, "answered an invalid request from %s with %d: %s",
             peer.endpoint.to_string().c_str(), error.status, error.reason.c_str());
  (void)transports_[peer.listener]->send(destination, bytes);
}

void Worker::on_incoming(message::Message&& message, const Peer& peer) {
  Deliveries deliveries;
  {
    std::lock_guard lock(mutex_);
    const auto info = to_transport_info(peer);
    const bool request = message.is_request();
    auto result = request ? layer_.on_request(std::move(message), info, actions_)
                          : layer_.on_response(std::move(message), info, actions_);
    if (!result) {
      stack_.log(LogLevel::kWarning, "dropped an incoming %s from %s: %s",
                 request ? "request" : "response", peer.endpoint.to_string().c_str(),
                 result.error().reason.c_str());
    }
    run_actions(actions_, acting() ? pending_ : deliveries);
  }
  finish(deliveries);
}

void Worker::on_send_error(const transport::Endpoint& destination, std::error_code error) {
  stack_.log(LogLevel::kInfo, "send to %s failed: %s", destination.to_string().c_str(),
             error.message().c_str());
  // Any worker may have sent through this socket (see run_actions).
  for (std::uint32_t i = 0; i < stack_.worker_count(); ++i)
    stack_.worker(i).fail_destination(destination, error);
}

void Worker::fail_destination(const transport::Endpoint& destination, std::error_code error) {
  Deliveries deliveries;
  {
    std::lock_guard lock(mutex_);
    std::vector<transaction::TransactionId> failed;
    for (const auto& [id, where] : client_destinations_)
      if (where == destination) failed.push_back(id);
    current_error_ = error;
    for (const auto& id : failed)
      layer_.on_transport_error(id, actions_);
    run_actions(actions_, acting() ? pending_ : deliveries);
    current_error_ = {};
  }
  finish(deliveries);
}

// ---- Outgoing -------------------------------------------------------------------

message::Result<Transaction> Worker::send_request(message::Message&& request,
                                                  const Peer& destination) {
  Deliveries deliveries;
  message::Result<Transaction> result = message::Error{};
  {
    std::lock_guard lock(mutex_);
    auto id = layer_.send_request(std::move(request), to_transport_info(destination), actions_);
    if (id) {
      client_destinations_.emplace(*id, destination.endpoint);
      result = Transaction{transaction::Role::kClient, index_, *id};
    } else {
      result = id.error();
    }
    run_actions(actions_, acting() ? pending_ : deliveries);
  }
  finish(deliveries);
  return result;
}

std::uint64_t Worker::new_resolution() {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_resolution_++;
  resolutions_.emplace(id, Resolution{});
  return id;
}

message::Result<Transaction> Worker::send_request_resolving(message::Message&& request,
                                                            std::uint64_t resolution) {
  transaction::TransportInfo info;
  info.protocol = kUnresolved;
  info.connection = resolution;
  Deliveries deliveries;
  message::Result<Transaction> result = message::Error{};
  {
    std::lock_guard lock(mutex_);
    auto id = layer_.send_request(std::move(request), info, actions_);
    if (id) {
      resolution_of_.emplace(*id, resolution);
      result = Transaction{transaction::Role::kClient, index_, *id};
    } else {
      resolutions_.erase(resolution);
      result = id.error();
    }
    run_actions(actions_, acting() ? pending_ : deliveries);
  }
  finish(deliveries);
  return result;
}

void Worker::complete_resolution(std::uint64_t resolution, std::optional<Peer> peer) {
  Deliveries deliveries;
  {
    std::lock_guard lock(mutex_);
    auto found = resolutions_.find(resolution);
    if (found == resolutions_.end()) return;  // the transaction is gone
    found->second.done = true;
    found->second.peer = peer;
    auto waiting = std::move(found->second.waiting);
    for (auto& [id, bytes] : waiting) {
      if (peer) {
        client_destinations_[id] = peer->endpoint;
        if (auto error = transports_[peer->listener]->send(peer->endpoint, *bytes)) {
          current_error_ = error;
          layer_.on_transport_error(id, actions_);
        }
      } else {
        current_error_ = std::make_error_code(std::errc::host_unreachable);
        layer_.on_transport_error(id, actions_);
      }
      run_actions(actions_, acting() ? pending_ : deliveries);
    }
  }
  finish(deliveries);
}

message::Result<Transaction> Worker::send_response(message::Message&& response,
                                                   std::optional<transaction::TransactionId> id) {
  Deliveries deliveries;
  message::Result<Transaction> result = message::Error{};
  {
    std::lock_guard lock(mutex_);
    auto sent = layer_.send_response(std::move(response), id, actions_);
    if (sent) {
      result = Transaction{transaction::Role::kServer, index_, *sent};
      // Serialized: its storage serves the next build_response.
      message::recycle(std::move(response));
    } else {
      result = sent.error();
    }
    run_actions(actions_, acting() ? pending_ : deliveries);
  }
  finish(deliveries);
  return result;
}

message::Result<void> Worker::terminate(transaction::TransactionId id) {
  Deliveries deliveries;
  bool live;
  {
    std::lock_guard lock(mutex_);
    live = layer_.terminate(id, actions_);
    run_actions(actions_, acting() ? pending_ : deliveries);
  }
  finish(deliveries);
  if (!live)
    return message::Error{message::ErrorKind::kNotFound, 0, 0,
                          std::string(transaction::kErrNoTransaction)};
  return {};
}

message::Result<message::Message> Worker::build_cancel(transaction::TransactionId id) {
  std::lock_guard lock(mutex_);
  return layer_.build_cancel(id);
}

std::optional<Transaction> Worker::find_cancelled_invite(const message::Message& cancel) {
  std::lock_guard lock(mutex_);
  auto id = layer_.find_cancelled_invite(cancel);
  if (!id) return std::nullopt;
  return Transaction{transaction::Role::kServer, index_, *id};
}

// ---- Actions -------------------------------------------------------------------

void Worker::run_actions(transaction::Actions& actions, Deliveries& out,
                         std::optional<TimePoint> base) {
  bool scheduled = false;
  // Index loop: a transport error appends the layer's reaction to `actions`.
  for (std::size_t i = 0; i < actions.size(); ++i) {
    transaction::Action& action = actions[i];
    if (auto* send = std::get_if<transaction::SendMessage>(&action)) {
      const auto id = send->id;
      auto bytes = std::move(send->bytes);
      Peer peer;
      if (send->destination.protocol == kUnresolved) {
        // Target host still being resolved (send_request_resolving).
        auto found = resolutions_.find(send->destination.connection);
        if (found == resolutions_.end() || (found->second.done && !found->second.peer)) {
          current_error_ = std::make_error_code(std::errc::host_unreachable);
          layer_.on_transport_error(id, actions);
          continue;
        }
        if (!found->second.done) {
          found->second.waiting.emplace_back(id, std::move(bytes));
          continue;
        }
        peer = *found->second.peer;
      } else {
        peer = to_peer(send->destination);
      }
      // A thread acting for this worker sends through its own socket (same
      // address, SO_REUSEPORT): sends made while it handles a received batch
      // leave together in one sendmmsg().
      Worker* sender = current_worker != nullptr ? current_worker : this;
      std::error_code error = sender->transports_[peer.listener]->send(peer.endpoint, *bytes);
      if (error) {
        // §18.4 / §17.1.1.2: a transport failure goes to the transaction.
        stack_.log(LogLevel::kInfo, "send to %s failed: %s", peer.endpoint.to_string().c_str(),
                   error.message().c_str());
        current_error_ = error;
        layer_.on_transport_error(id, actions);
      }
    } else if (auto* start = std::get_if<transaction::StartTimer>(&action)) {
      const TimePoint deadline = base.value_or(now()) + start->after;
      scheduled = true;
      const TimerEntry entry{start->handle, deadline};
      if (start->after >= stack_.config().timers.t4) {
        // Long (64*T1 and the like): a FIFO lane per duration, no heap.
        if (lanes_.schedule(start->after, deadline, entry)) continue;
        timers_.schedule(deadline, entry);
        continue;
      }
      const TimerId queued = timers_.schedule(deadline, entry);
      const std::uint32_t slot = start->handle.id.slot;
      if (slot >= short_timers_.size()) short_timers_.resize(slot + 1);
      short_timers_[slot] = ShortTimer{start->handle, queued};
    } else if (auto* stop = std::get_if<transaction::StopTimer>(&action)) {
      // Stale firings are ignored by the layer (action.hpp); a short timer
      // is also taken out of the queue, so that it wakes nobody.
      const std::uint32_t slot = stop->handle.id.slot;
      if (slot < short_timers_.size() && short_timers_[slot].handle == stop->handle) {
        timers_.cancel(short_timers_[slot].queued);
        short_timers_[slot] = ShortTimer{};
      }
    } else if (auto* terminated = std::get_if<transaction::Terminated>(&action)) {
      if (terminated->key.role == transaction::Role::kClient) {
        client_destinations_.erase(terminated->id);
        if (auto r = resolution_of_.find(terminated->id); r != resolution_of_.end()) {
          resolutions_.erase(r->second);
          resolution_of_.erase(r);
        }
      }
    } else if (auto* request = std::get_if<transaction::DeliverRequest>(&action)) {
      out.emplace_back(std::move(*request));
    } else if (auto* response = std::get_if<transaction::DeliverResponse>(&action)) {
      out.emplace_back(std::move(*response));
    } else if (auto* error = std::get_if<transaction::DeliverError>(&action)) {
      out.emplace_back(std::move(*error), current_error_);
    }
  }
  actions.clear();
  current_error_ = {};
  if (base || !scheduled) return;  // fire_due_timers() arms when it is done
  if (acting()) {
    alarm_dirty_ = true;  // deliver_pending() arms after the callbacks
  } else {
    arm_alarm_locked();
  }
}

void Worker::finish(Deliveries& out) {
  if (acting()) {
    deliver_pending();
    return;
  }
  if (out.empty()) return;
  asio::post(io_, [this, batch = std::move(out)]() mutable {
    Acting acting(*this);
    for (auto& delivery : batch)
      pending_.push_back(std::move(delivery));
    deliver_pending();
  });
}

void Worker::deliver_pending() {
  // Callbacks may send, which may add deliveries: they queue behind. The
  // batch being delivered is swapped out first (a callback appends to
  // pending_, which may reallocate); both vectors keep their capacity.
  if (delivering_) return;
  delivering_ = true;
  while (!pending_.empty()) {
    batch_.swap(pending_);
    for (Delivery& delivery : batch_)
      call_core(delivery);
    batch_.clear();
  }
  delivering_ = false;
  if (alarm_dirty_) {
    std::lock_guard lock(mutex_);
    alarm_dirty_ = false;
    arm_alarm_locked();
  }
}

void Worker::call_core(Delivery& delivery) {
  Core& core = stack_.core();
  auto server = [this](transaction::TransactionId id) {
    return Transaction{transaction::Role::kServer, index_, id};
  };
  if (auto* request = std::get_if<transaction::DeliverRequest>(&delivery.action)) {
    std::optional<Transaction> transaction;
    if (request->id) transaction = server(*request->id);
    core.receive_request(std::move(request->request), transaction);
  } else if (auto* response = std::get_if<transaction::DeliverResponse>(&delivery.action)) {
    std::optional<Transaction> transaction;
    if (response->id) transaction = Transaction{transaction::Role::kClient, index_, *response->id};
    core.receive_response(std::move(response->response), transaction);
  } else if (auto* error = std::get_if<transaction::DeliverError>(&delivery.action)) {
    TransactionError reason{error->reason, error->timer, delivery.transport_error,
                            std::move(error->key)};
    core.receive_error(reason, Transaction{reason.key.role, index_, error->id});
  }
}

// ---- Timers ----------------------------------------------------------------------

void Worker::arm_alarm_locked() {
  if (stack_.config().manual_clock) return;  // fire_due_timers() only
  auto next = timers_.next_deadline();
  if (auto lane = lanes_.next_deadline(); lane && (!next || *lane < *next)) next = lane;
  if (!next) return;
  // Round up to the resolution so that timers close together share a wake-up.
  const auto& config = stack_.config();
  const auto resolution = std::clamp(config.timer_resolution, std::chrono::milliseconds(1),
                                     std::max(config.timers.t1 / 10, std::chrono::milliseconds(1)));
  const auto since = next->time_since_epoch();
  const auto rounded =
      TimePoint((since + resolution - Clock::duration(1)) / resolution * resolution);
  if (rounded >= armed_) return;
  armed_ = rounded;
  if (on_io_thread()) {
    start_alarm(rounded);
  } else {
    // The alarm belongs to the worker's thread; it arms what armed_ says then.
    asio::post(io_, [this] {
      TimePoint deadline;
      {
        std::lock_guard lock(mutex_);
        deadline = armed_;
      }
      if (deadline != TimePoint::max()) start_alarm(deadline);
    });
  }
}

void Worker::start_alarm(TimePoint deadline) {
  alarm_.expires_at(deadline);
  alarm_.async_wait([this](std::error_code error) {
    if (error) return;  // re-armed or stopped
    fire_due_timers();
  });
}

void Worker::fire_due_timers() {
  Acting acting(*this);
  {
    std::lock_guard lock(mutex_);
    armed_ = TimePoint::max();
    // Earliest first across the queue and the lanes; timers scheduled by
    // the ones firing are honoured (one due already fires in this call).
    const TimePoint time = now();
    for (;;) {
      const auto queued = timers_.next_deadline();
      const auto laned = lanes_.next_deadline();
      std::optional<TimerEntry> entry;
      if (laned && *laned <= time && (!queued || *laned < *queued)) {
        entry = lanes_.pop_due(time);
      } else {
        entry = timers_.pop_due(time);
      }
      if (!entry) break;
      layer_.on_timer(entry->handle, actions_);
      run_actions(actions_, pending_, entry->deadline);
    }
    arm_alarm_locked();
  }
  deliver_pending();
}

}  // namespace sippet::stack
