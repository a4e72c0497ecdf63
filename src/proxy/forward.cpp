// Forwarding a request (RFC 3261 §16.6) and a response (§16.7 step 9,
// §16.11) on a stack's public API.
#include <algorithm>

#include "sippet/proxy/helpers.hpp"

namespace sippet::proxy {

namespace {

// §16.6 step 7 / §12.2.1.1: a strict router as the next hop gets the
// request with its URI as the Request-URI; the Request-URI moves to the
// end of the Route set.
message::Result<void> rewrite_for_strict_router(message::Message& request) {
  const auto* top = request.get(message::HeaderId::kRoute);
  if (top == nullptr) return {};
  const auto* route = top->as<message::NameAddr>();
  if (route == nullptr || route->uri.params.has("lr")) return {};
  const std::string old_target(request.request_line().uri.text);
  const std::string next(route->uri.text);
  if (auto set = request.set_request_uri(next); !set) return set;
  request.pop_front(message::HeaderId::kRoute);
  return request.put_back(message::HeaderId::kRoute, "<" + old_target + ">");
}

// §16.6 steps 2 to 7 on `out` itself. `targets`, when given, receives the
// targets step 4 located (the Record-Route's listener), for the send.
message::Result<void> prepare_in_place(message::Message& out, stack::Stack& stack,
                                       const ForwardOptions& options,
                                       std::vector<transport::Flow>* targets = nullptr) {
  if (!options.request_uri.empty())  // step 2
    if (auto set = out.set_request_uri(options.request_uri); !set) return set.error();
  // Step 3: Max-Forwards decremented, or 70 when absent.
  const auto hops = out.max_forwards();
  const std::string value = hops ? std::to_string(*hops > 0 ? *hops - 1 : 0) : "70";
  if (auto put = out.put(message::HeaderId::kMaxForwards, value); !put) return put.error();
  // Step 6: a pre-loaded route set, first on top.
  for (auto route = options.routes.rbegin(); route != options.routes.rend(); ++route) {
    const std::string text = route->starts_with("<") ? *route : "<" + *route + ">";
    if (auto put = out.put_front(message::HeaderId::kRoute, text); !put) return put.error();
  }
  if (!options.flow && options.destination.empty())  // step 7
    if (auto rewritten = rewrite_for_strict_router(out); !rewritten) return rewritten.error();
  // Step 4: Record-Route, naming the listener the request leaves from.
  if (options.record_route && out.method() != message::Method::kAck &&
      out.method() != message::Method::kCancel) {
    stack::Hop hop;
    if (options.flow) {
      hop = stack::Hop{options.flow->protocol,
                       options.flow->local.to_string(),
                       options.flow->local,
                       std::nullopt,
                       {}};
    } else {
      auto found = stack.next_hop(out, options.destination);
      if (!found) return found.error();
      hop = std::move(found).value();
      if (targets != nullptr) {
        *targets = std::move(hop.targets);
        if (targets->empty() && hop.flow) targets->push_back(*hop.flow);
      }
    }
    transport::Flow incoming = options.incoming.value_or(
        transport::Flow{hop.protocol, hop.local, transport::Endpoint{}, 0});
    if (auto added = add_record_route(out, hop, incoming); !added) return added.error();
  }
  return {};
}

// §16.6 steps 8 to 10 on `out`, prepared, with the branch made from the
// request as received. `targets`: those prepare_in_place located.
message::Result<std::optional<stack::Transaction>> send_prepared(
    message::Message& out, std::string branch, stack::Stack& stack, const ForwardOptions& options,
    std::vector<transport::Flow> targets) {
  const bool ack = out.method() == message::Method::kAck;
  stack::SendOptions send;
  send.flow = options.flow;
  send.add_via = true;
  send.branch = std::move(branch);
  if (options.stateless || ack) {  // §16.11, §16.7 step 1 (ACK of a 2xx)
    // Our Via goes on the request here (send_stateless would copy it to
    // add one), naming the listener the request leaves from.
    std::optional<stack::Hop> hop;
    if (options.flow) {
      if (!options.flow->local.is_unspecified())
        hop = stack::Hop{options.flow->protocol,
                         options.flow->local.to_string(),
                         options.flow->local,
                         std::nullopt,
                         {}};
    } else if (auto found = stack.next_hop(out, options.destination)) {
      hop = std::move(found).value();
    }
    if (hop) {
      if (auto added = add_via(out, *hop, send.branch); !added) return added.error();
      send.add_via = false;
      // The target next_hop chose (the same order a stateless send takes,
      // dead targets skipped): sent there without locating it again. A
      // TLS target is located again, so that its connection checks the
      // domain's name (RFC 5922 §4).
      if (hop->flow && !transport::is_secure(hop->flow->protocol)) send.flow = hop->flow;
    }
    if (!send.flow) send.destination = options.destination;
    if (auto sent = stack.send_stateless(out, send); !sent) {
      if (hop) out.pop_front(message::HeaderId::kVia);  // the Via it came with on top again
      return sent.error();
    }
    return std::optional<stack::Transaction>{};
  }
  send.destination = options.destination;
  // The targets located for the Record-Route, failed over along by the
  // transaction (RFC 3263 §4.3) without locating them again; TLS targets
  // are located again, so that their connections check the domain's name
  // (RFC 5922 §4).
  if (std::none_of(targets.begin(), targets.end(),
                   [](const transport::Flow& flow) { return transport::is_secure(flow.protocol); }))
    send.targets = std::move(targets);
  auto sent = stack.send_request(std::move(out), send);  // steps 9, 10
  if (!sent) return sent.error();
  return std::optional<stack::Transaction>{*sent};
}

}  // namespace

message::Result<message::Message> prepare_request(const message::Message& request,
                                                  stack::Stack& stack,
                                                  const ForwardOptions& options) {
  message::Message out = request.clone();  // step 1
  if (auto prepared = prepare_in_place(out, stack, options); !prepared) return prepared.error();
  return out;
}

message::Result<std::optional<stack::Transaction>> forward_request(const message::Message& request,
                                                                   stack::Stack& stack,
                                                                   const ForwardOptions& options) {
  const bool ack = request.method() == message::Method::kAck;
  auto branch = make_branch(request, options.stateless || ack);  // step 8
  if (!branch) return branch.error();
  message::Message out = request.clone();  // step 1
  std::vector<transport::Flow> targets;
  if (auto prepared = prepare_in_place(out, stack, options, &targets); !prepared)  // steps 2 to 7
    return prepared.error();
  return send_prepared(out, std::move(branch).value(), stack, options, std::move(targets));
}

message::Result<std::optional<stack::Transaction>> forward_request(message::Message&& request,
                                                                   stack::Stack& stack,
                                                                   const ForwardOptions& options) {
  const bool ack = request.method() == message::Method::kAck;
  auto branch = make_branch(request, options.stateless || ack);  // step 8
  if (!branch) return branch.error();
  // Steps 2 to 7 on the request itself: step 1's copy is the request the
  // caller gave away.
  std::vector<transport::Flow> targets;
  if (auto prepared = prepare_in_place(request, stack, options, &targets); !prepared)
    return prepared.error();
  return send_prepared(request, std::move(branch).value(), stack, options, std::move(targets));
}

message::Result<void> forward_response(message::Message&& response, stack::Stack& stack,
                                       std::optional<stack::Transaction> server) {
  response.pop_front(message::HeaderId::kVia);  // §16.7 step 9
  if (!response.has(message::HeaderId::kVia))
    return message::Error{message::ErrorKind::kNoRoute, 0, 0,
                          "the response has no Via left: it was for us"};
  if (server) {
    auto sent = stack.send_response(std::move(response), server);
    if (sent) return {};
    // The transaction is gone or sent its final response already (a 2xx
    // from another branch): the response goes by its Via (§16.7 step 9).
    if (sent.error().kind != message::ErrorKind::kNoTransaction &&
        sent.error().kind != message::ErrorKind::kWrongState)
      return sent.error();
  }
  return stack.send_stateless(response);
}

}  // namespace sippet::proxy
