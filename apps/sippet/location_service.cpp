#include "location_service.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "sippet/message/builder.hpp"

namespace sippet::app {

using registrar::Binding;
using registrar::Storage;
using registrar::UnixSeconds;

namespace {

UnixSeconds unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The writer's view while it processes a batch: the sets changed by the
// batch so far over the stored ones. replace() only records; the batch is
// committed in one transaction afterwards.
class Overlay final : public Storage {
 public:
  explicit Overlay(Storage& base) : base_(base) {}

  message::Result<std::vector<Binding>> lookup(std::string_view aor) override {
    if (auto it = index_.find(aor); it != index_.end()) return changes_[it->second].second;
    return base_.lookup(aor);
  }
  message::Result<void> replace(std::string_view aor,
                                const std::vector<Binding>& bindings) override {
    ++version_;
    auto [it, added] = index_.try_emplace(std::string(aor), changes_.size());
    if (added)
      changes_.emplace_back(std::string(aor), bindings);
    else
      changes_[it->second].second = bindings;
    return {};
  }
  message::Result<std::size_t> remove_expired(UnixSeconds) override { return std::size_t{0}; }
  message::Result<std::vector<Binding>> all() override { return std::vector<Binding>{}; }

  std::size_t size() const { return changes_.size(); }
  std::size_t version() const { return version_; }
  const std::vector<std::pair<std::string, std::vector<Binding>>>& changes() const {
    return changes_;
  }

 private:
  Storage& base_;
  std::map<std::string, std::size_t, std::less<>> index_;
  std::vector<std::pair<std::string, std::vector<Binding>>> changes_;
  std::size_t version_ = 0;
};

std::vector<Binding> unexpired(std::vector<Binding> bindings, UnixSeconds now) {
  std::erase_if(bindings, [&](const Binding& b) { return b.expires_at <= now; });
  std::stable_sort(bindings.begin(), bindings.end(),
                   [](const Binding& a, const Binding& b) { return a.q > b.q; });
  return bindings;
}

}  // namespace

bool is_postgres_url(std::string_view db) {
  return db.starts_with("postgresql://") || db.starts_with("postgres://");
}

std::string default_db_path() {
  std::filesystem::path base;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
    base = xdg;
  else if (const char* home = std::getenv("HOME"); home && *home)
    base = std::filesystem::path(home) / ".local" / "share";
  else
    base = ".";
  return (base / "sippet" / "registrar.db").string();
}

message::Result<std::unique_ptr<Storage>> open_db(const std::string& db) {
  if (db.empty()) return registrar::make_memory_storage();
  if (is_postgres_url(db)) return registrar::open_postgres_storage(db);
  auto dir = std::filesystem::path(db).parent_path();
  std::error_code ec;
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec)
    return message::Error{message::ErrorKind::kStorageError, 0, 0,
                          dir.string() + ": cannot create the directory: " + ec.message()};
  return registrar::open_sqlite_storage(db);
}

message::Result<std::unique_ptr<LocationService>> LocationService::open(LocationOptions options) {
  std::unique_ptr<LocationService> service(new LocationService(std::move(options)));
  auto db = open_db(service->options_.db);
  if (!db) return db.error();
  service->db_ = std::move(*db);
  if (is_postgres_url(service->options_.db)) {
    auto second = registrar::open_postgres_storage(service->options_.db);
    if (!second) return second.error();
    service->lookup_db_ = std::move(*second);
    return service;
  }
  if (service->options_.db.empty()) return service;  // memory: the storage is the mirror
  // SQLite: every binding into the mirror (the expired ones are swept at once).
  auto all = service->db_->all();
  if (!all) return all.error();
  service->routing_ = registrar::make_memory_storage();
  std::map<std::string, std::vector<Binding>> sets;
  for (auto& b : *all)
    sets[b.aor].push_back(std::move(b));
  std::vector<std::pair<std::string, std::vector<Binding>>> batch(sets.begin(), sets.end());
  if (auto r = service->routing_->replace_batch(batch); !r) return r.error();
  service->loaded_ = all->size();
  for (const auto& [aor, set] : batch) {
    service->known_.insert(aor);
    for (const auto& b : set)
      service->contacts_[b.contact] = aor;
  }
  service->anything_known_.store(!service->known_.empty(), std::memory_order_release);
  return service;
}

