// How a message finds its way out: the target of a request (RFC 3261
// §8.1.2, §18.1.1), the listener that reaches it, the Via we add
// (§8.1.1.7, §18.1.1, RFC 3581), and where a response goes without a
// transaction (§18.2.2).
#include <algorithm>

#include "request_target.hpp"
#include "sippet/message/builder.hpp"
#include "stack_impl.hpp"
#include "via_routing.hpp"
#include "worker.hpp"

namespace sippet::stack {

namespace {

message::Error no_route(std::string reason) {
  return stack_error(message::ErrorKind::kNoRoute, std::move(reason));
}

message::Error no_listener(transport::Protocol protocol, std::string_view what) {
  return no_route("no " + std::string(transport::to_string(protocol)) +
                  " listen address to reach " + std::string(what));
}

// The size of `request` on the wire, with the Via the stack adds when
// `adds_via` (an estimate of its size: sent-by, branch and rport).
std::size_t wire_size(const message::Message& request, bool adds_via) {
  constexpr std::size_t kViaSize = 100;
  std::size_t size = request.bytes().empty() || request.edited() ? request.to_string().size()
                                                                 : request.bytes().size();
  return size + (adds_via ? kViaSize : 0);
}

}  // namespace

void Stack::Impl::name_destination(const message::Message& request, const Peer& peer,
                                   const SendOptions& options, const std::vector<Peer>& rest) {
  if (options.flow) return;
  auto secure = [](const Peer& each) { return transport::is_secure(each.flow.protocol); };
  if (!secure(peer) && std::none_of(rest.begin(), rest.end(), secure)) return;
  auto target = request_target(request, !options.add_via, options.destination);
  if (!target || target->is_ip) return;
  name_destinations(target->host, {&peer, 1});
  name_destinations(target->host, rest);
}

void Stack::Impl::name_destinations(std::string_view host, std::span<const Peer> peers) {
  // RFC 5922 §4: the identity checked is the domain the lookup started
  // from, for every target RFC 3263 found for it (SRV targets included).
  for (const Peer& peer : peers)
    if (transport::is_secure(peer.flow.protocol))
      state.worker(0).transport(peer.listener).name_destination(peer.flow.remote, host);
}

void Stack::Impl::locate_query(const RequestTarget& target, dns::LocateQuery& query) const {
  query.host.assign(target.host);
  query.port.reset();
  query.protocol.reset();
  query.transports.clear();
  if (target.explicit_port) query.port = target.port;
  if (target.explicit_protocol) query.protocol = target.protocol;
  query.secure = target.secure;
  const Listeners& listeners = state.listeners();
  for (std::uint32_t i = 0; i < listeners.size(); ++i) {
    const auto protocol = listeners[i].protocol;
    if (std::find(query.transports.begin(), query.transports.end(), protocol) ==
        query.transports.end())
      query.transports.push_back(protocol);
  }
}

std::vector<Peer> Stack::Impl::reachable(const dns::Location& location) const {
  std::vector<Peer> peers;
  for_each_reachable(location, [&](const Peer& peer) { peers.push_back(peer); });
  return peers;
}

message::Result<Stack::Impl::Route> Stack::Impl::route(
    const message::Message& request, const SendOptions& options, std::vector<Peer>* rest,
    std::optional<Peer>* over_udp, std::optional<std::uint64_t> order_key) const {
  const Listeners& listeners = state.listeners();
  if (options.flow) {
    auto listener = listeners.find(*options.flow);
    if (!listener) return no_route("no listener owns the flow " + options.flow->to_string());
    return Route(Peer{*options.flow, *listener});
  }
  auto target = request_target(request, !options.add_via, options.destination);
  if (!target) return target.error();
  // §18.1.1: a request larger than 1300 octets (the path MTU is unknown)
  // that would go over UDP by default goes over TCP when we listen on TCP.
  bool for_size = false;
  if (target->protocol == transport::Protocol::kUdp && !target->transport_chosen &&
      listeners.find(transport::Protocol::kTcp) &&
      wire_size(request, request.top_via() == nullptr || options.add_via) > kMaxUdpRequestSize) {
    target->protocol = transport::Protocol::kTcp;
    target->explicit_protocol = true;  // RFC 3263 §4.1: TCP targets only
    for_size = true;
  }
  if (target->is_ip) {
    auto address = transport::Endpoint::from_ip(target->host, target->port);
    if (!address) return no_route("not an IP address: " + std::string(target->host));
    auto listener = listeners.find(target->protocol, address->family());
    if (!listener) return no_listener(target->protocol, address->to_string());
    if (for_size && over_udp != nullptr) {
      // §18.1.1: where it would have gone, should TCP be refused.
      if (auto udp = listeners.find(transport::Protocol::kUdp, address->family()))
        *over_udp = Peer{
            transport::Flow{transport::Protocol::kUdp, listeners[*udp].bound, *address, 0}, *udp};
    }
    return Route(Peer{transport::Flow{target->protocol, listeners[*listener].bound, *address, 0},
                      *listener});
  }
  // RFC 3263 §4: the resolver orders the targets (NAPTR, SRV, A/AAAA).
  // Filled in place: the strings and the vector keep their capacity from
  // one request to the next (no allocation per request to a cached name).
  thread_local dns::LocateQuery query;
  locate_query(*target, query);
  query.order_key = order_key;
  std::optional<message::Result<Route>> found;
  const bool cached = resolver->visit_cached_location(query, [&](const dns::Located& located) {
    if (!located) {
      found = located.error();
      return;
    }
    // The first reachable target is the route, the others go to `rest`
    // (no vector of them all per request).
    if (rest != nullptr) rest->clear();
    for_each_reachable(*located, [&](const Peer& peer) {
      if (!found)
        found = Route(peer);
      else if (rest != nullptr)
        rest->push_back(peer);
    });
    if (!found) found = no_listener(target->protocol, target->host);
  });
  if (cached) return std::move(*found);
  // Until the answer comes, our Via names the listener of the URI's
  // transport (UDP, TLS for sips:), else of any transport the answer may
  // choose (§4.1: NAPTR or SRV decide when the URI does not).
  auto listener = listeners.find(target->protocol);
  if (!listener && !target->explicit_protocol) {
    for (transport::Protocol protocol : transport::kAllProtocols) {
      if (target->secure && !transport::is_secure(protocol)) continue;
      if ((listener = listeners.find(protocol))) break;
    }
  }
  if (!listener) return no_listener(target->protocol, target->host);
  return Route(Pending{std::string(target->host), target->port, listeners[*listener].protocol,
                       *listener, query});
}

message::Result<Stack::Impl::Route> Stack::Impl::route_response(const message::Message& response,
                                                                const SendOptions& options) const {
  const Listeners& listeners = state.listeners();
  if (options.flow) {
    auto listener = listeners.find(*options.flow);
    if (!listener) return no_route("no listener owns the flow " + options.flow->to_string());
    return Route(Peer{*options.flow, *listener});
  }
  // §18.2.2: received / rport / sent-by of the top Via.
  const message::Via* via = response.top_via();
  if (via == nullptr) return no_route("the response has no Via");
  const auto protocol = transport::parse_protocol(via->transport);
  if (!protocol) return no_route("unknown Via transport: " + std::string(via->transport));
  if (auto destination = response_destination(response)) {
    auto listener = listeners.find(*protocol, destination->family());
    if (!listener) return no_listener(*protocol, destination->to_string());
    return Route(
        Peer{transport::Flow{*protocol, listeners[*listener].bound, *destination, 0}, *listener});
  }
  // A sent-by host name without `received`: RFC 3263 §5.
  auto pending = sent_by_pending(*via);
  if (!pending) return pending.error();
  return Route(std::move(*pending));
}

message::Result<Stack::Impl::Pending> Stack::Impl::sent_by_pending(const message::Via& via) const {
  // §5: the procedures of §4.2 with the Via's transport: A/AAAA on the
  // sent-by port when it has one, else SRV for the transport, then A/AAAA
  // on its default port. A numeric sent-by is its own address.
  const auto protocol = transport::parse_protocol(via.transport);
  if (!protocol) return no_route("unknown Via transport: " + std::string(via.transport));
  auto listener = state.listeners().find(*protocol);
  if (!listener) return no_listener(*protocol, via.host);
  std::string_view host = via.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::uint16_t port = via.has_port ? via.port : transport::default_port(*protocol);
  dns::LocateQuery query;
  query.host = std::string(host);
  query.protocol = *protocol;
  if (via.has_port) query.port = via.port;
  query.transports = {*protocol};
  return Pending{std::string(host), port, *protocol, *listener, std::move(query)};
}

Rebuild Stack::Impl::rebuild_for(const message::Message& request, const SendOptions& options) {
  auto original = std::make_shared<const message::Message>(request.clone());
  const bool our_via = request.top_via() == nullptr || options.add_via;
  SendOptions again = options;
  again.branch.clear();  // a new transaction: a new branch (§8.1.1.7)
  return [this, original, our_via, again](const Peer& peer) -> message::Result<message::Message> {
    message::Message copy = original->clone();
    if (our_via) {
      SendOptions with_via = again;
      with_via.add_via = true;
      if (auto via = ensure_via(copy, peer.listener, peer.flow.remote, with_via); !via)
        return via.error();
    } else if (auto branch =
                   copy.set_param(message::HeaderId::kVia, "branch", message::create_branch());
               !branch) {
      return branch.error();
    }
    return copy;
  };
}

message::Result<void> Stack::Impl::ensure_via(message::Message& request, std::uint32_t listener,
                                              const std::optional<transport::Endpoint>& destination,
                                              const SendOptions& options) const {
  const message::Via* via = request.top_via();
  if (via == nullptr || options.add_via) {
    // §8.1.1.7 / §18.1.1: the transport and sent-by of the listener the
    // request leaves from, a branch; RFC 3581 rport.
    const Listeners& listeners = state.listeners();
    std::string value = "SIP/2.0/";
    value += transport::to_string(listeners[listener].protocol);
    value += ' ';
    value += listeners.sent_by(listener, destination);
    value += ";branch=";
    value += options.branch.empty() ? message::create_branch() : options.branch;
    value += ";rport";
    return request.put_front(message::HeaderId::kVia, value);
  }
  if (via->branch.empty())
    return request.set_param(message::HeaderId::kVia, "branch", message::create_branch());
  return {};
}

}  // namespace sippet::stack
