// RFC 3261 §18.2.2 / RFC 3263 §5 on real sockets, with dnsmasq on loopback
// (tests/support/dnsmasq.hpp): a response that cannot reach `received`
// (ICMP port unreachable over UDP, a refused connection over TCP) goes to
// the next address its top Via's sent-by is located at, the transaction's
// retransmissions follow it, and when none is left the Core hears of it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "../../support/dnsmasq.hpp"
#include "memory_peer.hpp"
#include "sippet/message/builder.hpp"
#include "sippet/stack/manual_clock.hpp"
#include "test_peer.hpp"

namespace sippet::stack {
namespace {

using namespace std::chrono_literals;
using sippet::testing::srv;
using testing::outgoing;
using testing::RawPeer;
using testing::RecordingCore;

// A UDP port nobody listens on (ICMP port unreachable).
std::uint16_t closed_udp_port() {
  RawPeer probe;
  const std::uint16_t port = probe.port();
  probe.close();
  return port;
}

class ResponseRoute : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& records, bool manual_clock = false, bool tcp = false) {
    dns_ = std::make_unique<sippet::testing::Dnsmasq>(records);
    ASSERT_TRUE(dns_->ready()) << "dnsmasq did not start";
    StackConfig config = testing::loopback_config();
    if (tcp) {
      config.listen.push_back(*transport::parse_listen_spec("tcp:127.0.0.1:0"));
      config.connection_closed = [this](const transport::Flow&) {
        std::lock_guard lock(closed_mutex_);
        closed_ = true;
        closed_changed_.notify_all();
      };
    }
    config.dns.servers = {*transport::Endpoint::parse(dns_->server())};
    config.dns.timeout = 500ms;
    if (manual_clock) config.manual_clock = clock_;
    auto created = Stack::create(std::move(config), core_);
    ASSERT_TRUE(created) << created.error().reason;
    stack_ = std::move(*created);
    port_ = stack_->local_endpoints()[0].port();
  }
  void TearDown() override {
    if (stack_) stack_->stop();
  }

  // A request from `from` whose top Via is `via` (with a branch), to us.
  std::string request(const std::string& method, const std::string& via,
                      const std::string& call_id) const {
    auto built = outgoing(method, "sip:bob@127.0.0.1:" + std::to_string(port_), call_id);
    (void)built.put(message::HeaderId::kVia, via + ";branch=z9hG4bK" + call_id);
    if (method == "INVITE") (void)built.put(message::HeaderId::kContact, "<sip:a@127.0.0.1>");
    return built.to_string();
  }

  // The request the Core got, answered with `status` once the sender's
  // socket is closed (its `received` address then draws ICMP).
  void answer_after_close(RawPeer& sender, int status) {
    ASSERT_TRUE(core_.wait_requests(1));
    sender.close();
    auto& got = core_.requests()[0];
    auto response = message::build_response(got.message, status);
    ASSERT_TRUE(response);
    ASSERT_TRUE(stack_->send_response(std::move(*response), got.transaction));
  }

  // A stream connection closed, as the stack saw it.
  bool wait_closed() {
    std::unique_lock lock(closed_mutex_);
    return closed_changed_.wait_for(lock, 5s, [this] { return closed_; });
  }

  std::mutex closed_mutex_;
  std::condition_variable closed_changed_;
  bool closed_ = false;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
  RecordingCore core_;
  std::unique_ptr<sippet::testing::Dnsmasq> dns_;
  std::unique_ptr<Stack> stack_;
  std::uint16_t port_ = 0;
};

// §5: the sent-by is a domain without a port: SRV _sip._udp. `received`
// (the sender's closed port) fails, the first SRV target too (a closed
// port), the second gets the response.
TEST_F(ResponseRoute, UdpResponseGoesToTheNextSrvTarget) {
  RawPeer sender, good;
  start({srv("_sip._udp.ua.test", "a.ua.test", closed_udp_port(), 0),
         srv("_sip._udp.ua.test", "b.ua.test", good.port(), 1), "host-record=a.ua.test,127.0.0.1",
         "host-record=b.ua.test,127.0.0.1"});
  sender.send_to(port_, request("OPTIONS", "SIP/2.0/UDP ua.test;rport", "rr-1"));
  answer_after_close(sender, 200);
  auto got = good.receive_message(5s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status_code(), 200);
  EXPECT_EQ(got->call_id(), "rr-1");
  EXPECT_EQ(got->top_via()->branch, "z9hG4bKrr-1");
  EXPECT_EQ(core_.error_count(), 0u);
}

// §5: a sent-by with a port: A/AAAA of the host on that port.
TEST_F(ResponseRoute, UdpResponseGoesToTheSentByPort) {
  RawPeer sender, good;
  start({"host-record=ua.test,127.0.0.1"});
  sender.send_to(
      port_,
      request("OPTIONS", "SIP/2.0/UDP ua.test:" + std::to_string(good.port()) + ";rport", "rr-2"));
  answer_after_close(sender, 200);
  auto got = good.receive_message(5s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->call_id(), "rr-2");
}

