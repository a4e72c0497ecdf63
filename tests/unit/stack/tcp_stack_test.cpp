// The stack over real TCP sockets on loopback (RFC 3261 §18): responses on
// the request's connection, or on a new one to the Via's address once it
// has closed (§18.2.2); rejected stream messages answered; reliable
// transactions (no retransmissions, Timer K zero); a closed connection
// failing its transaction once; §18.1.1 large requests over TCP; sips:
// never over a transport that is not TLS.
#include <gtest/gtest.h>

#include "../transport/stream_test_support.hpp"
#include "sippet/message/builder.hpp"
#include "test_peer.hpp"

namespace sippet::stack {
namespace {

using namespace std::chrono_literals;
using testing::RecordingCore;
using transport::Endpoint;
using transport::Protocol;
using transport::RawClient;

// A TCP listening socket a test plays a remote element with.
class RawListener {
 public:
  explicit RawListener(std::uint16_t port = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage storage{};
    auto length = static_cast<socklen_t>(Endpoint::loopback_v4(port).to_sockaddr(storage));
    ::bind(fd_, reinterpret_cast<sockaddr*>(&storage), length);
    ::listen(fd_, 16);
    socklen_t got = sizeof storage;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&storage), &got);
    port_ = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), got)->port();
  }
  ~RawListener() {
    for (int fd : accepted_)
      ::close(fd);
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  // Accepts the next connection (bounded wait): its descriptor, or -1.
  int accept() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return -1;
    int fd = ::accept(fd_, nullptr, nullptr);
    timeval timeout{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    accepted_.push_back(fd);
    return fd;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::vector<int> accepted_;
};

// Reads from `fd` until `buffer` holds `text` (bounded by SO_RCVTIMEO).
bool read_until(int fd, std::string& buffer, std::string_view text) {
  while (buffer.find(text) == std::string::npos) {
    char chunk[65536];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  return true;
}

std::string tcp_request(std::string_view method, std::uint16_t to_port, std::string_view sent_by,
                        std::string_view call_id, std::size_t body = 0) {
  std::string m(method);
  return m + " sip:uas@127.0.0.1:" + std::to_string(to_port) +
         ";transport=tcp SIP/2.0\r\n"
         "Via: SIP/2.0/TCP " +
         std::string(sent_by) + ";branch=z9hG4bK-" + std::string(call_id) +
         "\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:alice@example.com>;tag=1\r\n"
         "To: <sip:uas@example.com>\r\n"
         "Call-ID: " +
         std::string(call_id) + "\r\nCSeq: 1 " + m + "\r\nContent-Length: " + std::to_string(body) +
         "\r\n\r\n" + std::string(body, 'b');
}

message::Message outgoing(std::string_view method, const std::string& uri, std::size_t body = 0) {
  auto request = message::build_request(method, uri).value();
  (void)request.put(message::HeaderId::kFrom, "<sip:alice@example.com>;tag=9");
  (void)request.put(message::HeaderId::kTo, "<" + uri + ">");
  (void)request.put(message::HeaderId::kCallId, message::create_call_id());
  (void)request.put(message::HeaderId::kCSeq, "1 " + std::string(method));
  (void)request.put(message::HeaderId::kMaxForwards, "70");
  if (body > 0) {
    (void)request.put(message::HeaderId::kContentType, "text/plain");
    request.set_body(std::string(body, 'z'));
  }
  return request;
}

class TcpStackTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> listen, bool manual_clock = false,
             std::optional<transport::StreamLimits> limits = std::nullopt) {
    StackConfig config;
    for (const auto& spec : listen)
      config.listen.push_back(*transport::parse_listen_spec(spec));
    config.threads = 2;
    if (limits) {
      // One worker: one transport, whose one timeout sweep sees every
      // connection (the idle tests order their events by it).
      config.threads = 1;
      transport::SocketTransportOptions options;
      options.stream = *limits;
      config.transports = *transport::make_socket_transport_factory(options);
    }
    config.logger = std::make_shared<StderrLogger>(LogLevel::kOff);
    if (manual_clock) {
      clock_ = std::make_shared<ManualClock>();
      config.manual_clock = clock_;
    }
    auto created = Stack::create(std::move(config), core_);
    ASSERT_TRUE(created) << created.error().reason;
    stack_ = std::move(*created);
  }
  Endpoint listener(std::size_t i = 0) const { return stack_->local_endpoints()[i]; }
  // Polls the stack's gauge (bounded): the connection is gone.
  bool wait_connections(std::uint64_t count) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (stack_->metrics().connections_open(Protocol::kTcp) != count) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::yield();
    }
    return true;
  }

  RecordingCore core_;
  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<Stack> stack_;
};

