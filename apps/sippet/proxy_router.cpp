#include "proxy_router.hpp"

#include <algorithm>

#include "sippet/message/text.hpp"

namespace sippet::app {

namespace {

// The Contact's host as an IP address, when it is one.
std::optional<transport::Endpoint> contact_address(const std::string& contact) {
  auto uri = message::parse_uri(contact);
  if (!uri ||
      (uri->host_type != message::HostType::kIPv4 && uri->host_type != message::HostType::kIPv6))
    return std::nullopt;
  std::string_view host = uri->host;
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return transport::Endpoint::from_ip(host, uri->port_or_default());
}

}  // namespace

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
  }
  return hop;
}

bool is_private_address(const transport::Endpoint& address) {
  const auto& a = address.address_bytes();
  if (address.is_loopback()) return true;
  if (address.is_v4())
    return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
           (a[0] == 100 && (a[1] & 0xc0) == 64) || (a[0] == 169 && a[1] == 254);
  return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

bool ProxyRouter::served(const message::Uri& uri) const {
  if (options_.domains.empty()) return true;
  return std::any_of(options_.domains.begin(), options_.domains.end(),
                     [&](const std::string& d) { return message::iequals(d, uri.host); }) ||
         core_->identity().owns(uri);
}

proxy::Decision ProxyRouter::to_bindings(const LocationService::Bindings& bindings) const {
  std::vector<proxy::Target> targets;
  std::size_t closed = 0;
  // RFC 5626 §5.3: at most one flow of an instance in the target set (its
  // flows back each other up): the first usable one, in q order.
  std::vector<std::string_view> instances;
  for (const auto& b : bindings) {
    const bool outbound = !b.instance.empty() && b.reg_id != 0;
    if (outbound && std::find(instances.begin(), instances.end(), b.instance) != instances.end())
      continue;
    proxy::Target target;
    target.uri = b.contact;
    target.q = options_.sequential && b.q >= 0 ? b.q / 1000.0 : 1.0;
    target.routes = b.path;  // RFC 3327 §5.3: the Path becomes the Route
    // RFC 5626 §5.3: where the phone can be reached. With a Path the first
    // hop (an edge proxy) holds the flow.
    const auto contact = contact_address(b.contact);
    const bool natted = contact && is_private_address(*contact) &&
                        contact->address_bytes() != b.flow.remote.address_bytes();
    const bool on_flow = b.path.empty() && (b.reg_id != 0 || natted || b.flow.reliable());
    if (on_flow) {
      transport::Flow flow = b.flow;
      if (flow.connection != 0 && !location_->connection_open(flow.connection)) {
        ++closed;  // closed, or opened to a process that is gone (a restart, another node)
        continue;
      }
      const auto& locals = core_->identity().addresses;
      if (std::find(locals.begin(), locals.end(), flow.local) == locals.end()) {
        // A datagram flow registered through another node sharing the
        // database: from our listener of its transport and family.
        auto ours = std::find_if(locals.begin(), locals.end(), [&](const auto& local) {
          return local.family() == flow.local.family() && !flow.reliable();
        });
        if (ours == locals.end()) continue;
        flow.local = *ours;
      }
      target.flow = flow;
    }
    if (outbound) instances.push_back(b.instance);
    targets.push_back(std::move(target));
  }
  if (!targets.empty()) return proxy::Decision::forward(std::move(targets));
  return proxy::Decision::respond(closed != 0 ? 430 : 480);
}

proxy::Decision ProxyRouter::otherwise(const message::Message& request, bool in_dialog) const {
  const proxy::Identity& identity = core_->identity();
  if (identity.owns(request.request_line().uri))
    return proxy::Decision::respond(request.method() == message::Method::kOptions ? 200 : 404);
  if (options_.registrar_only && !in_dialog) return proxy::Decision::respond(404);
  proxy::Target target;
  // §12.2: within a dialog the Request-URI is the remote target; the
  // static next hop is for requests that start something. A stateless
  // proxy cannot tell the ACK of a 2xx from the ACK of a non-2xx, which
  // must follow its INVITE (§17.1.1.3): it sends every ACK as it sent the
  // INVITE (a stateful proxy's transaction absorbs the second kind).
  const bool to_next_hop =
      !in_dialog || (options_.stateless && request.method() == message::Method::kAck);
  if (options_.to && to_next_hop) {
    if (options_.to->endpoint) {
      // To an IP --to from the first listener of its family.
      for (const auto& local : identity.addresses) {
        if (local.family() != options_.to->endpoint->family()) continue;
        target.flow = transport::Flow{transport::Protocol::kUdp, local, *options_.to->endpoint, 0};
        break;
      }
      if (!target.flow) return proxy::Decision::respond(503);  // no listener of its family
    } else {
      target.destination = options_.to->uri;
    }
  }
  return proxy::Decision::forward({std::move(target)});
}

std::optional<proxy::Decision> ProxyRouter::operator()(const message::Message& request,
                                                       const transport::Flow&,
                                                       proxy::Later later) const {
  if (core_ == nullptr) return proxy::Decision::respond(503);
  const auto& uri = request.request_line().uri;
  const auto* to = request.to();
  const bool in_dialog = to && to->params.has("tag");
  // Nobody has registered: no binding to look for.
  if (location_ != nullptr && location_->unused()) return otherwise(request, in_dialog);
  if (location_ != nullptr && (in_dialog || request.method() == message::Method::kAck)) {
    // To a registered phone's contact: on its flow when it needs one.
    // The first usable flow of the bindings with this contact.
    auto on_binding = [this](const LocationService::Bindings& bindings) {
      auto decision = to_bindings(bindings);
      if (decision.status != 0) return decision;
      decision.targets.resize(1);
      decision.targets.front().uri.clear();  // keep the Request-URI
      return decision;
    };
    if (auto bindings = location_->by_contact(uri.text); !bindings.empty())
      return on_binding(bindings);
    // PostgreSQL, a contact this node has not seen: the bindings are the
    // database's. Within a dialog the To URI is the remote party's address
    // of record (§12.1.1), whose binding with this Request-URI as contact
    // says where the phone is. An ACK cannot wait (it crosses statelessly):
    // it follows its Request-URI.
    const bool ask = location_->shared() && request.method() != message::Method::kAck &&
                     to != nullptr && served(to->uri);
    if (auto aor = ask ? registrar::canonical_aor(to->uri)
                       : message::Result<std::string>(message::Error{})) {
      location_->lookup_async(
          *aor,
          [on_binding, contact = std::string(uri.text), fallback = otherwise(request, in_dialog),
           later = std::move(later)](LocationService::Bindings bindings, bool) {
            std::erase_if(bindings, [&](const auto& b) { return b.contact != contact; });
            later(bindings.empty() ? fallback : on_binding(bindings));
          });
      return std::nullopt;
    }
  }
  if (location_ == nullptr || in_dialog || request.method() == message::Method::kAck ||
      !uri.is_sip() || !uri.has_user || !served(uri))
    return otherwise(request, in_dialog);
  auto aor = registrar::canonical_aor(uri);
  if (!aor) return otherwise(request, in_dialog);
  if (!location_->shared()) {
    auto bindings = location_->lookup(*aor);
    if (bindings.empty() && !location_->known(*aor)) return otherwise(request, in_dialog);
    return to_bindings(bindings);
  }
  // PostgreSQL: the lookup thread answers; the decision comes back later.
  location_->lookup_async(
      *aor, [this, aor = *aor, fallback = otherwise(request, in_dialog), later = std::move(later)](
                LocationService::Bindings bindings, bool stored) {
        const bool known = stored || location_->known(aor);
        later(bindings.empty() && !known ? fallback : to_bindings(bindings));
      });
  return std::nullopt;
}

}  // namespace sippet::app
