#include "proxy_router.hpp"

namespace sippet::app {

message::Result<transport::Endpoint> parse_to(std::string_view text) {
  auto uri = message::parse_uri(text);
  if (!uri) return uri.error();
  auto fail = [&](std::string why) {
    return message::Error{message::ErrorKind::kInvalidArgument, 0, 0, std::move(why)};
  };
  if (uri->scheme != message::UriScheme::kSip) return fail("not a sip: URI");
  if (uri->host_type != message::HostType::kIPv4 && uri->host_type != message::HostType::kIPv6)
    return fail("the host must be an IP address");
  std::string_view host = uri->host;
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  auto endpoint = transport::Endpoint::from_ip(host, uri->port_or_default());
  if (!endpoint) return fail("not an IP address: " + std::string(host));
  return *endpoint;
}

void ProxyRouter::attach(stack::Stack& stack, const proxy::ProxyCore& core) {
  if (options_.to) {
    for (const auto& local : stack.local_endpoints()) {
      if (local.family() != options_.to->family()) continue;
      to_flow_ = transport::Flow{transport::Protocol::kUdp, local, *options_.to, 0};
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
  if (options_.to) {
    if (!to_flow_) return proxy::Decision::respond(503);  // no listener of its family
    target.flow = to_flow_;
  }
  return proxy::Decision::forward({std::move(target)});
}

}  // namespace sippet::app