LocationService::~LocationService() {
  stop();
}

void LocationService::attach(stack::Stack& stack) {
  stack_ = &stack;
  writer_ = std::thread([this] { writer_loop(); });
  if (lookup_db_) lookup_thread_ = std::thread([this] { lookup_loop(); });
  {
    std::lock_guard lock(mutex_);
    sweep_due_ = true;  // bindings that expired while the program was not running
  }
  wake_.notify_one();
  arm_sweep();
}

void LocationService::stop() {
  {
    std::lock_guard lock(mutex_);
    std::lock_guard lookup_lock(lookup_mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  lookup_wake_.notify_one();
  if (writer_.joinable()) writer_.join();
  if (lookup_thread_.joinable()) lookup_thread_.join();
}

void LocationService::arm_sweep() {
  // On the stack's timers, on the worker of a fixed key.
  stack_->schedule("sippet-registrar-sweep", options_.sweep_interval, [this] {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      sweep_due_ = true;
    }
    wake_.notify_one();
    arm_sweep();
  });
}

void LocationService::log(const std::string& line) {
  if (stack_) stack_->logger().log(stack::LogLevel::kError, ("registrar: " + line).c_str());
}

void LocationService::submit(message::Message request,
                             std::optional<stack::Transaction> transaction,
                             const transport::Flow& flow) {
  transport::Endpoint source = flow.remote;
  source.set_port(0);
  const std::size_t per_source = std::max<std::size_t>(1, options_.queue_limit / 4);
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < options_.queue_limit) {
      std::size_t& waiting = pending_[source];
      if (waiting < per_source) {
        ++waiting;
        queue_.push_back(Job{std::move(request), transaction, flow});
        if (queue_.size() == 1) wake_.notify_one();
        return;
      }
    }
  }
  // A flood (from everywhere, or from one address): refused at once rather
  // than queued without end (RFC 3261 §21.5.4).
  Job job{std::move(request), transaction, flow};
  if (auto response = message::build_response(job.request, 503)) {
    (void)response->put(message::HeaderId::kRetryAfter, "1");
    send(job, std::move(*response));
  }
}

void LocationService::send(Job& job, message::Message&& response) {
  if (job.transaction)
    (void)stack_->send_response(std::move(response), job.transaction);
  else
    (void)stack_->send_stateless(response);
}

void LocationService::writer_loop() {
  for (;;) {
    std::vector<Job> jobs;
    bool sweep_now = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || sweep_due_; });
      if (stopping_) return;
      const std::size_t n = std::min(queue_.size(), options_.batch);
      jobs.assign(std::make_move_iterator(queue_.begin()),
                  std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      for (const Job& job : jobs) {
        transport::Endpoint source = job.flow.remote;
        source.set_port(0);
        if (auto it = pending_.find(source); it != pending_.end() && --it->second == 0)
          pending_.erase(it);
      }
      sweep_now = std::exchange(sweep_due_, false);
    }
    if (sweep_now) sweep();
    if (!jobs.empty()) process(jobs);
  }
}

void LocationService::sweep() {
  const UnixSeconds now = unix_now();
  if (auto r = db_->remove_expired(now); !r) log("expiry sweep: " + r.error().reason);
  if (routing_) (void)routing_->remove_expired(now);
  std::lock_guard lock(known_mutex_);
  for (auto it = seen_.begin(); it != seen_.end();) {
    std::erase_if(it->second, [&](const Binding& b) { return b.expires_at <= now; });
    it = it->second.empty() ? seen_.erase(it) : std::next(it);
  }
}

