// dns_resolver(): the RFC 3263 resolver of sippet_dns behind the stack's
// Resolver interface. cached()/resolve() (a host's addresses) are its A and
// AAAA lookups; cached_location()/locate() are RFC 3263 itself.
#include "sippet/stack/resolver.hpp"

namespace sippet::stack {

namespace {

dns::LocateQuery address_query(std::string_view host) {
  dns::LocateQuery query;
  query.host = std::string(host);
  query.port = 5060;  // an explicit port: A/AAAA only (§4.2)
  return query;
}

Resolver::Addresses to_addresses(const dns::Located& located) {
  if (!located) return located.error();
  std::vector<transport::Endpoint> addresses;
  for (const auto& target : located->targets) {
    transport::Endpoint address = target.address;
    address.set_port(0);
    addresses.push_back(address);
  }
  return addresses;
}

class DnsResolver final : public Resolver {
 public:
  explicit DnsResolver(std::shared_ptr<dns::Resolver> dns) : dns_(std::move(dns)) {}
  ~DnsResolver() override { dns_->stop(); }

  std::optional<Addresses> cached(std::string_view host) override {
    auto located = dns_->cached(address_query(host));
    if (!located) return std::nullopt;
    return to_addresses(*located);
  }
  void resolve(std::string_view host, Callback done) override {
    dns_->locate(address_query(host), [done = std::move(done)](const dns::Located& located) {
      done(to_addresses(located));
    });
  }
  void stop() override { dns_->stop(); }
  std::optional<Located> cached_location(const dns::LocateQuery& query) override {
    return dns_->cached(query);
  }
  bool visit_cached_location(const dns::LocateQuery& query,
                             const std::function<void(const Located&)>& visit) override {
    return dns_->visit_cached(query, visit);
  }
  void locate(const dns::LocateQuery& query, LocateCallback done) override {
    dns_->locate(query, std::move(done));
  }

 private:
  std::shared_ptr<dns::Resolver> dns_;
};

}  // namespace

message::Result<std::shared_ptr<Resolver>> dns_resolver(dns::ResolverOptions options) {
  auto created = dns::Resolver::create(std::move(options));
  if (!created) return created.error();
  return std::shared_ptr<Resolver>(std::make_shared<DnsResolver>(std::move(*created)));
}

}  // namespace sippet::stack
