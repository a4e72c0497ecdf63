#include "request_target.hpp"

#include "sippet/transport/endpoint.hpp"

namespace sippet::stack {

namespace {

message::Error invalid(std::string reason) {
  return message::Error{message::ErrorKind::kInvalidArgument, 0, 0, std::move(reason)};
}

}  // namespace

message::Result<RequestTarget> request_target(const message::Message& request) {
  if (!request.is_request()) return invalid("not a request");
  // §16.12: with a Route set, the request goes to the first Route's URI
  // (loose routing; a strict router's URI is still where it goes next).
  const message::Uri* uri = &request.request_line().uri;
  if (const message::Field* route = request.get(message::HeaderId::kRoute)) {
    if (const auto* name_addr = route->as<message::NameAddr>()) uri = &name_addr->uri;
  }
  if (!uri->is_sip())
    return invalid("the target is not a sip: or sips: URI: " + std::string(uri->text));
  RequestTarget target;
  std::string_view host = uri->host;
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  target.host = std::string(host);
  target.port = uri->port_or_default();
  target.is_ip =
      uri->host_type == message::HostType::kIPv4 || uri->host_type == message::HostType::kIPv6;
  // §18.1.1 / §19.1.1: the URI's transport param, else the top Via's protocol.
  std::optional<transport::Protocol> protocol;
  if (uri->params.has("transport")) {
    protocol = transport::parse_protocol(uri->transport());
    if (!protocol) return invalid("unknown transport: " + uri->transport());
  } else if (const message::Via* via = request.top_via()) {
    protocol = transport::parse_protocol(via->transport);
    if (!protocol) return invalid("unknown Via transport: " + std::string(via->transport));
  } else if (uri->scheme == message::UriScheme::kSips) {
    protocol = transport::Protocol::kTls;
  }
  target.protocol = protocol.value_or(transport::Protocol::kUdp);
  return target;
}

}  // namespace sippet::stack
