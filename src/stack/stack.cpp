#include "sippet/stack/stack.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <variant>

#include "request_target.hpp"
#include "sippet/message/builder.hpp"
#include "stack_state.hpp"
#include "via_routing.hpp"
#include "worker.hpp"

namespace sippet::stack {

namespace {

message::Error invalid(std::string reason) {
  return message::Error{message::ErrorKind::kInvalidArgument, 0, 0, std::move(reason)};
}

// Host names are resolved with the system resolver (getaddrinfo). RFC 3263
// SRV/NAPTR comes later.
std::optional<transport::Endpoint> resolve(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* list = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &list) != 0) return std::nullopt;
  std::optional<transport::Endpoint> found;
  for (addrinfo* a = list; a != nullptr && !found; a = a->ai_next)
    found = transport::Endpoint::from_sockaddr(a->ai_addr, a->ai_addrlen);
  ::freeaddrinfo(list);
  if (found) found->set_port(port);
  return found;
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

// ---- Stack::Impl -----------------------------------------------------------------

class Stack::Impl {
 public:
  Impl(StackConfig config, Core& core) : state_(std::move(config), core) {}
  ~Impl() { stop(); }

  message::Result<void> open();
  void stop();

  // The listen address to send a request to `destination` from.
  std::optional<std::uint32_t> listener_for(const transport::Endpoint& destination,
                                            transport::Protocol protocol) const;
  // A host name met on a worker thread: resolved in the background.
  struct NeedsResolution {
    std::string host;
    std::uint16_t port;
  };
  message::Result<std::variant<Peer, NeedsResolution>> target_peer(const message::Message& request);
  message::Result<Transaction> send_resolving(message::Message&& request, NeedsResolution name);
  std::mutex resolvers_mutex_;
  std::vector<std::thread> resolvers_;  // joined by stop()
  message::Result<void> ensure_via(message::Message& request, std::uint32_t listener);

