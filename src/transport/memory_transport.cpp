// The in-memory network (memory_transport.hpp): a table of bound addresses
// and of open connections under one mutex; delivery posts to the receiving
// transport's io_context or queues for a MemoryPeer.
#include "sippet/transport/memory_transport.hpp"

#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace sippet::transport {

namespace memory_network {

// Something bound on the network: a transport or a peer.
class Receiver {
 public:
  virtual ~Receiver() = default;
  // Called with the network's lock held: must not call the network.
  virtual void deliver(std::string_view bytes, const Flow& flow) = 0;
  virtual void report(const Flow& flow, std::error_code error) = 0;
};

}  // namespace memory_network

namespace {

using memory_network::Receiver;

message::Error in_use() {
  return message::Error{message::ErrorKind::kTransportError, 0, 0, "Address already in use"};
}

// Unique within the process, like a socket transport's.
ConnectionId next_connection_id() {
  static std::atomic<ConnectionId> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// Where a transport bound to `bound` sends from: a wildcard sends from the
// loopback address of its family.
Endpoint source(const Endpoint& bound) {
  if (!bound.is_unspecified()) return bound;
  return bound.is_v4() ? Endpoint::loopback_v4(bound.port()) : Endpoint::loopback_v6(bound.port());
}

std::error_code error(std::errc code) {
  return std::make_error_code(code);
}

}  // namespace

class MemoryNetwork::State {
 private:
  using Key = std::pair<Protocol, Endpoint>;
  struct Binding {
    bool shared = false;
    std::vector<std::shared_ptr<Receiver>> members;  // one per io_context when shared
  };
  struct Connection {
    Protocol protocol;
    Endpoint a, b;  // the two bound addresses it joins
    bool joins(Protocol p, const Endpoint& end) const {
      return protocol == p && (a == end || b == end);
    }
    const Endpoint& other(const Endpoint& end) const { return a == end ? b : a; }
    // The end a transport bound to `bound` holds (a wildcard: any at its port).
    std::optional<Endpoint> end_of(const Endpoint& bound) const {
      for (const Endpoint& end : {a, b})
        if (end == bound || (bound.is_unspecified() && end.family() == bound.family() &&
                             end.port() == bound.port()))
          return end;
      return std::nullopt;
    }
  };
  using Connections = std::map<ConnectionId, Connection>;

  // Who receives at `at` what `from` sends: the address's transport (a
  // wildcard one else), the same member of a shared address for each sender.
  Receiver* receiver_locked(Protocol protocol, const Endpoint& at, const Endpoint& from) const {
    auto found = bindings_.find({protocol, at});
    if (found == bindings_.end()) {
      const Endpoint any = at.is_v4() ? Endpoint::any_v4(at.port()) : Endpoint::any_v6(at.port());
      found = bindings_.find({protocol, any});
    }
    if (found == bindings_.end() || found->second.members.empty()) return nullptr;
    const auto& members = found->second.members;
    return members[std::hash<Endpoint>{}(from) % members.size()].get();
  }

  // The open connection between `a` and `b`.
  template <class Self>
  static auto find_locked(Self& self, Protocol protocol, const Endpoint& a, const Endpoint& b) {
    auto it = self.connections_.begin();
    while (it != self.connections_.end() &&
           !(it->second.joins(protocol, a) && it->second.other(a) == b))
      ++it;
    return it;
  }

  // Removes a connection and tells both ends (those still bound).
  void close_locked(ConnectionId id, std::error_code why) {
    auto found = connections_.find(id);
    const Connection connection = found->second;
    connections_.erase(found);
    for (const auto& [end, other] :
         {std::pair{connection.a, connection.b}, std::pair{connection.b, connection.a}}) {
      if (Receiver* receiver = receiver_locked(connection.protocol, end, other))
        receiver->report(Flow{connection.protocol, end, other, id}, why);
    }
  }

