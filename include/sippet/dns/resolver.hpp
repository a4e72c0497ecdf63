#pragma once
// An RFC 3263 resolver on c-ares: NAPTR, SRV, A and AAAA queries made on a
// thread of its own whose Asio event loop watches c-ares's sockets and
// timeouts, so that no caller ever blocks on DNS; a cache that keeps each
// answer for its TTL (negative answers per RFC 2308, capped); a bound on
// the queries outstanding. /etc/hosts and /etc/resolv.conf by default.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sippet/dns/locate.hpp"
#include "sippet/message/result.hpp"
#include "sippet/transport/endpoint.hpp"

namespace sippet::dns {

struct ResolverOptions {
  // DNS servers to ask, in order; empty: those of /etc/resolv.conf.
  std::vector<transport::Endpoint> servers;
  std::chrono::milliseconds timeout{2000};  // per try (c-ares doubles it per round)
  int tries = 2;                            // per server
  bool naptr = true;                        // false: start at SRV (RFC 3263 §4.1)
  bool hosts_file = true;                   // A/AAAA from /etc/hosts first
  std::chrono::seconds hosts_ttl{60};       // how long a hosts-file answer is kept
  std::size_t max_outstanding = 512;        // queries on the wire at once
  std::size_t cache_size = 8192;            // answers kept
  std::chrono::seconds max_ttl{86400};      // no answer kept longer
  // RFC 2308 §5: negative answers kept for min(SOA TTL, MINIMUM), at most
  // this long; without an SOA, this long.
  std::chrono::seconds max_negative_ttl{300};
  // Tests: the cache's clock (steady_clock::now when null) and the seed of
  // the SRV weighted choice (random when 0).
  std::function<std::chrono::steady_clock::time_point()> clock;
  std::uint64_t seed = 0;
};

// "127.0.0.1:5353", "[::1]:53", "127.0.0.1" (port 53): a --dns-server value.
message::Result<transport::Endpoint> parse_server(std::string_view text);

class Resolver {
 public:
  using Callback = std::function<void(const Located& located)>;

  struct Stats {
    std::uint64_t queries = 0;     // sent to DNS (or read from /etc/hosts)
    std::uint64_t cache_hits = 0;  // locate() / cached() answered from the cache alone
    std::size_t outstanding = 0;   // queries waiting for an answer now
    std::size_t cache_entries = 0;
  };

  // Starts the resolver's thread. Errors (kResolveFailed): c-ares could not
  // be initialised (no resolv.conf and no servers, a bad server).
  static message::Result<std::shared_ptr<Resolver>> create(ResolverOptions options = {});

  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // The location of `query` from the cache alone, without waiting: nullopt
  // when a query is needed. Any thread.
  std::optional<Located> cached(const LocateQuery& query);

  // As cached(), without a copy: `visit` sees the location (or the cached
  // error) in place and runs inside this call, under the resolver's lock (it
  // must not call the resolver). False, without a call, when a query is
  // needed.
  bool visit_cached(const LocateQuery& query, const std::function<void(const Located&)>& visit);

  // Locates `query`; `done` runs exactly once: inside this call when the
  // cache answers, else on the resolver's thread (so call it holding no lock
  // that `done` takes). Any thread.
  void locate(const LocateQuery& query, Callback done);

  // Fails every lookup waiting (their callbacks run), stops and joins the
  // thread; later calls fail at once. Idempotent; not from a callback.
  void stop();

  Stats stats() const;

  class Impl;

 private:
  explicit Resolver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sippet::dns
