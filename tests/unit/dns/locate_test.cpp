// RFC 3263 §4.1/§4.2 without I/O: NAPTR filtering and order, SRV order and
// weighted choice (seeded), and the algorithm against a table of answers.
#include "sippet/dns/locate.hpp"

#include <gtest/gtest.h>

#include <map>

namespace sippet::dns {
namespace {

using transport::Endpoint;
using transport::Protocol;

const std::vector<Protocol> kUdpTcpTls{Protocol::kUdp, Protocol::kTcp, Protocol::kTls};

TEST(NaptrService, KnownServicesAnyCase) {
  EXPECT_EQ(naptr_service("SIP+D2U"), Protocol::kUdp);
  EXPECT_EQ(naptr_service("sip+d2t"), Protocol::kTcp);
  EXPECT_EQ(naptr_service("SIPS+D2T"), Protocol::kTls);
  EXPECT_EQ(naptr_service("SIP+D2W"), Protocol::kWs);
  EXPECT_EQ(naptr_service("SIPS+D2W"), Protocol::kWss);
  EXPECT_FALSE(naptr_service("SIP+D2S"));  // SCTP: no such transport here
  EXPECT_FALSE(naptr_service("E2U+sip"));
  EXPECT_FALSE(naptr_service(""));
}

TEST(UsableNaptr, FiltersAndOrders) {
  std::vector<Naptr> records{
      {20, 10, "s", "SIP+D2U", "", "_sip._udp.example.com"},
      {10, 20, "s", "SIP+D2T", "", "_sip._tcp.example.com"},
      {10, 10, "S", "SIPS+D2T", "", "_sips._tcp.example.com"},
      {5, 0, "s", "SIP+D2S", "", "_sip._sctp.example.com"},        // unknown
      {5, 0, "u", "SIP+D2U", "!^.*$!sip:x@example.com!", ""},      // not "s"
      {5, 0, "s", "SIP+D2U", "!^.*$!_sip._udp.example.com!", ""},  // regexp
      {5, 0, "s", "SIP+D2U", "", "bad..name"},                     // replacement
      {5, 0, "s", "SIP+D2W", "", "_sip._ws.example.com"},          // no WS here
  };
  std::vector<std::string> skipped;
  auto chosen = usable_naptr(records, false, kUdpTcpTls, &skipped);
  ASSERT_EQ(chosen.size(), 3u);
  EXPECT_EQ(chosen[0].protocol, Protocol::kTls);  // order 10, preference 10
  EXPECT_EQ(chosen[1].protocol, Protocol::kTcp);  // order 10, preference 20
  EXPECT_EQ(chosen[2].protocol, Protocol::kUdp);  // order 20
  EXPECT_EQ(skipped.size(), 5u);

  auto secure = usable_naptr(records, true, kUdpTcpTls);
  ASSERT_EQ(secure.size(), 1u);
  EXPECT_EQ(secure[0].protocol, Protocol::kTls);

  auto udp_only = usable_naptr(records, false, {Protocol::kUdp});
  ASSERT_EQ(udp_only.size(), 1u);
  EXPECT_EQ(udp_only[0].record->replacement, "_sip._udp.example.com");
  EXPECT_EQ(usable_naptr(records, false, {}).size(), 1u);  // empty: UDP only
}

TEST(OrderSrv, ByPriorityThenWeight) {
  std::vector<Srv> records{{20, 0, 5060, "c"}, {10, 0, 5060, "a"}, {10, 0, 5061, "b"}};
  std::mt19937_64 random(1);
  auto ordered = order_srv(records, random);
  ASSERT_EQ(ordered.size(), 3u);
  EXPECT_EQ(ordered[2]->target, "c");
  EXPECT_EQ(ordered[0]->priority, 10);
  EXPECT_EQ(ordered[1]->priority, 10);
}

TEST(OrderSrv, DotMeansNoService) {
  std::mt19937_64 random(1);
  EXPECT_TRUE(order_srv({{0, 0, 0, ""}}, random).empty());
  // Among others, a "." target is skipped.
  EXPECT_EQ(order_srv({{0, 0, 0, ""}, {0, 0, 5060, "a"}}, random).size(), 1u);
}

// RFC 2782: within one priority, each record comes first with probability
// weight / sum. Seeded: the same counts every run; the bound is loose.
TEST(OrderSrv, WeightedChoiceShares) {
  std::vector<Srv> records{{0, 10, 5060, "a"}, {0, 30, 5060, "b"}, {0, 60, 5060, "c"}};
  std::mt19937_64 random(12345);
  std::map<std::string, int> first;
  constexpr int kPicks = 10000;
  for (int i = 0; i < kPicks; ++i)
    ++first[order_srv(records, random).front()->target];
  EXPECT_NEAR(first["a"] / double(kPicks), 0.10, 0.02);
  EXPECT_NEAR(first["b"] / double(kPicks), 0.30, 0.02);
  EXPECT_NEAR(first["c"] / double(kPicks), 0.60, 0.02);
}

TEST(OrderSrv, ZeroWeightIsRarelyFirst) {
  std::vector<Srv> records{{0, 100, 5060, "heavy"}, {0, 0, 5060, "zero"}};
  std::mt19937_64 random(7);
  int zero_first = 0;
  for (int i = 0; i < 10000; ++i)
    zero_first += order_srv(records, random).front()->target == "zero";
  EXPECT_LT(zero_first, 200);  // 1/101 expected
  EXPECT_GT(zero_first, 20);
}

TEST(NormalizeName, Rules) {
  EXPECT_EQ(normalize_name("Example.COM."), "example.com");
  EXPECT_EQ(normalize_name("_sip._udp.example.com"), "_sip._udp.example.com");
  EXPECT_FALSE(normalize_name(""));
  EXPECT_FALSE(normalize_name("."));
  EXPECT_FALSE(normalize_name("a..b"));
  EXPECT_FALSE(normalize_name("a b"));
  EXPECT_FALSE(normalize_name(std::string(64, 'a') + ".com"));
}

// A DNS made of a table: answers by "TYPE name"; missing ones are NXDOMAIN.
class Table {
 public:
  void naptr(const std::string& name, std::vector<Naptr> records) {
    Answer a = ok(60);
    a.naptr = std::move(records);
    answers_["NAPTR " + name] = a;
  }
  void srv(const std::string& name, std::vector<Srv> records) {
    Answer a = ok(60);
    a.srv = std::move(records);
    answers_["SRV " + name] = a;
  }
  void address(const std::string& name, const std::string& ip) {
    auto endpoint = *Endpoint::from_ip(ip, 0);
    Answer& a = answers_[(endpoint.is_v4() ? "A " : "AAAA ") + name];
    a.status = Answer::Status::kRecords;
    a.ttl = 60;
    a.addresses.push_back(endpoint);
  }
  void fail(const std::string& key) {
    Answer a;
    a.status = Answer::Status::kFailed;
    a.error = "timeout";
    answers_[key] = a;
  }

