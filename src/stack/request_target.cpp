#include "request_target.hpp"

#include "sippet/transport/endpoint.hpp"

namespace sippet::stack {

namespace {

message::Error invalid(std::string reason) {
  return message::Error{message::ErrorKind::kNoRoute, 0, 0, std::move(reason)};
}

}  // namespace

message::Result<RequestTarget> request_target(const message::Message& request, bool top_via_is_ours,
                                              std::string_view destination) {
  if (!request.is_request()) return invalid("not a request");
  // §8.1.2: with a Route set, the first Route when it is a loose router
  // (`lr`); else the Core formatted the request for a strict router, which
  // is already the Request-URI (§12.2.1.1), and the request goes there.
  // §16.6 step 7: a destination chosen by local policy goes before both.
  const message::Uri* uri = &request.request_line().uri;
  if (!destination.empty()) {
    // A proxy names the same destination request after request: the last
    // one parsed is kept (its text too, which the URI's views point into).
    thread_local std::string last_text;
    thread_local message::Uri last;
    if (destination != last_text) {
      last_text.assign(destination);
      auto parsed = message::parse_uri(last_text);
      if (!parsed) {
        last_text.clear();
        return invalid("the destination is not a URI: " + std::string(destination));
      }
      last = std::move(parsed).value();
    }
    uri = &last;
  } else if (const message::Field* route = request.get(message::HeaderId::kRoute)) {
    if (const auto* name_addr = route->as<message::NameAddr>();
        name_addr != nullptr && name_addr->uri.params.has("lr"))
      uri = &name_addr->uri;
  }
  if (!uri->is_sip())
    return invalid("the target is not a sip: or sips: URI: " + std::string(uri->text));
  RequestTarget target;
  std::string_view host = uri->host;
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  target.host = host;
  target.is_ip =
      uri->host_type == message::HostType::kIPv4 || uri->host_type == message::HostType::kIPv6;
  // §18.1.1 / §19.1.1: the URI's transport param, else the top Via's
  // protocol (unless that Via is a previous hop's, below the one we add).
  std::optional<transport::Protocol> protocol;
  const bool sips = uri->scheme == message::UriScheme::kSips ||
                    request.request_line().uri.scheme == message::UriScheme::kSips;
  if (uri->params.has("transport")) {
    protocol = transport::parse_protocol(uri->transport());
    if (!protocol) return invalid("unknown transport: " + uri->transport());
    target.transport_chosen = true;
  } else if (const message::Via* via = request.top_via(); via != nullptr && top_via_is_ours) {
    protocol = transport::parse_protocol(via->transport);
    if (!protocol) return invalid("unknown Via transport: " + std::string(via->transport));
    target.transport_chosen = true;
  }
  target.explicit_protocol = protocol.has_value();
  if (!protocol && sips) protocol = transport::Protocol::kTls;
  target.secure = sips;
  target.explicit_port = uri->has_port;
  target.protocol = protocol.value_or(transport::Protocol::kUdp);
  // §26.2.2: a sips: request goes over TLS on every hop; never in the clear.
  if (sips && !transport::is_secure(target.protocol))
    return invalid("a sips: request must leave over TLS, not " +
                   std::string(transport::to_string(target.protocol)) + " (RFC 3261 §26.2.2)");
  // §19.1.2 and RFC 3263 §4.2: the transport's default port when absent.
  target.port = uri->has_port ? uri->port : transport::default_port(target.protocol);
  return target;
}

}  // namespace sippet::stack