 public:
  message::Result<Endpoint> bind(Protocol protocol, Endpoint local, bool shared,
                                 std::shared_ptr<Receiver> receiver) {
    std::lock_guard lock(mutex_);
    if (local.port() == 0) {
      for (int tries = 0; tries < 65536 - 40000; ++tries) {
        local.set_port(next_port_);
        next_port_ = next_port_ == 65535 ? 40000 : next_port_ + 1;
        if (!bindings_.contains({protocol, local})) break;
      }
    }
    auto [found, inserted] = bindings_.try_emplace({protocol, local}, Binding{shared, {}});
    if (!inserted && !(shared && found->second.shared)) return in_use();
    found->second.members.push_back(std::move(receiver));
    return local;
  }

  void unbind(Protocol protocol, const Endpoint& local, const Receiver* receiver) {
    std::lock_guard lock(mutex_);
    auto found = bindings_.find({protocol, local});
    if (found == bindings_.end()) return;
    std::erase_if(found->second.members,
                  [&](const auto& member) { return member.get() == receiver; });
    if (!found->second.members.empty()) return;
    bindings_.erase(found);
    // Its connections close: the other ends hear of it.
    std::vector<ConnectionId> orphans;
    for (const auto& [id, connection] : connections_)
      if (receiver_locked(connection.protocol, connection.a, connection.b) == nullptr ||
          receiver_locked(connection.protocol, connection.b, connection.a) == nullptr)
        orphans.push_back(id);
    for (ConnectionId id : orphans)
      close_locked(id, error(std::errc::connection_reset));
  }

  std::error_code send(const std::shared_ptr<Receiver>& sender, Protocol protocol,
                       const Endpoint& bound, const Flow& flow, std::string_view bytes) {
    if (flow.remote.family() != bound.family())
      return error(std::errc::address_family_not_supported);
    if (!is_reliable(protocol) && bytes.size() > kMaxDatagramSize)
      return error(std::errc::message_size);
    Endpoint from = source(bound);
    std::lock_guard lock(mutex_);
    if (is_reliable(protocol)) {
      // The flow's connection while it is open, else the one to the remote,
      // else a new one.
      auto connection = connections_.find(flow.connection);
      std::optional<Endpoint> mine;
      if (connection != connections_.end() && connection->second.protocol == protocol)
        mine = connection->second.end_of(bound);
      if (mine)
        from = *mine;
      else
        connection = find_locked(*this, protocol, from, flow.remote);
      if (connection == connections_.end()) {
        if (receiver_locked(protocol, flow.remote, from) == nullptr) {
          sender->report(Flow{protocol, from, flow.remote, 0},
                         error(std::errc::connection_refused));
          return {};
        }
        connection =
            connections_.emplace(next_connection_id(), Connection{protocol, from, flow.remote})
                .first;
      }
      return transmit_locked(
          sender, Flow{protocol, from, connection->second.other(from), connection->first}, bytes);
    }
    return transmit_locked(sender, Flow{protocol, from, flow.remote, 0}, bytes);
  }

  // Delivers `bytes` sent on `sent` (as the sender sees it) unless lost.
  std::error_code transmit_locked(const std::shared_ptr<Receiver>& sender, const Flow& sent,
                                  std::string_view bytes) {
    if (drop_ && drop_(sent, bytes)) {
      ++dropped_;
      return {};
    }
    Receiver* to = receiver_locked(sent.protocol, sent.remote, sent.local);
    if (to == nullptr) {
      sender->report(sent, error(std::errc::connection_refused));  // ICMP port unreachable
      return {};
    }
    to->deliver(bytes, Flow{sent.protocol, sent.remote, sent.local, sent.connection});
    return {};
  }

  std::optional<ConnectionId> connection(Protocol protocol, const Endpoint& a,
                                         const Endpoint& b) const {
    std::lock_guard lock(mutex_);
    auto found = find_locked(*this, protocol, a, b);
    if (found == connections_.end()) return std::nullopt;
    return found->first;
  }

