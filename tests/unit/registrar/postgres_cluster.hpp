#pragma once
// A throwaway PostgreSQL cluster for tests: initdb and pg_ctl in a temporary
// directory, listening on a free loopback port, trust authentication, run as
// an unprivileged user (postgres, else nobody) when the tests run as root.
// The binaries come from SIPPET_PG_BIN or /usr/lib/postgresql/15/bin; when
// they are missing the cluster is unavailable and says why.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace sippet::registrar::test {

class PostgresCluster {
 public:
  // One per test binary, stopped at exit.
  static PostgresCluster& shared() {
    static PostgresCluster cluster;
    return cluster;
  }

  bool available() const { return started_; }
  const std::string& why_unavailable() const { return why_; }

  // Creates database `name`; returns its connection string ("" on failure).
  std::string create_database(const std::string& name) {
    if (!run(bin_ + "/createdb -h 127.0.0.1 -p " + std::to_string(port_) + " -U sippet " + name))
      return "";
    return "postgresql://sippet@127.0.0.1:" + std::to_string(port_) + "/" + name;
  }

  // Runs `sql` with psql on database `name`; true when it succeeded.
  bool psql(const std::string& name, const std::string& sql) {
    return run(bin_ + "/psql -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " + std::to_string(port_) +
               " -U sippet -d " + name + " -c '" + sql + "'");
  }
  int port() const { return port_; }

  ~PostgresCluster() {
    if (started_) (void)run(bin_ + "/pg_ctl -D " + data() + " -m immediate -w stop");
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

 private:
  PostgresCluster() {
    const char* env = std::getenv("SIPPET_PG_BIN");
    bin_ = env ? env : "/usr/lib/postgresql/15/bin";
    if (::access((bin_ + "/initdb").c_str(), X_OK) != 0 ||
        ::access((bin_ + "/pg_ctl").c_str(), X_OK) != 0) {
      why_ = "PostgreSQL binaries (initdb, pg_ctl) not found in " + bin_ +
             " (Debian package postgresql; or set SIPPET_PG_BIN)";
      return;
    }
    char pattern[] = "/tmp/sippet-pg-XXXXXX";
    if (!::mkdtemp(pattern)) {
      why_ = "cannot make a temporary directory";
      return;
    }
    dir_ = pattern;
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("postgres");
      if (!pw) pw = ::getpwnam("nobody");
      if (!pw) {
        why_ = "running as root and no unprivileged user (postgres, nobody) to run PostgreSQL";
        return;
      }
      user_ = pw->pw_name;
      if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        why_ = "cannot give " + dir_ + " to " + user_;
        return;
      }
    }
    port_ = free_port();
    if (!run(bin_ + "/initdb -D " + data() + " -A trust -U sippet -N")) {
      why_ = "initdb failed (see " + dir_ + "/log)";
      return;
    }
    std::string options = "-k " + dir_ + " -p " + std::to_string(port_) +
                          " -c listen_addresses=127.0.0.1 -c fsync=off";
    if (!run(bin_ + "/pg_ctl -D " + data() + " -l " + dir_ + "/server.log -o '" + options +
             "' -w start")) {
      why_ = "pg_ctl start failed (see " + dir_ + "/server.log)";
      return;
    }
    started_ = true;
  }

  std::string data() const { return dir_ + "/data"; }

  // Runs a command as the cluster's user, its output to dir_/log.
  bool run(const std::string& command) const {
    std::string line = user_.empty() ? command : "runuser -u " + user_ + " -- " + command;
    line += " >>" + dir_ + "/log 2>&1";
    return std::system(line.c_str()) == 0;
  }

  static int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0)
      port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
  }

  std::string bin_;
  std::string dir_;
  std::string user_;
  std::string why_;
  int port_ = 0;
  bool started_ = false;
};

}  // namespace sippet::registrar::test