// A numeric sent-by is its own address (no DNS): the response that failed
// at the rport goes to the sent-by port.
TEST_F(ResponseRoute, UdpResponseGoesToANumericSentBy) {
  RawPeer sender, good;
  start({});
  sender.send_to(
      port_, request("OPTIONS", "SIP/2.0/UDP 127.0.0.1:" + std::to_string(good.port()) + ";rport",
                     "rr-3"));
  answer_after_close(sender, 200);
  auto got = good.receive_message(5s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->call_id(), "rr-3");
}

// The server INVITE transaction's retransmissions of its 486 (Timer G, on
// a manual clock) go to the address the response moved to; the ACK there
// ends them.
TEST_F(ResponseRoute, RetransmissionsFollowTheResponse) {
  RawPeer sender, good;
  start({"host-record=ua.test,127.0.0.1"}, /*manual_clock=*/true);
  sender.send_to(
      port_,
      request("INVITE", "SIP/2.0/UDP ua.test:" + std::to_string(good.port()) + ";rport", "rr-4"));
  answer_after_close(sender, 486);
  auto first = good.receive_message(5s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status_code(), 486);
  clock_->advance(500ms);  // Timer G = T1
  stack_->fire_due_timers();
  auto again = good.receive_message(5s);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status_code(), 486);
  EXPECT_EQ(again->call_id(), "rr-4");
  EXPECT_EQ(core_.error_count(), 0u);
}

// Every address fails: the server transaction fails with the transport
// error (RFC 3261 §17.2.4), once.
TEST_F(ResponseRoute, NoAddressLeftReachesTheCore) {
  RawPeer sender;
  start({srv("_sip._udp.ua.test", "a.ua.test", closed_udp_port(), 0),
         "host-record=a.ua.test,127.0.0.1"});
  sender.send_to(port_, request("OPTIONS", "SIP/2.0/UDP ua.test;rport", "rr-5"));
  answer_after_close(sender, 200);
  ASSERT_TRUE(core_.wait_errors(1));
  EXPECT_EQ(core_.errors()[0].error.reason, transaction::ErrorReason::kTransportError);
  EXPECT_TRUE(core_.errors()[0].transaction.is_server());
  EXPECT_FALSE(core_.wait_errors(2, 100ms));
}

// A TCP listening socket on 127.0.0.1 (port chosen by the kernel).
struct TcpServer {
  TcpServer() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd, 4);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
  }
  ~TcpServer() { ::close(fd); }
  // What the first connection carries until `wanted` appears (bounded).
  std::string accept_and_read(const std::string& wanted) const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) return {};
    const int connection = ::accept(fd, nullptr, nullptr);
    std::string got;
    while (got.find(wanted) == std::string::npos) {
      pollfd c{connection, POLLIN, 0};
      if (::poll(&c, 1, 5000) != 1) break;
      char chunk[4096];
      const ssize_t n = ::recv(connection, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      got.append(chunk, static_cast<std::size_t>(n));
    }
    ::close(connection);
    return got;
  }
  int fd = -1;
  std::uint16_t port = 0;
};

// §18.2.2 over TCP: the request's connection has closed, a new one to
// `received` and the rport is refused, so §5 locates the sent-by
// (SRV _sip._tcp) and the response arrives on a connection to it.
TEST_F(ResponseRoute, TcpRefusedConnectionGoesToTheSrvTarget) {
  TcpServer good;
  start({srv("_sip._tcp.ua.test", "b.ua.test", good.port, 0), "host-record=b.ua.test,127.0.0.1"},
        /*manual_clock=*/false, /*tcp=*/true);
  const std::uint16_t tcp_port = stack_->local_endpoints()[1].port();
  const int client = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(tcp_port);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const std::string text = request("OPTIONS", "SIP/2.0/TCP ua.test;rport", "rr-6");
  ASSERT_EQ(::send(client, text.data(), text.size(), 0), static_cast<ssize_t>(text.size()));
  ASSERT_TRUE(core_.wait_requests(1));
  ::close(client);  // the connection, and its port, are gone
  ASSERT_TRUE(wait_closed());
  auto& got = core_.requests()[0];
  auto response = message::build_response(got.message, 200);
  ASSERT_TRUE(response);
  ASSERT_TRUE(stack_->send_response(std::move(*response), got.transaction));
  const std::string at_good = good.accept_and_read("rr-6");
  EXPECT_NE(at_good.find("SIP/2.0 200"), std::string::npos) << at_good;
  EXPECT_NE(at_good.find("rr-6"), std::string::npos);
}

}  // namespace
}  // namespace sippet::stack
