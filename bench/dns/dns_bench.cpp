// Figures of the RFC 3263 resolver (docs/benchmarks.md), against dnsmasq on
// loopback (started here with the records below, stopped at the end):
//   - lookups per second answered from the cache (a NAPTR -> SRV -> A/AAAA
//     chain already cached: Resolver::cached, one thread);
//   - the latency of a cold chain (NAPTR, then SRV, then A and AAAA: three
//     round trips), and of a cold A/AAAA lookup (one) for comparison: the
//     cache is emptied between lookups by moving its clock a day on.
// Prints the figures; never fails (exit 0 even without dnsmasq).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <mutex>
#include <vector>

#include "../../tests/support/dnsmasq.hpp"
#include "sippet/dns/resolver.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace sd = sippet::dns;

namespace {

sd::Located locate_and_wait(sd::Resolver& resolver, const sd::LocateQuery& query) {
  auto promise = std::make_shared<std::promise<sd::Located>>();
  auto future = promise->get_future();
  resolver.locate(query, [promise](const sd::Located& located) { promise->set_value(located); });
  return future.get();
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  const int cold_lookups = argc > 1 ? std::atoi(argv[1]) : 500;
  sippet::testing::Dnsmasq dns({
      "naptr-record=example.test,10,50,s,SIP+D2U,,_sip._udp.example.test",
      "srv-host=_sip._udp.example.test,sip1.example.test,5060,0,10",
      "srv-host=_sip._udp.example.test,sip2.example.test,5060,0,20",
      "host-record=sip1.example.test,127.0.0.1",
      "host-record=sip2.example.test,127.0.0.2",
      "host-record=aonly.test,127.0.0.3",
      "local-ttl=3600",
  });
  if (!dns.ready()) {
    std::printf("dns_bench: dnsmasq did not start (scripts/setup.sh installs it)\n");
    return 0;
  }
  std::mutex mutex;
  auto now = Clock::now();
  sd::ResolverOptions options;
  options.servers = {*sippet::transport::Endpoint::parse(dns.server())};
  options.timeout = 1000ms;
  options.clock = [&] {
    std::lock_guard lock(mutex);
    return now;
  };
  auto created = sd::Resolver::create(options);
  if (!created) {
    std::printf("dns_bench: %s\n", created.error().reason.c_str());
    return 0;
  }
  auto& resolver = **created;
  sd::LocateQuery chain;
  chain.host = "example.test";
  chain.transports = {sippet::transport::Protocol::kUdp};
  sd::LocateQuery address = chain;
  address.host = "aonly.test";
  address.port = 5060;

  // Cold lookups: the clock moves a day on before each, so nothing cached
  // is valid.
  auto cold = [&](const sd::LocateQuery& query, const char* what) {
    std::vector<double> micros;
    int failed = 0;
    for (int i = 0; i < cold_lookups; ++i) {
      {
        std::lock_guard lock(mutex);
        now += 24h;
      }
      const auto began = Clock::now();
      auto located = locate_and_wait(resolver, query);
      micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - began).count());
      failed += located ? 0 : 1;
    }
    std::printf("cold %-28s %5d lookups (%d failed): median %.0f us, p90 %.0f us, p99 %.0f us\n",
                what, cold_lookups, failed, percentile(micros, 0.5), percentile(micros, 0.9),
                percentile(micros, 0.99));
    return percentile(micros, 0.5);
  };
  const double chain_median = cold(chain, "NAPTR -> SRV -> A/AAAA");
  const double address_median = cold(address, "A/AAAA (explicit port)");
  std::printf("added by the NAPTR and SRV round trips (medians): %.0f us\n",
              chain_median - address_median);

  // Cached: the chain stays valid (the clock stands still).
  if (!locate_and_wait(resolver, chain)) {
    std::printf("dns_bench: the chain does not resolve\n");
    return 0;
  }
  constexpr int kCached = 500000;
  std::size_t targets = 0;
  const auto began = Clock::now();
  for (int i = 0; i < kCached; ++i) {
    auto located = resolver.cached(chain);
    if (located && *located) targets += (*located)->targets.size();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - began).count();
  std::printf(
      "cached NAPTR -> SRV -> A/AAAA lookups: %.0f per second on one thread "
      "(%d in %.2f s, %zu targets)\n",
      kCached / seconds, kCached, seconds, targets);
  resolver.stop();
  return 0;
}
