// The stack on RFC 3263 against a real DNS server (dnsmasq on loopback,
// tests/support/dnsmasq.hpp) and real UDP sockets: a request to a domain
// goes where SRV says, fails over along the targets (§4.3) with the Core
// seeing one outcome, CANCEL follows its INVITE, responses to a sent-by
// name are located by §5, and a DNS server that is gone ends as an error.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>

#include "../../support/dnsmasq.hpp"
#include "memory_peer.hpp"
#include "sippet/message/builder.hpp"
#include "test_peer.hpp"

namespace sippet::stack {
namespace {

using namespace std::chrono_literals;
using sippet::testing::srv;
using testing::outgoing;
using testing::RawPeer;
using testing::RecordingCore;

// A UDP port nobody listens on: a datagram sent there draws ICMP port
// unreachable.
std::uint16_t closed_port() {
  RawPeer probe;
  const std::uint16_t port = probe.port();
  probe.close();
  return port;
}

class Rfc3263Stack : public ::testing::Test {
 protected:
  // `warm`: a domain located once before the stack starts, through the
  // resolver it then uses (its answers cached).
  void start(const std::vector<std::string>& records, StackConfig config = {},
             const std::string& warm = "") {
    dns_ = std::make_unique<sippet::testing::Dnsmasq>(records);
    ASSERT_TRUE(dns_->ready()) << "dnsmasq did not start";
    if (config.listen.empty())
      config.listen.push_back(*transport::parse_listen_spec("udp:127.0.0.1:0"));
    config.threads = 1;
    config.logger = std::make_shared<StderrLogger>(LogLevel::kOff);
    config.dns.servers = {*transport::Endpoint::parse(dns_->server())};
    config.dns.timeout = 500ms;
    if (!warm.empty()) {
      auto resolver = dns_resolver(config.dns);
      ASSERT_TRUE(resolver);
      dns::LocateQuery query;
      query.host = warm;
      query.transports = {transport::Protocol::kUdp};
      std::promise<bool> located;
      (*resolver)->locate(query, [&](const dns::Located& l) { located.set_value(bool(l)); });
      ASSERT_TRUE(located.get_future().get());
      ASSERT_TRUE((*resolver)->cached_location(query));
      config.resolver = *resolver;
    }
    auto created = Stack::create(std::move(config), core_);
    ASSERT_TRUE(created) << created.error().reason;
    stack_ = std::move(*created);
    port_ = stack_->local_endpoints()[0].port();
  }
  void TearDown() override {
    if (stack_) stack_->stop();
  }

  // Timer B/F = 64·T1 counts from send_request, DNS included: 10 ms
  // (640 ms) where the test needs it short and the names are cached, 50 ms
  // (3.2 s) where a slow answer from a loaded dnsmasq must not end the
  // transaction before it starts.
  static StackConfig short_timers(std::chrono::milliseconds t1 = 50ms) {
    StackConfig config;
    config.timers.t1 = t1;
    config.timers.t2 = 8 * t1;
    config.timers.t4 = 10 * t1;
    return config;
  }

  // The request `call_id` went to `silent` (which never answers), then to
  // `good` with a branch of its own; good's 200 reaches the Core on the
  // handle `sent`, and no error does.
  void expect_failed_over(RawPeer& silent, RawPeer& good, std::string_view call_id,
                          Transaction sent) {
    auto at_silent = silent.receive_message(3s);
    ASSERT_TRUE(at_silent);
    auto request = good.receive_message(3s);
    ASSERT_TRUE(request);
    EXPECT_EQ(request->call_id(), call_id);
    EXPECT_NE(request->top_via()->branch, at_silent->top_via()->branch);
    good.send_to(port_, message::build_response(*request, 200)->to_string());
    ASSERT_TRUE(core_.wait_responses(1));
    EXPECT_EQ(core_.responses()[0].message.status_code(), 200);
    EXPECT_EQ(core_.responses()[0].transaction, sent);
    EXPECT_EQ(core_.error_count(), 0u);
  }

