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
// - otherwise it goes to `--to` when given (its Request-URI kept, like an
//   outbound proxy), else to its Request-URI.
#include <atomic>
#include <optional>

#include "location_service.hpp"
#include "sippet/proxy/proxy_core.hpp"
#include "sippet/stack/stack.hpp"
#include "sippet/transport/endpoint.hpp"

namespace sippet::app {

struct ProxyOptions {
  std::optional<transport::Endpoint> to;  // --to sip:HOST:PORT (an IP address)
  bool stateless = false;
  bool record_route = false;
  std::vector<std::string> domains;  // --domain NAME
  bool registrar_only = false;       // --mode registrar: no next hop for others
  bool sequential = false;           // --fork sequential: by q-value
};

// "sip:127.0.0.1:5070" → 127.0.0.1:5070 (the port defaults to 5060); an
// error for a host name or another scheme.
message::Result<transport::Endpoint> parse_to(std::string_view uri);

// A private, loopback or link-local IP address (RFC 1918, RFC 6598,
// RFC 4193): a Contact naming one is reachable only from its own network.
bool is_private_address(const transport::Endpoint& address);

class ProxyRouter {
 public:
  ProxyRouter(ProxyOptions options, LocationService* location)
      : options_(std::move(options)), location_(location) {}
  // Call once the stack exists (before it can receive).
  void attach(stack::Stack& stack, const proxy::ProxyCore& core);
  std::optional<proxy::Decision> operator()(const message::Message& request,
                                            const transport::Flow& flow, proxy::Later later) const;

  // The targets of an address of record's bindings; 430 when each was
  // reachable only on a connection that has closed, 480 when none.
  proxy::Decision to_bindings(const LocationService::Bindings& bindings) const;

 private:
  proxy::Decision otherwise(const message::Message& request) const;
  bool served(const message::Uri& uri) const;

  ProxyOptions options_;
  LocationService* location_;  // null: no registrar
  std::atomic<const proxy::ProxyCore*> core_{nullptr};
  std::optional<transport::Flow> to_flow_;  // to --to, from a listener of its family
  std::vector<transport::Endpoint> locals_;
  std::vector<transport::Protocol> protocols_;
};

}  // namespace sippet::app
