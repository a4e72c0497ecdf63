#pragma once
// Sippet.Proxy's helpers (RFC 3261 §16): what a proxy does to a request it
// forwards and to a response it passes back, as separate verbs on messages,
// and the two sends that use them (forward_request, forward_response) on a
// stack's public API only.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sippet/message/message.hpp"
#include "sippet/message/result.hpp"
#include "sippet/stack/core.hpp"
#include "sippet/stack/stack.hpp"
#include "sippet/transport/endpoint.hpp"
#include "sippet/transport/flow.hpp"

namespace sippet::proxy {

// Who "we" are: the addresses we listen on and the domains we own. A URI
// or a Via sent-by naming one of them is ours.
struct Identity {
  std::vector<transport::Endpoint> addresses;  // a stack's local_endpoints()
  std::vector<std::string> domains;            // host names, matched case-insensitively

  // The URI's host is one of our domains (any port), or one of our
  // addresses at its port (the scheme's default when absent; a wildcard
  // address matches any host at its port).
  bool owns(const message::Uri& uri) const;
  // The Via's sent-by is one of our addresses (or domains).
  bool owns(const message::Via& via) const;
};

// ---- Via (§16.6 step 8, §16.11) ------------------------------------------

// The loop-detection part of our branches (§16.6 step 8, §16.3 step 4): a
// hash of the From tag, the Call-ID, the CSeq number, the Request-URI, the
// Via at `via_index` (the top one as received), and every Proxy-Require and
// Proxy-Authorization value; 16 hex digits. The To tag is left out, so that
// the ACK of a non-2xx answer (which has one) hashes like its INVITE.
std::string loop_hash(const message::Message& request, std::size_t via_index = 0);

// The branch of the Via we add to a request we forward:
// "z9hG4bK" <loop_hash> "." <rest>. `rest` is random for a stateful proxy;
// for a stateless one it is derived from the request
// (message::stateless_branch), so that a retransmission, its CANCEL and the
// ACK of a non-2xx answer get the same branch (§16.11).
message::Result<std::string> make_branch(const message::Message& request, bool stateless);

// Puts our Via on top: "SIP/2.0/<transport> <hop's sent-by>;branch=...;rport"
// (what Stack::send_request writes with SendOptions::add_via).
message::Result<void> add_via(message::Message& request, const stack::Hop& hop,
                              std::string_view branch);

// ---- Record-Route (§16.6 step 4) -------------------------------------------

// The URI of a Record-Route naming us at `local` over `protocol`:
// "sip:192.0.2.1:5060;lr" (";transport=tcp" for other transports).
std::string record_route_uri(transport::Protocol protocol, std::string_view sent_by);

// Adds our Record-Route on top: one naming the hop the request leaves
// from; when the request arrived on another transport or interface
// (`incoming` flow), a second one, below it, naming where it arrived, so
// that both sides can reach us (RFC 5658's double Record-Route).
message::Result<void> add_record_route(message::Message& request, const stack::Hop& out,
                                       const transport::Flow& incoming);

// ---- Route processing on receipt (§16.4) ----------------------------------

struct RouteProcessing {
  bool strict_router = false;  // the Request-URI was ours: replaced by the last Route
  bool removed_ours = false;   // the top Route named us and was removed
};

// §16.4: when the Request-URI is one we put in a Record-Route (a strict
// router before us sent it there), it is replaced by the last Route, which
// is removed; then, when the top Route names us, it is removed, and every
// Route of ours right below it (the two values of a double Record-Route,
// RFC 5658).
message::Result<RouteProcessing> process_routes(message::Message& request, const Identity& us);

// ---- Validation (§16.3) ----------------------------------------------------

struct Rejection {
  int status = 0;           // 483, 482, 420
  std::string reason;       // the reason phrase
  std::string unsupported;  // for 420: the Unsupported header value
};

struct ValidationOptions {
  // Proxy-Require option tags this proxy understands (§16.3 step 5).
  std::vector<std::string> supported;
  // §16.3 step 3: an OPTIONS for us with Max-Forwards 0 may be answered by
  // the proxy as a UAS instead of refused with 483.
  bool answer_options = true;
};

// §16.3 steps 3 to 5, on a request already valid by message::validate:
// Max-Forwards 0 → 483 (but an OPTIONS whose Request-URI is ours, with
// answer_options); a Via of ours whose branch's loop part equals the loop
// hash of this request → 482 (a spiral, which changed the Request-URI, is
// not a loop); a Proxy-Require tag not supported → 420. nullopt: forward
// it. ACKs are never refused (they are not answered).
std::optional<Rejection> check_request(const message::Message& request, const Identity& us,
                                       const ValidationOptions& options = {});

// The response refusing `request` (with Unsupported for 420).
message::Result<message::Message> build_rejection(const message::Message& request,
                                                  const Rejection& rejection);

// ---- Forwarding ----------------------------------------------------------

struct ForwardOptions {
  // The new Request-URI (§16.6 step 2); empty keeps it.
  std::string request_uri;
  // Where the request goes instead of its Route / Request-URI target
  // (an outbound proxy, a registered contact's flow).
  std::optional<transport::Flow> flow;
  // A SIP URI the request goes to instead of its Route / Request-URI
  // target, located by RFC 3263 and not written into the request (§16.6
  // step 7: a configured next hop such as `sip:proxy.example.com`).
  std::string destination;
  // Add our Record-Route (§16.6 step 4), doubled when the transport or
  // interface changes.
  bool record_route = false;
  // Routes to push on top (§16.6 step 6), in order.
  std::vector<std::string> routes;
  // A stateless proxy: the deterministic branch and no transaction.
  bool stateless = false;
  // The flow the request arrived on (for the double Record-Route).
  std::optional<transport::Flow> incoming;
};

// §16.6 steps 1 to 7 on a copy of `request`: the Request-URI, Max-Forwards
// decremented (70 when absent), Record-Route, the pushed Routes, and a
// strict router's Route rewrite (§16.6 step 7 / §12.2.1.1: a top Route
// without `lr` becomes the Request-URI, the old one the last Route).
message::Result<message::Message> prepare_request(const message::Message& request,
                                                  stack::Stack& stack,
                                                  const ForwardOptions& options);

// Forwards `request` (§16.6 steps 1 to 10): prepare_request, our Via with
// make_branch, then a client transaction (its name is returned), or without
// one when options.stateless or for an ACK (the ACK of a 2xx crosses a
// stateful proxy statelessly, §16.6 step 10 / §16.7 step 1).
message::Result<std::optional<stack::Transaction>> forward_request(const message::Message& request,
                                                                   stack::Stack& stack,
                                                                   const ForwardOptions& options);
// The same on `request` itself, without step 1's copy (a stateless proxy
// forwards each request once). On an error `request` may have been edited
// by steps 2 to 7 but keeps the Via, From, To, Call-ID and CSeq it came
// with, so the caller can still answer it (§16.9).
message::Result<std::optional<stack::Transaction>> forward_request(message::Message&& request,
                                                                   stack::Stack& stack,
                                                                   const ForwardOptions& options);

// Forwards a response upstream (§16.7 step 9, §16.11): removes our top Via,
// then sends it through `server` when given (falling back to a stateless
// send when that transaction is gone or cannot send it: a second 2xx),
// else statelessly by the next Via (§18.2.2). A response with no Via left
// is dropped with error kNoRoute.
message::Result<void> forward_response(message::Message&& response, stack::Stack& stack,
                                       std::optional<stack::Transaction> server = {});

}  // namespace sippet::proxy
