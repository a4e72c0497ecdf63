#pragma once
// Where bindings are kept: an interface and its implementations (memory,
// SQLite, PostgreSQL). Every call is synchronous; errors are values of kind
// kStorageError with a readable reason, never exceptions.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sippet/message/result.hpp"
#include "sippet/registrar/binding.hpp"

namespace sippet::registrar {

class Storage {
 public:
  virtual ~Storage() = default;
  // Every binding of `aor` (expired ones included: the caller filters by time).
  virtual message::Result<std::vector<Binding>> lookup(std::string_view aor) = 0;
  // Makes `bindings` the whole set of `aor`, atomically: after an error,
  // the set is what it was before.
  virtual message::Result<void> replace(std::string_view aor,
                                        const std::vector<Binding>& bindings) = 0;
  // Several replace()s in one transaction: all are stored or none (one sync
  // for a burst of REGISTERs). The memory storage applies them in order.
  virtual message::Result<void> replace_batch(
      const std::vector<std::pair<std::string, std::vector<Binding>>>& sets);
  // Removes every binding whose expires_at <= now; returns how many.
  virtual message::Result<std::size_t> remove_expired(UnixSeconds now) = 0;
  // Every binding, ordered by address of record then contact.
  virtual message::Result<std::vector<Binding>> all() = 0;
};

std::unique_ptr<Storage> make_memory_storage();

// SQLite (WAL, prepared statements). The file is created with the schema on
// first use; a file that is not a database, cannot be opened or written, or
// holds a schema of another version is an error. Every write first checks
// that the file is still the one opened and writable: a file deleted,
// replaced or made read-only (no write permission bit) while open is an
// error, never a write into an unlinked file.
// Version 2 keys a binding by address of record, contact, +sip.instance
// and reg-id (RFC 5626: one Contact URI, several flows); a version 1
// database (keyed by address of record and contact) is migrated on open.
inline constexpr int kSchemaVersion = 2;
message::Result<std::unique_ptr<Storage>> open_sqlite_storage(const std::string& path);

// PostgreSQL, given a libpq connection string ("postgresql://host:port/db").
// The table is created on first use; a schema of another version is an error.
message::Result<std::unique_ptr<Storage>> open_postgres_storage(const std::string& conninfo);

}  // namespace sippet::registrar