TEST_F(TcpStackTest, AnswersOnTheRequestsConnectionAndRejectsOversizeWith513) {
  start({"tcp:127.0.0.1:0"});
  core_.on_request = [this](const message::Message& request, std::optional<Transaction> t) {
    if (t) (void)stack_->send_response(std::move(message::build_response(request, 200).value()), t);
  };
  RawClient client(listener());
  ASSERT_TRUE(client.write(tcp_request("OPTIONS", listener().port(), "127.0.0.1:1", "a1")));
  ASSERT_TRUE(client.read_until("SIP/2.0 200"));
  ASSERT_TRUE(client.read_until("Call-ID: a1"));
  EXPECT_EQ(stack_->metrics().connections_open(Protocol::kTcp), 1u);
  std::string huge = tcp_request("OPTIONS", listener().port(), "127.0.0.1:1", "a2");
  huge.replace(huge.find("Content-Length: 0"), 17, "Content-Length: 10485760");
  ASSERT_TRUE(client.write(huge));
  ASSERT_TRUE(client.read_until("SIP/2.0 513"));
  ASSERT_TRUE(client.read_until("Call-ID: a2"));
  EXPECT_TRUE(client.read_until_closed());
  EXPECT_EQ(core_.request_count(), 1u);
}

TEST_F(TcpStackTest, AResponseAfterItsConnectionClosedGoesToTheViaAddress) {
  start({"tcp:127.0.0.1:0"});
  RawListener phone;  // the Via's sent-by: where §18.2.2 sends once it is closed
  {
    RawClient client(listener());
    ASSERT_TRUE(client.write(tcp_request("OPTIONS", listener().port(),
                                         "127.0.0.1:" + std::to_string(phone.port()), "b1")));
    ASSERT_TRUE(core_.wait_requests(1));
    ASSERT_TRUE(wait_connections(1));
  }
  ASSERT_TRUE(wait_connections(0));
  auto& request = core_.requests()[0];
  ASSERT_TRUE(stack_->send_response(
      std::move(message::build_response(request.message, 200).value()), request.transaction));
  int fd = phone.accept();
  ASSERT_GE(fd, 0);
  std::string got;
  ASSERT_TRUE(read_until(fd, got, "Call-ID: b1"));
  EXPECT_EQ(got.rfind("SIP/2.0 200", 0), 0u);
}

TEST_F(TcpStackTest, ReliableClientTransactionNeverRetransmitsAndEndsAtItsResponse) {
  start({"tcp:127.0.0.1:0"}, true);
  RawListener server;
  const std::string uri = "sip:bob@127.0.0.1:" + std::to_string(server.port()) + ";transport=tcp";
  auto sent = stack_->send_request(outgoing("OPTIONS", uri));
  ASSERT_TRUE(sent) << sent.error().reason;
  int fd = server.accept();
  ASSERT_GE(fd, 0);
  std::string got;
  ASSERT_TRUE(read_until(fd, got, "\r\n\r\n"));
  // Timer E would have retransmitted at 500 ms, 1.5 s, 3.5 s... over UDP.
  for (int i = 0; i < 20; ++i) {
    clock_->advance(500ms);
    stack_->fire_due_timers();
  }
  // A marker request on the same connection: nothing came before it.
  ASSERT_TRUE(stack_->send_request(outgoing("INFO", uri)));
  ASSERT_TRUE(read_until(fd, got, "INFO sip:"));
  EXPECT_EQ(got.find("OPTIONS sip:", 1), std::string::npos);
  auto options = message::parse_message(std::string_view(got).substr(0, got.find("INFO sip:")));
  ASSERT_TRUE(options) << options.error().reason;
  const std::string ok = message::build_response(*options, 200)->to_string();
  ASSERT_EQ(::send(fd, ok.data(), ok.size(), MSG_NOSIGNAL), static_cast<ssize_t>(ok.size()));
  ASSERT_TRUE(core_.wait_responses(1));
  // Timer K is zero on a reliable transport: the transaction is gone once
  // its response is delivered (the INFO still waits).
  EXPECT_EQ(stack_->metrics().alive(transaction::Kind::kClientNonInvite), 1u);
}

