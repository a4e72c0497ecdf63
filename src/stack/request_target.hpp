#pragma once
// Where a request goes (RFC 3261 §8.1.2, §16.12 loose routing, §18.1.1):
// the first Route when it has `lr`, else the Request-URI; the transport
// from the URI's `transport` param, else the top Via's, else TLS for sips:.
#include <cstdint>
#include <string>

#include "sippet/message/message.hpp"
#include "sippet/message/result.hpp"
#include "sippet/transport/protocol.hpp"

namespace sippet::stack {

struct RequestTarget {
  std::string host;  // without brackets: "192.0.2.1", "::1", "example.com"
  std::uint16_t port = 0;
  transport::Protocol protocol = transport::Protocol::kUdp;
  bool is_ip = false;  // host is an IP literal (no resolution needed)
  // What RFC 3263 §4.1 decides by: the URI's port and transport (or the top
  // Via's), and sips:.
  bool explicit_port = false;
  bool explicit_protocol = false;
  bool secure = false;
};

// Errors (kInvalidArgument): not a request, a target that is not a SIP URI,
// an unknown transport. `top_via_is_ours`: false when the stack will add its
// own Via above the request's (a proxy), whose transport then says nothing.
message::Result<RequestTarget> request_target(const message::Message& request,
                                              bool top_via_is_ours = true);

}  // namespace sippet::stack
