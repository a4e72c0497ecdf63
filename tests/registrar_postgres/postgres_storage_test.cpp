// The storage suite (storage_suite.hpp) on PostgreSQL: a throwaway cluster
// started for this binary (postgres_cluster.hpp), one database per test.
// Skipped, saying why, when the PostgreSQL binaries are missing.
#include "../unit/registrar/postgres_cluster.hpp"
#include "../unit/registrar/storage_suite.hpp"

namespace sippet::registrar::test {
namespace {

struct PostgresFactory {
  static constexpr bool kKeyed = true;
  static std::string unavailable() {
    PostgresCluster& cluster = PostgresCluster::shared();
    return cluster.available() ? "" : cluster.why_unavailable();
  }
  static std::unique_ptr<Storage> make() {
    static int n = 0;
    PostgresCluster& cluster = PostgresCluster::shared();
    if (!cluster.available()) return nullptr;
    auto db = cluster.create_database("t" + std::to_string(++n));
    if (!db.empty()) {
      auto storage = open_postgres_storage(db);
      EXPECT_TRUE(storage.ok()) << (storage.ok() ? "" : storage.error().reason);
      if (storage.ok()) return std::move(*storage);
    }
    ADD_FAILURE() << "cannot create a database on the test cluster";
    return nullptr;
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StorageTest, PostgresFactory);

}  // namespace
}  // namespace sippet::registrar::test