TEST_F(TcpStackTest, AConnectionClosedUnderATransactionFailsItOnce) {
  start({"tcp:127.0.0.1:0"}, true);
  RawListener server;
  const std::string uri = "sip:bob@127.0.0.1:" + std::to_string(server.port()) + ";transport=tcp";
  auto sent = stack_->send_request(outgoing("INVITE", uri));
  ASSERT_TRUE(sent);
  int fd = server.accept();
  ASSERT_GE(fd, 0);
  std::string got;
  ASSERT_TRUE(read_until(fd, got, "\r\n\r\n"));
  ::shutdown(fd, SHUT_RDWR);  // closed mid-transaction
  ASSERT_TRUE(core_.wait_errors(1));
  EXPECT_EQ(core_.errors()[0].transaction, *sent);
  EXPECT_EQ(core_.errors()[0].error.reason, transaction::ErrorReason::kTransportError);
  for (int i = 0; i < 70; ++i) {  // past Timer B
    clock_->advance(500ms);
    stack_->fire_due_timers();
  }
  EXPECT_EQ(core_.error_count(), 1u);
}

TEST_F(TcpStackTest, LargeRequestsGoOverTcpUnlessTheUriSaysUdp) {
  start({"udp:127.0.0.1:0", "tcp:127.0.0.1:0"});
  RawListener tcp;
  // The destination listens on UDP and TCP on one port number.
  int udp_fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_storage storage{};
  auto length = static_cast<socklen_t>(Endpoint::loopback_v4(tcp.port()).to_sockaddr(storage));
  ASSERT_EQ(::bind(udp_fd, reinterpret_cast<sockaddr*>(&storage), length), 0);
  timeval timeout{10, 0};
  ::setsockopt(udp_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  const std::string uri = "sip:bob@127.0.0.1:" + std::to_string(tcp.port());

  ASSERT_TRUE(stack_->send_request(outgoing("MESSAGE", uri, 2000)));  // > 1300: TCP
  int fd = tcp.accept();
  ASSERT_GE(fd, 0);
  std::string got;
  ASSERT_TRUE(read_until(fd, got, std::string(2000, 'z')));
  EXPECT_NE(got.find("Via: SIP/2.0/TCP"), std::string::npos);

  ASSERT_TRUE(stack_->send_request(outgoing("MESSAGE", uri, 100)));  // small: UDP
  char datagram[65536];
  ssize_t n = ::recv(udp_fd, datagram, sizeof datagram, 0);
  ASSERT_GT(n, 0);
  EXPECT_NE(std::string_view(datagram, n).find("Via: SIP/2.0/UDP"), std::string_view::npos);

  ASSERT_TRUE(stack_->send_request(outgoing("MESSAGE", uri + ";transport=udp", 2000)));
  n = ::recv(udp_fd, datagram, sizeof datagram, 0);
  ASSERT_GT(n, 2000);  // the URI chose UDP: it stays UDP
  EXPECT_NE(std::string_view(datagram, n).find("Via: SIP/2.0/UDP"), std::string_view::npos);
  ::close(udp_fd);
}

TEST_F(TcpStackTest, ALargeRequestRefusedOverTcpIsRetriedOverUdp) {
  start({"udp:127.0.0.1:0", "tcp:127.0.0.1:0"});
  // The destination answers on UDP; its TCP port is bound and not
  // listening, so a connection to it is refused (a TCP reset).
  // A UDP port whose TCP twin is free too (another process may hold the
  // TCP port of a free UDP one: try a few).
  int udp_fd = -1;
  int closed_tcp = -1;
  std::uint16_t port = 0;
  for (int attempt = 0; attempt < 50 && closed_tcp < 0; ++attempt) {
    udp_fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_storage storage{};
    auto length = static_cast<socklen_t>(Endpoint::loopback_v4(0).to_sockaddr(storage));
    ASSERT_EQ(::bind(udp_fd, reinterpret_cast<sockaddr*>(&storage), length), 0);
    socklen_t got_length = sizeof storage;
    ::getsockname(udp_fd, reinterpret_cast<sockaddr*>(&storage), &got_length);
    port = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), got_length)->port();
    closed_tcp = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::bind(closed_tcp, reinterpret_cast<sockaddr*>(&storage), got_length) != 0) {
      ::close(closed_tcp);
      ::close(udp_fd);
      closed_tcp = -1;
    }
  }
  ASSERT_GE(closed_tcp, 0) << "no port free on both UDP and TCP";
  timeval timeout{10, 0};
  ::setsockopt(udp_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  const std::string uri = "sip:bob@127.0.0.1:" + std::to_string(port);

  auto sent = stack_->send_request(outgoing("MESSAGE", uri, 2000));  // > 1300: TCP first
  ASSERT_TRUE(sent) << sent.error().reason;
  char datagram[65536];
  sockaddr_storage from{};
  socklen_t from_length = sizeof from;
  ssize_t n = ::recvfrom(udp_fd, datagram, sizeof datagram, 0, reinterpret_cast<sockaddr*>(&from),
                         &from_length);
  ASSERT_GT(n, 2000);
  auto request = message::parse_message(std::string_view(datagram, static_cast<std::size_t>(n)));
  ASSERT_TRUE(request) << request.error().reason;
  ASSERT_NE(request->top_via(), nullptr);
  EXPECT_EQ(request->top_via()->transport, "UDP");  // its Via says where it went
  const std::string ok = message::build_response(*request, 200)->to_string();
  ASSERT_EQ(
      ::sendto(udp_fd, ok.data(), ok.size(), 0, reinterpret_cast<sockaddr*>(&from), from_length),
      static_cast<ssize_t>(ok.size()));
  ASSERT_TRUE(core_.wait_responses(1));
  EXPECT_EQ(core_.responses()[0].message.status_code(), 200);
  EXPECT_EQ(core_.responses()[0].transaction, *sent);  // the Core's handle
  EXPECT_EQ(core_.error_count(), 0u);

  // A request the URI sends over TCP is not retried: the refusal is its
  // outcome.
  auto tcp = stack_->send_request(outgoing("MESSAGE", uri + ";transport=tcp", 2000));
  ASSERT_TRUE(tcp);
  ASSERT_TRUE(core_.wait_errors(1));
  EXPECT_EQ(core_.errors()[0].transaction, *tcp);
  EXPECT_EQ(core_.errors()[0].error.transport_error, std::errc::connection_refused);
  ::close(closed_tcp);
  ::close(udp_fd);
}

