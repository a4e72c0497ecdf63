#include "sippet/transport/listen_spec.hpp"

#include <gtest/gtest.h>

#include "sippet/transport/protocol.hpp"

namespace sippet::transport {
namespace {

TEST(ListenSpec, UdpIpv4WithPort) {
  auto spec = parse_listen_spec("udp:127.0.0.1:5080");
  ASSERT_TRUE(spec.ok()) << spec.error().reason;
  EXPECT_EQ(spec->protocol, Protocol::kUdp);
  EXPECT_EQ(spec->host, "127.0.0.1");
  EXPECT_EQ(spec->port, 5080);
  EXPECT_EQ(spec->endpoint, Endpoint::loopback_v4(5080));
  EXPECT_EQ(spec->to_string(), "udp:127.0.0.1:5080");
}

TEST(ListenSpec, Ipv6InBrackets) {
  auto spec = parse_listen_spec("UDP:[::1]:5070");
  ASSERT_TRUE(spec.ok()) << spec.error().reason;
  EXPECT_EQ(spec->protocol, Protocol::kUdp);
  EXPECT_EQ(spec->host, "::1");
  EXPECT_EQ(spec->endpoint, Endpoint::loopback_v6(5070));
  EXPECT_EQ(spec->to_string(), "udp:[::1]:5070");
}

TEST(ListenSpec, ProtocolDefaultsToUdp) {
  auto spec = parse_listen_spec("127.0.0.1:5090");
  ASSERT_TRUE(spec.ok()) << spec.error().reason;
  EXPECT_EQ(spec->protocol, Protocol::kUdp);
  EXPECT_EQ(spec->port, 5090);
  auto v6 = parse_listen_spec("[::]:0");
  ASSERT_TRUE(v6.ok()) << v6.error().reason;
  EXPECT_TRUE(v6->endpoint.is_unspecified());
  EXPECT_TRUE(v6->endpoint.is_v6());
  EXPECT_EQ(v6->port, 0);
}

TEST(ListenSpec, PortDefaultsBySection19_1_2) {
  auto udp = parse_listen_spec("udp:127.0.0.1");
  ASSERT_TRUE(udp.ok()) << udp.error().reason;
  EXPECT_EQ(udp->port, 5060);
  auto tls = parse_listen_spec("tls:[::1]");
  ASSERT_TRUE(tls.ok()) << tls.error().reason;
  EXPECT_EQ(tls->protocol, Protocol::kTls);
  EXPECT_EQ(tls->port, 5061);
  auto tcp = parse_listen_spec("tcp:0.0.0.0:0");
  ASSERT_TRUE(tcp.ok()) << tcp.error().reason;
  EXPECT_EQ(tcp->protocol, Protocol::kTcp);
  EXPECT_EQ(tcp->port, 0);
}

TEST(ListenSpec, RoundTrips) {
  for (const char* text : {"udp:127.0.0.1:5080", "tcp:[::1]:5060", "wss:0.0.0.0:443"}) {
    auto spec = parse_listen_spec(text);
    ASSERT_TRUE(spec.ok()) << text;
    EXPECT_EQ(spec->to_string(), text);
  }
}

struct BadSpec {
  const char* text;
  const char* reason_part;
};

TEST(ListenSpec, BadSpecsSayWhatIsWrong) {
  const BadSpec cases[] = {
      {"", "empty"},
      {"sctp:127.0.0.1:5060", "unknown protocol"},
      {"udp:", "missing host"},
      {"udp", "missing host"},
      {"udp::5060", "missing host"},
      {"udp:localhost:5060", "not an IP address"},
      {"udp:127.0.0.1:http", "bad port"},
      {"udp:127.0.0.1:65536", "bad port"},
      {"udp:127.0.0.1:", "bad port"},
      {"udp:127.0.0.1:-1", "bad port"},
      {"udp:::1:5060", "needs brackets"},
      {"udp:[::1:5060", "missing ']'"},
      {"udp:[::1]5060", "after ']'"},
      {"udp:[127.0.0.1]:5060", "IPv4 address in brackets"},
      {"udp:[]:5060", "missing host"},
  };
  for (const BadSpec& c : cases) {
    auto spec = parse_listen_spec(c.text);
    ASSERT_FALSE(spec.ok()) << c.text;
    EXPECT_EQ(spec.error().kind, message::ErrorKind::kInvalidArgument) << c.text;
    EXPECT_NE(spec.error().reason.find(c.reason_part), std::string::npos)
        << c.text << " -> " << spec.error().reason;
  }
}

TEST(Protocol, NamesAndParsing) {
  EXPECT_EQ(to_string(Protocol::kUdp), "UDP");
  EXPECT_EQ(to_string(Protocol::kWss), "WSS");
  EXPECT_EQ(parse_protocol("tcp"), Protocol::kTcp);
  EXPECT_EQ(parse_protocol("Tls"), Protocol::kTls);
  EXPECT_EQ(parse_protocol("ws"), Protocol::kWs);
  EXPECT_FALSE(parse_protocol("sctp").has_value());
  EXPECT_FALSE(parse_protocol("").has_value());
  EXPECT_FALSE(parse_protocol("udpx").has_value());
  EXPECT_FALSE(is_reliable(Protocol::kUdp));
  EXPECT_TRUE(is_reliable(Protocol::kTcp));
}

}  // namespace
}  // namespace sippet::transport
