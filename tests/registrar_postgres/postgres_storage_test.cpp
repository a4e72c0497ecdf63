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

class PostgresStartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = PostgresFactory::unavailable(); !why.empty()) GTEST_SKIP() << why;
  }
};

TEST_F(PostgresStartTest, NoServerIsAClearError) {
  // The cluster's port plus one: nothing listens there.
  auto storage = open_postgres_storage(
      "postgresql://sippet@127.0.0.1:" + std::to_string(PostgresCluster::shared().port() + 1) +
      "/x?connect_timeout=5");
  ASSERT_FALSE(storage.ok());
  EXPECT_EQ(storage.error().kind, message::ErrorKind::kStorageError);
  EXPECT_NE(storage.error().reason.find("cannot connect"), std::string::npos)
      << storage.error().reason;
}

TEST_F(PostgresStartTest, AnotherSchemaVersionIsAClearError) {
  PostgresCluster& cluster = PostgresCluster::shared();
  std::string db = cluster.create_database("version9");
  ASSERT_FALSE(db.empty());
  ASSERT_TRUE(open_postgres_storage(db).ok());  // creates the schema
  ASSERT_TRUE(cluster.psql("version9", "UPDATE sippet_schema SET version = 9"));
  auto storage = open_postgres_storage(db);
  ASSERT_FALSE(storage.ok());
  EXPECT_NE(storage.error().reason.find("schema version 9"), std::string::npos)
      << storage.error().reason;
}

TEST_F(PostgresStartTest, SchemaVersion1IsMigrated) {
  // Version 1 keyed a binding by (aor, contact) only.
  PostgresCluster& cluster = PostgresCluster::shared();
  std::string db = cluster.create_database("version1");
  ASSERT_FALSE(db.empty());
  ASSERT_TRUE(open_postgres_storage(db).ok());
  ASSERT_TRUE(cluster.psql("version1",
                           "ALTER TABLE bindings DROP CONSTRAINT bindings_pkey; "
                           "ALTER TABLE bindings ADD PRIMARY KEY (aor, contact); "
                           "UPDATE sippet_schema SET version = 1"));
  auto storage = open_postgres_storage(db);
  ASSERT_TRUE(storage.ok()) << storage.error().reason;
  Binding one = make_binding("sip:b@x", "sip:b@192.0.2.2;ob", 100), two = one;
  one.reg_id = 1;
  EXPECT_TRUE((*storage)->replace("sip:b@x", {one, two}).ok());
  auto again = open_postgres_storage(db);  // version 2 now
  ASSERT_TRUE(again.ok()) << again.error().reason;
  auto seen = (*again)->lookup("sip:b@x");
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->size(), 2u);
}

TEST_F(PostgresStartTest, TwoNodesShareBindings) {
  PostgresCluster& cluster = PostgresCluster::shared();
  std::string db = cluster.create_database("shared");
  ASSERT_FALSE(db.empty());
  auto node1 = open_postgres_storage(db);
  auto node2 = open_postgres_storage(db);
  ASSERT_TRUE(node1.ok() && node2.ok());
  ASSERT_TRUE((*node1)->replace("sip:a@x", {make_binding("sip:a@x", "sip:1@h", 100)}).ok());
  auto seen = (*node2)->lookup("sip:a@x");
  ASSERT_TRUE(seen.ok());
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ((*seen)[0], make_binding("sip:a@x", "sip:1@h", 100));
}

}  // namespace
}  // namespace sippet::registrar::test
