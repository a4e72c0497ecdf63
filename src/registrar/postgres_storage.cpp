// Bindings in PostgreSQL (libpq): one connection, prepared statements, each
// replace() one transaction. The schema version is a row of sippet_schema;
// the first node to start creates the tables, under an advisory lock so
// that several nodes starting together create them once.
#include <libpq-fe.h>

#include <charconv>
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

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

constexpr const char* kColumns =
    "aor, contact, params, q, instance, reg_id, call_id, cseq, expires_at, path, flow";

constexpr const char* kCreateSchema = R"sql(
CREATE TABLE sippet_schema (version integer NOT NULL);
INSERT INTO sippet_schema VALUES (2);
CREATE TABLE bindings (
  aor text NOT NULL,
  contact text NOT NULL,
  params text NOT NULL,
  q integer NOT NULL,
  instance text NOT NULL,
  reg_id bigint NOT NULL,
  call_id text NOT NULL,
  cseq bigint NOT NULL,
  expires_at bigint NOT NULL,
  path text NOT NULL,
  flow text NOT NULL,
  PRIMARY KEY (aor, contact, instance, reg_id)
);
CREATE INDEX bindings_expires_at ON bindings (expires_at);
)sql";

// Version 1 keyed a binding by (aor, contact) only.
constexpr const char* kMigrateFrom1 = R"sql(
ALTER TABLE bindings DROP CONSTRAINT bindings_pkey;
ALTER TABLE bindings ADD PRIMARY KEY (aor, contact, instance, reg_id);
UPDATE sippet_schema SET version = 2;
)sql";

// Any number that fits, or 0 (the columns are NOT NULL and written by us).
template <class T>
T number(const char* text) {
  T value{};
  std::string_view s(text);
  std::from_chars(s.data(), s.data() + s.size(), value);
  return value;
}

class PostgresStorage final : public Storage {
 public:
  explicit PostgresStorage(PGconn* conn) : conn_(conn) {}
  ~PostgresStorage() override { PQfinish(conn_); }