  RecordingCore core_;
  std::unique_ptr<sippet::testing::Dnsmasq> dns_;
  std::unique_ptr<Stack> stack_;
  std::uint16_t port_ = 0;
};

// §4.3: the first SRV target is a closed port (ICMP), the second never
// answers (Timer F), the third answers: the request reaches the third with
// a branch of its own, and the Core sees its 200 on the handle it was
// given, and no error.
TEST_F(Rfc3263Stack, FailsOverAlongSrvTargets) {
  RawPeer silent, good;
  const std::uint16_t closed = closed_port();
  // The names are cached first (TTL 60 s), so that T1 = 10 ms (Timer F =
  // 640 ms) measures the SIP part alone.
  start({srv("_sip._udp.failover.test", "a.failover.test", closed, 0),
         srv("_sip._udp.failover.test", "b.failover.test", silent.port(), 1),
         srv("_sip._udp.failover.test", "c.failover.test", good.port(), 2),
         "host-record=a.failover.test,127.0.0.1", "host-record=b.failover.test,127.0.0.1",
         "host-record=c.failover.test,127.0.0.1", "local-ttl=60"},
        short_timers(10ms), /*warm=*/"failover.test");
  const auto began = std::chrono::steady_clock::now();
  auto sent = stack_->send_request(outgoing("OPTIONS", "sip:bob@failover.test", "fo-1"));
  ASSERT_TRUE(sent) << sent.error().reason;
  expect_failed_over(silent, good, "fo-1", *sent);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 2s);
}

// SendOptions::targets (a proxy's Hop::targets): the transaction sends to
// the first and fails over along the rest (§4.3) without a lookup: the
// Request-URI's domain has no records at all.
TEST_F(Rfc3263Stack, GivenTargetsAreFailedOverAlongWithoutALookup) {
  RawPeer silent, good;
  const std::uint16_t closed = closed_port();
  start({}, short_timers(10ms));
  const auto local = *transport::Endpoint::parse("127.0.0.1:" + std::to_string(port_));
  auto flow_to = [&](std::uint16_t port) {
    return transport::Flow{transport::Protocol::kUdp, local,
                           *transport::Endpoint::parse("127.0.0.1:" + std::to_string(port)), 0};
  };
  SendOptions options;
  options.targets = {flow_to(closed), flow_to(silent.port()), flow_to(good.port())};
  auto sent = stack_->send_request(outgoing("OPTIONS", "sip:bob@no-records.test", "fo-t"), options);
  ASSERT_TRUE(sent) << sent.error().reason;
  expect_failed_over(silent, good, "fo-t", *sent);
}

// SendOptions::destination (a proxy's configured next hop, RFC 3261 §16.6
// step 7): located by RFC 3263 before the Route and the Request-URI, whose
// domains have no records, and written nowhere into the request; a
// stateless send and next_hop() take it too.
TEST_F(Rfc3263Stack, DestinationGoesBeforeRouteAndRequestUri) {
  RawPeer good;
  start({srv("_sip._udp.next.test", "a.next.test", good.port(), 0),
         "host-record=a.next.test,127.0.0.1", "local-ttl=60"},
        short_timers(), /*warm=*/"next.test");
  auto request = outgoing("OPTIONS", "sip:bob@no-records.test", "dest-1");
  ASSERT_TRUE(request.put_back(message::HeaderId::kRoute, "<sip:route.no-records.test;lr>"));
  SendOptions options;
  options.destination = "sip:next.test";
  auto hop = stack_->next_hop(request, options.destination);
  ASSERT_TRUE(hop) << hop.error().reason;
  ASSERT_TRUE(hop->flow);
  EXPECT_EQ(hop->flow->remote.port(), good.port());
  auto by_route = stack_->next_hop(request);  // the Route's domain: not located
  ASSERT_TRUE(by_route) << by_route.error().reason;
  EXPECT_FALSE(by_route->flow);
  auto sent = stack_->send_request(request.clone(), options);
  ASSERT_TRUE(sent) << sent.error().reason;
  auto received = good.receive_message(3s);
  ASSERT_TRUE(received);
  EXPECT_EQ(received->call_id(), "dest-1");
  EXPECT_EQ(received->request_line().uri.text, "sip:bob@no-records.test");
  EXPECT_EQ(received->count(message::HeaderId::kRoute), 1u);
  EXPECT_EQ(received->to_string().find("next.test"), std::string::npos);
  good.send_to(port_, message::build_response(*received, 200)->to_string());
  ASSERT_TRUE(core_.wait_responses(1));
  EXPECT_EQ(core_.responses()[0].message.status_code(), 200);
  EXPECT_EQ(core_.responses()[0].transaction, *sent);

  auto ack = outgoing("ACK", "sip:bob@no-records.test", "dest-2");
  ASSERT_TRUE(stack_->send_stateless(ack, options));
  auto stateless = good.receive_message(3s);
  ASSERT_TRUE(stateless);
  EXPECT_EQ(stateless->call_id(), "dest-2");

  options.destination = "not a uri";
  EXPECT_FALSE(stack_->send_request(outgoing("OPTIONS", "sip:bob@127.0.0.1", "dest-3"), options));
  EXPECT_EQ(core_.error_count(), 0u);
}

// After the last target fails, the Core gets the one error.
TEST_F(Rfc3263Stack, ErrorAfterTheLastTarget) {
  start({srv("_sip._udp.dead.test", "a.dead.test", closed_port(), 0),
         srv("_sip._udp.dead.test", "b.dead.test", closed_port(), 1),
         "host-record=a.dead.test,127.0.0.1", "host-record=b.dead.test,127.0.0.1"},
        short_timers(10ms));
  auto sent = stack_->send_request(outgoing("OPTIONS", "sip:bob@dead.test", "fo-2"));
  ASSERT_TRUE(sent);
  ASSERT_TRUE(core_.wait_errors(1));
  EXPECT_EQ(core_.errors()[0].transaction, *sent);
  EXPECT_EQ(core_.errors()[0].error.reason, transaction::ErrorReason::kTransportError);
  EXPECT_FALSE(core_.wait_errors(2, 200ms));
}

// With failover_on_503, a 503 sends the request on; without, it is the
// outcome.
TEST_F(Rfc3263Stack, ServiceUnavailableFailsOverWhenConfigured) {
  RawPeer busy, good;
  StackConfig config = short_timers();
  config.failover_on_503 = true;
  start({srv("_sip._udp.busy.test", "a.busy.test", busy.port(), 0),
         srv("_sip._udp.busy.test", "b.busy.test", good.port(), 1),
         "host-record=a.busy.test,127.0.0.1", "host-record=b.busy.test,127.0.0.1"},
        config);
  auto sent = stack_->send_request(outgoing("OPTIONS", "sip:bob@busy.test", "fo-3"));
  ASSERT_TRUE(sent);
  auto first = busy.receive_message(3s);
  ASSERT_TRUE(first);
  busy.send_to(port_, message::build_response(*first, 503)->to_string());
  auto second = good.receive_message(3s);
  ASSERT_TRUE(second);
  good.send_to(port_, message::build_response(*second, 200)->to_string());
  ASSERT_TRUE(core_.wait_responses(1));
  EXPECT_EQ(core_.responses()[0].message.status_code(), 200);
  EXPECT_EQ(core_.responses()[0].transaction, *sent);
  EXPECT_FALSE(core_.wait_responses(2, 100ms));
}

TEST_F(Rfc3263Stack, ServiceUnavailableIsTheOutcomeByDefault) {
  RawPeer busy, good;
  start({srv("_sip._udp.busy.test", "a.busy.test", busy.port(), 0),
         srv("_sip._udp.busy.test", "b.busy.test", good.port(), 1),
         "host-record=a.busy.test,127.0.0.1", "host-record=b.busy.test,127.0.0.1"},
        short_timers());
  auto sent = stack_->send_request(outgoing("OPTIONS", "sip:bob@busy.test", "fo-4"));
  ASSERT_TRUE(sent);
  auto first = busy.receive_message(3s);
  ASSERT_TRUE(first);
  busy.send_to(port_, message::build_response(*first, 503)->to_string());
  ASSERT_TRUE(core_.wait_responses(1));
  EXPECT_EQ(core_.responses()[0].message.status_code(), 503);
  EXPECT_FALSE(good.receive(100ms));
}

// §4.3 / §9.1: after a failover, the CANCEL built from the Core's handle
// goes to the address the INVITE reached, with its branch.
TEST_F(Rfc3263Stack, CancelFollowsTheInviteAfterFailover) {
  RawPeer good;
  start({srv("_sip._udp.cancel.test", "a.cancel.test", closed_port(), 0),
         srv("_sip._udp.cancel.test", "b.cancel.test", good.port(), 1),
         "host-record=a.cancel.test,127.0.0.1", "host-record=b.cancel.test,127.0.0.1"},
        short_timers());
  auto invite = outgoing("INVITE", "sip:bob@cancel.test", "fo-5");
  (void)invite.put(message::HeaderId::kContact, "<sip:alice@127.0.0.1>");
  auto sent = stack_->send_request(std::move(invite));
  ASSERT_TRUE(sent);
  auto got = good.receive_message(6s);  // after ICMP, or Timer B should ICMP be rate-limited
  ASSERT_TRUE(got);
  good.send_to(port_, message::build_response(*got, 180)->to_string());
  ASSERT_TRUE(core_.wait_responses(1));
  EXPECT_EQ(core_.responses()[0].transaction, *sent);
  auto cancel = stack_->build_cancel(*sent);
  ASSERT_TRUE(cancel) << cancel.error().reason;
  ASSERT_TRUE(stack_->send_request(std::move(*cancel)));
  auto at_good = good.receive_message(3s);
  while (at_good && at_good->method() == message::Method::kInvite)  // retransmissions
    at_good = good.receive_message(3s);
  ASSERT_TRUE(at_good);
  EXPECT_EQ(at_good->method(), message::Method::kCancel);
  EXPECT_EQ(at_good->top_via()->branch, got->top_via()->branch);
}

// §5: a response whose Via names a host (no received) goes where SRV for
// the Via's transport says.
TEST_F(Rfc3263Stack, ResponseToSentByNameBySrv) {
  RawPeer client;
  start({srv("_sip._udp.client.test", "ua.client.test", client.port(), 0),
         "host-record=ua.client.test,127.0.0.1"});
  auto request = outgoing("OPTIONS", "sip:bob@127.0.0.1", "fo-6");
  (void)request.put(message::HeaderId::kVia, "SIP/2.0/UDP client.test;branch=z9hG4bKfo6");
  auto response = message::build_response(request, 200);
  ASSERT_TRUE(response);
  ASSERT_TRUE(stack_->send_stateless(*response));
  auto got = client.receive_message(3s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status_code(), 200);
}

// A UDP socket on [::1] (the IPv6 twin of RawPeer); fd < 0 without IPv6.
struct Ipv6Peer {
  Ipv6Peer() {
    fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_addr = in6addr_loopback;
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      if (fd >= 0) ::close(fd);
      fd = -1;
      return;
    }
    port = ntohs(address.sin6_port);
  }
  ~Ipv6Peer() {
    if (fd >= 0) ::close(fd);
  }
  std::optional<message::Message> receive(std::chrono::milliseconds timeout) const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    char buffer[65536];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return std::nullopt;
    auto parsed = message::parse_message(std::string_view(buffer, static_cast<std::size_t>(n)));
    if (!parsed) return std::nullopt;
    return std::move(parsed).value();
  }
  void send_to(std::uint16_t to, const std::string& text) const {
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_addr = in6addr_loopback;
    address.sin6_port = htons(to);
    ::sendto(fd, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&address),
             sizeof address);
  }
  int fd = -1;
  std::uint16_t port = 0;
};

