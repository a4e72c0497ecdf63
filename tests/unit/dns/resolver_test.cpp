// The c-ares resolver against a real DNS server: dnsmasq, started by the
// test on a loopback port with the records below (tests/support/dnsmasq.hpp).
#include "sippet/dns/resolver.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>

#include "../../support/dnsmasq.hpp"

namespace sippet::dns {
namespace {

using namespace std::chrono_literals;
using transport::Protocol;

const std::vector<std::string> kRecords{
    // NAPTR → SRV → A/AAAA
    "naptr-record=example.test,10,50,s,SIP+D2U,,_sip._udp.example.test",
    "naptr-record=example.test,20,50,s,SIP+D2T,,_sip._tcp.example.test",
    "naptr-record=example.test,30,50,s,SIPS+D2T,,_sips._tcp.example.test",
    "srv-host=_sip._udp.example.test,sip1.example.test,5070,0,10",
    "srv-host=_sip._tcp.example.test,sip2.example.test,5071,0,10",
    "srv-host=_sips._tcp.example.test,sip2.example.test,5072,0,10",
    "host-record=sip1.example.test,127.0.0.1,::1",
    "host-record=sip2.example.test,127.0.0.2",
    // SRV only
    "srv-host=_sip._udp.srvonly.test,a.srvonly.test,5062,0,0",
    "srv-host=_sip._tcp.srvonly.test,b.srvonly.test,5063,0,0",
    "host-record=a.srvonly.test,127.0.0.3",
    "host-record=b.srvonly.test,127.0.0.4",
    // NAPTR names TCP only, SRV has UDP and TCP (the NAPTR switch)
    "naptr-record=tcpfirst.test,10,50,s,SIP+D2T,,_sip._tcp.tcpfirst.test",
    "srv-host=_sip._udp.tcpfirst.test,a.srvonly.test,5065,0,0",
    "srv-host=_sip._tcp.tcpfirst.test,b.srvonly.test,5066,0,0",
    // A only; IPv6 only
    "host-record=aonly.test,127.0.0.5",
    "host-record=v6only.test,::1",
    "srv-host=_sip._udp.v6srv.test,v6only.test,5064,0,0",
    // weighted choice within one priority, and a lower priority after
    "srv-host=_sip._udp.weights.test,w1.weights.test,5060,0,10",
    "srv-host=_sip._udp.weights.test,w3.weights.test,5060,0,30",
    "srv-host=_sip._udp.weights.test,w6.weights.test,5060,0,60",
    "srv-host=_sip._udp.weights.test,last.weights.test,5060,1,100",
    "host-record=w1.weights.test,127.0.1.1",
    "host-record=w3.weights.test,127.0.1.3",
    "host-record=w6.weights.test,127.0.1.6",
    "host-record=last.weights.test,127.0.1.9",
    "local-ttl=60",
};

Located locate_sync(Resolver& resolver, const LocateQuery& query) {
  auto promise = std::make_shared<std::promise<Located>>();
  auto future = promise->get_future();
  resolver.locate(query, [promise](const Located& located) { promise->set_value(located); });
  if (future.wait_for(10s) != std::future_status::ready)
    return message::Error{message::ErrorKind::kResolveFailed, 0, 0, "test: no answer in 10 s"};
  return future.get();
}

std::vector<std::string> flat(const Located& located) {
  std::vector<std::string> out;
  if (!located) return {"error: " + located.error().reason};
  for (const auto& t : located->targets)
    out.push_back(std::string(transport::to_string(t.protocol)) + ' ' + t.address.to_string());
  return out;
}

LocateQuery query_for(std::string host) {
  LocateQuery q;
  q.host = std::move(host);
  q.transports = {Protocol::kUdp, Protocol::kTcp, Protocol::kTls};
  return q;
}

class DnsmasqResolver : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { dns_ = new testing::Dnsmasq(kRecords); }
  static void TearDownTestSuite() {
    delete dns_;
    dns_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(dns_->ready()) << "dnsmasq did not start";
    resolver_ = make();
    ASSERT_TRUE(resolver_);
  }
  std::shared_ptr<Resolver> make(ResolverOptions options = {}) {
    options.servers = {*transport::Endpoint::parse(dns_->server())};
    options.timeout = 500ms;
    options.seed = 42;
    auto created = Resolver::create(std::move(options));
    EXPECT_TRUE(created) << created.error().reason;
    return created ? *created : nullptr;
  }
  static testing::Dnsmasq* dns_;
  std::shared_ptr<Resolver> resolver_;
};
testing::Dnsmasq* DnsmasqResolver::dns_ = nullptr;

TEST_F(DnsmasqResolver, NaptrThenSrvThenAddresses) {
  auto with_records = query_for("example.test");
  with_records.records = true;
  auto located = locate_sync(*resolver_, with_records);
  EXPECT_EQ(flat(located), (std::vector<std::string>{"UDP 127.0.0.1:5070", "UDP [::1]:5070",
                                                     "TCP 127.0.0.2:5071", "TLS 127.0.0.2:5072"}));
  ASSERT_TRUE(located);
  const auto& records = located->records;
  ASSERT_GE(records.size(), 4u);
  EXPECT_EQ(
      records[0].rfind("NAPTR example.test 10 50 \"s\" \"SIP+D2U\" \"\" _sip._udp.example.test", 0),
      0u)
      << records[0];
  // Filtered by the transports we have: UDP only leaves one NAPTR.
  auto q = query_for("example.test");
  q.transports = {Protocol::kUdp};
  EXPECT_EQ(flat(locate_sync(*resolver_, q)),
            (std::vector<std::string>{"UDP 127.0.0.1:5070", "UDP [::1]:5070"}));
}

TEST_F(DnsmasqResolver, SipsTakesSecureNaptrOnly) {
  auto q = query_for("example.test");
  q.secure = true;
  EXPECT_EQ(flat(locate_sync(*resolver_, q)), (std::vector<std::string>{"TLS 127.0.0.2:5072"}));
}

TEST_F(DnsmasqResolver, SrvOnly) {
  EXPECT_EQ(flat(locate_sync(*resolver_, query_for("srvonly.test"))),
            (std::vector<std::string>{"UDP 127.0.0.3:5062", "TCP 127.0.0.4:5063"}));
}

TEST_F(DnsmasqResolver, AddressOnly) {
  EXPECT_EQ(flat(locate_sync(*resolver_, query_for("aonly.test"))),
            (std::vector<std::string>{"UDP 127.0.0.5:5060"}));
  auto q = query_for("aonly.test");
  q.secure = true;
  EXPECT_EQ(flat(locate_sync(*resolver_, q)), (std::vector<std::string>{"TLS 127.0.0.5:5061"}));
}

TEST_F(DnsmasqResolver, ExplicitTransportAndPort) {
  auto q = query_for("srvonly.test");
  q.protocol = Protocol::kTcp;
  EXPECT_EQ(flat(locate_sync(*resolver_, q)), (std::vector<std::string>{"TCP 127.0.0.4:5063"}));
  q = query_for("aonly.test");
  q.port = 5099;
  EXPECT_EQ(flat(locate_sync(*resolver_, q)), (std::vector<std::string>{"UDP 127.0.0.5:5099"}));
  q.protocol = Protocol::kTcp;
  EXPECT_EQ(flat(locate_sync(*resolver_, q)), (std::vector<std::string>{"TCP 127.0.0.5:5099"}));
}

TEST_F(DnsmasqResolver, Ipv6OnlyTarget) {
  EXPECT_EQ(flat(locate_sync(*resolver_, query_for("v6only.test"))),
            (std::vector<std::string>{"UDP [::1]:5060"}));
  EXPECT_EQ(flat(locate_sync(*resolver_, query_for("v6srv.test"))),
            (std::vector<std::string>{"UDP [::1]:5064"}));
}

TEST_F(DnsmasqResolver, UnknownNameFails) {
  auto located = locate_sync(*resolver_, query_for("nowhere.test"));
  ASSERT_FALSE(located);
  EXPECT_EQ(located.error().kind, message::ErrorKind::kResolveFailed);
}

TEST_F(DnsmasqResolver, CachedAnswersInline) {
  ASSERT_FALSE(resolver_->cached(query_for("example.test")));
  ASSERT_TRUE(locate_sync(*resolver_, query_for("example.test")));
  const auto queries = resolver_->stats().queries;
  EXPECT_GE(queries, 5u);  // NAPTR, 3 SRV, A and AAAA of 2 hosts
  bool inline_answer = false;
  resolver_->locate(query_for("example.test"),
                    [&](const Located& located) { inline_answer = bool(located); });
  EXPECT_TRUE(inline_answer);
  EXPECT_TRUE(resolver_->cached(query_for("example.test")));
  EXPECT_EQ(resolver_->stats().queries, queries);
}

// RFC 2782 through the real records: 1000 orders from the cache; the share
// of each weight-10/30/60 target coming first is near its weight (a loose
// bound; the exact statistic is the seeded unit test), and the priority-1
// target always comes last.
TEST_F(DnsmasqResolver, WeightedChoiceShares) {
  ASSERT_TRUE(locate_sync(*resolver_, query_for("weights.test")));
  std::map<std::string, int> first;
  for (int i = 0; i < 1000; ++i) {
    auto located = resolver_->cached(query_for("weights.test"));
    ASSERT_TRUE(located && *located);
    ASSERT_EQ((*located)->targets.size(), 4u);
    EXPECT_EQ((*located)->targets.back().address.address_string(), "127.0.1.9");
    ++first[(*located)->targets.front().address.address_string()];
  }
  EXPECT_NEAR(first["127.0.1.1"] / 1000.0, 0.10, 0.06);
  EXPECT_NEAR(first["127.0.1.3"] / 1000.0, 0.30, 0.08);
  EXPECT_NEAR(first["127.0.1.6"] / 1000.0, 0.60, 0.08);
}

// A cache kept on a clock of the test's: an answer is used until its TTL
// (dnsmasq's local-ttl, 1 s) runs out on that clock, then asked again; a
// negative answer (NXDOMAIN: no SOA from dnsmasq, so the cap) likewise.
// ResolverOptions::naptr (--no-naptr): on, NAPTR chooses TCP; off, no
// NAPTR is asked and SRV's order applies (UDP, then TCP).
TEST_F(DnsmasqResolver, NaptrSwitch) {
  EXPECT_EQ(flat(locate_sync(*resolver_, query_for("tcpfirst.test"))),
            (std::vector<std::string>{"TCP 127.0.0.4:5066"}));
  ResolverOptions options;
  options.naptr = false;
  auto without = make(options);
  ASSERT_TRUE(without);
  EXPECT_EQ(flat(locate_sync(*without, query_for("tcpfirst.test"))),
            (std::vector<std::string>{"UDP 127.0.0.3:5065", "TCP 127.0.0.4:5066"}));
}

// LocateQuery::order_key: one key gives one weighted order over the
// cached answers (a stateless proxy's retransmissions); keys spread the
// first pick over the records of the first priority.
TEST_F(DnsmasqResolver, OrderKeyGivesOneOrder) {
  auto q = query_for("weights.test");
  q.transports = {Protocol::kUdp};
  ASSERT_TRUE(locate_sync(*resolver_, q));  // cached from here on
  std::map<std::string, int> firsts;
  for (std::uint64_t key = 1; key <= 60; ++key) {
    q.order_key = key;
    auto once = resolver_->cached(q);
    ASSERT_TRUE(once && *once);
    for (int again = 0; again < 5; ++again)
      EXPECT_EQ(flat(*resolver_->cached(q)), flat(*once)) << "key " << key;
    ++firsts[flat(*once).front()];
  }
  EXPECT_EQ(firsts.size(), 3u);                       // w1, w3 and w6 each first for some key
  EXPECT_EQ(firsts.count("UDP 127.0.1.9:5060"), 0u);  // priority 1 never first
}

TEST(DnsmasqCache, TtlExpiryAndNegativeCaching) {
  testing::Dnsmasq dns({"local-ttl=1"});
  ASSERT_TRUE(dns.ready());
  ASSERT_TRUE(dns.set_hosts("192.0.2.10 changing.test\n", "changing.test", "192.0.2.10"));
  std::mutex mutex;
  auto now = std::chrono::steady_clock::now();
  ResolverOptions options;
  options.servers = {*transport::Endpoint::parse(dns.server())};
  options.timeout = 500ms;
  options.max_negative_ttl = 5s;
  options.clock = [&] {
    std::lock_guard lock(mutex);
    return now;
  };
  auto advance = [&](std::chrono::seconds by) {
    std::lock_guard lock(mutex);
    now += by;
  };
  auto resolver = *Resolver::create(options);
  auto q = query_for("changing.test");
  q.port = 5060;  // A/AAAA only
  EXPECT_EQ(flat(locate_sync(*resolver, q)), (std::vector<std::string>{"UDP 192.0.2.10:5060"}));
  auto missing = query_for("later.test");
  missing.port = 5060;
  EXPECT_FALSE(locate_sync(*resolver, missing));

  ASSERT_TRUE(dns.set_hosts("192.0.2.11 changing.test\n192.0.2.12 later.test\n", "later.test",
                            "192.0.2.12"));
  ASSERT_EQ(dns.query_a("changing.test"), "192.0.2.11");
  // Within the TTLs: the cache still says the old things (asked twice: the
  // second answer is the memoised location).
  for (int again = 0; again < 2; ++again) {
    auto cached = resolver->cached(q);
    ASSERT_TRUE(cached);
    EXPECT_EQ(flat(*cached), (std::vector<std::string>{"UDP 192.0.2.10:5060"}));
  }
  // visit_cached() sees the same, in place.
  std::vector<std::string> seen;
  EXPECT_TRUE(resolver->visit_cached(q, [&](const Located& located) { seen = flat(located); }));
  EXPECT_EQ(seen, (std::vector<std::string>{"UDP 192.0.2.10:5060"}));
  auto negative = resolver->cached(missing);
  ASSERT_TRUE(negative);
  EXPECT_FALSE(*negative);
  // After the positive TTL (1 s): asked again; the negative one still holds.
  advance(2s);
  bool visited = false;
  EXPECT_FALSE(resolver->visit_cached(q, [&](const Located&) { visited = true; }));
  EXPECT_FALSE(visited);
  EXPECT_FALSE(resolver->cached(q));
  EXPECT_EQ(flat(locate_sync(*resolver, q)), (std::vector<std::string>{"UDP 192.0.2.11:5060"}));
  ASSERT_TRUE(resolver->cached(missing));
  // After the negative cap (5 s): asked again.
  advance(4s);
  EXPECT_EQ(flat(locate_sync(*resolver, missing)),
            (std::vector<std::string>{"UDP 192.0.2.12:5060"}));
}

// A DNS server that never answers (a bound UDP socket nobody reads): the
// lookup fails with a timeout after timeout × tries, and locate() itself
// returns at once; a lookup of another name beyond the bound on queries
// outstanding fails at once.
TEST(SilentDns, TimeoutIsAnErrorAndNothingBlocks) {
  const int silent = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ResolverOptions options;
  options.servers = {transport::Endpoint::loopback_v4(ntohs(address.sin_port))};
  options.timeout = 1000ms;
  options.tries = 1;
  options.max_outstanding = 1;
  auto resolver = *Resolver::create(options);
  auto promise = std::make_shared<std::promise<Located>>();
  const auto start = std::chrono::steady_clock::now();
  resolver->locate(query_for("example.test"),
                   [promise](const Located& located) { promise->set_value(located); });
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);  // not the 1 s timeout
  // The first query (NAPTR) is outstanding: another name is refused.
  auto other = locate_sync(*resolver, query_for("other.test"));
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().reason.find("outstanding"), std::string::npos) << other.error().reason;
  auto future = promise->get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  auto located = future.get();
  ASSERT_FALSE(located);
  EXPECT_NE(located.error().reason.find("imeout"), std::string::npos) << located.error().reason;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  ::close(silent);
}