TEST_F(TcpStackTest, SipsOverAnythingButTlsIsRefused) {
  start({"udp:127.0.0.1:0", "tcp:127.0.0.1:0"});
  for (const char* uri :
       {"sips:bob@127.0.0.1:5061;transport=tcp", "sips:bob@127.0.0.1:5061;transport=udp"}) {
    auto sent = stack_->send_request(outgoing("OPTIONS", uri));
    ASSERT_FALSE(sent) << uri;
    EXPECT_EQ(sent.error().kind, message::ErrorKind::kNoRoute);
    EXPECT_NE(sent.error().reason.find("TLS"), std::string::npos) << sent.error().reason;
  }
  // No TLS listener: a sips: URI has no route (and never falls back).
  auto sent = stack_->send_request(outgoing("OPTIONS", "sips:bob@127.0.0.1:5061"));
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().kind, message::ErrorKind::kNoRoute);
}

// ---- The idle timeout counts transactions and kept flows, not only traffic.

transport::StreamLimits idle_limits() {
  transport::StreamLimits limits;
  limits.idle_timeout = 80ms;
  return limits;
}

// True when the peer of `fd` has closed it (or sent something) already.
bool readable_now(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

// Waits until an idle connection to the stack is closed, twice: the second
// one is opened after the first closed, so the sweep that closed the first
// has run to its end, and every connection silent since before the first
// was opened had passed its idle timeout in it.
void two_idle_connections_close(const Endpoint& stack) {
  for (int i = 0; i < 2; ++i) {
    RawClient idle(stack);
    ASSERT_TRUE(idle.connected());
    ASSERT_TRUE(idle.read_until_closed());
  }
}

TEST_F(TcpStackTest, AServerTransactionKeepsItsConnectionOpenUntilItEnds) {
  start({"tcp:127.0.0.1:0"}, true, idle_limits());  // manual clock: no 100 Trying, no Timer L
  RawClient ringing(listener());
  ASSERT_TRUE(ringing.write(tcp_request("INVITE", listener().port(), "127.0.0.1:1", "h1")));
  ASSERT_TRUE(core_.wait_requests(1));
  two_idle_connections_close(listener());
  EXPECT_FALSE(readable_now(ringing.fd()));  // silent, but its INVITE is pending
  auto& invite = core_.requests()[0];
  auto ok = message::build_response(invite.message, 200).value();
  (void)ok.put(message::HeaderId::kContact, "<sip:uas@127.0.0.1>");
  ASSERT_TRUE(stack_->send_response(std::move(ok), invite.transaction));
  ASSERT_TRUE(ringing.read_until("SIP/2.0 200"));
  two_idle_connections_close(listener());
  EXPECT_FALSE(readable_now(ringing.fd()));  // Accepted until Timer L (RFC 6026)
  clock_->advance(64 * 500ms);
  stack_->fire_due_timers();  // Timer L: the transaction ends
  EXPECT_TRUE(ringing.read_until_closed());
}

TEST_F(TcpStackTest, AClientTransactionKeepsItsConnectionOpenUntilItEnds) {
  start({"tcp:127.0.0.1:0"}, true, idle_limits());
  RawListener server;
  const std::string uri = "sip:bob@127.0.0.1:" + std::to_string(server.port()) + ";transport=tcp";
  ASSERT_TRUE(stack_->send_request(outgoing("INVITE", uri)));
  int fd = server.accept();
  ASSERT_GE(fd, 0);
  std::string got;
  ASSERT_TRUE(read_until(fd, got, "\r\n\r\n"));
  two_idle_connections_close(listener());
  EXPECT_FALSE(readable_now(fd));  // no answer yet: still open
  auto invite = message::parse_message(got);
  ASSERT_TRUE(invite) << invite.error().reason;
  const std::string busy = message::build_response(*invite, 486)->to_string();
  ASSERT_EQ(::send(fd, busy.data(), busy.size(), MSG_NOSIGNAL), static_cast<ssize_t>(busy.size()));
  ASSERT_TRUE(core_.wait_responses(1));
  // The ACK, then Timer D (zero over TCP) ends the transaction: the
  // connection is idle from then on.
  ASSERT_TRUE(read_until(fd, got, "ACK sip:"));
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) {
  }
  EXPECT_EQ(n, 0);  // closed by the stack (bounded by SO_RCVTIMEO)
}

TEST_F(TcpStackTest, AFlowKeptOpenOutlivesTheIdleTimeoutThenCloses) {
  start({"tcp:127.0.0.1:0"}, false, idle_limits());
  core_.on_request = [this](const message::Message& request, std::optional<Transaction> t) {
    if (t) (void)stack_->send_response(std::move(message::build_response(request, 200).value()), t);
  };
  RawClient bound(listener());  // a registrar's binding would refer to its flow
  ASSERT_TRUE(bound.write(tcp_request("REGISTER", listener().port(), "127.0.0.1:1", "k1")));
  ASSERT_TRUE(bound.read_until("SIP/2.0 200"));
  ASSERT_TRUE(core_.wait_requests(1));
  const auto kept_at = std::chrono::steady_clock::now();
  stack_->keep_flow_open(core_.requests()[0].flow, 2s);
  two_idle_connections_close(listener());
  EXPECT_FALSE(readable_now(bound.fd()));
  EXPECT_TRUE(bound.read_until_closed());  // once the 2 s have passed
  // The transport counts whole milliseconds.
  EXPECT_GE(std::chrono::steady_clock::now() - kept_at, 1998ms);
}

}  // namespace
}  // namespace sippet::stack