  bool close_connection(ConnectionId id) {
    std::lock_guard lock(mutex_);
    if (!connections_.contains(id)) return false;
    close_locked(id, error(std::errc::connection_reset));
    return true;
  }

  void drop_if(DropRule rule) {
    std::lock_guard lock(mutex_);
    drop_ = std::move(rule);
  }

  std::size_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<Key, Binding> bindings_;
  Connections connections_;
  std::uint16_t next_port_ = 40000;
  DropRule drop_;
  std::size_t dropped_ = 0;
};

// ---- The transport ------------------------------------------------------------

namespace {

// What the network holds of a transport: delivery posts to its io_context.
class Socket final : public Receiver, public std::enable_shared_from_this<Socket> {
 public:
  explicit Socket(asio::io_context& io) : io_(io) {}

  void deliver(std::string_view bytes, const Flow& flow) override {
    std::lock_guard lock(mutex_);
    if (!started_) {
      held_.push_back({std::string(bytes), flow});  // read once started, like a socket's buffer
      return;
    }
    post(std::string(bytes), flow);
  }

  void report(const Flow& flow, std::error_code error) override {
    asio::post(io_, [self = shared_from_this(), flow, error] {
      std::lock_guard running(self->handler_mutex_);
      if (!self->closed_.load(std::memory_order_acquire) && self->on_error_)
        self->on_error_(flow, error);
    });
  }

  void start() {
    std::lock_guard lock(mutex_);
    started_ = true;
    for (auto& [bytes, flow] : held_)
      post(std::move(bytes), flow);
    held_.clear();
  }

  // Once closed_ is set: returns when no handler runs (but the caller's
  // own, when a handler closes its transport), so none runs afterwards.
  void wait_for_handlers() { std::lock_guard running(handler_mutex_); }

  ReceiveHandler on_receive_;
  ErrorHandler on_error_;
  std::atomic<bool> closed_{false};

 private:
  void post(std::string bytes, const Flow& flow) {
    asio::post(io_, [self = shared_from_this(), bytes = std::move(bytes), flow] {
      std::lock_guard running(self->handler_mutex_);
      if (!self->closed_.load(std::memory_order_acquire) && self->on_receive_)
        self->on_receive_(bytes, flow);
    });
  }

  asio::io_context& io_;
  std::recursive_mutex handler_mutex_;  // held by a running handler
  std::mutex mutex_;
  bool started_ = false;
  std::vector<std::pair<std::string, Flow>> held_;
};

class MemoryTransport final : public Transport {
 public:
  MemoryTransport(std::shared_ptr<MemoryNetwork::State> network, std::shared_ptr<Socket> socket,
                  Protocol protocol, Endpoint local)
      : network_(std::move(network)),
        socket_(std::move(socket)),
        protocol_(protocol),
        local_(local) {}
  ~MemoryTransport() override { close(); }

  Protocol protocol() const override { return protocol_; }
  Endpoint local_endpoint() const override { return local_; }
  void set_receive_handler(ReceiveHandler handler) override {
    socket_->on_receive_ = std::move(handler);
  }
  void set_error_handler(ErrorHandler handler) override { socket_->on_error_ = std::move(handler); }
  void start() override { socket_->start(); }
  void close() override {
    if (socket_->closed_.exchange(true, std::memory_order_acq_rel)) return;
    network_->unbind(protocol_, local_, socket_.get());
    socket_->wait_for_handlers();
  }
  std::error_code send(const Flow& flow, std::string_view bytes) override {
    if (socket_->closed_.load(std::memory_order_acquire))
      return error(std::errc::bad_file_descriptor);
    return network_->send(socket_, protocol_, local_, flow, bytes);
  }

