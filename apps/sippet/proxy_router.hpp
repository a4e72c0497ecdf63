#pragma once
// The routing policy of `sippet serve --mode proxy`, on the proxy layer's
// ProxyCore: a request for one of our addresses or domains is ours (an
// OPTIONS is answered 200, anything else 404: no user is known here). A
// request within a dialog (a To tag) goes to its Request-URI, the remote
// target (§12.2; with Record-Route it came along the route set, §16.4). Any
// other request goes to `--to` when given (its Request-URI kept, like an
// outbound proxy), else to its Request-URI. Requests with Routes follow
// them (ProxyCore does that before asking).
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "sippet/proxy/proxy_core.hpp"
#include "sippet/stack/stack.hpp"
#include "sippet/transport/endpoint.hpp"
#include "sippet/transport/protocol.hpp"

namespace sippet::app {

// `--to URI`: the next hop of the requests that are not for us.
struct NextHop {
  std::string uri;  // as given
  // sip: with an IP address and UDP (no transport param, or udp): sent
  // straight there, on a flow from a listener of its family.
  std::optional<transport::Endpoint> endpoint;
  // Otherwise (a domain, sips:, another transport): a pre-loaded Route
  // `<URI;lr>` (RFC 3261 §16.6 step 6, the outbound proxy of §8.1.2) that the
  // stack locates by RFC 3263 (NAPTR, SRV, A/AAAA) and fails over along (§4.3).
  std::string route;
  // The transport the URI names (its `transport` param, TLS for sips:), if any.
  std::optional<transport::Protocol> protocol;
};

struct ProxyOptions {
  std::optional<NextHop> to;  // --to URI
  bool stateless = false;
  bool record_route = false;
  std::vector<std::string> domains;  // --domain NAME
};

// "sip:127.0.0.1:5070" → endpoint 127.0.0.1:5070 (the port defaults to
// 5060); "sip:example.com", "sips:example.com", "sip:192.0.2.1;transport=tcp"
// → a Route. Errors: not a sip: or sips: URI, a user part, an unknown
// transport, sips: over a transport that is not TLS (§26.2.2).
message::Result<NextHop> parse_to(std::string_view uri);

class ProxyRouter {
 public:
  explicit ProxyRouter(ProxyOptions options) : options_(std::move(options)) {}
  // Call once the stack exists (before it can receive).
  void attach(stack::Stack& stack, const proxy::ProxyCore& core);
  proxy::Decision operator()(const message::Message& request, const transport::Flow& flow) const;

 private:
  ProxyOptions options_;
  std::atomic<const proxy::ProxyCore*> core_{nullptr};
  std::optional<transport::Flow> to_flow_;  // to an IP --to, from a listener of its family
};

}  // namespace sippet::app
