// How a message finds its way out: the target of a request (RFC 3261
// §8.1.2, §18.1.1), the listener that reaches it, the Via we add
// (§8.1.1.7, §18.1.1, RFC 3581), and where a response goes without a
// transaction (§18.2.2).
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
                                   const SendOptions& options) {
  if (!transport::is_secure(peer.flow.protocol) || options.flow) return;
  auto target = request_target(request, !options.add_via);
  if (!target || target->is_ip) return;
  state.worker(0).transport(peer.listener).name_destination(peer.flow.remote, target->host);
}

message::Result<Stack::Impl::Route> Stack::Impl::route(const message::Message& request,
                                                       const SendOptions& options) const {
  const Listeners& listeners = state.listeners();
  if (options.flow) {
    auto listener = listeners.find(*options.flow);
    if (!listener) return no_route("no listener owns the flow " + options.flow->to_string());
    return Route(Peer{*options.flow, *listener});
  }
  auto target = request_target(request, !options.add_via);
  if (!target) return target.error();
  // §18.1.1: a request larger than 1300 octets (the path MTU is unknown)
  // that would go over UDP by default goes over TCP when we listen on TCP.
  if (target->protocol == transport::Protocol::kUdp && !target->transport_chosen &&
      listeners.find(transport::Protocol::kTcp) &&
      wire_size(request, request.top_via() == nullptr || options.add_via) > kMaxUdpRequestSize)
    target->protocol = transport::Protocol::kTcp;
  if (target->is_ip) {
    auto address = transport::Endpoint::from_ip(target->host, target->port);
    if (!address) return no_route("not an IP address: " + target->host);
    auto listener = listeners.find(target->protocol, address->family());
    if (!listener) return no_listener(target->protocol, address->to_string());
    return Route(Peer{transport::Flow{target->protocol, listeners[*listener].bound, *address, 0},
                      *listener});
  }
  auto listener = listeners.find(target->protocol);
  if (!listener) return no_listener(target->protocol, target->host);
  if (auto cached = resolver->cached(target->host)) {
    if (!*cached) return cached->error();
    for (transport::Endpoint address : **cached) {
      auto reaching = listeners.find(target->protocol, address.family());
      if (!reaching) continue;
      address.set_port(target->port);
      return Route(Peer{transport::Flow{target->protocol, listeners[*reaching].bound, address, 0},
                        *reaching});
    }
    return no_listener(target->protocol, target->host);
  }
  return Route(Pending{target->host, target->port, target->protocol, *listener});
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
  // A sent-by host name without `received`: resolve it (RFC 3263 §5).
  auto listener = listeners.find(*protocol);
  if (!listener) return no_listener(*protocol, via->host);
  const std::uint16_t port = via->has_port ? via->port : transport::default_port(*protocol);
  return Route(Pending{std::string(via->host), port, *protocol, *listener});
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
