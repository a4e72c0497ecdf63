// The UAS core of `sippet serve --mode uas` (apps/sippet/uas_core.hpp) on a
// stack over the in-memory network, the clock in the test's hands:
// - many INVITEs at once over several workers, answered synchronously from
//   the receive callback: every one gets its 180 and its 200, nothing is
//   refused (the core logs a refused send as a warning, counted here);
// - the same over UDP loopback, with receive threads and with epoll: every
//   INVITE gets its 200;
// - a 2xx that the network loses is sent again (RFC 3261 §13.3.1.4) until
//   its ACK: the server transaction absorbs the INVITE's retransmissions
//   once a 2xx went out (RFC 6026 §7.1), so nothing else would answer.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "memory_peer.hpp"
#include "sippet/message/parser.hpp"
#include "sippet/stack/stack.hpp"
#include "uas_core.hpp"

namespace sippet::app {
namespace {

using stack::testing::at;
using stack::testing::kWait;
using stack::testing::next_message;
using stack::testing::request_text;
using std::chrono::milliseconds;
using transport::MemoryNetwork;
using transport::MemoryPeer;
using transport::Protocol;

// Counts the log lines at warning and above (a refused send).
class CountingLogger : public stack::Logger {
 public:
  bool enabled(stack::LogLevel level) const override { return level >= stack::LogLevel::kWarning; }
  void log(stack::LogLevel level, std::string_view) override {
    if (level >= stack::LogLevel::kWarning) warnings.fetch_add(1);
  }
  std::atomic<int> warnings{0};
};

constexpr char kUas[] = "10.0.0.1:5060";

class UasCoreTest : public ::testing::Test {
 protected:
  void start(unsigned threads) { start(threads, core_); }
  void start(unsigned threads, UasCore& core) {
    stack::StackConfig config;
    config.listen.push_back(transport::parse_listen_spec("udp:10.0.0.1:5060").value());
    config.threads = threads;
    config.logger = logger_;
    config.transports = network_;
    config.manual_clock = clock_;
    auto created = stack::Stack::create(std::move(config), core);
    ASSERT_TRUE(created.ok()) << created.error().reason;
    stack_ = std::move(created).value();
  }
  void TearDown() override { stack_.reset(); }

  // Returns once the workers handled what reached them before (the memory
  // transports deliver on the workers' io_context threads).
  void settle() {
    for (int i = 0; i < 3; ++i)
      stack_->fire_due_timers();
  }
  void advance(milliseconds by) {
    clock_->advance(by);
    stack_->fire_due_timers();
  }

  static std::string invite(const MemoryPeer& peer, const std::string& call_id) {
    const std::string via =
        "SIP/2.0/UDP " + peer.address().to_string() + ";branch=z9hG4bK" + call_id;
    return request_text("INVITE", "sip:uas@10.0.0.1:5060", via, call_id);
  }
  // The ACK for a 2xx (§13.2.2.4: a new transaction, the response's To tag).
  static std::string ack(const MemoryPeer& peer, const message::Message& ok) {
    const std::string call_id(ok.call_id());
    std::string text = "ACK sip:uas@10.0.0.1:5060 SIP/2.0\r\n";
    text +=
        "Via: SIP/2.0/UDP " + peer.address().to_string() + ";branch=z9hG4bKack" + call_id + "\r\n";
    text += "Max-Forwards: 70\r\n";
    text += "From: <sip:alice@example.com>;tag=1928301774\r\n";
    text += "To: <sip:bob@example.com>;tag=" + std::string(ok.to()->tag()) + "\r\n";
    text += "Call-ID: " + call_id + "\r\n";
    text += "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n";
    return text;
  }

