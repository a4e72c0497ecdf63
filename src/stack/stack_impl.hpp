#pragma once
// Stack::Impl: the state behind the public Stack, and how a request or a
// response finds its way out (routing.cpp).
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "peer.hpp"
#include "request_target.hpp"
#include "sippet/stack/stack.hpp"
#include "stack_state.hpp"
#include "worker.hpp"

namespace sippet::stack {

class Stack::Impl {
 public:
  Impl(StackConfig config, Core& core);
  ~Impl();

  // Binds the listeners (one transport per worker each); start() then
  // starts the workers and the transports' reading.
  message::Result<void> open();
  void start();
  void stop();

  // ---- routing.cpp
  // A target host name not in the resolver's cache: RFC 3263 locates
  // `query`; our Via names `listener` (the likeliest: `protocol`'s).
  struct Pending {
    std::string host;
    std::uint16_t port = 0;
    transport::Protocol protocol = transport::Protocol::kUdp;
    std::uint32_t listener = 0;
    dns::LocateQuery query;
  };
  using Route = std::variant<Peer, Pending>;
  // Where a request goes (Stack::send_request's rules). For a host name in
  // the resolver's cache, `rest` (when given) gets the targets after the
  // first, to fail over to (RFC 3263 §4.3). `over_udp` (when given) gets
  // the UDP peer of a request sent over TCP only for its size, where it is
  // retried when the connection is refused (§18.1.1).
  // `order_key`: dns::LocateQuery::order_key (a stateless send).
  // SendOptions::targets as a route (the first, the rest in `rest`), or
  // nullopt when route() decides.
  std::optional<Route> located_route(const SendOptions& options, std::vector<Peer>* rest) const;
  message::Result<Route> route(const message::Message& request, const SendOptions& options,
                               std::vector<Peer>* rest = nullptr,
                               std::optional<Peer>* over_udp = nullptr,
                               std::optional<std::uint64_t> order_key = std::nullopt) const;
  // RFC 3263 §4: what the resolver is asked for a target (every field of
  // `query` but records and order_key); the transports are those we listen on.
  void locate_query(const RequestTarget& target, dns::LocateQuery& query) const;
  // The targets a listener of ours reaches, in order, as peers.
  std::vector<Peer> reachable(const dns::Location& location) const;
  template <typename Visit>
  void for_each_reachable(const dns::Location& location, Visit&& visit) const {
    const Listeners& listeners = state.listeners();
    for (const dns::Target& target : location.targets) {
      auto listener = listeners.find(target.protocol, target.address.family());
      if (!listener) continue;
      visit(Peer{transport::Flow{target.protocol, listeners[*listener].bound, target.address, 0},
                 *listener});
    }
  }
  // How `request` is built again for another target (failover.cpp): a
  // clone with a new branch, our Via for that target's listener.
  Rebuild rebuild_for(const message::Message& request, const SendOptions& options);
  // Where a response goes without a transaction: options.flow, else §18.2.2.
  message::Result<Route> route_response(const message::Message& response,
                                        const SendOptions& options) const;
  // RFC 3263 §5: how the top Via's sent-by is located (the Via's
  // transport; A/AAAA on the sent-by port when it has one, else SRV for
  // the transport, then A/AAAA on its default port).
  message::Result<Pending> sent_by_pending(const message::Via& via) const;
  // RFC 5922: a TLS connection to a peer found from a host name verifies
  // that name (Transport::name_destination): `peer` and the targets to
  // fail over to, `rest`.
  void name_destination(const message::Message& request, const Peer& peer,
                        const SendOptions& options, const std::vector<Peer>& rest = {});
  // Names `host` for each TLS peer of `peers`.
  void name_destinations(std::string_view host, std::span<const Peer> peers);
  // Adds our Via when the request has none or options.add_via asks for
  // it; gives a Via without a branch one.
  message::Result<void> ensure_via(message::Message& request, std::uint32_t listener,
                                   const std::optional<transport::Endpoint>& destination,
                                   const SendOptions& options) const;
  message::Result<Transaction> send_pending(message::Message&& request, Pending pending,
                                            const SendOptions& options);
  // Sends bytes once `pending` is resolved (stateless sends).
  void send_bytes_when_resolved(std::string_view call_id, Pending pending,
                                std::shared_ptr<const std::string> bytes);
  // Runs `done` with the targets of `pending` a listener can reach, in
  // order (none when it does not resolve); not after stop().
  void resolve(const Pending& pending, std::function<void(std::vector<Peer>)> done);

  StackState state;
  std::shared_ptr<transport::TransportFactory> factory;
  std::shared_ptr<Resolver> resolver;
  bool owns_resolver = false;

 private:
  // Resolver callbacks may run after the stack stopped: they check `alive`
  // and count themselves in `running`; stop() clears `alive` and waits for
  // the running ones.
  struct Lifeline {
    std::mutex mutex;
    std::condition_variable idle;
    bool alive = true;
    unsigned running = 0;
  };
  std::shared_ptr<Lifeline> lifeline_ = std::make_shared<Lifeline>();
  bool stopped_ = false;
};

// RFC 3261 §18.1.1: larger requests go over TCP when they may.
inline constexpr std::size_t kMaxUdpRequestSize = 1300;

message::Error stack_error(message::ErrorKind kind, std::string reason);
inline message::Error invalid_argument(std::string reason) {
  return stack_error(message::ErrorKind::kInvalidArgument, std::move(reason));
}

}  // namespace sippet::stack