// The answer needs another listener than the one our Via was written for
// while the name was resolved (an IPv6-only target; the Via named the IPv4
// listener): the request starts again from the IPv6 listener, with its Via,
// and the Core sees the answer on its handle.
TEST_F(Rfc3263Stack, Ipv6OnlyTargetGetsTheRightVia) {
  Ipv6Peer server;
  if (server.fd < 0) GTEST_SKIP() << "no IPv6 loopback";
  StackConfig config;
  config.listen.push_back(*transport::parse_listen_spec("udp:127.0.0.1:0"));
  config.listen.push_back(*transport::parse_listen_spec("udp:[::1]:0"));
  start({srv("_sip._udp.v6.test", "sip.v6.test", server.port, 0), "host-record=sip.v6.test,::1"},
        std::move(config));
  auto sent = stack_->send_request(outgoing("OPTIONS", "sip:bob@v6.test", "fo-8"));
  ASSERT_TRUE(sent) << sent.error().reason;
  auto request = server.receive(3s);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->top_via()->host, "[::1]");
  EXPECT_EQ(request->top_via()->port, stack_->local_endpoints()[1].port());
  server.send_to(stack_->local_endpoints()[1].port(),
                 message::build_response(*request, 200)->to_string());
  ASSERT_TRUE(core_.wait_responses(1));
  EXPECT_EQ(core_.responses()[0].transaction, *sent);
  EXPECT_EQ(core_.error_count(), 0u);
}

