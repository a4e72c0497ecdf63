#include "sippet/stack/stack.hpp"

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <algorithm>
#include <future>
#include <thread>

#include "sippet/message/builder.hpp"
#include "stack_impl.hpp"
#include "worker.hpp"

namespace sippet::stack {

message::Error stack_error(message::ErrorKind kind, std::string reason) {
  return message::Error{kind, 0, 0, std::move(reason)};
}

namespace {

message::Error no_transaction() {
  return stack_error(message::ErrorKind::kNoTransaction,
                     std::string(transaction::kErrNoTransaction));
}

}  // namespace

// ---- StackState ---------------------------------------------------------------

StackState::StackState(StackConfig config, Core& core)
    : core_(core), config_(std::move(config)), logger_(config_.logger) {
  if (!logger_) logger_ = default_logger();
}

StackState::~StackState() = default;

std::uint32_t StackState::worker_for(std::string_view call_id) const {
  if (workers_.size() == 1) return 0;
  return static_cast<std::uint32_t>(std::hash<std::string_view>{}(call_id) % workers_.size());
}

TimePoint StackState::now() const {
  return config_.manual_clock ? config_.manual_clock->now() : Clock::now();
}

void StackState::mark_dead(const transport::Flow& flow) {
  dead_targets_.mark(flow, now() + 64 * config_.timers.t1);
}

// ---- Stack::Impl -----------------------------------------------------------------

Stack::Impl::Impl(StackConfig config, Core& core)
    : state(std::move(config), core),
      factory(state.config().transports),
      resolver(state.config().resolver) {
  if (!factory) factory = transport::socket_transport_factory();
  if (!resolver) {
    // RFC 3263 on c-ares; the system's resolver should c-ares fail to start.
    if (auto dns = dns_resolver(state.config().dns)) {
      resolver = std::move(*dns);
    } else {
      state.log(LogLevel::kWarning, "%s; using getaddrinfo (no NAPTR or SRV)",
                dns.error().reason.c_str());
      resolver = system_resolver();
    }
    owns_resolver = true;
  }
  state.locate_sent_by = [this](const message::Message& response,
                                std::function<void(std::vector<Peer>)> done) {
    const message::Via* via = response.top_via();
    if (via == nullptr) return false;
    auto pending = sent_by_pending(*via);
    if (!pending) return false;
    resolve(*pending, std::move(done));
    return true;
  };
}

Stack::Impl::~Impl() {
  stop();
}

message::Result<void> Stack::Impl::open() {
  const auto& config = state.config();
  if (config.listen.empty()) return invalid_argument("no listen address");
  unsigned threads = config.threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  auto& workers = state.workers();
  for (unsigned i = 0; i < threads; ++i)
    workers.push_back(std::make_unique<Worker>(state, i));
  transport::OpenOptions options;
  options.shared = threads > 1;
  options.single_threaded_io = true;  // each worker's io_context runs on its thread only
  options.receive_thread = config.receive_threads;
  for (const auto& spec : config.listen) {
    transport::Endpoint bound = spec.endpoint;
    for (auto& worker : workers) {
      auto transport = factory->open(worker->io(), spec.protocol, bound, options);
      if (!transport)
        return stack_error(transport.error().kind,
                           spec.to_string() + ": " + transport.error().reason);
      bound = (*transport)->local_endpoint();  // port 0: the others join the port chosen
      worker->add_transport(std::move(*transport));
    }
    state.listeners().add(Listener{spec.protocol, bound});
  }
  return {};
}

void Stack::Impl::start() {
  for (auto& worker : state.workers())
    worker->start();
}

void Stack::Impl::stop() {
  {
    std::unique_lock lock(lifeline_->mutex);
    if (stopped_) return;
    stopped_ = true;
    lifeline_->alive = false;  // no resolver callback reaches a worker from now on
    lifeline_->idle.wait(lock, [this] { return lifeline_->running == 0; });
  }
  if (owns_resolver) resolver->stop();
  // Every transport first, so that no worker hands a message to one stopped.
  for (auto& worker : state.workers())
    worker->close();
  for (auto& worker : state.workers())
    worker->stop();
}

void Stack::Impl::resolve(const Pending& pending, std::function<void(std::vector<Peer>)> done) {
  resolver->locate(pending.query, [this, lifeline = lifeline_, pending,
                                   done = std::move(done)](const Resolver::Located& found) {
    {
      std::lock_guard lock(lifeline->mutex);
      if (!lifeline->alive) return;
      ++lifeline->running;
    }
    std::vector<Peer> peers;
    if (found) {
      peers = reachable(*found);
      if (peers.empty())
        state.log(LogLevel::kInfo, "%s has no target a listener of ours can reach",
                  pending.host.c_str());
      // RFC 5922: a TLS connection to any of them verifies the name.
      name_destinations(pending.host, peers);
    } else {
      state.log(LogLevel::kInfo, "%s", found.error().reason.c_str());
    }
    done(std::move(peers));
    std::lock_guard lock(lifeline->mutex);
    if (--lifeline->running == 0) lifeline->idle.notify_all();
  });
}

// ---- Stack ---------------------------------------------------------------------------

Stack::Stack(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Stack::~Stack() = default;

message::Result<std::unique_ptr<Stack>> Stack::create(StackConfig config, Core& core) {
  auto impl = std::make_unique<Impl>(std::move(config), core);
  if (auto opened = impl->open(); !opened) return opened.error();
  std::unique_ptr<Stack> stack(new Stack(std::move(impl)));
  // The Core gets the stack before the first message is read (core.hpp):
  // the sockets are bound, but no thread reads them yet.
  core.attached(*stack);
  stack->impl_->start();
  return stack;
}

message::Result<Transaction> Stack::send_request(message::Message&& request,
                                                 const SendOptions& options) {
  if (!request.is_request()) return invalid_argument(std::string(transaction::kErrNotARequest));
  if (request.method() == message::Method::kAck)
    return invalid_argument(std::string(transaction::kErrAckNotAllowed));
  auto& state = impl_->state;
  if (!state.config().transactions)
    return invalid_argument("the stack has no transactions (StackConfig::transactions)");
  Worker& worker = state.worker(state.worker_for(request.call_id()));
  if (request.method() == message::Method::kCancel && !options.flow) {
    // §9.1: a CANCEL goes where its INVITE went (RFC 3263 §4: the same
    // address, not resolved again).
    if (auto destination = worker.invite_destination(request))
      return worker.send_cancel(std::move(request), *destination);
  }
  std::vector<Peer> rest;        // RFC 3263 §4.3: where to fail over to
  std::optional<Peer> over_udp;  // §18.1.1: where to retry when TCP is refused
  auto located = impl_->located_route(options, &rest);
  auto route = located ? message::Result<Impl::Route>(std::move(*located))
                       : impl_->route(request, options, &rest, &over_udp);
  if (!route) return route.error();
  if (auto* pending = std::get_if<Impl::Pending>(&*route))
    return impl_->send_pending(std::move(request), std::move(*pending), options);
  const Peer& peer = std::get<Peer>(*route);
  impl_->name_destination(request, peer, options, rest);
  Rebuild rebuild;
  if (!rest.empty() || over_udp) rebuild = impl_->rebuild_for(request, options);
  if (auto via = impl_->ensure_via(request, peer.listener, peer.flow.remote, options); !via)
    return via.error();
  return worker.send_request(std::move(request), peer, std::move(rebuild), std::move(rest),
                             over_udp);
}

message::Result<Transaction> Stack::Impl::send_pending(message::Message&& request, Pending pending,
                                                       const SendOptions& options) {
  // The transaction starts now; its sends wait in the worker until the
  // resolver answers (the worker never blocks).
  Rebuild rebuild = rebuild_for(request, options);
  if (auto via = ensure_via(request, pending.listener, std::nullopt, options); !via)
    return via.error();
  Worker& worker = state.worker(state.worker_for(request.call_id()));
  const std::uint64_t resolution = worker.new_resolution(transport::is_reliable(pending.protocol),
                                                         pending.listener, std::move(rebuild));
  auto sent = worker.send_request_resolving(std::move(request), resolution);
  if (!sent) return sent;
  resolve(pending, [&worker, resolution](std::vector<Peer> peers) {
    worker.complete_resolution(resolution, std::move(peers));
  });
  return sent;
}

namespace {

// The worker that sends `response`: the one of server transaction
// `transaction` when given (null when it names no server transaction), else
// the one of its Call-ID.
Worker* response_worker(StackState& state, const message::Message& response,
                        const std::optional<Transaction>& transaction) {
  if (!transaction) return &state.worker(state.worker_for(response.call_id()));
  if (!transaction->is_server() || transaction->worker >= state.worker_count()) return nullptr;
  return &state.worker(transaction->worker);
}

std::optional<transaction::TransactionId> id_of(const std::optional<Transaction>& transaction) {
  if (!transaction) return std::nullopt;
  return transaction->id;
}

}  // namespace

message::Result<Transaction> Stack::send_response(message::Message&& response,
                                                  std::optional<Transaction> transaction) {
  Worker* worker = response_worker(impl_->state, response, transaction);
  if (worker == nullptr) return no_transaction();
  return worker->send_response(std::move(response), id_of(transaction));
}

message::Result<Transaction> Stack::send_response(const message::Message& response,
                                                  std::optional<Transaction> transaction) {
  Worker* worker = response_worker(impl_->state, response, transaction);
  if (worker == nullptr) return no_transaction();
  return worker->send_response(response, id_of(transaction));
}

message::Result<void> Stack::send_stateless(const message::Message& message,
                                            const SendOptions& options) {
  // RFC 3261 §16.11 / RFC 3263 §4.4: a request to a host name goes to one
  // target chosen from the message alone (SRV weights drawn with its
  // Call-ID), skipping those known dead while another is left.
  std::vector<Peer> rest;
  auto route = message.is_request() ? impl_->route(message, options, &rest, nullptr,
                                                   std::hash<std::string_view>{}(message.call_id()))
                                    : impl_->route_response(message, options);
  if (!route) return route.error();
  std::optional<message::Message> with_via;
  const message::Message* out = &message;
  if (message.is_request() && options.add_via) {
    with_via = message.clone();
    const Peer* peer = std::get_if<Peer>(&*route);
    const std::uint32_t listener = peer ? peer->listener : std::get<Impl::Pending>(*route).listener;
    std::optional<transport::Endpoint> destination;
    if (peer) destination = peer->flow.remote;
    if (auto via = impl_->ensure_via(*with_via, listener, destination, options); !via)
      return via.error();
    out = &*with_via;
  }
  auto& state = impl_->state;
  Worker& worker = state.worker(state.worker_for(message.call_id()));
  if (auto* pending = std::get_if<Impl::Pending>(&*route)) {
    auto bytes = std::make_shared<std::string>();
    out->append_to(*bytes);
    impl_->send_bytes_when_resolved(message.call_id(), std::move(*pending), std::move(bytes));
    return {};
  }
  // Sent at once: the transport copies the bytes (or sends them) before
  // send_bytes returns, so one buffer per thread serves every send (a send
  // made from inside another, e.g. by an error handler, gets its own).
  thread_local std::string buffer;
  thread_local bool buffer_busy = false;
  std::string own;
  std::string& bytes = buffer_busy ? own : buffer;
  const bool took_buffer = !buffer_busy;
  buffer_busy = true;
  struct Release {
    bool took;
    ~Release() {
      if (took) buffer_busy = false;
    }
  } release{took_buffer};
  bytes.clear();
  out->append_to(bytes);
  const Peer* chosen = &std::get<Peer>(*route);
  if (!rest.empty()) {
    rest.insert(rest.begin(), *chosen);
    chosen = &state.dead_targets().choose(rest, state.now());
  }
  const Peer& peer = *chosen;
  if (message.is_request()) impl_->name_destination(message, peer, options);
  if (auto error = worker.send_bytes(peer, bytes)) {
    state.shared_counters().transport_error(TransportErrorSource::kSend);
    state.mark_dead(peer.flow);
    return stack_error(message::ErrorKind::kTransportError,
                       "send to " + peer.flow.remote.to_string() + " failed: " + error.message());
  }
  state.shared_counters().sent.count(bytes);
  return {};
}

void Stack::Impl::send_bytes_when_resolved(std::string_view call_id, Pending pending,
                                           std::shared_ptr<const std::string> bytes) {
  Worker& worker = state.worker(state.worker_for(call_id));
  resolve(pending, [this, &worker, bytes = std::move(bytes)](std::vector<Peer> peers) {
    if (peers.empty()) return;  // logged by resolve()
    const Peer* peer = &state.dead_targets().choose(peers, state.now());
    if (auto error = worker.send_bytes(*peer, *bytes)) {
      state.shared_counters().transport_error(TransportErrorSource::kSend);
      state.mark_dead(peer->flow);
      state.log(LogLevel::kInfo, "send to %s failed: %s", peer->flow.remote.to_string().c_str(),
                error.message().c_str());
    } else {
      state.shared_counters().sent.count(*bytes);
    }
  });
}

std::optional<Stack::Impl::Route> Stack::Impl::located_route(const SendOptions& options,
                                                             std::vector<Peer>* rest) const {
  if (options.flow || options.targets.empty()) return std::nullopt;
  const Listeners& listeners = state.listeners();
  // §18.1.1: the request may have grown past what UDP takes since it was
  // located; route() decides that.
  if (options.targets.front().protocol == transport::Protocol::kUdp &&
      listeners.find(transport::Protocol::kTcp))
    return std::nullopt;
  std::vector<Peer> peers;
  peers.reserve(options.targets.size());
  for (const transport::Flow& flow : options.targets) {
    auto listener = listeners.find(flow);
    if (!listener) return std::nullopt;
    peers.push_back(Peer{flow, *listener});
  }
  rest->assign(peers.begin() + 1, peers.end());
  return Route(peers.front());
}

message::Result<Hop> Stack::next_hop(const message::Message& request,
                                     std::string_view destination) const {
  // Per thread, so that the destination's text keeps its capacity from one
  // request to the next; only these two fields are ever set.
  thread_local SendOptions options;
  options.add_via = true;
  options.destination.assign(destination);
  // The order a stateless send of this request takes (send_stateless), so
  // that the listener named is the one it leaves from.
  std::vector<Peer> rest;
  auto route = impl_->route(request, options, &rest, nullptr,
                            std::hash<std::string_view>{}(request.call_id()));
  if (!route) return route.error();
  std::vector<transport::Flow> targets;
  if (Peer* first = std::get_if<Peer>(&*route); first != nullptr && !rest.empty()) {
    rest.insert(rest.begin(), *first);
    targets.reserve(rest.size());
    for (const Peer& peer : rest)
      targets.push_back(peer.flow);
    *first = impl_->state.dead_targets().choose(rest, impl_->state.now());
  }
  const auto& listeners = impl_->state.listeners();
  std::uint32_t listener;
  std::optional<transport::Endpoint> remote;
  std::optional<transport::Flow> flow;
  if (const Peer* peer = std::get_if<Peer>(&*route)) {
    listener = peer->listener;
    remote = peer->flow.remote;
    flow = peer->flow;
  } else {
    // Not in the cache: the lookup starts here, so that the next request
    // to the host finds its answers (a stateless send of this one may ask
    // for fewer records: our Via fixes its transport, §18.1.1).
    const auto& pending = std::get<Impl::Pending>(*route);
    listener = pending.listener;
    impl_->resolve(pending, [](std::vector<Peer>) {});
  }
  return Hop{listeners[listener].protocol, listeners.sent_by(listener, remote),
             listeners[listener].bound, flow, std::move(targets)};
}

message::Result<void> Stack::terminate(Transaction transaction) {
  auto& state = impl_->state;
  if (transaction.worker >= state.worker_count()) return no_transaction();
  return state.worker(transaction.worker).terminate(transaction.id);
}

message::Result<message::Message> Stack::build_cancel(Transaction invite) {
  auto& state = impl_->state;
  if (!invite.is_client() || invite.worker >= state.worker_count())
    return invalid_argument(std::string(transaction::kErrNotPendingInvite));
  return state.worker(invite.worker).build_cancel(invite.id);
}

std::optional<Transaction> Stack::find_cancelled_invite(const message::Message& cancel) {
  auto& state = impl_->state;
  return state.worker(state.worker_for(cancel.call_id())).find_cancelled_invite(cancel);
}

ScheduledTask Stack::schedule(std::string_view call_id, std::chrono::milliseconds delay,
                              std::function<void()> task) {
  auto& state = impl_->state;
  const std::uint32_t index = state.worker_for(call_id);
  Worker& worker = state.worker(index);
  if (delay.count() <= 0) {
    worker.post_acting(std::move(task));
    return {};
  }
  return ScheduledTask{index, worker.schedule_task(delay, std::move(task))};
}

bool Stack::cancel(ScheduledTask task) {
  auto& state = impl_->state;
  if (!task || task.worker >= state.worker_count()) return false;
  return state.worker(task.worker).cancel_task(task.id);
}

void Stack::keep_flow_open(const transport::Flow& flow, std::chrono::milliseconds duration) {
  auto& state = impl_->state;
  auto listener = state.listeners().find(flow);
  if (!listener) return;
  // The listener's transports share their connections: any worker's finds it.
  state.worker(0).transport(*listener).keep_open(flow, duration);
}

std::vector<transport::Endpoint> Stack::local_endpoints() const {
  std::vector<transport::Endpoint> endpoints;
  const auto& listeners = impl_->state.listeners();
  for (std::uint32_t i = 0; i < listeners.size(); ++i)
    endpoints.push_back(listeners[i].bound);
  return endpoints;
}

unsigned Stack::worker_count() const {
  return impl_->state.worker_count();
}

Logger& Stack::logger() {
  return impl_->state.logger();
}

void Stack::fire_due_timers() {
  std::vector<std::future<void>> done;
  for (auto& worker : impl_->state.workers()) {
    auto promise = std::make_shared<std::promise<void>>();
    done.push_back(promise->get_future());
    Worker* w = worker.get();
    asio::post(w->io(), [w, promise] {
      w->fire_due_timers();  // the transactions' timers, then the tasks due
      promise->set_value();
    });
  }
  for (auto& f : done)
    f.wait();
}

TimePoint Stack::now() const {
  return impl_->state.now();
}

void Stack::stop() {
  impl_->stop();
}

}  // namespace sippet::stack
