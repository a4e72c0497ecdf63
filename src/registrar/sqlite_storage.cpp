// Bindings in SQLite: one table, WAL journal, prepared statements, and the
// schema version in PRAGMA user_version (0: a new file, given the schema).
#include <sqlite3.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "sippet/registrar/storage.hpp"

namespace sippet::registrar {
namespace {

using message::Error;
using message::ErrorKind;
using message::Result;

Error storage_error(std::string reason) {
  return Error{ErrorKind::kStorageError, 0, 500, std::move(reason)};
}

constexpr const char* kCreateTable = R"sql(
CREATE TABLE bindings (
  aor TEXT NOT NULL,
  contact TEXT NOT NULL,
  params TEXT NOT NULL,
  q INTEGER NOT NULL,
  instance TEXT NOT NULL,
  reg_id INTEGER NOT NULL,
  call_id TEXT NOT NULL,
  cseq INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  path TEXT NOT NULL,
  flow TEXT NOT NULL,
  PRIMARY KEY (aor, contact, instance, reg_id)
);
CREATE INDEX bindings_expires_at ON bindings (expires_at);
PRAGMA user_version = 2;
)sql";

// Version 1 keyed a binding by (aor, contact) only: the same columns in a
// table with the version 2 key.
constexpr const char* kMigrateFrom1 = R"sql(
ALTER TABLE bindings RENAME TO bindings_v1;
DROP INDEX bindings_expires_at;
)sql";
constexpr const char* kMigrateFrom1End = R"sql(
INSERT INTO bindings SELECT * FROM bindings_v1;
DROP TABLE bindings_v1;
)sql";

constexpr const char* kColumns =
    "aor, contact, params, q, instance, reg_id, call_id, cseq, expires_at, path, flow";

