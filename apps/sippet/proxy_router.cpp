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

proxy::Decision ProxyRouter::operator()(const message::Message& request,
                                        const transport::Flow&) const {
  if (core_ == nullptr) return proxy::Decision::respond(503);
  const proxy::Identity& identity = core_->identity();
  if (identity.owns(request.request_line().uri))
    return proxy::Decision::respond(request.method() == message::Method::kOptions ? 200 : 404);
  proxy::Target target;
  if (options_.to) {
    // To --to from the first listener of its family.
    for (const auto& local : identity.addresses) {
      if (local.family() != options_.to->family()) continue;
      target.flow = transport::Flow{transport::Protocol::kUdp, local, *options_.to, 0};
      break;
    }
    if (!target.flow) return proxy::Decision::respond(503);  // no listener of its family
  }
  return proxy::Decision::forward({std::move(target)});
}

}  // namespace sippet::app
