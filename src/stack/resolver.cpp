// The Resolver's RFC 3263 entry points for resolvers that know addresses
// only (system_resolver(), tests'): a host name is looked up with
// cached()/resolve() and goes to its addresses on the query's transport
// and port, as RFC 3263 §4.2 does for a name without SRV records.
#include "sippet/stack/resolver.hpp"

namespace sippet::stack {

namespace {

dns::Located to_location(const dns::LocateQuery& query, const Resolver::Addresses& found) {
  if (!found) return found.error();
  const auto protocol =
      query.protocol.value_or(query.secure ? transport::Protocol::kTls : transport::Protocol::kUdp);
  const std::uint16_t port = query.port.value_or(transport::default_port(protocol));
  dns::Location location;
  for (transport::Endpoint address : *found) {
    address.set_port(port);
    location.targets.push_back(dns::Target{protocol, address, query.host});
  }
  return location;
}

}  // namespace

std::optional<Resolver::Located> Resolver::cached_location(const dns::LocateQuery& query) {
  auto found = cached(query.host);
  if (!found) return std::nullopt;
  return to_location(query, *found);
}

bool Resolver::visit_cached_location(const dns::LocateQuery& query,
                                     const std::function<void(const Located&)>& visit) {
  auto found = cached_location(query);
  if (!found) return false;
  visit(*found);
  return true;
}

void Resolver::locate(const dns::LocateQuery& query, LocateCallback done) {
  resolve(query.host, [query, done = std::move(done)](const Addresses& found) {
    done(to_location(query, found));
  });
}

}  // namespace sippet::stack
