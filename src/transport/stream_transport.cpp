// TCP and TLS transports: listening, the shared connection table, sends,
// the timeout sweep (stream_transport.hpp).
#include "stream_transport.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>
#include <cstring>
#include <thread>

#include "stream_internal.hpp"

namespace sippet::transport::detail {
namespace {

constexpr std::size_t kScratchBytes = 64 * 1024;
constexpr std::chrono::milliseconds kAcceptRetry{50};  // after EMFILE and the like

std::atomic<ConnectionId> next_connection{1};

// The endpoint whose handler this thread runs (close() from inside one).
thread_local const StreamEndpoint* in_handler = nullptr;

// The remote IP address of a connection, the key of
// StreamGroup::accepted_from.
Endpoint address_of(Endpoint remote) {
  remote.set_port(0);
  return remote;
}

std::string destination_key(const Endpoint& remote, std::string_view name) {
  std::string key = remote.to_string();
  key += '|';
  key += name;
  return key;
}

}  // namespace

std::int64_t stream_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

asio::ip::tcp::endpoint to_asio(const Endpoint& endpoint) {
  sockaddr_storage storage{};
  std::size_t length = endpoint.to_sockaddr(storage);
  asio::ip::tcp::endpoint result;
  std::memcpy(result.data(), &storage, length);
  result.resize(length);
  return result;
}

Endpoint from_asio(const asio::ip::tcp::endpoint& endpoint) {
  auto converted = Endpoint::from_sockaddr(endpoint.data(), endpoint.size());
  return converted ? *converted : Endpoint();
}

std::shared_ptr<StreamGroup> make_stream_group() {
  return std::make_shared<StreamGroup>();
}

// ---- StreamEndpoint --------------------------------------------------------------

StreamEndpoint::StreamEndpoint(asio::io_context& io, Protocol protocol,
                               std::shared_ptr<StreamGroup> group, const StreamLimits& limits,
                               std::shared_ptr<TlsContexts> tls)
    : io(io),
      protocol(protocol),
      group(std::move(group)),
      limits(limits),
      tls(std::move(tls)),
      acceptor(io),
      sweep_timer(io),
      accept_retry(io) {}

bool StreamEndpoint::enter() {
  std::lock_guard lock(handlers_mutex_);
  if (closed()) return false;
  ++running_;
  return true;
}

void StreamEndpoint::leave() {
  std::lock_guard lock(handlers_mutex_);
  if (--running_ == 0) handlers_idle_.notify_all();
}

void StreamEndpoint::deliver(std::string_view bytes, const Flow& flow) {
  if (!on_receive || !enter()) return;
  const StreamEndpoint* previous = in_handler;
  in_handler = this;
  on_receive(bytes, flow);
  in_handler = previous;
  leave();
}

void StreamEndpoint::report(const Flow& flow, std::error_code error) {
  if (!on_error || !enter()) return;
  const StreamEndpoint* previous = in_handler;
  in_handler = this;
  on_error(flow, error);
  in_handler = previous;
  leave();
}

void StreamEndpoint::reject(std::string_view head, const Flow& flow, const message::Error& error) {
  if (!on_reject || !enter()) return;
  const StreamEndpoint* previous = in_handler;
  in_handler = this;
  on_reject(head, flow, error);
  in_handler = previous;
  leave();
}

std::chrono::milliseconds StreamEndpoint::sweep_interval() const {
  auto shortest =
      std::min({limits.idle_timeout, limits.partial_message_timeout, limits.handshake_timeout});
  return std::clamp(shortest / 4, std::chrono::milliseconds(2), std::chrono::milliseconds(1000));
}

void StreamEndpoint::start() {
  accept_next();
  sweep_timer.expires_after(sweep_interval());
  sweep_timer.async_wait([self = shared_from_this()](std::error_code error) {
    if (!error) self->sweep();
  });
}

void StreamEndpoint::accept_next() {
  if (closed()) return;
  acceptor.async_accept(
      [self = shared_from_this()](std::error_code error, asio::ip::tcp::socket socket) {
        self->on_accepted(error, std::move(socket));
      });
}

void StreamEndpoint::on_accepted(std::error_code error, asio::ip::tcp::socket socket) {
  if (closed() || error == asio::error::operation_aborted) return;
  if (error) {
    // Out of descriptors or memory: wait a little rather than spin.
    accept_retry.expires_after(kAcceptRetry);
    accept_retry.async_wait([self = shared_from_this()](std::error_code e) {
      if (!e) self->accept_next();
    });
    return;
  }
  std::error_code ignored;
  auto remote = socket.remote_endpoint(ignored);
  if (ignored) {
    accept_next();
    return;
  }
  std::shared_ptr<StreamConnection> connection;
  const Endpoint from = from_asio(remote);
  {
    std::lock_guard lock(group->mutex);
    auto counted = group->accepted_from.try_emplace(address_of(from), 0).first;
    if (group->by_id.size() < limits.max_connections &&
        counted->second < limits.max_connections_per_address) {
      ++counted->second;
      const ConnectionId id = next_connection.fetch_add(1, std::memory_order_relaxed);
      connection = std::make_shared<StreamConnection>(
          shared_from_this(), id, Flow{protocol, local, from, 0}, std::string(), std::string());
      group->by_id.emplace(id, connection);
      owned_.fetch_add(1, std::memory_order_relaxed);
    } else if (counted->second == 0) {
      group->accepted_from.erase(counted);
    }
  }
  if (connection) {
    connection->start_inbound(std::move(socket));
  } else {
    // Beyond max_connections or max_connections_per_address: refused.
    socket.close(ignored);
  }
  accept_next();
}

void StreamEndpoint::sweep() {
  if (closed()) return;
  std::vector<std::shared_ptr<StreamConnection>> mine;
  {
    std::lock_guard lock(group->mutex);
    mine.reserve(owned());
    for (const auto& [id, connection] : group->by_id)
      if (connection->owner() == this) mine.push_back(connection);
  }
  const std::int64_t now = stream_now_ms();
  for (const auto& connection : mine)
    connection->check_timeouts(now);
  sweep_timer.expires_after(sweep_interval());
  sweep_timer.async_wait([self = shared_from_this()](std::error_code error) {
    if (!error) self->sweep();
  });
}

void StreamEndpoint::erased(const StreamConnection& connection) {
  if (!connection.key().empty()) return;  // opened by us: not counted
  auto counted = group->accepted_from.find(address_of(connection.remote()));
  if (counted != group->accepted_from.end() && --counted->second == 0)
    group->accepted_from.erase(counted);
}

void StreamEndpoint::forget(const StreamConnection& connection) {
  std::lock_guard lock(group->mutex);
  auto found = group->by_id.find(connection.id());
  if (found != group->by_id.end() && found->second.get() == &connection) {
    group->by_id.erase(found);
    erased(connection);
    owned_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (!connection.key().empty()) {
    auto out = group->by_destination.find(connection.key());
    if (out != group->by_destination.end() && out->second.get() == &connection)
      group->by_destination.erase(out);
  }
}

std::shared_ptr<StreamConnection> StreamEndpoint::find(const Flow& flow) {
  std::lock_guard lock(group->mutex);
  if (flow.connection != 0) {
    if (auto found = group->by_id.find(flow.connection); found != group->by_id.end())
      return found->second;
  }
  std::string name;
  if (secure()) {
    if (auto named = group->names.find(flow.remote); named != group->names.end())
      name = named->second;
  }
  if (auto found = group->by_destination.find(destination_key(flow.remote, name));
      found != group->by_destination.end())
    return found->second;
  return nullptr;
}

std::error_code StreamEndpoint::send(const Flow& flow, std::string_view bytes) {
  if (closed()) return std::make_error_code(std::errc::bad_file_descriptor);
  if (flow.remote.family() != local.family())
    return std::make_error_code(std::errc::address_family_not_supported);
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::shared_ptr<StreamConnection> connection;
    bool opened = false;
    {
      std::lock_guard lock(group->mutex);
      if (flow.connection != 0) {
        if (auto found = group->by_id.find(flow.connection); found != group->by_id.end())
          connection = found->second;
      }
      if (!connection) {
        // §18.2.2 for a response whose connection closed, §18.1.1 for a
        // request: the open connection to the address, else a new one.
        std::string name;
        if (secure()) {
          if (auto named = group->names.find(flow.remote); named != group->names.end())
            name = named->second;
        }
        std::string key = destination_key(flow.remote, name);
        if (auto found = group->by_destination.find(key); found != group->by_destination.end()) {
          connection = found->second;
        } else {
          if (group->by_id.size() >= limits.max_connections)
            return std::make_error_code(std::errc::too_many_files_open);
          const ConnectionId id = next_connection.fetch_add(1, std::memory_order_relaxed);
          connection = std::make_shared<StreamConnection>(
              shared_from_this(), id, Flow{protocol, local, flow.remote, 0}, key, name);
          group->by_id.emplace(id, connection);
          group->by_destination.emplace(std::move(key), connection);
          owned_.fetch_add(1, std::memory_order_relaxed);
          opened = true;
        }
      }
    }
    // Queued before the connect starts, so that a refusal finds it.
    std::error_code error = connection->send(bytes);
    if (opened) connection->start_outbound();
    if (error != std::errc::not_connected) return error;
    // Closed between the lookup and the send: find or open another.
  }
  return std::make_error_code(std::errc::not_connected);
}

void StreamEndpoint::close() {
  {
    std::unique_lock lock(handlers_mutex_);
    if (closed_.exchange(true)) return;
    // No new handler call starts; wait for the running ones (unless one of
    // them is closing its own transport).
    if (in_handler != this) handlers_idle_.wait(lock, [this] { return running_ == 0; });
  }
  std::vector<std::shared_ptr<StreamConnection>> mine;
  {
    std::lock_guard lock(group->mutex);
    for (auto it = group->by_id.begin(); it != group->by_id.end();) {
      if (it->second->owner() == this) {
        mine.push_back(it->second);
        if (!it->second->key().empty()) group->by_destination.erase(it->second->key());
        erased(*it->second);
        it = group->by_id.erase(it);
      } else {
        ++it;
      }
    }
    owned_.store(0, std::memory_order_relaxed);
  }
  // The sockets belong to the io_context's thread: closed there, or when
  // the io_context is destroyed with the posted handler.
  asio::post(io, [self = shared_from_this(), mine = std::move(mine)] {
    std::error_code ignored;
    self->acceptor.close(ignored);
    self->sweep_timer.cancel();
    self->accept_retry.cancel();
    for (const auto& connection : mine)
      connection->close(std::make_error_code(std::errc::bad_file_descriptor), false);
  });
}

// ---- StreamTransport ------------------------------------------------------------

std::unique_ptr<StreamTransport> StreamTransport::open(asio::io_context& io, Protocol protocol,
                                                       const Endpoint& local,
                                                       std::shared_ptr<StreamGroup> group,
                                                       const StreamLimits& limits,
                                                       std::shared_ptr<TlsContexts> tls,
                                                       bool reuse_port, std::error_code& error) {
  if (protocol == Protocol::kTls && !tls) {
    error = std::make_error_code(std::errc::protocol_not_supported);
    return nullptr;
  }
  auto endpoint =
      std::make_shared<StreamEndpoint>(io, protocol, std::move(group), limits, std::move(tls));
  auto& acceptor = endpoint->acceptor;
  const auto address = to_asio(local);
  acceptor.open(address.protocol(), error);
  if (error) return nullptr;
  acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (local.is_v6() && !error) acceptor.set_option(asio::ip::v6_only(true), error);
  if (reuse_port && !error) {
    int one = 1;
    if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      error = std::error_code(errno, std::system_category());
  }
  if (!error) acceptor.bind(address, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) return nullptr;
  auto bound = acceptor.local_endpoint(error);
  if (error) return nullptr;
  endpoint->local = from_asio(bound);
  endpoint->scratch.resize(kScratchBytes);
  return std::unique_ptr<StreamTransport>(new StreamTransport(std::move(endpoint)));
}

StreamTransport::StreamTransport(std::shared_ptr<StreamEndpoint> endpoint)
    : endpoint_(std::move(endpoint)) {}

StreamTransport::~StreamTransport() {
  close();
}

Protocol StreamTransport::protocol() const {
  return endpoint_->protocol;
}

Endpoint StreamTransport::local_endpoint() const {
  return endpoint_->local;
}

void StreamTransport::set_receive_handler(ReceiveHandler handler) {
  endpoint_->on_receive = std::move(handler);
}

void StreamTransport::set_error_handler(ErrorHandler handler) {
  endpoint_->on_error = std::move(handler);
}

void StreamTransport::set_reject_handler(RejectHandler handler) {
  endpoint_->on_reject = std::move(handler);
}

void StreamTransport::start() {
  asio::post(endpoint_->io, [endpoint = endpoint_] { endpoint->start(); });
}

void StreamTransport::close() {
  endpoint_->close();
}

std::error_code StreamTransport::send(const Flow& flow, std::string_view bytes) {
  return endpoint_->send(flow, bytes);
}

void StreamTransport::name_destination(const Endpoint& remote, std::string_view name) {
  if (!endpoint_->secure()) return;
  std::lock_guard lock(endpoint_->group->mutex);
  if (name.empty()) {
    endpoint_->group->names.erase(remote);
  } else {
    endpoint_->group->names[remote] = std::string(name);
  }
}

ConnectionId StreamTransport::hold(const Flow& flow) {
  // A transaction made by a message being handed up: its connection is at
  // hand, no table lookup (ids are unique in the process).
  if (StreamConnection* current = StreamConnection::delivering();
      current != nullptr && flow.connection != 0 && current->id() == flow.connection) {
    current->hold();
    return current->id();
  }
  auto connection = endpoint_->find(flow);
  if (!connection) return 0;
  connection->hold();
  return connection->id();
}

void StreamTransport::release(ConnectionId connection) {
  if (connection == 0) return;
  if (StreamConnection* current = StreamConnection::delivering();
      current != nullptr && current->id() == connection) {
    current->release();
    return;
  }
  std::shared_ptr<StreamConnection> found;
  {
    std::lock_guard lock(endpoint_->group->mutex);
    if (auto it = endpoint_->group->by_id.find(connection); it != endpoint_->group->by_id.end())
      found = it->second;
  }
  if (found) found->release();  // a closed connection's holds went with it
}

void StreamTransport::keep_open(const Flow& flow, std::chrono::milliseconds duration) {
  if (auto connection = endpoint_->find(flow))
    connection->keep_until(stream_now_ms() + duration.count());
}

std::size_t StreamTransport::open_connections() const {
  return endpoint_->owned();
}

}  // namespace sippet::transport::detail