TEST(ResolverStop, FailsWaitingLookups) {
  const int silent = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ResolverOptions options;
  options.servers = {transport::Endpoint::loopback_v4(ntohs(address.sin_port))};
  options.timeout = 5000ms;
  auto resolver = *Resolver::create(options);
  std::atomic<int> calls{0};
  std::string reason;
  resolver->locate(query_for("example.test"), [&](const Located& located) {
    ++calls;
    if (!located) reason = located.error().reason;
  });
  resolver->stop();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_NE(reason.find("stopped"), std::string::npos) << reason;
  resolver->locate(query_for("example.test"), [&](const Located&) { ++calls; });
  EXPECT_EQ(calls.load(), 2);
  ::close(silent);
}

TEST(ParseServer, Forms) {
  EXPECT_EQ(parse_server("127.0.0.1:5353")->to_string(), "127.0.0.1:5353");
  EXPECT_EQ(parse_server("127.0.0.1")->to_string(), "127.0.0.1:53");
  EXPECT_EQ(parse_server("[::1]:53")->to_string(), "[::1]:53");
  EXPECT_EQ(parse_server("[::1]")->to_string(), "[::1]:53");
  EXPECT_FALSE(parse_server("dns.example.com:53"));
}

}  // namespace
}  // namespace sippet::dns
