#pragma once
// The routing policy of `sippet serve --mode proxy` and `--mode registrar`,
// on the proxy layer's ProxyCore. Requests with Routes follow them
// (ProxyCore does that before asking). For the others:
// - with a registrar, a request outside a dialog whose Request-URI is an
//   address of record of a served domain (every domain when no --domain is
//   given) with bindings goes to every contact, in parallel, or by q-value
//   with --fork sequential (RFC 3261 §16.6), on the binding's flow when the
//   phone is reachable only there (RFC 5626 §5.3): an outbound binding, a
//   private Contact address that differs from the REGISTER's source (a
//   NAT), or a REGISTER on a connection; a binding whose connection has
//   closed is skipped (430 Flow Failed when none is left). The Path of a
//   binding becomes its Route (RFC 3327). An address of record that has had
//   bindings and has none: 480.
// - a request for one of our addresses or domains is otherwise ours: an
//   OPTIONS is answered 200, anything else 404;
// - in registrar mode, any other request outside a dialog: 404 (it proxies
//   for registered users only);
// - a request within a dialog (a To tag) goes to its Request-URI, the
//   remote target (§12.2; with Record-Route it came along the route set,
//   §16.4);
// - any other goes to `--to` when given (its Request-URI kept, like an
//   outbound proxy: an IP address directly, a domain by RFC 3263), else to
//   its Request-URI.
#include <optional>
#include <string>
#include <vector>

#include "location_service.hpp"
#include "sippet/proxy/proxy_core.hpp"
#include "sippet/stack/stack.hpp"
#include "sippet/transport/endpoint.hpp"
#include "sippet/transport/protocol.hpp"

namespace sippet::app {

// `--to URI`: the next hop of the requests that are not for us.
struct NextHop {
  std::string uri;  // as given
  // sip: with an IP address and UDP (no transport param, or udp): sent
  // straight there, on a flow from a listener of its family. Otherwise (a
  // domain, sips:, another transport) `uri` is the request's destination
  // (RFC 3261 §16.6 step 7, a local policy: nothing is written into the
  // request), which the stack locates by RFC 3263 (NAPTR, SRV, A/AAAA) and
  // fails over along (§4.3).
  std::optional<transport::Endpoint> endpoint;
  // The transport the URI names (its `transport` param, TLS for sips:), if any.
  std::optional<transport::Protocol> protocol;
};

struct ProxyOptions {
  std::optional<NextHop> to;  // --to URI
  bool stateless = false;
  bool record_route = false;
  std::vector<std::string> domains;  // --domain NAME
  bool registrar_only = false;       // --mode registrar: no next hop for others
  bool sequential = false;           // --fork sequential: by q-value
};

// "sip:127.0.0.1:5070" → endpoint 127.0.0.1:5070 (the port defaults to
// 5060); "sip:example.com", "sips:example.com", "sip:192.0.2.1;transport=tcp"
// → a Route. Errors: not a sip: or sips: URI, a user part, an unknown
// transport, sips: over a transport that is not TLS (§26.2.2).
message::Result<NextHop> parse_to(std::string_view uri);

// A private, loopback or link-local IP address (RFC 1918, RFC 6598,
// RFC 4193): a Contact naming one is reachable only from its own network.
bool is_private_address(const transport::Endpoint& address);

class ProxyRouter {
 public:
  ProxyRouter(ProxyOptions options, LocationService* location)
      : options_(std::move(options)), location_(location) {}
  // The core asking, before Stack::create (its identity names our
  // addresses once the stack has handed itself to the core).
  void use(const proxy::ProxyCore& core) { core_ = &core; }
  std::optional<proxy::Decision> operator()(const message::Message& request,
                                            const transport::Flow& flow, proxy::Later later) const;

  // The targets of an address of record's bindings; 430 when each was
  // reachable only on a connection that has closed, 480 when none.
  proxy::Decision to_bindings(const LocationService::Bindings& bindings) const;

 private:
  // Where a request goes without a binding; `in_dialog`: its To has a tag.
  proxy::Decision otherwise(const message::Message& request, bool in_dialog) const;
  bool served(const message::Uri& uri) const;

  ProxyOptions options_;
  LocationService* location_;  // null: no registrar
  const proxy::ProxyCore* core_ = nullptr;
};

}  // namespace sippet::app
