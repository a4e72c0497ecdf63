#pragma once
// Where a request goes (RFC 3261 §8.1.2, §16.12 loose routing, §18.1.1):
// a destination the sender chose (§16.6 step 7), else the first Route when
// it has `lr`, else the Request-URI; the transport
// from the URI's `transport` param, else the top Via's, else TLS for sips:.
#include <cstdint>
#include <string>
#include <string_view>

#include "sippet/message/message.hpp"
#include "sippet/message/result.hpp"
#include "sippet/message/uri.hpp"
#include "sippet/transport/protocol.hpp"

namespace sippet::stack {

struct RequestTarget {
  // Without brackets: "192.0.2.1", "::1", "example.com"; a view into the
  // request or the destination given to request_target().
  std::string_view host;
  std::uint16_t port = 0;
  transport::Protocol protocol = transport::Protocol::kUdp;
  bool is_ip = false;  // host is an IP literal (no resolution needed)
  // The transport was chosen by the target URI's `transport` parameter or
  // by the request's own top Via, not by default (§18.1.1: only a default
  // UDP may become TCP for a large request).
  bool transport_chosen = false;
  // What RFC 3263 §4.1 decides by: the URI's port, a fixed transport (the
  // chosen one, or TCP when §18.1.1 moves a large request there), and
  // sips: (the target's or the Request-URI's: every hop is TLS).
  bool explicit_port = false;
  bool explicit_protocol = false;
  bool secure = false;
};

// Errors (kNoRoute): not a request, a target that is not a SIP URI, an
// unknown transport, a sips: Request-URI or target over a transport that is
// not TLS (§26.2.2: every hop of a sips: request is secure), a destination
// that is not a URI. `top_via_is_ours`: false when the stack will add its own
// Via above the request's (a proxy), whose transport then says nothing.
// `destination`: SendOptions::destination (empty: the Route or Request-URI).
message::Result<RequestTarget> request_target(const message::Message& request,
                                              bool top_via_is_ours = true,
                                              std::string_view destination = {});

}  // namespace sippet::stack
