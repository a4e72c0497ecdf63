// The metrics HTTP server over loopback with raw TCP clients: scrapes,
// errors, garbage, slow clients and the connection cap. Every wait is for
// a socket event (data or the server's close), bounded.
#include "sippet/metrics/http_server.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sippet::metrics {
namespace {

using std::chrono::milliseconds;

class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  void send(std::string_view text) const { ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL); }
  // Everything until the server closes the connection; nullopt when it
  // does not within `timeout`.
  std::optional<std::string> read_to_close(milliseconds timeout = milliseconds(5000)) const {
    std::string text;
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return text;  // closed (or reset after the close)
      text.append(buffer, static_cast<std::size_t>(n));
    }
  }
  // True when nothing (no data, no close) arrives within `wait`.
  bool quiet(milliseconds wait) const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(wait.count())) == 0;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::string get(std::string_view target) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\n\r\n";
}

int status_of(const std::string& response) {
  if (response.size() < 12 || !response.starts_with("HTTP/1.1 ")) return 0;
  return std::stoi(response.substr(9, 3));
}

std::string body_of(const std::string& response) {
  auto end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions options = {}) {
    options.listen = transport::Endpoint::loopback_v4(0);
    HttpServer::Body body;
    body.text = [this] {
      ++scrapes_;
      return std::string("sippet_workers 2\n");
    };
    body.content_type = "text/plain; version=0.0.4; charset=utf-8";
    auto started = HttpServer::start(std::move(options), std::move(body));
    ASSERT_TRUE(started.ok()) << started.error().reason;
    server_ = std::move(started).value();
    port_ = server_->local_endpoint().port();
  }
  std::string exchange(std::string_view request) {
    Client client(port_);
    EXPECT_TRUE(client.connected());
    client.send(request);
    auto response = client.read_to_close();
    EXPECT_TRUE(response.has_value()) << "no close within the bound";
    return response.value_or("");
  }

  std::atomic<int> scrapes_{0};
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
};