  std::shared_ptr<MemoryNetwork> network_ = std::make_shared<MemoryNetwork>();
  std::shared_ptr<stack::ManualClock> clock_ = std::make_shared<stack::ManualClock>();
  std::shared_ptr<CountingLogger> logger_ = std::make_shared<CountingLogger>();
  UasCore core_{UasOptions{}, {Protocol::kUdp}};
  std::unique_ptr<stack::Stack> stack_;
};

TEST_F(UasCoreTest, ManyInvitesOverFourWorkersAreAllAnswered) {
  start(4);
  constexpr int kPeers = 4, kCalls = 150;
  std::atomic<int> unanswered{0}, send_errors{0}, unexpected{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < kPeers; ++p) {
    threads.emplace_back([&, p] {
      auto peer =
          network_->peer(Protocol::kUdp, at("10.0.1." + std::to_string(p + 1) + ":5060")).value();
      // Each peer's INVITEs all at once; then what comes back, by Call-ID.
      for (int c = 0; c < kCalls; ++c) {
        const std::string call_id = "load-" + std::to_string(p) + "-" + std::to_string(c);
        if (peer->send(at(kUas), invite(*peer, call_id))) send_errors.fetch_add(1);
      }
      std::map<std::string, std::vector<int>> codes;
      for (int i = 0; i < 2 * kCalls; ++i) {
        auto got = next_message(*peer, kWait);
        if (!got) break;
        codes[std::string(got->message.call_id())].push_back(got->message.status_code());
      }
      for (int c = 0; c < kCalls; ++c) {
        const auto& seen = codes["load-" + std::to_string(p) + "-" + std::to_string(c)];
        if (seen != std::vector<int>{180, 200}) {
          if (seen.empty() || seen.back() != 200)
            unanswered.fetch_add(1);
          else
            unexpected.fetch_add(1);
        }
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(send_errors.load(), 0);
  EXPECT_EQ(unanswered.load(), 0);
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(logger_->warnings.load(), 0);
}

// A caller on a UDP socket of 127.0.0.1 with a large receive buffer.
class UdpCaller {
 public:
  UdpCaller() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    int size = 4 << 20;  // best effort (net.core.rmem_max caps it)
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~UdpCaller() { ::close(fd_); }
  UdpCaller(const UdpCaller&) = delete;
  UdpCaller& operator=(const UdpCaller&) = delete;

  std::string sent_by() const { return "127.0.0.1:" + std::to_string(port_); }
  bool send(std::uint16_t to, const std::string& text) const {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(to);
    return ::sendto(fd_, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&address),
                    sizeof address) == static_cast<ssize_t>(text.size());
  }
  // The next message, or nullopt after `timeout` (a network wait).
  std::optional<message::Message> receive(milliseconds timeout) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    char buffer[65536];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) return std::nullopt;
    auto parsed = message::parse_message(std::string_view(buffer, static_cast<std::size_t>(n)));
    if (!parsed) return std::nullopt;
    return std::move(parsed).value();
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

std::string udp_request(std::string_view method, const UdpCaller& caller, std::uint16_t port,
                        const std::string& call_id, std::string_view branch,
                        std::string_view to_tag = {}) {
  std::string m(method);
  std::string text = m + " sip:uas@127.0.0.1:" + std::to_string(port) + " SIP/2.0\r\n";
  text += "Via: SIP/2.0/UDP " + caller.sent_by() + ";branch=z9hG4bK" + std::string(branch) + "\r\n";
  text += "Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=1928301774\r\n";
  text += "To: <sip:uas@example.com>";
  if (!to_tag.empty()) text += ";tag=" + std::string(to_tag);
  text += "\r\nCall-ID: " + call_id + "\r\nCSeq: 1 " + m + "\r\nContent-Length: 0\r\n\r\n";
  return text;
}

// Sockets read by receive threads (the default) or by the workers'
// io_context threads through epoll.
class UasCoreUdp : public ::testing::TestWithParam<bool> {};

TEST_P(UasCoreUdp, ManyInvitesOverFourWorkersAreAllAnswered) {
  auto logger = std::make_shared<CountingLogger>();
  UasCore core(UasOptions{}, {Protocol::kUdp});
  stack::StackConfig config;
  config.listen.push_back(transport::parse_listen_spec("udp:127.0.0.1:0").value());
  config.threads = 4;
  config.receive_threads = GetParam();
  config.logger = logger;
  auto created = stack::Stack::create(std::move(config), core);
  ASSERT_TRUE(created.ok()) << created.error().reason;
  auto stack = std::move(created).value();
  const std::uint16_t port = stack->local_endpoints().front().port();

  // Callers on threads of their own, each with up to kWindow calls
  // unanswered; every 200 is acknowledged. Bounded in calls and in time.
  constexpr int kCallers = 4, kCalls = 200, kWindow = 32;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::atomic<int> answered{0}, send_failures{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kCallers; ++c) {
    threads.emplace_back([&, c] {
      UdpCaller caller;
      std::map<std::string, bool> done;  // by Call-ID: its 200 came
      int next = 0, open = 0;
      while (std::chrono::steady_clock::now() < deadline &&
             static_cast<int>(done.size()) < kCalls) {
        while (next < kCalls && open < kWindow) {
          const std::string call_id = "udp-" + std::to_string(c) + "-" + std::to_string(next);
          if (!caller.send(port, udp_request("INVITE", caller, port, call_id, call_id)))
            send_failures.fetch_add(1);
          ++next;
          ++open;
        }
        auto response = caller.receive(milliseconds(1000));
        if (!response || response->status_code() != 200) continue;
        const std::string call_id(response->call_id());
        if (done.count(call_id) != 0) continue;  // a retransmission crossed our ACK
        done[call_id] = true;
        --open;
        answered.fetch_add(1);
        (void)caller.send(port, udp_request("ACK", caller, port, call_id, "ack" + call_id,
                                            response->to()->tag()));
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  stack->stop();
  EXPECT_EQ(send_failures.load(), 0);
  EXPECT_EQ(answered.load(), kCallers * kCalls);
  EXPECT_EQ(logger->warnings.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(UasCore, UasCoreUdp, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "ReceiveThreads" : "Epoll";
                         });

TEST_F(UasCoreTest, ResendsALost2xxUntilItsAck) {
  start(2);
  // The network loses the first 200 to the INVITE.
  std::atomic<int> lost{0};
  network_->drop_if([&lost](const transport::Flow&, std::string_view bytes) {
    return bytes.starts_with("SIP/2.0 200") && bytes.find("INVITE\r\n") != std::string_view::npos &&
           lost.fetch_add(1) == 0;
  });
  auto peer = network_->peer(Protocol::kUdp, at("10.0.0.2:5060")).value();
  ASSERT_FALSE(peer->send(at(kUas), invite(*peer, "lost-2xx")));
  auto ringing = next_message(*peer);
  ASSERT_TRUE(ringing.has_value());
  EXPECT_EQ(ringing->message.status_code(), 180);
  settle();  // the core is done with the INVITE: its 2xx waits for the ACK
  // Nothing before T1.
  advance(milliseconds(499));
  EXPECT_FALSE(peer->receive(milliseconds(50)).has_value());
  // At T1 the 2xx comes again (§13.3.1.4).
  advance(milliseconds(1));
  auto ok = next_message(*peer);
  ASSERT_TRUE(ok.has_value()) << "the lost 2xx was never sent again";
  EXPECT_EQ(ok->message.status_code(), 200);
  EXPECT_EQ(ok->message.to()->tag(), ringing->message.to()->tag());
  // Not acknowledged yet: again after 2*T1.
  advance(milliseconds(1000));
  auto again = next_message(*peer);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->message.status_code(), 200);
  // The ACK stops them.
  ASSERT_FALSE(peer->send(at(kUas), ack(*peer, ok->message)));
  settle();  // the ACK reached the core
  advance(milliseconds(4000));
  advance(milliseconds(4000));
  EXPECT_FALSE(peer->receive(milliseconds(50)).has_value());
  EXPECT_EQ(network_->dropped(), 1u);
  EXPECT_EQ(logger_->warnings.load(), 0);
}

// An INVITE through two proxies that record-route (§12.1.1).
constexpr char kRoutedInvite[] =
    "INVITE sip:uas@10.0.0.1:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKp2\r\n"
    "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKp1\r\n"
    "Record-Route: <sip:p2.example.com;lr>\r\n"
    "Record-Route: <sip:p1.example.com;lr>\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@example.com>;tag=1928301774\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: routed\r\n"
    "CSeq: 7 INVITE\r\n"
    "Content-Length: 0\r\n\r\n";

// The 180 and the final response as they leave (§8.2.6.1: every Via, From,
// To with our tag, Call-ID, CSeq; §12.1.1: a 101-299 response to the
// INVITE copies the Record-Route and adds our Contact), `tag` in place
// of the To tag the UAS chose.
std::string expected_response(std::string_view status, bool record_route, bool contact,
                              std::string_view tag) {
  std::string text = "SIP/2.0 " + std::string(status) + "\r\n";
  text += "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKp2\r\n";
  text += "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKp1\r\n";
  if (record_route) {
    text += "Record-Route: <sip:p2.example.com;lr>\r\n";
    text += "Record-Route: <sip:p1.example.com;lr>\r\n";
  }
  text += "From: <sip:alice@example.com>;tag=1928301774\r\n";
  text += "To: <sip:bob@example.com>;tag=" + std::string(tag) + "\r\n";
  text += "Call-ID: routed\r\nCSeq: 7 INVITE\r\n";
  if (contact) text += "Contact: <sip:sippet@10.0.0.1:5060>\r\n";
  text += "Content-Length: 0\r\n\r\n";
  return text;
}

TEST_F(UasCoreTest, The180AndThe2xxHaveTheSameFieldsTagAndContact) {
  start(1);
  auto peer = network_->peer(Protocol::kUdp, at("10.0.0.2:5060")).value();
  ASSERT_FALSE(peer->send(at(kUas), kRoutedInvite));
  auto ringing = peer->receive(kWait);
  ASSERT_TRUE(ringing.has_value());
  auto ok = peer->receive(kWait);
  ASSERT_TRUE(ok.has_value());
  auto parsed = message::parse_message(ringing->bytes);
  ASSERT_TRUE(parsed.ok()) << ringing->bytes;
  const std::string tag(parsed->to()->tag());
  EXPECT_FALSE(tag.empty());
  EXPECT_EQ(ringing->bytes, expected_response("180 Ringing", true, true, tag));
  EXPECT_EQ(ok->bytes, expected_response("200 OK", true, true, tag));
  EXPECT_EQ(logger_->warnings.load(), 0);
}

TEST_F(UasCoreTest, ANon2xxAnswerHasNoRecordRouteNorContact) {
  UasOptions options;
  options.answer = 486;
  UasCore busy{options, {Protocol::kUdp}};
  start(1, busy);
  auto peer = network_->peer(Protocol::kUdp, at("10.0.0.2:5060")).value();
  ASSERT_FALSE(peer->send(at(kUas), kRoutedInvite));
  auto ringing = peer->receive(kWait);
  ASSERT_TRUE(ringing.has_value());
  auto final_response = peer->receive(kWait);
  ASSERT_TRUE(final_response.has_value());
  auto parsed = message::parse_message(ringing->bytes);
  ASSERT_TRUE(parsed.ok()) << ringing->bytes;
  const std::string tag(parsed->to()->tag());
  EXPECT_EQ(ringing->bytes, expected_response("180 Ringing", true, true, tag));
  // §12.1.1 is for 101-299 responses: a 486 copies no Record-Route.
  EXPECT_EQ(final_response->bytes, expected_response("486 Busy Here", false, false, tag));
  stack_.reset();  // before `busy`
}

TEST_F(UasCoreTest, StopsResendingA2xxAfter64T1) {
  start(1);
  network_->drop_if([](const transport::Flow&, std::string_view bytes) {
    return bytes.starts_with("SIP/2.0 200");  // no 2xx ever arrives
  });
  auto peer = network_->peer(Protocol::kUdp, at("10.0.0.2:5060")).value();
  ASSERT_FALSE(peer->send(at(kUas), invite(*peer, "never-acked")));
  auto ringing = next_message(*peer);
  ASSERT_TRUE(ringing.has_value());
  settle();
  // T1, 2T1, 4T1, then T2 (8 T1) until 64 T1: 500+1000+2000+4000*7 ms.
  for (int i = 0; i < 80; ++i)
    advance(milliseconds(500));
  const std::size_t sent = network_->dropped();  // the first 2xx and its retransmissions
  EXPECT_EQ(sent, 1u + 10u);
  advance(milliseconds(8000));
  EXPECT_EQ(network_->dropped(), sent);
}

}  // namespace
}  // namespace sippet::app
