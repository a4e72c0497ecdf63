// A worker's life cycle, who acts for it, and the sends the Core makes
// through it (worker.hpp lists the other files of the worker).
#include "worker.hpp"

#include <asio/post.hpp>

#include <utility>

#include "sippet/message/builder.hpp"
#include "stack_state.hpp"

namespace sippet::stack {

namespace {

// The worker whose io_context thread or receive thread this is.
thread_local Worker* current_worker = nullptr;
thread_local Worker* io_worker = nullptr;         // the worker whose io_context thread this is
thread_local const Worker* acting_for = nullptr;  // the worker whose core lock is held

}  // namespace

Worker::Worker(StackState& stack, std::uint32_t index)
    : stack_(stack),
      index_(index),
      observed_(!stack.config().observers.empty()),
      io_(1),
      work_(asio::make_work_guard(io_)),
      layer_(stack.config().timers),
      events_(stack, stack.logger(), index),
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

void Worker::add_transport(std::unique_ptr<transport::Transport> transport) {
  const auto listener = static_cast<std::uint32_t>(transports_.size());
  // The handlers run on a thread of this worker: the transport's receive
  // thread or the worker's io_context thread.
  transport->set_receive_handler(
      [this, listener](std::string_view bytes, const transport::Flow& flow) {
        current_worker = this;
        on_received(bytes, flow, listener);
      });
  transport->set_error_handler([this](const transport::Flow& flow, std::error_code error) {
    current_worker = this;
    on_transport_error(flow, error);
  });
  // A stream message too large or without Content-Length (§18.3): answered
  // like an unparsable one when its header section allows.
  transport->set_reject_handler([this, listener](std::string_view head, const transport::Flow& flow,
                                                 const message::Error& error) {
    current_worker = this;
    ReceiveCounters& counters = *receive_counters_[listener];
    count_error(counters.parse_failures, error.kind);
    if (observed_) observe(Direction::kReceived, flow, head, &error);
    answer_unparsable(head, error, flow, listener);
  });
  transports_.push_back(std::move(transport));
  loads_.emplace_back();
  receive_counters_.push_back(std::make_unique<ReceiveCounters>());
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

transport::Endpoint Worker::listener_address(std::uint32_t listener) const {
  return stack_.listeners()[listener].bound;
}

std::error_code Worker::send_bytes(const Peer& peer, std::string_view bytes) {
  // A thread acting for this worker sends through its own transport of the
  // same listener (same address): for UDP, sends made while it handles a
  // received batch then leave together in one sendmmsg(); a stream
  // transport finds the flow's connection whichever instance is asked.
  Worker* sender = current_worker != nullptr ? current_worker : this;
  if (observed_) observe(Direction::kSent, peer.flow, bytes);
  return sender->transports_[peer.listener]->send(peer.flow, bytes);
}

void Worker::observe(Direction direction, const transport::Flow& flow, std::string_view bytes,
                     const message::Error* error) {
  const MessageEvent event{direction, flow, bytes, std::chrono::system_clock::now(), error};
  for (const auto& observer : stack_.config().observers)
    observer->on_message(event);
}

// ---- Sends from the Core (any thread) ------------------------------------------

message::Result<Transaction> Worker::send_request(message::Message&& request,
                                                  const Peer& destination, Rebuild rebuild,
                                                  std::vector<Peer> rest,
                                                  std::optional<Peer> over_udp) {
  return with_layer([&](Run&) -> message::Result<Transaction> {
    auto id = layer_.send_request(std::move(request), to_transport_info(destination), actions_);
    if (!id) return id.error();
    client_flows_.emplace(*id, destination);
    if (rebuild && (!rest.empty() || over_udp))
      failovers_.emplace(*id, Failover{*id, std::move(rebuild), std::move(rest), over_udp});
    return Transaction{transaction::Role::kClient, index_, *id};
  });
}

message::Result<Transaction> Worker::send_cancel(message::Message&& cancel,
                                                 const transaction::TransportInfo& destination) {
  return with_layer([&](Run&) -> message::Result<Transaction> {
    auto id = layer_.send_request(std::move(cancel), destination, actions_);
    if (!id) return id.error();
    if (destination.protocol == kUnresolved) {
      // Its INVITE's host is still being resolved: the CANCEL waits with it.
      if (auto found = resolutions_.find(destination.connection); found != resolutions_.end())
        ++found->second.users;
      resolution_of_.emplace(*id, destination.connection);
    } else {
      client_flows_.emplace(*id, to_peer(destination, listener_address(destination.local)));
    }
    return Transaction{transaction::Role::kClient, index_, *id};
  });
}

std::optional<transaction::TransportInfo> Worker::invite_destination(
    const message::Message& cancel) {
  const message::Via* via = cancel.top_via();
  if (via == nullptr || via->branch.empty()) return std::nullopt;
  std::lock_guard lock(mutex_);
  transaction::TransactionKey key;
  key.role = transaction::Role::kClient;
  key.branch = std::string(via->branch);
  key.method = "INVITE";
  auto id = layer_.find(key);
  if (!id) return std::nullopt;
  cancelled_locked(*id);  // RFC 3263 §4.3: no other target once cancelled
  if (auto r = resolution_of_.find(*id); r != resolution_of_.end()) {
    auto found = resolutions_.find(r->second);
    if (found == resolutions_.end() || !found->second.done) {
      transaction::TransportInfo waiting;
      waiting.reliable = found != resolutions_.end() && found->second.reliable;
      waiting.protocol = kUnresolved;
      waiting.connection = r->second;
      return waiting;
    }
    if (!found->second.peer) return std::nullopt;
    return to_transport_info(*found->second.peer);
  }
  auto flow = client_flows_.find(*id);
  if (flow == client_flows_.end()) return std::nullopt;
  return to_transport_info(flow->second);
}

message::Result<Transaction> Worker::send_response(message::Message&& response,
                                                   std::optional<transaction::TransactionId> id) {
  return with_layer([&](Run&) -> message::Result<Transaction> {
    auto sent = layer_.send_response(response, id, actions_);
    if (!sent) return sent.error();
    // Serialized: its storage serves the next build_response.
    message::recycle(std::move(response));
    return Transaction{transaction::Role::kServer, index_, *sent};
  });
}

message::Result<Transaction> Worker::send_response(const message::Message& response,
                                                   std::optional<transaction::TransactionId> id) {
  return with_layer([&](Run&) -> message::Result<Transaction> {
    auto sent = layer_.send_response(response, id, actions_);
    if (!sent) return sent.error();
    return Transaction{transaction::Role::kServer, index_, *sent};
  });
}

message::Result<void> Worker::terminate(transaction::TransactionId id) {
  const bool live = with_layer([&](Run& run) {
    run.terminating = true;
    return layer_.terminate(current_locked(id), actions_);
  });
  if (!live)
    return message::Error{message::ErrorKind::kNoTransaction, 0, 0,
                          std::string(transaction::kErrNoTransaction)};
  return {};
}

message::Result<message::Message> Worker::build_cancel(transaction::TransactionId id) {
  std::lock_guard lock(mutex_);
  return layer_.build_cancel(current_locked(id));
}

std::optional<Transaction> Worker::find_cancelled_invite(const message::Message& cancel) {
  std::lock_guard lock(mutex_);
  auto id = layer_.find_cancelled_invite(cancel);
  if (!id) return std::nullopt;
  return Transaction{transaction::Role::kServer, index_, *id};
}

}  // namespace sippet::stack