  StackState state_;
  bool stopped_ = false;
};

message::Result<void> Stack::Impl::open() {
  const auto& config = state_.config();
  if (config.listen.empty()) return invalid("no listen address");
  unsigned threads = config.threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  auto& workers = state_.workers();
  for (unsigned i = 0; i < threads; ++i)
    workers.push_back(std::make_unique<Worker>(state_, i));
  transport::UdpOptions options;
  options.reuse_port = threads > 1;
  options.single_threaded_io = true;  // each worker's io_context runs on its thread only
  // Each socket's own thread blocks in recvmmsg(): one system call per
  // wake-up (docs/transport.md), handling messages under the core lock.
  options.receive_thread = config.receive_threads;
  for (const auto& spec : config.listen) {
    if (spec.protocol != transport::Protocol::kUdp)
      return invalid(spec.to_string() + ": only UDP is supported for now");
    transport::Endpoint bound = spec.endpoint;
    for (auto& worker : workers) {
      std::error_code error;
      auto transport = transport::UdpTransport::open(worker->io(), bound, error, options);
      if (!transport) return invalid(spec.to_string() + ": " + error.message());
      bound = transport->local_endpoint();  // port 0: the others join the port chosen
      worker->add_transport(std::move(transport));
    }
    state_.local_endpoints().push_back(bound);
  }
  for (auto& worker : workers)
    worker->start();
  return {};
}

void Stack::Impl::stop() {
  {
    std::lock_guard lock(resolvers_mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  for (auto& resolver : resolvers_)
    resolver.join();
  // Every socket first, so that no worker hands a message to one stopped.
  for (auto& worker : state_.workers())
    worker->close();
  for (auto& worker : state_.workers())
    worker->stop();
}

std::optional<std::uint32_t> Stack::Impl::listener_for(const transport::Endpoint& destination,
                                                       transport::Protocol protocol) const {
  const auto& config = state_.config();
  for (std::uint32_t i = 0; i < config.listen.size(); ++i) {
    if (config.listen[i].protocol != protocol) continue;
    if (config.listen[i].endpoint.family() != destination.family()) continue;
    return i;
  }
  return std::nullopt;
}

message::Result<std::variant<Peer, Stack::Impl::NeedsResolution>> Stack::Impl::target_peer(
    const message::Message& request) {
  auto target = request_target(request);
  if (!target) return target.error();
  if (target->protocol != transport::Protocol::kUdp)
    return invalid("transport " + std::string(transport::to_string(target->protocol)) +
                   " is not supported yet");
  std::optional<transport::Endpoint> endpoint =
      target->is_ip ? transport::Endpoint::from_ip(target->host, target->port) : std::nullopt;
  if (!endpoint && !target->is_ip) {
    // getaddrinfo blocks: never on a worker, where send_request resolves in
    // the background instead (RFC 3263 NAPTR/SRV comes later).
    for (auto& worker : state_.workers())
      if (worker->on_thread())
        return std::variant<Peer, NeedsResolution>(NeedsResolution{target->host, target->port});
    endpoint = resolve(target->host, target->port);
  }
  if (!endpoint) return invalid("cannot resolve " + target->host);
  auto listener = listener_for(*endpoint, target->protocol);
  if (!listener) return invalid("no listen address to reach " + endpoint->to_string());
  return std::variant<Peer, NeedsResolution>(Peer{*endpoint, *listener});
}

message::Result<void> Stack::Impl::ensure_via(message::Message& request, std::uint32_t listener) {
  const message::Via* via = request.top_via();
  if (via == nullptr) {
    // §8.1.1.7 / §18.1.1: our sent-by, a fresh branch; RFC 3581 rport.
    const auto& local = state_.local_endpoints()[listener];
    std::string value =
        "SIP/2.0/UDP " + local.to_string() + ";branch=" + message::create_branch() + ";rport";
    return request.put_front(message::HeaderId::kVia, value);
  }
  if (via->branch.empty())
    return request.set_param(message::HeaderId::kVia, "branch", message::create_branch());
  return {};
}

// ---- Stack ---------------------------------------------------------------------------

Stack::Stack(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Stack::~Stack() = default;

message::Result<std::unique_ptr<Stack>> Stack::create(StackConfig config, Core& core) {
  auto impl = std::make_unique<Impl>(std::move(config), core);
  if (auto opened = impl->open(); !opened) return opened.error();
  return std::unique_ptr<Stack>(new Stack(std::move(impl)));
}

message::Result<Transaction> Stack::send_request(message::Message&& request) {
  if (!request.is_request()) return invalid(std::string(transaction::kErrNotARequest));
  if (request.method() == message::Method::kAck)
    return invalid(std::string(transaction::kErrAckNotAllowed));
  auto target = impl_->target_peer(request);
  if (!target) return target.error();
  if (auto* name = std::get_if<Impl::NeedsResolution>(&*target))
    return impl_->send_resolving(std::move(request), std::move(*name));
  const Peer& peer = std::get<Peer>(*target);
  if (auto via = impl_->ensure_via(request, peer.listener); !via) return via.error();
  auto& state = impl_->state_;
  return state.worker(state.worker_for(request.call_id())).send_request(std::move(request), peer);
}

message::Result<Transaction> Stack::Impl::send_resolving(message::Message&& request,
                                                         NeedsResolution name) {
  // The transaction starts now; its sends wait in the worker until the name
  // is resolved on a thread of its own (the worker never blocks).
  std::optional<std::uint32_t> listener;
  for (std::uint32_t i = 0; i < state_.config().listen.size() && !listener; ++i)
    if (state_.config().listen[i].protocol == transport::Protocol::kUdp) listener = i;
  if (!listener) return invalid("no UDP listen address");
  if (auto via = ensure_via(request, *listener); !via) return via.error();
  Worker& worker = state_.worker(state_.worker_for(request.call_id()));
  const std::uint64_t resolution = worker.new_resolution();
  auto sent = worker.send_request_resolving(std::move(request), resolution);
  if (!sent) return sent;
  std::lock_guard lock(resolvers_mutex_);
  if (stopped_) return sent;  // stopping: it will time out
  resolvers_.emplace_back([this, &worker, resolution, name = std::move(name)] {
    auto endpoint = resolve(name.host, name.port);
    std::optional<Peer> peer;
    if (endpoint) {
      if (auto listener = listener_for(*endpoint, transport::Protocol::kUdp))
        peer = Peer{*endpoint, *listener};
    }
    if (!peer) state_.log(LogLevel::kInfo, "cannot resolve %s", name.host.c_str());
    worker.complete_resolution(resolution, peer);
  });
  return sent;
}

message::Result<Transaction> Stack::send_response(message::Message&& response,
                                                  std::optional<Transaction> transaction) {
  auto& state = impl_->state_;
  if (transaction) {
    if (!transaction->is_server() || transaction->worker >= state.worker_count())
      return message::Error{message::ErrorKind::kNotFound, 0, 0,
                            std::string(transaction::kErrNoTransaction)};
    return state.worker(transaction->worker).send_response(std::move(response), transaction->id);
  }
  return state.worker(state.worker_for(response.call_id()))
      .send_response(std::move(response), std::nullopt);
}

message::Result<void> Stack::send_stateless(const message::Message& message) {
  auto& state = impl_->state_;
  Peer peer;
  if (message.is_request()) {
    auto target = impl_->target_peer(message);
    if (!target) return target.error();
    if (!std::holds_alternative<Peer>(*target))
      return invalid("cannot resolve a host name for a stateless send from a worker thread");
    peer = std::get<Peer>(*target);
  } else {
    // §18.2.2: received / rport / sent-by of the top Via.
    auto destination = response_destination(message);
    if (!destination) return invalid("the response's top Via gives no IP address to send to");
    auto listener = impl_->listener_for(*destination, transport::Protocol::kUdp);
    if (!listener) return invalid("no listen address to reach " + destination->to_string());
    peer = Peer{*destination, *listener};
  }
  std::string bytes;
  message.append_to(bytes);
  auto& worker = state.worker(state.worker_for(message.call_id()));
  if (auto error = worker.transport(peer.listener).send(peer.endpoint, bytes))
    return invalid("send to " + peer.endpoint.to_string() + " failed: " + error.message());
  return {};
}

message::Result<void> Stack::terminate(Transaction transaction) {
  auto& state = impl_->state_;
  if (transaction.worker >= state.worker_count())
    return message::Error{message::ErrorKind::kNotFound, 0, 0,
                          std::string(transaction::kErrNoTransaction)};
  return state.worker(transaction.worker).terminate(transaction.id);
}

message::Result<message::Message> Stack::build_cancel(Transaction invite) {
  auto& state = impl_->state_;
  if (!invite.is_client() || invite.worker >= state.worker_count())
    return invalid(std::string(transaction::kErrNotPendingInvite));
  return state.worker(invite.worker).build_cancel(invite.id);
}

std::optional<Transaction> Stack::find_cancelled_invite(const message::Message& cancel) {
  auto& state = impl_->state_;
  return state.worker(state.worker_for(cancel.call_id())).find_cancelled_invite(cancel);
}

void Stack::schedule(std::string_view call_id, std::chrono::milliseconds delay,
                     std::function<void()> task) {
  auto& state = impl_->state_;
  Worker& worker = state.worker(state.worker_for(call_id));
  if (delay.count() <= 0) {
    worker.post_acting(std::move(task));
    return;
  }
  asio::post(worker.io(), [&worker, delay, task = std::move(task)]() mutable {
    auto timer = std::make_shared<asio::steady_timer>(worker.io(), delay);
    timer->async_wait([&worker, timer, task = std::move(task)](std::error_code error) {
      if (error) return;
      Worker::Acting acting(worker);
      task();
    });
  });
}

std::vector<transport::Endpoint> Stack::local_endpoints() const {
  return impl_->state_.local_endpoints();
}

unsigned Stack::worker_count() const {
  return impl_->state_.worker_count();
}

Logger& Stack::logger() {
  return impl_->state_.logger();
}

void Stack::fire_due_timers() {
  std::vector<std::future<void>> done;
  for (auto& worker : impl_->state_.workers()) {
    auto promise = std::make_shared<std::promise<void>>();
    done.push_back(promise->get_future());
    Worker* w = worker.get();
    asio::post(w->io(), [w, promise] {
      w->fire_due_timers();
      promise->set_value();
    });
  }
  for (auto& f : done)
    f.wait();
}

void Stack::stop() {
  impl_->stop();
}

}  // namespace sippet::stack
