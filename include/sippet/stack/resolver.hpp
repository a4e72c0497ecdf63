#pragma once
// Name resolution for the stack: where a request to a host name goes.
//
// The stack never blocks a worker on DNS: it asks a Resolver, which answers
// later (or at once from its cache) through a callback. The default,
// system_resolver(), uses the system's resolver (getaddrinfo: /etc/hosts,
// then DNS per /etc/resolv.conf) on a small fixed set of threads, with a
// cache and a bound on the lookups waiting. RFC 3263 (NAPTR, SRV) sits
// behind the same interface.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
};

struct SystemResolverOptions {
  unsigned threads = 2;                   // lookups in parallel
  std::size_t max_waiting = 1024;         // names waiting for a thread
  std::size_t cache_size = 4096;          // names kept
  std::chrono::seconds positive_ttl{60};  // getaddrinfo gives no TTL
  std::chrono::seconds negative_ttl{10};  // RFC 2308 negative caching
};

std::shared_ptr<Resolver> system_resolver(SystemResolverOptions options = {});

}  // namespace sippet::stack
