#pragma once
// Name resolution for the stack: where a request to a host name goes.
//
// The stack never blocks a worker on DNS: it asks a Resolver, which answers
// later (or at once from its cache) through a callback. The default,
// dns_resolver(), locates SIP servers by RFC 3263 (NAPTR, SRV, A/AAAA) on
// c-ares (sippet/dns/resolver.hpp): an ordered list of (transport, address,
// port) the stack fails over along (§4.3). system_resolver() uses the
// system's resolver (getaddrinfo: A/AAAA only) on a small fixed set of
// threads, with a cache and a bound on the lookups waiting.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sippet/dns/locate.hpp"
#include "sippet/dns/resolver.hpp"
#include "sippet/message/result.hpp"
#include "sippet/transport/endpoint.hpp"

namespace sippet::stack {

class Resolver {
 public:
  // The addresses of a host, port 0, in the resolver's order of preference;
  // or an error of kind kResolveFailed whose reason says why (no such name,
  // no address, too many lookups waiting, the resolver stopped).
  using Addresses = message::Result<std::vector<transport::Endpoint>>;
  using Callback = std::function<void(const Addresses& addresses)>;

  virtual ~Resolver() = default;

  // What the cache knows of `host` now, without waiting: nullopt when a
  // lookup is needed.
  virtual std::optional<Addresses> cached(std::string_view host) = 0;

  // Looks `host` up; `done` runs exactly once, on a resolver thread or, for
  // an answer from the cache, inside this call (so call it holding no lock
  // that `done` takes). Lookups of one name are made once for all waiting.
  virtual void resolve(std::string_view host, Callback done) = 0;

  // Fails every waiting lookup (their callbacks run) and joins the threads;
  // later calls fail at once. Idempotent.
  virtual void stop() = 0;

  // RFC 3263 §4: where a request to `query` may go, in the order to try
  // them, with the records that led there. Errors are kResolveFailed. The
  // defaults answer from cached() / resolve(): the host's addresses on the
  // query's port (else the transport's default), on its transport (else
  // UDP, TLS for sips:); the RFC 3263 resolver overrides them.
  using Located = dns::Located;
  using LocateCallback = std::function<void(const Located& located)>;
  virtual std::optional<Located> cached_location(const dns::LocateQuery& query);
  // As cached_location(), without a copy: `visit` sees the location in
  // place, inside this call (it must not call the resolver); false, without
  // a call, when a lookup is needed. The default calls cached_location().
  virtual bool visit_cached_location(const dns::LocateQuery& query,
                                     const std::function<void(const Located&)>& visit);
  // As resolve(): `done` runs exactly once, inside the call or later on a
  // resolver thread.
  virtual void locate(const dns::LocateQuery& query, LocateCallback done);
};

struct SystemResolverOptions {
  unsigned threads = 2;                   // lookups in parallel
  std::size_t max_waiting = 1024;         // names waiting for a thread
  std::size_t cache_size = 4096;          // names kept
  std::chrono::seconds positive_ttl{60};  // getaddrinfo gives no TTL
  std::chrono::seconds negative_ttl{10};  // RFC 2308 negative caching
};

std::shared_ptr<Resolver> system_resolver(SystemResolverOptions options = {});

// The RFC 3263 resolver on c-ares (sippet/dns/resolver.hpp), the stack's
// default. Errors: c-ares could not start (kResolveFailed), a bad option.
message::Result<std::shared_ptr<Resolver>> dns_resolver(dns::ResolverOptions options = {});

}  // namespace sippet::stack