 private:
  std::shared_ptr<MemoryNetwork::State> network_;
  std::shared_ptr<Socket> socket_;
  const Protocol protocol_;
  const Endpoint local_;
};

}  // namespace

// ---- The peer -------------------------------------------------------------------

class MemoryPeer::Node final : public Receiver {
 public:
  void deliver(std::string_view bytes, const Flow& flow) override {
    std::lock_guard lock(mutex_);
    packets_.push_back(Packet{std::string(bytes), flow});
    changed_.notify_all();
  }
  void report(const Flow& flow, std::error_code error) override {
    std::lock_guard lock(mutex_);
    failures_.push_back(Failure{flow, error});
    changed_.notify_all();
  }

  template <class T>
  std::optional<T> next(std::deque<T> Node::*queue, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [&] { return !(this->*queue).empty(); }))
      return std::nullopt;
    T item = std::move((this->*queue).front());
    (this->*queue).pop_front();
    return item;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Packet> packets_;
  std::deque<Failure> failures_;
};

MemoryPeer::MemoryPeer(std::shared_ptr<MemoryNetwork::State> network, std::shared_ptr<Node> node,
                       Protocol protocol, Endpoint address)
    : network_(std::move(network)),
      node_(std::move(node)),
      protocol_(protocol),
      address_(address) {}

MemoryPeer::~MemoryPeer() {
  close();
}

std::error_code MemoryPeer::send(const Endpoint& to, std::string_view bytes) {
  return send(Flow{protocol_, address_, to, 0}, bytes);
}

std::error_code MemoryPeer::send(const Flow& flow, std::string_view bytes) {
  if (closed_) return error(std::errc::bad_file_descriptor);
  return network_->send(node_, protocol_, address_, flow, bytes);
}

std::optional<MemoryPeer::Packet> MemoryPeer::receive(std::chrono::milliseconds timeout) {
  return node_->next(&Node::packets_, timeout);
}

std::optional<MemoryPeer::Failure> MemoryPeer::failure(std::chrono::milliseconds timeout) {
  return node_->next(&Node::failures_, timeout);
}

void MemoryPeer::close() {
  if (closed_.exchange(true)) return;
  network_->unbind(protocol_, address_, node_.get());
}

// ---- The network ------------------------------------------------------------------

MemoryNetwork::MemoryNetwork() : state_(std::make_shared<State>()) {}
MemoryNetwork::~MemoryNetwork() = default;

bool MemoryNetwork::supports(Protocol) const {
  return true;
}

message::Result<std::unique_ptr<Transport>> MemoryNetwork::open(asio::io_context& io,
                                                                Protocol protocol,
                                                                const Endpoint& local,
                                                                const OpenOptions& options) {
  auto socket = std::make_shared<Socket>(io);
  auto bound = state_->bind(protocol, local, options.shared, socket);
  if (!bound) return bound.error();
  return std::unique_ptr<Transport>(
      std::make_unique<MemoryTransport>(state_, std::move(socket), protocol, *bound));
}

message::Result<std::unique_ptr<MemoryPeer>> MemoryNetwork::peer(Protocol protocol,
                                                                 const Endpoint& local) {
  auto node = std::make_shared<MemoryPeer::Node>();
  auto bound = state_->bind(protocol, local, false, node);
  if (!bound) return bound.error();
  return std::unique_ptr<MemoryPeer>(new MemoryPeer(state_, std::move(node), protocol, *bound));
}

std::optional<ConnectionId> MemoryNetwork::connection(Protocol protocol, const Endpoint& a,
                                                      const Endpoint& b) const {
  return state_->connection(protocol, a, b);
}

bool MemoryNetwork::close_connection(ConnectionId id) {
  return state_->close_connection(id);
}

void MemoryNetwork::drop_if(DropRule rule) {
  state_->drop_if(std::move(rule));
}

std::size_t MemoryNetwork::dropped() const {
  return state_->dropped();
}

}  // namespace sippet::transport
