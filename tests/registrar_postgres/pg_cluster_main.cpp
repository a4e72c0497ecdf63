// pg_cluster: the tests' throwaway PostgreSQL cluster (postgres_cluster.hpp)
// for shell tests. Prints the connection string of a new database, then
// waits for SIGTERM or SIGINT and stops the cluster. Exit 77 (skip) when
// PostgreSQL is not installed, saying why.
#include <signal.h>

#include <cstdio>

#include "../unit/registrar/postgres_cluster.hpp"

int main() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto& cluster = sippet::registrar::test::PostgresCluster::shared();
  if (!cluster.available()) {
    std::printf("unavailable: %s\n", cluster.why_unavailable().c_str());
    return 77;
  }
  std::string url = cluster.create_database("sippet_nodes");
  if (url.empty()) {
    std::printf("failed: createdb\n");
    return 1;
  }
  std::printf("%s\n", url.c_str());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  return 0;  // the cluster stops in its destructor
}
