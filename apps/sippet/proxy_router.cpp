#include "proxy_router.hpp"

namespace sippet::app {

message::Result<NextHop> parse_to(std::string_view text) {
  auto uri = message::parse_uri(text);
  if (!uri) return uri.error();
  auto fail = [&](std::string why) {
    return message::Error{message::ErrorKind::kInvalidArgument, 0, 0, std::move(why)};
  };
  const bool sips = uri->scheme == message::UriScheme::kSips;
  if (uri->scheme != message::UriScheme::kSip && !sips) return fail("not a sip: or sips: URI");
  if (uri->has_user) return fail("names a server: no user part expected");
  NextHop hop;
  hop.uri = std::string(text);
  if (uri->params.has("transport")) {
    hop.protocol = transport::parse_protocol(uri->transport());
    if (!hop.protocol) return fail("unknown transport '" + uri->transport() + "'");
  } else if (sips) {
    hop.protocol = transport::Protocol::kTls;
  }
  if (sips && !transport::is_secure(*hop.protocol))
    return fail("a sips: URI needs TLS, not " + std::string(transport::to_string(*hop.protocol)) +
                " (RFC 3261 §26.2.2)");
  const bool ip =
      uri->host_type == message::HostType::kIPv4 || uri->host_type == message::HostType::kIPv6;
  if (ip && !sips &&
      hop.protocol.value_or(transport::Protocol::kUdp) == transport::Protocol::kUdp) {
    std::string_view host = uri->host;
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    auto endpoint = transport::Endpoint::from_ip(host, uri->port_or_default());
    if (!endpoint) return fail("not an IP address: " + std::string(host));
    hop.endpoint = *endpoint;
    return hop;
  }
  // §16.6 step 6: a loose router, so that the Request-URI stays as it is.
  hop.route = "<" + hop.uri + (uri->params.has("lr") ? ">" : ";lr>");
  return hop;
}

void ProxyRouter::attach(stack::Stack& stack, const proxy::ProxyCore& core) {
  if (options_.to && options_.to->endpoint) {
    for (const auto& local : stack.local_endpoints()) {
      if (local.family() != options_.to->endpoint->family()) continue;
      to_flow_ = transport::Flow{transport::Protocol::kUdp, local, *options_.to->endpoint, 0};
      break;
    }
  }
  core_ = &core;
}

proxy::Decision ProxyRouter::operator()(const message::Message& request,
                                        const transport::Flow&) const {
  const proxy::ProxyCore* core = core_.load();
  if (core == nullptr) return proxy::Decision::respond(503);
  if (core->identity().owns(request.request_line().uri))
    return proxy::Decision::respond(request.method() == message::Method::kOptions ? 200 : 404);
  proxy::Target target;
  // §12.2: within a dialog the Request-URI is the remote target; the
  // static next hop is for requests that start something. A stateless
  // proxy cannot tell the ACK of a 2xx from the ACK of a non-2xx, which
  // must follow its INVITE (§17.1.1.3): it sends every ACK as it sent the
  // INVITE (a stateful proxy's transaction absorbs the second kind).
  const message::NameAddr* to = request.to();
  const bool in_dialog = to != nullptr && !to->tag().empty() &&
                         !(options_.stateless && request.method() == message::Method::kAck);
  if (options_.to && !in_dialog) {
    if (options_.to->endpoint) {
      if (!to_flow_) return proxy::Decision::respond(503);  // no listener of its family
      target.flow = to_flow_;
    } else {
      target.routes.push_back(options_.to->route);
    }
  }
  return proxy::Decision::forward({std::move(target)});
}

}  // namespace sippet::app