class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }
  sqlite3_stmt** out() { return &stmt_; }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteStorage final : public Storage {
 public:
  explicit SqliteStorage(sqlite3* db) : db_(db) {}
  ~SqliteStorage() override {
    // Statements first: sqlite3_close refuses to close with any left.
    lookup_.reset();
    insert_.reset();
    delete_aor_.reset();
    delete_expired_.reset();
    all_.reset();
    begin_.reset();
    commit_.reset();
    rollback_.reset();
    sqlite3_close(db_);
  }

  Result<void> init(const std::string& path) {
    path_ = path;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
      return storage_error(path + ": cannot open: " + std::strerror(errno));
    device_ = st.st_dev;
    inode_ = st.st_ino;
    if (auto r = check_file(); !r) return r;
    if (sqlite3_db_readonly(db_, "main") == 1) return storage_error(path + ": read-only");
    if (auto r = exec("PRAGMA busy_timeout = 5000"); !r) return r;
    int version = 0;
    {
      Statement stmt;
      if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, stmt.out(), nullptr) != SQLITE_OK ||
          sqlite3_step(stmt.get()) != SQLITE_ROW)
        return storage_error(path + ": not a usable SQLite database: " + sqlite3_errmsg(db_));
      version = sqlite3_column_int(stmt.get(), 0);
    }
    if (auto r = exec("PRAGMA journal_mode = WAL"); !r) return r;
    if (auto r = exec("PRAGMA synchronous = FULL"); !r) return r;
    if (version == 0) {
      if (auto r = exec(std::string("BEGIN IMMEDIATE;") + kCreateTable + "COMMIT;"); !r) {
        (void)exec("ROLLBACK");
        return storage_error(path + ": cannot create the schema: " + r.error().reason);
      }
    } else if (version == 1) {
      if (auto r = exec(std::string("BEGIN IMMEDIATE;") + kMigrateFrom1 + kCreateTable +
                        kMigrateFrom1End + "COMMIT;");
          !r) {
        (void)exec("ROLLBACK");
        return storage_error(path + ": cannot migrate schema version 1 to " +
                             std::to_string(kSchemaVersion) + ": " + r.error().reason);
      }
    } else if (version != kSchemaVersion) {
      return storage_error(path + ": schema version " + std::to_string(version) +
                           ", this program uses version " + std::to_string(kSchemaVersion));
    }
    std::string select = std::string("SELECT ") + kColumns + " FROM bindings";
    std::string insert =
        std::string("INSERT INTO bindings (") + kColumns + ") VALUES (?,?,?,?,?,?,?,?,?,?,?)";
    for (auto [stmt, sql] : {
             std::pair{&lookup_, select + " WHERE aor = ? ORDER BY contact, instance, reg_id"},
             std::pair{&insert_, insert},
             std::pair{&delete_aor_, std::string("DELETE FROM bindings WHERE aor = ?")},
             std::pair{&delete_expired_, std::string("DELETE FROM bindings WHERE expires_at <= ?")},
             std::pair{&all_, select + " ORDER BY aor, contact, instance, reg_id"},
             std::pair{&begin_, std::string("BEGIN IMMEDIATE")},
             std::pair{&commit_, std::string("COMMIT")},
             std::pair{&rollback_, std::string("ROLLBACK")},
         }) {
      *stmt = std::make_unique<Statement>();
      if (sqlite3_prepare_v2(db_, sql.c_str(), -1, (*stmt)->out(), nullptr) != SQLITE_OK)
        return storage_error(path + ": " + sqlite3_errmsg(db_) + " in: " + sql);
    }
    return {};
  }

  Result<std::vector<Binding>> lookup(std::string_view aor) override {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* stmt = lookup_->get();
    sqlite3_reset(stmt);
    sqlite3_bind_text(stmt, 1, aor.data(), static_cast<int>(aor.size()), SQLITE_TRANSIENT);
    return read_rows(stmt);
  }

  Result<void> replace(std::string_view aor, const std::vector<Binding>& bindings) override {
    std::lock_guard lock(mutex_);
    if (auto r = check_file(); !r) return r;
    if (auto r = step_done(begin_->get()); !r) return r;
    auto r = replace_in_transaction(aor, bindings);
    if (!r) {
      (void)step_done(rollback_->get());
      return r;
    }
    if (auto c = step_done(commit_->get()); !c) {
      (void)step_done(rollback_->get());
      return c;
    }
    return {};
  }

  Result<void> replace_batch(
      const std::vector<std::pair<std::string, std::vector<Binding>>>& sets) override {
    std::lock_guard lock(mutex_);
    if (auto r = check_file(); !r) return r;
    if (auto r = step_done(begin_->get()); !r) return r;
    for (const auto& [aor, bindings] : sets) {
      if (auto r = replace_in_transaction(aor, bindings); !r) {
        (void)step_done(rollback_->get());
        return r;
      }
    }
    if (auto c = step_done(commit_->get()); !c) {
      (void)step_done(rollback_->get());
      return c;
    }
    return {};
  }

  Result<std::size_t> remove_expired(UnixSeconds now) override {
    std::lock_guard lock(mutex_);
    if (auto r = check_file(); !r) return r.error();
    sqlite3_stmt* stmt = delete_expired_->get();
    sqlite3_reset(stmt);
    sqlite3_bind_int64(stmt, 1, now);
    if (auto r = step_done(stmt); !r) return r.error();
    return static_cast<std::size_t>(sqlite3_changes(db_));
  }

  Result<std::vector<Binding>> all() override {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* stmt = all_->get();
    sqlite3_reset(stmt);
    return read_rows(stmt);
  }

 private:
  // The file opened is still there under its name, and writable: SQLite
  // itself would go on writing into a deleted file (its descriptor keeps
  // the inode) and, for root, into one whose permissions forbid writing.
  Result<void> check_file() const {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0)
      return storage_error(path_ + ": the database file is gone: " + std::strerror(errno));
    if (st.st_dev != device_ || st.st_ino != inode_)
      return storage_error(path_ + ": the database file was replaced by another file");
    if ((st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0)
      return storage_error(path_ + ": the database file is read-only");
    return {};
  }

  Result<void> exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string reason = message ? message : sqlite3_errmsg(db_);
      sqlite3_free(message);
      return storage_error(reason);
    }
    return {};
  }

  Result<void> step_done(sqlite3_stmt* stmt) {
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return storage_error(sqlite3_errmsg(db_));
    return {};
  }

  Result<void> replace_in_transaction(std::string_view aor, const std::vector<Binding>& bindings) {
    sqlite3_stmt* del = delete_aor_->get();
    sqlite3_reset(del);
    sqlite3_bind_text(del, 1, aor.data(), static_cast<int>(aor.size()), SQLITE_TRANSIENT);
    if (auto r = step_done(del); !r) return r;
    sqlite3_stmt* ins = insert_->get();
    for (const Binding& b : bindings) {
      sqlite3_reset(ins);
      auto text = [&](int i, const std::string& s) {
        sqlite3_bind_text(ins, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      };
      text(1, std::string(aor));
      text(2, b.contact);
      text(3, b.params);
      sqlite3_bind_int(ins, 4, b.q);
      text(5, b.instance);
      sqlite3_bind_int64(ins, 6, b.reg_id);
      text(7, b.call_id);
      sqlite3_bind_int64(ins, 8, b.cseq);
      sqlite3_bind_int64(ins, 9, b.expires_at);
      text(10, join_path(b.path));
      text(11, flow_to_text(b.flow));
      if (auto r = step_done(ins); !r) return r;
    }
    return {};
  }

  Result<std::vector<Binding>> read_rows(sqlite3_stmt* stmt) {
    std::vector<Binding> out;
    auto text = [&](int i) {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      return std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
    };
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      Binding b;
      b.aor = text(0);
      b.contact = text(1);
      b.params = text(2);
      b.q = sqlite3_column_int(stmt, 3);
      b.instance = text(4);
      b.reg_id = static_cast<std::uint32_t>(sqlite3_column_int64(stmt, 5));
      b.call_id = text(6);
      b.cseq = static_cast<std::uint32_t>(sqlite3_column_int64(stmt, 7));
      b.expires_at = sqlite3_column_int64(stmt, 8);
      b.path = split_path(text(9));
      auto flow = flow_from_text(text(10));
      if (!flow) {
        sqlite3_reset(stmt);
        return flow.error();
      }
      b.flow = *flow;
      out.push_back(std::move(b));
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return storage_error(sqlite3_errmsg(db_));
    return out;
  }

  std::mutex mutex_;
  sqlite3* db_;
  std::string path_;
  dev_t device_ = 0;
  ino_t inode_ = 0;
  std::unique_ptr<Statement> lookup_, insert_, delete_aor_, delete_expired_, all_, begin_, commit_,
      rollback_;
};

}  // namespace

Result<std::unique_ptr<Storage>> open_sqlite_storage(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string reason = path + ": cannot open: " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return storage_error(reason);
  }
  auto storage = std::make_unique<SqliteStorage>(db);
  if (auto r = storage->init(path); !r) return r.error();
  return std::unique_ptr<Storage>(std::move(storage));
}

}  // namespace sippet::registrar