TEST_F(HttpServerTest, GetMetricsAnswers200WithTheBodyAndCloses) {
  start();
  const std::string response = exchange(get("/metrics"));
  EXPECT_EQ(status_of(response), 200) << response;
  EXPECT_NE(response.find("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_NE(response.find("\r\nContent-Length: 17\r\n"), std::string::npos);
  EXPECT_NE(response.find("\r\nConnection: close\r\n"), std::string::npos);
  EXPECT_EQ(body_of(response), "sippet_workers 2\n");
  EXPECT_EQ(scrapes_.load(), 1);
  EXPECT_EQ(server_->stats().served, 1u);
}

TEST_F(HttpServerTest, QueryAbsoluteFormAndHttp10AreScrapesToo) {
  start();
  EXPECT_EQ(status_of(exchange(get("/metrics?name[]=x"))), 200);
  EXPECT_EQ(status_of(exchange(get("http://127.0.0.1:9090/metrics"))), 200);
  EXPECT_EQ(status_of(exchange("GET /metrics HTTP/1.0\r\n\r\n")), 200);
}

TEST_F(HttpServerTest, HeadAnswersTheHeadersOnly) {
  start();
  const std::string response = exchange("HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(status_of(response), 200);
  EXPECT_NE(response.find("\r\nContent-Length: 17\r\n"), std::string::npos);
  EXPECT_EQ(body_of(response), "");
}

TEST_F(HttpServerTest, OtherPathIs404) {
  start();
  EXPECT_EQ(status_of(exchange(get("/"))), 404);
  EXPECT_EQ(status_of(exchange(get("/metrics/x"))), 404);
  EXPECT_EQ(status_of(exchange(get("/metricsx"))), 404);
  EXPECT_EQ(scrapes_.load(), 0);
}

TEST_F(HttpServerTest, OtherMethodIs405WithAllow) {
  start();
  const std::string response =
      exchange("POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(status_of(response), 405);
  EXPECT_NE(response.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos);
}

TEST_F(HttpServerTest, MalformedRequestsAre400Or505) {
  start();
  EXPECT_EQ(status_of(exchange("GET /metrics\r\n\r\n")), 400);                       // no version
  EXPECT_EQ(status_of(exchange("GET  /metrics HTTP/1.1\r\nHost: a\r\n\r\n")), 400);  // two spaces
  EXPECT_EQ(status_of(exchange("GET /metrics HTTP/1.1\r\n\r\n")), 400);              // no Host
  EXPECT_EQ(status_of(exchange("GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")), 400);
  EXPECT_EQ(status_of(exchange("GET /metrics HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n")), 400);
  EXPECT_EQ(status_of(exchange("GET /metrics HTTP/1.1\r\nHost : a\r\n\r\n")), 400);
  EXPECT_EQ(status_of(exchange("GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n")),
            400);
  EXPECT_EQ(
      status_of(exchange("GET /metrics HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")),
      400);
  EXPECT_EQ(status_of(exchange("GET metrics HTTP/1.1\r\nHost: a\r\n\r\n")), 400);
  EXPECT_EQ(status_of(exchange("GET /metrics HTTP/2.0\r\nHost: a\r\n\r\n")), 505);
  EXPECT_EQ(status_of(exchange("GET /metrics HTTP/1.1\nHost: a\n\n")), 400);  // bare LF
  EXPECT_EQ(scrapes_.load(), 0);
}

TEST_F(HttpServerTest, GarbageIsAnswered400AtOnceAndClosed) {
  HttpServerOptions options;
  options.timeout = milliseconds(60000);  // the answer cannot come from the deadline
  start(options);
  // A TLS ClientHello's first octets, then binary noise; no line end.
  const std::string garbage("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00\xff", 13);
  const auto before = std::chrono::steady_clock::now();
  const std::string response = exchange(garbage);
  EXPECT_EQ(status_of(response), 400);
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(5));
  EXPECT_EQ(status_of(exchange("\x01\x02\x03\x04")), 400);
  EXPECT_EQ(
      status_of(exchange(std::string("GET /metrics HTTP/1.1\r\nHost: a") + '\0' + "\r\n\r\n")),
      400);
  EXPECT_EQ(server_->stats().rejected, 3u);
  // The server is still there.
  EXPECT_EQ(status_of(exchange(get("/metrics"))), 200);
}

TEST_F(HttpServerTest, OversizedRequestIs431AndClosed) {
  start();
  std::string request = "GET /metrics HTTP/1.1\r\nHost: a\r\n";
  while (request.size() < 20000)
    request += "X-Filler: " + std::string(100, 'x') + "\r\n";
  request += "\r\n";
  EXPECT_EQ(status_of(exchange(request)), 431);
  // Without an end in sight, too.
  EXPECT_EQ(status_of(exchange("GET /" + std::string(9000, 'a'))), 431);
  EXPECT_EQ(status_of(exchange(get("/metrics"))), 200);
}

TEST_F(HttpServerTest, SlowClientIsClosedAtTheDeadline) {
  HttpServerOptions options;
  options.timeout = milliseconds(200);
  start(options);
  Client slow(port_);
  ASSERT_TRUE(slow.connected());
  slow.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n");  // never finished
  const auto before = std::chrono::steady_clock::now();
  auto response = slow.read_to_close();
  ASSERT_TRUE(response.has_value()) << "not closed";
  EXPECT_EQ(*response, "");  // closed, no answer
  EXPECT_GE(std::chrono::steady_clock::now() - before, milliseconds(150));
  EXPECT_EQ(server_->stats().timed_out, 1u);
  EXPECT_EQ(scrapes_.load(), 0);

  Client silent(port_);  // connects and sends nothing
  ASSERT_TRUE(silent.connected());
  ASSERT_TRUE(silent.read_to_close().has_value());
  EXPECT_EQ(server_->stats().timed_out, 2u);
}

TEST_F(HttpServerTest, ConnectionsBeyondTheCapCloseTheOldestAndScrapesStillWork) {
  HttpServerOptions options;
  options.max_connections = 4;
  options.timeout = milliseconds(60000);  // only the cap closes them
  start(options);
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 12; ++i) {
    idle.push_back(std::make_unique<Client>(port_));
    ASSERT_TRUE(idle.back()->connected());
    idle.back()->send("GET /metr");  // and nothing more
  }
  // The server accepts in connection order: each one beyond the cap
  // closes the oldest still waiting for its request.
  for (int i = 0; i < 8; ++i) {
    auto response = idle[i]->read_to_close();
    ASSERT_TRUE(response.has_value()) << "connection " << i << " not closed";
    EXPECT_EQ(*response, "");
  }
  // A scrape still works (it closes the oldest idle one, number 8).
  EXPECT_EQ(status_of(exchange(get("/metrics"))), 200);
  ASSERT_TRUE(idle[8]->read_to_close().has_value());
  for (int i = 9; i < 12; ++i)
    EXPECT_TRUE(idle[i]->quiet(milliseconds(20))) << "connection " << i;
  EXPECT_EQ(server_->stats().accepted, 13u);
  EXPECT_EQ(server_->stats().evicted, 9u);
}

TEST_F(HttpServerTest, ManyGarbageClientsAtOnceDoNotStopScrapes) {
  HttpServerOptions options;
  options.max_connections = 8;
  options.timeout = milliseconds(1000);  // the incomplete ones that stay
  start(options);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 40; ++i) {
    clients.push_back(std::make_unique<Client>(port_));
    clients.back()->send(i % 2 ? std::string("\x80\x81garbage", 9) : std::string("BREW / HTCPCP"));
  }
  EXPECT_EQ(status_of(exchange(get("/metrics"))), 200);
  for (auto& client : clients)
    EXPECT_TRUE(client->read_to_close().has_value());
  EXPECT_EQ(status_of(exchange(get("/metrics"))), 200);
}

TEST_F(HttpServerTest, StopClosesOpenConnections) {
  start();
  Client idle(port_);
  idle.send("GET /");
  Client other(port_);
  server_->stop();
  EXPECT_TRUE(idle.read_to_close().has_value());
  EXPECT_TRUE(other.read_to_close().has_value());
  server_->stop();  // idempotent
}

TEST(HttpServerStart, BusyPortIsAnError) {
  HttpServerOptions options;
  options.listen = transport::Endpoint::loopback_v4(0);
  auto first = HttpServer::start(options, {[] { return std::string(); }, "text/plain"});
  ASSERT_TRUE(first.ok());
  options.listen = (*first)->local_endpoint();
  auto second = HttpServer::start(options, {[] { return std::string(); }, "text/plain"});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().reason.find("tcp:127.0.0.1:"), std::string::npos);
  EXPECT_NE(second.error().reason.find("in use"), std::string::npos);
}

}  // namespace
}  // namespace sippet::metrics