// §18.1.1 with RFC 3263: a request larger than 1300 octets to a domain
// whose URI names no transport leaves over TCP when the stack listens on
// TCP, so its lookup asks for TCP targets (_sip._tcp), though a UDP SRV
// record exists; a small one goes to the UDP target.
TEST_F(Rfc3263Stack, LargeRequestToDomainLooksUpTcpTargets) {
  RawPeer udp_server;
  const int tcp_server = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(tcp_server, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(tcp_server, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(tcp_server, 4), 0);
  socklen_t length = sizeof address;
  ::getsockname(tcp_server, reinterpret_cast<sockaddr*>(&address), &length);
  const std::uint16_t tcp_port = ntohs(address.sin_port);
  StackConfig config;
  config.listen.push_back(*transport::parse_listen_spec("udp:127.0.0.1:0"));
  config.listen.push_back(*transport::parse_listen_spec("tcp:127.0.0.1:0"));
  start({srv("_sip._udp.big.test", "sip.big.test", udp_server.port(), 0),
         srv("_sip._tcp.big.test", "sip.big.test", tcp_port, 0),
         "host-record=sip.big.test,127.0.0.1"},
        std::move(config));

  auto large = outgoing("MESSAGE", "sip:bob@big.test", "fo-9");
  large.set_body(std::string(2000, 'z'));
  ASSERT_TRUE(stack_->send_request(std::move(large)));
  pollfd p{tcp_server, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1) << "no TCP connection";
  const int connection = ::accept(tcp_server, nullptr, nullptr);
  ASSERT_GE(connection, 0);
  std::string got;
  while (got.find(std::string(2000, 'z')) == std::string::npos) {
    pollfd c{connection, POLLIN, 0};
    if (::poll(&c, 1, 5000) != 1) break;
    char chunk[8192];
    const ssize_t n = ::recv(connection, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    got.append(chunk, static_cast<std::size_t>(n));
  }
  EXPECT_NE(got.find("Via: SIP/2.0/TCP"), std::string::npos) << got.substr(0, 300);
  EXPECT_NE(got.find(std::string(2000, 'z')), std::string::npos);
  EXPECT_FALSE(udp_server.receive(0ms));

  ASSERT_TRUE(stack_->send_request(outgoing("OPTIONS", "sip:bob@big.test", "fo-10")));
  auto small = udp_server.receive_message(3s);
  ASSERT_TRUE(small);
  EXPECT_EQ(small->call_id(), "fo-10");
  ::close(connection);
  ::close(tcp_server);
}

// The DNS server is gone (a socket that never answers): send_request
// returns at once, and the timeout reaches the Core as an error.
TEST(Rfc3263DnsGone, TimeoutReachesTheCore) {
  RawPeer silent_dns;
  RecordingCore core;
  StackConfig config = testing::loopback_config();
  config.dns.servers = {transport::Endpoint::loopback_v4(silent_dns.port())};
  config.dns.timeout = 1000ms;
  config.dns.tries = 1;
  auto stack = Stack::create(std::move(config), core);
  ASSERT_TRUE(stack);
  const auto began = std::chrono::steady_clock::now();
  auto sent = (*stack)->send_request(outgoing("OPTIONS", "sip:bob@example.test", "fo-7"));
  EXPECT_LT(std::chrono::steady_clock::now() - began, 500ms);  // not the 1 s timeout
  ASSERT_TRUE(sent);
  ASSERT_TRUE(core.wait_errors(1, 3s));
  EXPECT_EQ(core.errors()[0].transaction, *sent);
  EXPECT_EQ(core.errors()[0].error.reason, transaction::ErrorReason::kTransportError);
  EXPECT_TRUE(silent_dns.receive(0ms));  // it was asked
  (*stack)->stop();
}

}  // namespace
}  // namespace sippet::stack
