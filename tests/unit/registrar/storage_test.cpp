// The storage suite (storage_suite.hpp) on memory and SQLite, and what only
// SQLite has: a file that survives a reopen and the start-up errors.
#include <sqlite3.h>

#include <fstream>

#include "storage_suite.hpp"

namespace sippet::registrar::test {
namespace {

struct MemoryFactory {
  static constexpr bool kKeyed = false;
  static std::string unavailable() { return ""; }
  static std::unique_ptr<Storage> make() { return make_memory_storage(); }
};

// A directory removed at exit.
struct TempDir {
  explicit TempDir(const char* name) : path(temp_dir(name)) {}
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

struct SqliteFactory {
  static constexpr bool kKeyed = true;
  static std::string unavailable() { return ""; }
  static std::unique_ptr<Storage> make() {
    static int n = 0;
    static TempDir temp("sqlite");
    const fs::path& dir = temp.path;
    auto storage = open_sqlite_storage((dir / ("db" + std::to_string(++n))).string());
    EXPECT_TRUE(storage.ok()) << (storage.ok() ? "" : storage.error().reason);
    return storage.ok() ? std::move(*storage) : nullptr;
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Memory, StorageTest, MemoryFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StorageTest, SqliteFactory);

// SQLite only: durability across a reopen and the start-up errors.
class SqliteFileTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = temp_dir("sqlite-file"); }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(SqliteFileTest, BindingsSurviveAReopen) {
  std::string path = (dir_ / "registrar.db").string();
  {
    auto storage = open_sqlite_storage(path);
    ASSERT_TRUE(storage.ok()) << storage.error().reason;
    ASSERT_TRUE((*storage)->replace("sip:a@x", {make_binding("sip:a@x", "sip:1@h", 100)}).ok());
  }
  auto storage = open_sqlite_storage(path);
  ASSERT_TRUE(storage.ok()) << storage.error().reason;
  auto a = (*storage)->lookup("sip:a@x");
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0], make_binding("sip:a@x", "sip:1@h", 100));
}

// A file deleted, replaced or made read-only while open: every write is an
// error naming the cause (SQLite alone would write into the unlinked inode).
TEST_F(SqliteFileTest, WritesToADeletedFileAreErrors) {
  std::string path = (dir_ / "registrar.db").string();
  auto storage = open_sqlite_storage(path);
  ASSERT_TRUE(storage.ok()) << storage.error().reason;
  fs::remove(path);
  auto r = (*storage)->replace("sip:a@x", {make_binding("sip:a@x", "sip:1@h", 100)});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason.find("is gone"), std::string::npos) << r.error().reason;
  EXPECT_FALSE((*storage)->replace_batch({{"sip:a@x", {}}}).ok());
  EXPECT_FALSE((*storage)->remove_expired(1).ok());
}

TEST_F(SqliteFileTest, WritesToAReplacedFileAreErrors) {
  std::string path = (dir_ / "registrar.db").string();
  auto storage = open_sqlite_storage(path);
  ASSERT_TRUE(storage.ok()) << storage.error().reason;
  fs::rename(path, path + ".old");
  std::ofstream(path) << "";
  auto r = (*storage)->replace("sip:a@x", {make_binding("sip:a@x", "sip:1@h", 100)});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason.find("replaced"), std::string::npos) << r.error().reason;
}

TEST_F(SqliteFileTest, ReadOnlyFileIsAnErrorAtOpenAndWhileOpen) {
  std::string path = (dir_ / "registrar.db").string();
  auto storage = open_sqlite_storage(path);
  ASSERT_TRUE(storage.ok()) << storage.error().reason;
  fs::permissions(path, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  auto r = (*storage)->replace("sip:a@x", {make_binding("sip:a@x", "sip:1@h", 100)});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason.find("read-only"), std::string::npos) << r.error().reason;
  auto again = open_sqlite_storage(path);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().reason.find("read-only"), std::string::npos) << again.error().reason;
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  EXPECT_TRUE((*storage)->replace("sip:a@x", {make_binding("sip:a@x", "sip:1@h", 100)}).ok());
}

TEST_F(SqliteFileTest, NotADatabaseIsAClearError) {
  std::string path = (dir_ / "garbage.db").string();
  std::ofstream(path) << std::string(4096, 'x');
  auto storage = open_sqlite_storage(path);
  ASSERT_FALSE(storage.ok());
  EXPECT_EQ(storage.error().kind, message::ErrorKind::kStorageError);
  EXPECT_NE(storage.error().reason.find("not a usable SQLite database"), std::string::npos)
      << storage.error().reason;
}

TEST_F(SqliteFileTest, CannotOpenIsAClearError) {
  auto storage = open_sqlite_storage((dir_ / "no-such-dir" / "registrar.db").string());
  ASSERT_FALSE(storage.ok());
  EXPECT_NE(storage.error().reason.find("cannot open"), std::string::npos)
      << storage.error().reason;
}

TEST_F(SqliteFileTest, AnotherSchemaVersionIsAClearError) {
  std::string path = (dir_ / "v9.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "CREATE TABLE x (y); PRAGMA user_version = 9", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto storage = open_sqlite_storage(path);
  ASSERT_FALSE(storage.ok());
  EXPECT_NE(storage.error().reason.find("schema version 9"), std::string::npos)
      << storage.error().reason;
}

TEST_F(SqliteFileTest, SchemaVersion1IsMigrated) {
  // Version 1: the same columns keyed by (aor, contact) only.
  std::string path = (dir_ / "v1.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE bindings (aor TEXT NOT NULL, contact TEXT NOT NULL, "
                         "params TEXT NOT NULL, q INTEGER NOT NULL, instance TEXT NOT NULL, "
                         "reg_id INTEGER NOT NULL, call_id TEXT NOT NULL, cseq INTEGER NOT NULL, "
                         "expires_at INTEGER NOT NULL, path TEXT NOT NULL, flow TEXT NOT NULL, "
                         "PRIMARY KEY (aor, contact));"
                         "CREATE INDEX bindings_expires_at ON bindings (expires_at);"
                         "INSERT INTO bindings VALUES ('sip:a@x', 'sip:a@192.0.2.1', '', -1, "
                         "'', 0, 'c1', 3, 4000000000, '', 'UDP|127.0.0.1:5060|127.0.0.1:5070|0');"
                         "PRAGMA user_version = 1",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto storage = open_sqlite_storage(path);
  ASSERT_TRUE(storage.ok()) << storage.error().reason;
  auto kept = (*storage)->lookup("sip:a@x");
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ((*kept)[0].call_id, "c1");
  EXPECT_EQ((*kept)[0].cseq, 3u);
  // The version 2 key: one contact, two reg-ids.
  Binding one = make_binding("sip:b@x", "sip:b@192.0.2.2;ob", 100), two = one;
  one.reg_id = 1;
  EXPECT_TRUE((*storage)->replace("sip:b@x", {one, two}).ok());
  storage->reset();
  auto reopened = open_sqlite_storage(path);
  ASSERT_TRUE(reopened.ok()) << reopened.error().reason;
  auto all = (*reopened)->all();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
}

TEST_F(SqliteFileTest, UsesWal) {
  std::string path = (dir_ / "wal.db").string();
  {
    auto storage = open_sqlite_storage(path);
    ASSERT_TRUE(storage.ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

}  // namespace
}  // namespace sippet::registrar::test