  Result<void> init() {
    if (auto r = command("BEGIN"); !r) return r;
    auto r = create_or_check();
    if (!r) {
      (void)command("ROLLBACK");
      return r;
    }
    if (auto c = command("COMMIT"); !c) return c;
    std::string select = std::string("SELECT ") + kColumns + " FROM bindings";
    std::string insert = std::string("INSERT INTO bindings (") + kColumns +
                         ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)";
    for (auto [name, sql, n] : {
             std::tuple{"lookup",
                        select + " WHERE aor = $1 ORDER BY contact COLLATE \"C\", instance COLLATE "
                                 "\"C\", reg_id",
                        1},
             std::tuple{"insert", insert, 11},
             std::tuple{"delete_aor", std::string("DELETE FROM bindings WHERE aor = $1"), 1},
             std::tuple{"delete_expired",
                        std::string("DELETE FROM bindings WHERE expires_at <= $1"), 1},
             std::tuple{"all",
                        select + " ORDER BY aor COLLATE \"C\", contact COLLATE \"C\", instance "
                                 "COLLATE \"C\", reg_id",
                        0},
         }) {
      PgResult res(PQprepare(conn_, name, sql.c_str(), n, nullptr));
      if (PQresultStatus(res.get()) != PGRES_COMMAND_OK)
        return storage_error(std::string("PostgreSQL: ") + PQerrorMessage(conn_));
    }
    return {};
  }

  Result<std::vector<Binding>> lookup(std::string_view aor) override {
    std::lock_guard lock(mutex_);
    std::string key(aor);
    const char* params[] = {key.c_str()};
    return read_rows(prepared("lookup", 1, params));
  }

  Result<void> replace(std::string_view aor, const std::vector<Binding>& bindings) override {
    std::lock_guard lock(mutex_);
    if (auto r = command("BEGIN"); !r) return r;
    auto r = replace_in_transaction(aor, bindings);
    if (r) r = command("COMMIT");
    if (!r) (void)command("ROLLBACK");
    return r;
  }

  Result<void> replace_batch(
      const std::vector<std::pair<std::string, std::vector<Binding>>>& sets) override {
    std::lock_guard lock(mutex_);
    if (auto r = command("BEGIN"); !r) return r;
    Result<void> r;
    for (const auto& [aor, bindings] : sets)
      if (r = replace_in_transaction(aor, bindings); !r) break;
    if (r) r = command("COMMIT");
    if (!r) (void)command("ROLLBACK");
    return r;
  }

  Result<std::size_t> remove_expired(UnixSeconds now) override {
    std::lock_guard lock(mutex_);
    std::string time = std::to_string(now);
    const char* params[] = {time.c_str()};
    PgResult res = prepared("delete_expired", 1, params);
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) return error();
    return number<std::size_t>(PQcmdTuples(res.get()));
  }

  Result<std::vector<Binding>> all() override {
    std::lock_guard lock(mutex_);
    return read_rows(prepared("all", 0, nullptr));
  }

 private:
  Error error() const { return storage_error(std::string("PostgreSQL: ") + PQerrorMessage(conn_)); }

  Result<void> command(const char* sql) {
    PgResult res(PQexec(conn_, sql));
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) return error();
    return {};
  }

  PgResult prepared(const char* name, int n, const char* const* params) {
    return PgResult(PQexecPrepared(conn_, name, n, params, nullptr, nullptr, 0));
  }

  Result<void> create_or_check() {
    // One creator at a time across every node (any constant key).
    PgResult lock(PQexec(conn_, "SELECT pg_advisory_xact_lock(5060)"));
    if (PQresultStatus(lock.get()) != PGRES_TUPLES_OK) return error();
    PgResult exists(PQexec(conn_, "SELECT to_regclass('sippet_schema') IS NOT NULL"));
    if (PQresultStatus(exists.get()) != PGRES_TUPLES_OK) return error();
    if (std::string_view(PQgetvalue(exists.get(), 0, 0)) != "t") {
      PgResult created(PQexec(conn_, kCreateSchema));
      if (PQresultStatus(created.get()) != PGRES_COMMAND_OK)
        return storage_error(std::string("PostgreSQL: cannot create the schema: ") +
                             PQerrorMessage(conn_));
      return {};
    }
    PgResult version(PQexec(conn_, "SELECT version FROM sippet_schema"));
    if (PQresultStatus(version.get()) != PGRES_TUPLES_OK) return error();
    int v = PQntuples(version.get()) == 1 ? number<int>(PQgetvalue(version.get(), 0, 0)) : -1;
    if (v == 1) {
      PgResult migrated(PQexec(conn_, kMigrateFrom1));
      if (PQresultStatus(migrated.get()) != PGRES_COMMAND_OK)
        return storage_error(std::string("PostgreSQL: cannot migrate schema version 1: ") +
                             PQerrorMessage(conn_));
      return {};
    }
    if (v != kSchemaVersion)
      return storage_error("PostgreSQL: schema version " + std::to_string(v) +
                           ", this program uses version " + std::to_string(kSchemaVersion));
    return {};
  }

  Result<void> replace_in_transaction(std::string_view aor, const std::vector<Binding>& bindings) {
    std::string key(aor);
    const char* del[] = {key.c_str()};
    PgResult res = prepared("delete_aor", 1, del);
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) return error();
    for (const Binding& b : bindings) {
      std::string values[] = {key,
                              b.contact,
                              b.params,
                              std::to_string(b.q),
                              b.instance,
                              std::to_string(b.reg_id),
                              b.call_id,
                              std::to_string(b.cseq),
                              std::to_string(b.expires_at),
                              join_path(b.path),
                              flow_to_text(b.flow)};
      const char* params[11];
      for (int i = 0; i < 11; ++i)
        params[i] = values[i].c_str();
      PgResult ins = prepared("insert", 11, params);
      if (PQresultStatus(ins.get()) != PGRES_COMMAND_OK) return error();
    }
    return {};
  }

  Result<std::vector<Binding>> read_rows(PgResult res) {
    if (PQresultStatus(res.get()) != PGRES_TUPLES_OK) return error();
    std::vector<Binding> out;
    int rows = PQntuples(res.get());
    out.reserve(static_cast<std::size_t>(rows));
    for (int row = 0; row < rows; ++row) {
      auto text = [&](int col) {
        return std::string(PQgetvalue(res.get(), row, col),
                           static_cast<std::size_t>(PQgetlength(res.get(), row, col)));
      };
      Binding b;
      b.aor = text(0);
      b.contact = text(1);
      b.params = text(2);
      b.q = number<int>(PQgetvalue(res.get(), row, 3));
      b.instance = text(4);
      b.reg_id = number<std::uint32_t>(PQgetvalue(res.get(), row, 5));
      b.call_id = text(6);
      b.cseq = number<std::uint32_t>(PQgetvalue(res.get(), row, 7));
      b.expires_at = number<UnixSeconds>(PQgetvalue(res.get(), row, 8));
      b.path = split_path(text(9));
      auto flow = flow_from_text(text(10));
      if (!flow) return flow.error();
      b.flow = *flow;
      out.push_back(std::move(b));
    }
    return out;
  }

  std::mutex mutex_;
  PGconn* conn_;
};

}  // namespace

Result<std::unique_ptr<Storage>> open_postgres_storage(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (!conn) return storage_error("PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string reason = std::string("PostgreSQL: cannot connect: ") + PQerrorMessage(conn);
    PQfinish(conn);
    return storage_error(reason);
  }
  auto storage = std::make_unique<PostgresStorage>(conn);
  if (auto r = storage->init(); !r) return r.error();
  return std::unique_ptr<Storage>(std::move(storage));
}

}  // namespace sippet::registrar
