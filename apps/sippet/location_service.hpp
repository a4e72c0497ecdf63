#pragma once
// The registrar of `sippet serve` (docs/registrar.md, "The program"):
// REGISTERs are processed and stored by a writer thread, in batches of one
// transaction each, and a REGISTER's 200 is sent only once its batch is
// committed (durable). Workers never wait for the disk:
// - memory and SQLite: bindings for routing come from an in-memory mirror,
//   loaded at start and updated after each commit;
// - PostgreSQL (several nodes share the database): routing lookups go to a
//   lookup thread with a connection of its own and answer later (the proxy
//   layer's AsyncRouter), so a binding made through any node is seen at once.
// Expired bindings are swept on the stack's timers.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sippet/registrar.hpp"
#include "sippet/stack/stack.hpp"

namespace sippet::app {

struct LocationOptions {
  registrar::RegistrarOptions registrar;
  // "": bindings in memory only; "postgresql://..." (or "postgres://");
  // anything else: a SQLite file.
  std::string db;
  std::size_t batch = 256;  // REGISTERs per transaction at most
  // REGISTERs waiting for the writer at most; beyond it, or beyond a
  // quarter of it from one source address: 503 with Retry-After.
  std::size_t queue_limit = 10000;
  std::chrono::milliseconds sweep_interval{1000};
};

// "postgresql://..." or "postgres://...".
bool is_postgres_url(std::string_view db);

// $XDG_DATA_HOME/sippet/registrar.db, else ~/.local/share/sippet/registrar.db.
std::string default_db_path();

// Opens --db (creating a SQLite file's directory): the storage or a clear
// error (cannot open, not a database, read-only, other schema version).
message::Result<std::unique_ptr<registrar::Storage>> open_db(const std::string& db);

class LocationService {
 public:
  using Bindings = std::vector<registrar::Binding>;

  static message::Result<std::unique_ptr<LocationService>> open(LocationOptions options);
  ~LocationService();

  // Starts the threads and the sweep timer; call once the stack exists.
  void attach(stack::Stack& stack);
  // Joins the threads (pending lookups are answered empty). Idempotent.
  void stop();

  // On a worker: a REGISTER, answered later by the writer thread.
  void submit(message::Message request, std::optional<stack::Transaction> transaction,
              const transport::Flow& flow);

  // PostgreSQL: lookups must go through lookup_async.
  bool shared() const { return lookup_db_ != nullptr; }
  // The unexpired bindings of `aor` from memory, highest q first.
  Bindings lookup(std::string_view aor) const;
  // The same from the database, answered on the lookup thread; the bool
  // is whether the address of record has rows at all (expired ones too).
  void lookup_async(std::string aor, std::function<void(Bindings, bool)> done);
  // The unexpired bindings whose contact is `uri` (an in-dialog request to
  // a registered phone, which may be reachable only on its flow; several
  // when one instance registered it on several flows). Memory and SQLite:
  // from the mirror. PostgreSQL: from the sets this node has stored or
  // looked up (those of the dialogs it routed), without waiting.
  Bindings by_contact(std::string_view uri) const;
  // An address of record that has had a binding (since the start, or in
  // the database when loaded): an unbound one is answered 480, not 404.
  bool known(const std::string& aor) const;
  // No address of record has had a binding (memory or SQLite; never with
  // PostgreSQL, whose rows are not all here): every lookup finds nothing,
  // so a router need not make one.
  bool unused() const { return !shared() && !anything_known_.load(std::memory_order_acquire); }

  // RFC 5626 §5.3: a connection a REGISTER came on, still open.
  void connection_closed(const transport::Flow& flow);
  bool connection_open(transport::ConnectionId id) const;

  std::size_t loaded() const { return loaded_; }
  const LocationOptions& options() const { return options_; }

 private:
  struct Job {
    message::Message request;
    std::optional<stack::Transaction> transaction;
    transport::Flow flow;
  };
  struct Lookup {
    std::string aor;
    std::function<void(Bindings, bool)> done;
  };

  explicit LocationService(LocationOptions options) : options_(std::move(options)) {}
  void writer_loop();
  void lookup_loop();
  void process(std::vector<Job>& jobs);
  void sweep();
  void arm_sweep();
  void send(Job& job, message::Message&& response);
  void log(const std::string& line);

  LocationOptions options_;
  std::unique_ptr<registrar::Storage> db_;         // written by the writer thread
  std::unique_ptr<registrar::Storage> routing_;    // memory mirror (null: PostgreSQL)
  std::unique_ptr<registrar::Storage> lookup_db_;  // PostgreSQL: the lookup thread's
  std::size_t loaded_ = 0;
  stack::Stack* stack_ = nullptr;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Job> queue_;
  // REGISTERs waiting per source address (port 0): one flooding source
  // cannot take the whole queue from the others.
  std::unordered_map<transport::Endpoint, std::size_t> pending_;
  bool sweep_due_ = false;
  std::atomic<bool> stopping_{false};  // set under both mutexes
  std::thread writer_;

  std::mutex lookup_mutex_;
  std::condition_variable lookup_wake_;
  std::deque<Lookup> lookups_;
  std::thread lookup_thread_;

  mutable std::mutex known_mutex_;
  std::unordered_set<std::string> known_;
  struct TextHash {  // lookups by a view, no key string made
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
      return std::hash<std::string_view>{}(text);
    }
  };
  std::unordered_map<std::string, std::string, TextHash, std::equal_to<>>
      contacts_;                                        // contact -> address of record
  std::atomic<bool> anything_known_{false};             // known_ is not empty
  std::unordered_set<transport::ConnectionId> open_;    // connections REGISTERs came on
  std::unordered_set<transport::ConnectionId> closed_;  // closed ones (never reused)
  // PostgreSQL: contact -> its bindings, as last stored or looked up here.
  std::unordered_map<std::string, Bindings> seen_;
  // Under known_mutex_: the bindings of one address of record's set.
  void remember(const Bindings& set);
};

}  // namespace sippet::app