  // Runs the algorithm, answering what it asks, until done; `asked` gets
  // every query made.
  Located run(const LocateQuery& query, std::vector<std::string>* asked = nullptr,
              LocateOptions options = {}) {
    std::mt19937_64 random(1);
    std::map<std::string, Answer> known;
    for (int round = 0; round < 10; ++round) {
      Lookup lookup = [&](std::string_view name, RecordType type) -> const Answer* {
        auto found = known.find(std::string(to_string(type)) + ' ' + std::string(name));
        return found == known.end() ? nullptr : &found->second;
      };
      Step step = locate_step(query, lookup, random, options);
      if (step.done) return *step.done;
      EXPECT_FALSE(step.needs.empty());
      for (const Need& need : step.needs) {
        const std::string key = std::string(to_string(need.type)) + ' ' + need.name;
        if (asked) asked->push_back(key);
        auto found = answers_.find(key);
        if (found != answers_.end()) {
          known[key] = found->second;
        } else {
          Answer none;
          none.status = Answer::Status::kNoRecords;
          none.ttl = 30;
          known[key] = none;
        }
      }
    }
    ADD_FAILURE() << "no end";
    return message::Error{};
  }

 private:
  static Answer ok(std::uint32_t ttl) {
    Answer a;
    a.status = Answer::Status::kRecords;
    a.ttl = ttl;
    return a;
  }
  std::map<std::string, Answer> answers_;
};

std::vector<std::string> flat(const Location& location) {
  std::vector<std::string> out;
  for (const auto& t : location.targets)
    out.push_back(std::string(transport::to_string(t.protocol)) + ' ' + t.address.to_string());
  return out;
}

LocateQuery query_for(std::string host) {
  LocateQuery q;
  q.host = std::move(host);
  q.transports = kUdpTcpTls;
  return q;
}

TEST(LocateStep, NumericNeedsNoQuery) {
  std::mt19937_64 random(1);
  Lookup none = [](std::string_view, RecordType) -> const Answer* { return nullptr; };
  auto q = query_for("192.0.2.1");
  Step step = locate_step(q, none, random);
  ASSERT_TRUE(step.done && *step.done);
  EXPECT_EQ(flat(**step.done), (std::vector<std::string>{"UDP 192.0.2.1:5060"}));
  q = query_for("::1");
  q.secure = true;
  step = locate_step(q, none, random);
  EXPECT_EQ(flat(**step.done), (std::vector<std::string>{"TLS [::1]:5061"}));
  q = query_for("192.0.2.1");
  q.protocol = Protocol::kTcp;
  q.port = 5080;
  step = locate_step(q, none, random);
  EXPECT_EQ(flat(**step.done), (std::vector<std::string>{"TCP 192.0.2.1:5080"}));
}

TEST(LocateStep, NaptrThenSrvThenAddresses) {
  Table dns;
  dns.naptr("example.com", {{10, 50, "s", "SIP+D2T", "", "_sip._tcp.example.com"},
                            {20, 50, "s", "SIP+D2U", "", "_sip._udp.example.com"}});
  dns.srv("_sip._tcp.example.com", {{0, 0, 5070, "tcp.example.com"}});
  dns.srv("_sip._udp.example.com", {{10, 0, 5080, "b.example.com"}, {0, 0, 5090, "a.example.com"}});
  dns.address("tcp.example.com", "192.0.2.1");
  dns.address("a.example.com", "192.0.2.2");
  dns.address("a.example.com", "2001:db8::2");
  dns.address("b.example.com", "192.0.2.3");
  std::vector<std::string> asked;
  auto q = query_for("example.com");
  q.records = true;
  auto located = dns.run(q, &asked);
  ASSERT_TRUE(located) << located.error().reason;
  EXPECT_EQ(flat(*located),
            (std::vector<std::string>{"TCP 192.0.2.1:5070", "UDP 192.0.2.2:5090",
                                      "UDP [2001:db8::2]:5090", "UDP 192.0.2.3:5080"}));
  EXPECT_EQ(asked.front(), "NAPTR example.com");
  EXPECT_FALSE(located->records.empty());
  EXPECT_NE(located->records.front().find("NAPTR example.com 10 50"), std::string::npos);
  EXPECT_TRUE(dns.run(query_for("example.com"))->records.empty());  // not asked for
}

TEST(LocateStep, NaptrOffStartsAtSrv) {
  Table dns;
  dns.naptr("example.com", {{10, 50, "s", "SIP+D2T", "", "_sip._tcp.example.com"}});
  dns.srv("_sip._udp.example.com", {{0, 0, 5070, "u.example.com"}});
  dns.address("u.example.com", "192.0.2.9");
  std::vector<std::string> asked;
  auto located = dns.run(query_for("example.com"), &asked, LocateOptions{false});
  ASSERT_TRUE(located);
  EXPECT_EQ(flat(*located), (std::vector<std::string>{"UDP 192.0.2.9:5070"}));
  for (const auto& key : asked)
    EXPECT_NE(key.rfind("NAPTR", 0), 0u) << key;
}

TEST(LocateStep, SrvOnlyInOurOrder) {
  Table dns;
  dns.srv("_sip._tcp.example.com", {{0, 0, 5070, "t.example.com"}});
  dns.srv("_sip._udp.example.com", {{0, 0, 5060, "u.example.com"}});
  dns.address("t.example.com", "192.0.2.1");
  dns.address("u.example.com", "192.0.2.2");
  auto located = dns.run(query_for("example.com"));
  ASSERT_TRUE(located);
  EXPECT_EQ(flat(*located), (std::vector<std::string>{"UDP 192.0.2.2:5060", "TCP 192.0.2.1:5070"}));
}

TEST(LocateStep, AddressesOnlyOnDefaultPort) {
  Table dns;
  dns.address("example.com", "192.0.2.5");
  auto located = dns.run(query_for("example.com"));
  ASSERT_TRUE(located);
  EXPECT_EQ(flat(*located), (std::vector<std::string>{"UDP 192.0.2.5:5060"}));
  auto q = query_for("example.com");
  q.secure = true;
  located = dns.run(q);
  ASSERT_TRUE(located);
  EXPECT_EQ(flat(*located), (std::vector<std::string>{"TLS 192.0.2.5:5061"}));
}

TEST(LocateStep, AddressFallbackUsesATransportWeHave) {
  Table dns;
  dns.address("example.com", "192.0.2.5");
  auto q = query_for("example.com");
  q.transports = {Protocol::kTcp};
  auto located = dns.run(q);
  ASSERT_TRUE(located);
  EXPECT_EQ(flat(*located), (std::vector<std::string>{"TCP 192.0.2.5:5060"}));
  q.secure = true;  // sips: without TLS: nothing to use
  EXPECT_FALSE(dns.run(q));
}

TEST(LocateStep, SipsUsesSecureNaptrOnly) {
  Table dns;
  dns.naptr("example.com", {{10, 50, "s", "SIP+D2U", "", "_sip._udp.example.com"},
                            {20, 50, "s", "SIPS+D2T", "", "_sips._tcp.example.com"}});
  dns.srv("_sip._udp.example.com", {{0, 0, 5060, "u.example.com"}});
  dns.srv("_sips._tcp.example.com", {{0, 0, 5061, "s.example.com"}});
  dns.address("u.example.com", "192.0.2.1");
  dns.address("s.example.com", "192.0.2.2");
  auto q = query_for("example.com");
  q.secure = true;
  auto located = dns.run(q);
  ASSERT_TRUE(located);
  EXPECT_EQ(flat(*located), (std::vector<std::string>{"TLS 192.0.2.2:5061"}));
}

TEST(LocateStep, ExplicitTransportAndPort) {
  Table dns;
  dns.naptr("example.com", {{10, 50, "s", "SIP+D2U", "", "_sip._udp.example.com"}});
  dns.srv("_sip._tcp.example.com", {{0, 0, 5070, "t.example.com"}});
  dns.address("t.example.com", "192.0.2.1");
  dns.address("example.com", "192.0.2.7");
  auto q = query_for("example.com");
  q.protocol = Protocol::kTcp;  // transport=tcp: SRV of TCP, no NAPTR
  std::vector<std::string> asked;
  auto located = dns.run(q, &asked);
  ASSERT_TRUE(located);
  EXPECT_EQ(flat(*located), (std::vector<std::string>{"TCP 192.0.2.1:5070"}));
  EXPECT_EQ(asked.front(), "SRV _sip._tcp.example.com");
  q = query_for("example.com");
  q.port = 5099;  // a port: A/AAAA on it, UDP
  asked.clear();
  located = dns.run(q, &asked);
  ASSERT_TRUE(located);
  EXPECT_EQ(flat(*located), (std::vector<std::string>{"UDP 192.0.2.7:5099"}));
  EXPECT_EQ(asked, (std::vector<std::string>{"A example.com", "AAAA example.com"}));
}

TEST(LocateStep, NaptrFailureIsAnError) {
  Table dns;
  dns.fail("NAPTR example.com");
  auto located = dns.run(query_for("example.com"));
  ASSERT_FALSE(located);
  EXPECT_EQ(located.error().kind, message::ErrorKind::kResolveFailed);
  EXPECT_NE(located.error().reason.find("timeout"), std::string::npos);
}

TEST(LocateStep, NothingFound) {
  Table dns;
  auto located = dns.run(query_for("nowhere.example.com"));
  ASSERT_FALSE(located);
  EXPECT_EQ(located.error().kind, message::ErrorKind::kResolveFailed);
}

TEST(LocateStep, NotAHostName) {
  Table dns;
  EXPECT_FALSE(dns.run(query_for("bad..name")));
}

}  // namespace
}  // namespace sippet::dns
