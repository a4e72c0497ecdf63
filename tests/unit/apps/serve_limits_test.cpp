// `sippet serve` with the stream limits as flags (--max-connections,
// --max-connections-per-address, --max-message-size, --idle-timeout, ...):
// each flag reaches the TCP transport, and a bad value is a usage error
// (exit 2) naming the flag. The built binary runs on 127.0.0.1 with port 0;
// a raw TCP client talks to it.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

// A `sippet serve --mode uas` process listening on tcp:127.0.0.1:0.
class Server {
 public:
  explicit Server(const std::vector<std::string>& flags) {
    int out[2];
    if (::pipe(out) != 0) return;
    std::vector<std::string> args = {SIPPET_BINARY, "serve",           "--mode",    "uas",
                                     "--listen",    "tcp:127.0.0.1:0", "--threads", "1"};
    args.insert(args.end(), flags.begin(), flags.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<char*> argv;
      for (auto& arg : args)
        argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    // "sippet serve: uas listening on tcp:127.0.0.1:PORT (1 threads)"
    std::string text;
    char buffer[256];
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (text.find(" threads)") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssize_t n = ::read(out[0], buffer, sizeof buffer);
      if (n <= 0) break;
      text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    auto at = text.find("tcp:127.0.0.1:");
    if (at != std::string::npos) port_ = std::atoi(text.c_str() + at + 14);
  }
  ~Server() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// A connection to 127.0.0.1:port, from the loopback address `from` when
// given (127.0.0.2: another address of the same host).
int connect_to(int port, const char* from = nullptr) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (from != nullptr) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, from, &local.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      ::close(fd);
      return -1;
    }
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string options(std::size_t body_size, int n) {
  std::string body(body_size, 'x');
  return "OPTIONS sip:uas@127.0.0.1 SIP/2.0\r\n"
         "Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-limits-" +
         std::to_string(n) +
         "\r\n"
         "From: <sip:a@127.0.0.1>;tag=1\r\n"
         "To: <sip:uas@127.0.0.1>\r\n"
         "Call-ID: limits-" +
         std::to_string(n) +
         "\r\n"
         "CSeq: 1 OPTIONS\r\n"
         "Max-Forwards: 70\r\n"
         "Content-Type: text/plain\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// What the server sends until it has sent a whole status line or closes
// (or 10 s pass); "closed" when the connection ended with nothing.
std::string read_answer(int fd) {
  std::string text;
  char buffer[4096];
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (text.find("\r\n\r\n") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return text.empty() ? "closed" : text;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

// Whether the server ends the connection (EOF or reset) within `bound`.
bool closed_within(int fd, std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  char buffer[256];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    if (::recv(fd, buffer, sizeof buffer, 0) <= 0) return true;
  }
  return false;
}

std::string status_of(int port, std::size_t body_size, int n) {
  int fd = connect_to(port);
  if (fd < 0) return "no connection";
  std::string request = options(body_size, n);
  (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer = read_answer(fd);
  ::close(fd);
  return answer.substr(0, answer.find("\r\n"));
}

TEST(ServeLimits, MaxMessageSizeTakesEffect) {
  Server defaults({});
  Server limited({"--max-message-size", "1000"});
  ASSERT_NE(defaults.port(), 0);
  ASSERT_NE(limited.port(), 0);
  EXPECT_EQ(status_of(defaults.port(), 1200, 1), "SIP/2.0 200 OK");
  EXPECT_EQ(status_of(limited.port(), 1200, 2).substr(0, 11), "SIP/2.0 513");
  EXPECT_EQ(status_of(limited.port(), 100, 3), "SIP/2.0 200 OK");
}

TEST(ServeLimits, IdleTimeoutClosesAnIdleConnection) {
  Server server({"--idle-timeout", "100"});
  ASSERT_NE(server.port(), 0);
  const auto start = std::chrono::steady_clock::now();
  int fd = connect_to(server.port());
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(closed_within(fd, 10s));  // the default (120 s) would keep it
  // The server counts whole milliseconds from its accept().
  EXPECT_GE(std::chrono::steady_clock::now() - start, 98ms);
  ::close(fd);
}

TEST(ServeLimits, MaxConnectionsRefusesTheNextOne) {
  Server server({"--max-connections", "1"});
  ASSERT_NE(server.port(), 0);
  int first = connect_to(server.port());
  ASSERT_GE(first, 0);
  std::string request = options(0, 4);
  (void)::send(first, request.data(), request.size(), MSG_NOSIGNAL);
  EXPECT_EQ(read_answer(first).substr(0, 14), "SIP/2.0 200 OK");  // accepted, in the table
  int second = connect_to(server.port());
  ASSERT_GE(second, 0);  // the kernel accepts; the server closes it at once
  EXPECT_TRUE(closed_within(second, 10s));
  ::close(second);
  request = options(0, 5);
  (void)::send(first, request.data(), request.size(), MSG_NOSIGNAL);
  EXPECT_EQ(read_answer(first).substr(0, 14), "SIP/2.0 200 OK");  // unaffected
  ::close(first);
}

TEST(ServeLimits, MaxConnectionsPerAddressRefusesOnlyThatAddress) {
  Server server({"--max-connections-per-address", "1"});
  ASSERT_NE(server.port(), 0);
  int first = connect_to(server.port());
  ASSERT_GE(first, 0);
  std::string request = options(0, 6);
  (void)::send(first, request.data(), request.size(), MSG_NOSIGNAL);
  EXPECT_EQ(read_answer(first).substr(0, 14), "SIP/2.0 200 OK");  // accepted, counted
  int second = connect_to(server.port());
  ASSERT_GE(second, 0);  // the kernel accepts; the server closes it at once
  EXPECT_TRUE(closed_within(second, 10s));
  ::close(second);
  int other = connect_to(server.port(), "127.0.0.2");
  if (other < 0) {
    ::close(first);
    GTEST_SKIP() << "127.0.0.2 cannot be bound here";
  }
  request = options(0, 7);
  (void)::send(other, request.data(), request.size(), MSG_NOSIGNAL);
  EXPECT_EQ(read_answer(other).substr(0, 14), "SIP/2.0 200 OK");  // another address
  ::close(other);
  request = options(0, 8);
  (void)::send(first, request.data(), request.size(), MSG_NOSIGNAL);
  EXPECT_EQ(read_answer(first).substr(0, 14), "SIP/2.0 200 OK");  // unaffected
  ::close(first);
}

struct ServeRun {
  int exit_code = -1;
  std::string err;
};

ServeRun serve_with(const std::string& flags) {
  const std::string err =
      testing::TempDir() + "sippet_serve_limits_" + std::to_string(::getpid()) + "_err";
  const std::string cmd = std::string("'") + SIPPET_BINARY +
                          "' serve --mode uas --listen tcp:127.0.0.1:0 " + flags +
                          " >/dev/null 2>'" + err + "' </dev/null";
  const int status = std::system(cmd.c_str());
  ServeRun r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream file(err, std::ios::binary);
  r.err.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  std::remove(err.c_str());
  return r;
}

TEST(ServeLimits, BadValuesAreUsageErrors) {
  const char* const cases[][2] = {
      {"--idle-timeout 0", "--idle-timeout: '0' is not a whole number in [1, 86400000]"},
      {"--idle-timeout -5", "--idle-timeout: '-5'"},
      {"--idle-timeout 10s", "--idle-timeout: '10s'"},
      {"--max-connections abc", "--max-connections: 'abc'"},
      {"--max-connections 0", "--max-connections: '0'"},
      {"--max-connections-per-address 0", "--max-connections-per-address: '0'"},
      {"--max-message-size 10", "--max-message-size: '10' is not a whole number in [512,"},
      {"--max-queued-bytes 99999999999999999999", "--max-queued-bytes: '9999"},
      {"--message-timeout ''", "--message-timeout: ''"},
      {"--handshake-timeout", "--handshake-timeout needs a value"},
  };
  for (const auto& [flags, message] : cases) {
    ServeRun r = serve_with(flags);
    EXPECT_EQ(r.exit_code, 2) << flags;
    EXPECT_NE(r.err.find(message), std::string::npos) << flags << ": " << r.err;
  }
}

}  // namespace
