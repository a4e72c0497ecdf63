#pragma once
// The routing policy of `sippet serve --mode proxy`, on the proxy layer's
// ProxyCore: a request for one of our addresses or domains is ours (an
// OPTIONS is answered 200, anything else 404: no user is known here);
// any other request goes to `--to` when given (its Request-URI kept, like
// an outbound proxy), else to its Request-URI. Requests with Routes follow
// them (ProxyCore does that before asking).
#include <optional>

#include "sippet/proxy/proxy_core.hpp"
#include "sippet/stack/stack.hpp"
#include "sippet/transport/endpoint.hpp"

namespace sippet::app {

struct ProxyOptions {
  std::optional<transport::Endpoint> to;  // --to sip:HOST:PORT (an IP address)
  bool stateless = false;
  bool record_route = false;
  std::vector<std::string> domains;  // --domain NAME
};

// "sip:127.0.0.1:5070" → 127.0.0.1:5070 (the port defaults to 5060); an
// error for a host name or another scheme.
message::Result<transport::Endpoint> parse_to(std::string_view uri);

class ProxyRouter {
 public:
  explicit ProxyRouter(ProxyOptions options) : options_(std::move(options)) {}
  // The core asking, before Stack::create (its identity names our
  // addresses once the stack has handed itself to the core).
  void use(const proxy::ProxyCore& core) { core_ = &core; }
  proxy::Decision operator()(const message::Message& request, const transport::Flow& flow) const;

 private:
  ProxyOptions options_;
  const proxy::ProxyCore* core_ = nullptr;
};

}  // namespace sippet::app