void LocationService::process(std::vector<Job>& jobs) {
  const UnixSeconds now = unix_now();
  Storage& base = routing_ ? *routing_ : *db_;
  Overlay overlay(base);
  registrar::Registrar reg(overlay, options_.registrar);
  std::vector<registrar::Outcome> outcomes;
  std::vector<bool> wrote;
  outcomes.reserve(jobs.size());
  for (Job& job : jobs) {
    const std::size_t before = overlay.version();
    outcomes.push_back(reg.handle(job.request, job.flow, now));
    wrote.push_back(overlay.version() != before);  // its answer depends on the commit
  }
  message::Result<void> committed;
  if (overlay.size() != 0) committed = db_->replace_batch(overlay.changes());
  if (!committed) {
    log("cannot store bindings: " + committed.error().reason);
  } else if (overlay.size() != 0) {
    if (routing_ && routing_.get() != db_.get()) (void)routing_->replace_batch(overlay.changes());
    std::lock_guard lock(known_mutex_);
    for (const auto& [aor, set] : overlay.changes()) {
      known_.insert(aor);
      anything_known_.store(true, std::memory_order_release);
      if (shared())
        remember(set);
      else
        for (const auto& b : set)
          contacts_[b.contact] = aor;
    }
    for (std::size_t i = 0; i < jobs.size(); ++i)
      if (wrote[i] && jobs[i].flow.connection != 0 && !closed_.contains(jobs[i].flow.connection))
        open_.insert(jobs[i].flow.connection);
  }
  if (committed && stack_ != nullptr) {
    // A phone registered over TCP or TLS is reachable only on its
    // connection (RFC 5626 §5.3): it is not closed as idle while its
    // binding lasts.
    for (const auto& [aor, set] : overlay.changes())
      for (const auto& b : set)
        if (b.flow.connection != 0 && b.expires_at > now)
          stack_->keep_flow_open(b.flow, std::chrono::seconds(b.expires_at - now));
  }
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto& outcome = outcomes[i];
    if (!outcome.error.empty()) log(outcome.error);
    if (!outcome.response) continue;
    if (!committed && wrote[i]) {
      // The batch was not stored: a 200 would promise a durable binding.
      if (auto failed = message::build_response(jobs[i].request, 500))
        send(jobs[i], std::move(*failed));
      continue;
    }
    send(jobs[i], std::move(*outcome.response));
  }
}

LocationService::Bindings LocationService::lookup(std::string_view aor) const {
  Storage& storage = routing_ ? *routing_ : *db_;
  auto found = storage.lookup(aor);
  if (!found) return {};
  return unexpired(std::move(*found), unix_now());
}

void LocationService::lookup_async(std::string aor, std::function<void(Bindings, bool)> done) {
  {
    std::lock_guard lock(lookup_mutex_);
    if (!stopping_.load()) {
      lookups_.push_back(Lookup{std::move(aor), std::move(done)});
      lookup_wake_.notify_one();
      return;
    }
  }
  done({}, false);
}

void LocationService::lookup_loop() {
  for (;;) {
    Lookup next;
    {
      std::unique_lock lock(lookup_mutex_);
      lookup_wake_.wait(lock, [&] { return stopping_.load() || !lookups_.empty(); });
      if (lookups_.empty()) return;
      next = std::move(lookups_.front());
      lookups_.pop_front();
    }
    auto found = lookup_db_->lookup(next.aor);
    if (!found) {
      log("lookup of " + next.aor + ": " + found.error().reason);
      next.done({}, false);
      continue;
    }
    const bool any = !found->empty();
    auto bindings = unexpired(std::move(*found), unix_now());
    {
      std::lock_guard lock(known_mutex_);
      remember(bindings);
    }
    next.done(std::move(bindings), any);
  }
}

void LocationService::remember(const Bindings& set) {
  for (const auto& b : set)
    seen_[b.contact].clear();
  for (const auto& b : set)
    seen_[b.contact].push_back(b);
}

LocationService::Bindings LocationService::by_contact(std::string_view uri) const {
  std::string aor;
  {
    std::lock_guard lock(known_mutex_);
    if (shared()) {
      auto it = seen_.find(std::string(uri));
      if (it == seen_.end()) return {};
      return unexpired(it->second, unix_now());
    }
    auto it = contacts_.find(uri);
    if (it == contacts_.end()) return {};
    aor = it->second;
  }
  auto bindings = lookup(aor);
  std::erase_if(bindings, [&](const Binding& b) { return b.contact != uri; });
  return bindings;
}

bool LocationService::known(const std::string& aor) const {
  std::lock_guard lock(known_mutex_);
  return known_.contains(aor);
}

void LocationService::connection_closed(const transport::Flow& flow) {
  std::lock_guard lock(known_mutex_);
  open_.erase(flow.connection);
  closed_.insert(flow.connection);
}

bool LocationService::connection_open(transport::ConnectionId id) const {
  std::lock_guard lock(known_mutex_);
  return open_.contains(id);
}

}  // namespace sippet::app
