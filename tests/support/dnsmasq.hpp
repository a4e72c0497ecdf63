#pragma once
// A dnsmasq (Debian `dnsmasq`) for tests: started on a free loopback port
// with only the records the test gives (--no-resolv, --local=/test/, so
// names under .test that it does not know are NXDOMAIN), in the
// foreground as a child of the test, stopped (SIGTERM, waited for) when
// destroyed. Its changeable hosts file (--addn-hosts) is re-read on
// reload() (SIGHUP).
#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace sippet::testing {

// A dnsmasq.conf SRV line (RFC 2782): name, target, port, priority, weight.
inline std::string srv(const std::string& name, const std::string& target, std::uint16_t port,
                       int priority, int weight = 0) {
  return "srv-host=" + name + "," + target + "," + std::to_string(port) + "," +
         std::to_string(priority) + "," + std::to_string(weight);
}

class Dnsmasq {
 public:
  // `lines`: dnsmasq.conf lines ("naptr-record=...", "srv-host=...",
  // "host-record=...", "local-ttl=1").
  explicit Dnsmasq(const std::vector<std::string>& lines) {
    char pattern[] = "/tmp/sippet-dnsmasq-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) return;
    dir_ = pattern;
    // A name only this instance knows: readiness is its answer, not that of
    // another test's dnsmasq that took the same port first.
    ready_name_ = "ready-" + std::to_string(::getpid()) + "-";
    for (const char c : dir_.substr(dir_.size() - 6))
      ready_name_ += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    hosts_ = dir_ + "/hosts";
    std::ofstream(hosts_).flush();
    port_ = free_port();
    if (port_ == 0) return;
    const std::string conf = dir_ + "/dnsmasq.conf";
    {
      std::ofstream out(conf);
      out << "listen-address=127.0.0.1\nbind-interfaces\n"
          << "no-resolv\nno-hosts\nlocal=/test/\npid-file=\n"
          << "addn-hosts=" << hosts_ << "\n"
          << "host-record=" << ready_name_ << ".test,127.0.0.9\n";
      // As whoever runs the test (root here): dnsmasq would switch to nobody.
      if (const passwd* user = ::getpwuid(::getuid())) out << "user=" << user->pw_name << "\n";
      if (const group* group = ::getgrgid(::getgid())) out << "group=" << group->gr_name << "\n";
      for (const auto& line : lines)
        out << line << "\n";
    }
    const std::string log = dir_ + "/log";
    // The port is free when chosen; should another process take it before
    // dnsmasq binds it, dnsmasq exits and another port is tried.
    for (int attempt = 0; attempt < 3 && !ready_; ++attempt) {
      if (attempt > 0) port_ = free_port();
      const std::string port_arg = "--port=" + std::to_string(port_);
      pid_ = ::fork();
      if (pid_ == 0) {
        std::string conf_arg = "--conf-file=" + conf;
        std::string log_arg = "--log-facility=" + log;
        ::execlp("dnsmasq", "dnsmasq", "--keep-in-foreground", conf_arg.c_str(), port_arg.c_str(),
                 "--log-queries", log_arg.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
      }
      ready_ = wait_ready();
      if (!ready_ && pid_ > 0) {
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
      }
    }
  }

  ~Dnsmasq() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  Dnsmasq(const Dnsmasq&) = delete;
  Dnsmasq& operator=(const Dnsmasq&) = delete;

  bool ready() const { return ready_; }
  std::uint16_t port() const { return port_; }
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string log() const {
    std::ifstream in(dir_ + "/log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // Replaces the hosts file ("192.0.2.1 name.test" lines) and has dnsmasq
  // read it again (SIGHUP); returns once dnsmasq answers `name` with
  // `address` (bounded).
  bool set_hosts(const std::string& text, const std::string& name, const std::string& address) {
    {
      std::ofstream out(hosts_, std::ios::trunc);
      out << text;
    }
    ::kill(pid_, SIGHUP);
    for (int i = 0; i < 100; ++i) {
      if (query_a(name) == address) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // The first A record dnsmasq gives for `name` ("" for none), asked
  // directly (a raw query, 200 ms at most).
  std::string query_a(const std::string& name) const {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return "";
    timeval timeout{0, 200000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string packet("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
    std::size_t start = 0;
    while (start <= name.size()) {
      std::size_t dot = name.find('.', start);
      if (dot == std::string::npos) dot = name.size();
      packet += static_cast<char>(dot - start);
      packet += name.substr(start, dot - start);
      start = dot + 1;
    }
    packet += std::string("\x00\x00\x01\x00\x01", 5);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port_);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    unsigned char answer[512];
    const ssize_t n = ::recv(fd, answer, sizeof answer, 0);
    ::close(fd);
    // One question echoed; the first answer's RDATA is its last 4 octets
    // when it is an A record (dnsmasq answers a single record here).
    if (n < static_cast<ssize_t>(packet.size()) + 16 || answer[7] == 0) return "";
    char text[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, answer + n - 4, text, sizeof text);
    return text;
  }

 private:
  // A port free for UDP and TCP on 127.0.0.1 (dnsmasq binds both).
  static std::uint16_t free_port() {
    for (int attempt = 0; attempt < 20; ++attempt) {
      const int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t length = sizeof address;
      if (::bind(udp, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
          ::getsockname(udp, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(udp);
        continue;
      }
      const int tcp = ::socket(AF_INET, SOCK_STREAM, 0);
      const bool both = ::bind(tcp, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
      ::close(tcp);
      ::close(udp);
      if (both) return ntohs(address.sin_port);
    }
    return 0;
  }

  bool wait_ready() {
    // Our own name's A record (another dnsmasq on this port would answer
    // NXDOMAIN for it).
    std::string query("\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
    query += static_cast<char>(ready_name_.size());
    query += ready_name_;
    query += std::string("\x04test\x00\x00\x01\x00\x01", 10);
    for (int i = 0; i < 50; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
      timeval timeout{0, 100000};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(port_);
      to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ::sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
      unsigned char answer[512];
      const ssize_t n = ::recv(fd, answer, sizeof answer, 0);
      ::close(fd);
      // RCODE 0 and at least one answer record.
      if (n >= 12 && (answer[3] & 0x0f) == 0 && ((answer[6] << 8) | answer[7]) > 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::string dir_;
  std::string hosts_;
  std::string ready_name_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  bool ready_ = false;
};

}  // namespace sippet::testing
