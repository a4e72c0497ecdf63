// The c-ares resolver (resolver.hpp). One thread runs an io_context that
// watches c-ares's sockets (posix::stream_descriptor waits, no reads of its
// own) and its timeout; the RFC 3263 algorithm (locate.cpp) runs against
// the cache plus the answers a lookup has gathered, and names the queries
// still needed.
#include "sippet/dns/resolver.hpp"

#include <ares.h>
#include <arpa/nameser.h>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "answer_ttl.hpp"
#include "cache.hpp"
#include "parse_answer.hpp"

namespace sippet::dns {

namespace {

using SteadyClock = std::chrono::steady_clock;

message::Error resolve_error(std::string reason) {
  return message::Error{message::ErrorKind::kResolveFailed, 0, 0, std::move(reason)};
}

int wire_type(RecordType type) {
  switch (type) {
    case RecordType::kA:
      return ns_t_a;
    case RecordType::kAaaa:
      return ns_t_aaaa;
    case RecordType::kSrv:
      return ns_t_srv;
    case RecordType::kNaptr:
      return ns_t_naptr;
  }
  return ns_t_a;
}

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

}  // namespace

message::Result<transport::Endpoint> parse_server(std::string_view text) {
  if (auto with_port = transport::Endpoint::parse(text)) return *with_port;
  if (auto bare = transport::Endpoint::from_ip(text, 53)) return *bare;
  std::string_view unbracketed = text;
  if (unbracketed.size() > 2 && unbracketed.front() == '[' && unbracketed.back() == ']')
    unbracketed = unbracketed.substr(1, unbracketed.size() - 2);
  if (auto bare = transport::Endpoint::from_ip(unbracketed, 53)) return *bare;
  return message::Error{message::ErrorKind::kInvalidArgument, 0, 0,
                        "DNS server \"" + std::string(text) +
                            "\": expected an IP address with an optional port (HOST:PORT)"};
}

// ---- Impl -------------------------------------------------------------------

class Resolver::Impl {
 public:
  explicit Impl(ResolverOptions options)
      : options_(std::move(options)),
        cache_(options_.cache_size),
        random_(options_.seed != 0 ? options_.seed : std::random_device{}()),
        work_(asio::make_work_guard(io_)),
        timer_(io_) {
    if (!options_.clock) options_.clock = [] { return SteadyClock::now(); };
  }

  ~Impl() { stop(); }

  message::Result<void> start() {
    init_library();
    ares_options opts{};
    opts.timeout = static_cast<int>(std::max<std::int64_t>(1, options_.timeout.count()));
    opts.tries = std::max(1, options_.tries);
    opts.sock_state_cb = &Impl::on_socket_state;
    opts.sock_state_cb_data = this;
    opts.flags = ARES_FLAG_NOSEARCH;
    const int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB | ARES_OPT_FLAGS;
    if (int status = ares_init_options(&channel_, &opts, mask); status != ARES_SUCCESS)
      return resolve_error(std::string("c-ares: ") + ares_strerror(status));
    if (!options_.servers.empty()) {
      std::string csv;
      for (const auto& server : options_.servers) {
        if (!csv.empty()) csv += ',';
        csv += server.to_string();
      }
      if (int status = ares_set_servers_ports_csv(channel_, csv.c_str()); status != ARES_SUCCESS) {
        ares_destroy(channel_);
        channel_ = nullptr;
        return resolve_error("c-ares: DNS servers " + csv + ": " + ares_strerror(status));
      }
    }
    thread_ = std::thread([this] { io_.run(); });
    return {};
  }

  std::optional<Located> cached(const LocateQuery& query) {
    std::lock_guard lock(mutex_);
    if (stopped_) return Located(resolve_error("the resolver stopped"));
    return cached_locked(query);
  }

  bool visit_cached(const LocateQuery& query, const std::function<void(const Located&)>& visit) {
    std::lock_guard lock(mutex_);
    if (stopped_) {
      visit(Located(resolve_error("the resolver stopped")));
      return true;
    }
    // The memo's answer in place; else the cache's, computed (and memoized).
    if (const Located* memo = memo_locked(query)) {
      visit(*memo);
      return true;
    }
    auto located = cached_locked(query);
    if (!located) return false;
    visit(*located);
    return true;
  }

  void locate(const LocateQuery& query, Callback done) {
    std::optional<Located> now;
    auto job = std::make_shared<Job>();
    {
      std::lock_guard lock(mutex_);
      if (stopped_) {
        now = resolve_error("cannot resolve " + query.host + ": the resolver stopped");
      } else {
        now = cached_locked(query);
        if (!now) {
          job->query = query;
          job->done = std::move(done);
          jobs_.insert(job);
        }
      }
    }
    if (now) {
      done(*now);
      return;
    }
    asio::post(io_, [this, job] { advance(job); });
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return;
      stopped_ = true;
    }
    if (thread_.joinable()) {
      asio::post(io_, [this] { shut_down(); });
      thread_.join();
    } else {
      shut_down();
    }
    std::unordered_set<std::shared_ptr<Job>> left;
    {
      std::lock_guard lock(mutex_);
      left.swap(jobs_);
    }
    const Located stopped = resolve_error("the resolver stopped");
    for (const auto& job : left)
      job->done(stopped);
  }

  Resolver::Stats stats() {
    std::lock_guard lock(mutex_);
    Resolver::Stats out = stats_;
    out.cache_entries = cache_.size();
    return out;
  }

 private:
  struct Job {
    LocateQuery query;
    Callback done;
    std::unordered_map<std::string, Answer> gathered;  // answers of this lookup
    std::unordered_set<std::string> waiting;           // queries on the wire for it
    int rounds = 0;
  };
  struct Watch {
    explicit Watch(asio::io_context& io, int fd) : descriptor(io, fd) {}
    asio::posix::stream_descriptor descriptor;
    bool read = false;
    bool write = false;
    bool read_armed = false;
    bool write_armed = false;
  };
  struct Query {
    Impl* self;
    std::string key;
    std::string name;
    RecordType type;
  };

  // A location the cache alone gives, memoised until the earliest expiry
  // of the answers it came from, so that a lookup repeated within their
  // TTL is one hash probe. Only a location that no random draw shaped is
  // kept (no two SRV records of one priority, RFC 2782), so it is what
  // the algorithm would give again, whatever the order key. Any answer
  // stored clears the memo.
  struct Memo {
    Located located;
    Cache::TimePoint expires;
  };

  static void memo_key_into(std::string& key, const LocateQuery& query) {
    key.assign(query.host);
    key += '\0';
    key += std::to_string(query.port.value_or(0));
    key += query.port ? 'p' : '-';
    key += query.protocol ? static_cast<char>('0' + static_cast<int>(*query.protocol)) : '-';
    key += query.secure ? 's' : '-';
    for (auto protocol : query.transports)
      key += static_cast<char>('0' + static_cast<int>(protocol));
  }

  // The memoized location of `query` while it lasts, else null.
  const Located* memo_locked(const LocateQuery& query) {
    if (query.records) return nullptr;
    memo_key_into(memo_key_, query);
    auto found = memos_.find(memo_key_);
    if (found == memos_.end()) return nullptr;
    if (found->second.expires > options_.clock()) {
      ++stats_.cache_hits;
      return &found->second.located;
    }
    memos_.erase(found);
    return nullptr;
  }

  std::optional<Located> cached_locked(const LocateQuery& query) {
    if (const Located* memo = memo_locked(query)) return *memo;
    Cache::TimePoint expires = Cache::TimePoint::max();
    bool drawn = false;
    Step step = run_step_locked(query, nullptr, &expires, &drawn);
    if (!step.done) return std::nullopt;
    ++stats_.cache_hits;
    if (!query.records && !drawn && expires != Cache::TimePoint::max()) {
      if (memos_.size() >= options_.cache_size) memos_.clear();
      memo_key_into(memo_key_, query);
      memos_.insert_or_assign(memo_key_, Memo{*step.done, expires});
    }
    return std::move(*step.done);
  }

  // True when RFC 2782's weighted choice draws an order among `answer`'s
  // SRV records (two or more of one priority).
  static bool draws(const Answer& answer) {
    const auto& srv = answer.srv;
    for (std::size_t i = 0; i < srv.size(); ++i)
      for (std::size_t j = i + 1; j < srv.size(); ++j)
        if (srv[i].priority == srv[j].priority && !srv[i].target.empty() && !srv[j].target.empty())
          return true;
    return false;
  }

  // Runs the algorithm over the cache (and `job`'s gathered answers).
  // `expires` is lowered to the earliest expiry of the cached answers it
  // read; `drawn` says whether an SRV order was drawn.
  Step run_step_locked(const LocateQuery& query, Job* job, Cache::TimePoint* expires = nullptr,
                       bool* drawn = nullptr) {
    const auto now = options_.clock();
    Lookup lookup = [&](std::string_view name, RecordType type) -> const Answer* {
      // One buffer for the keys (under mutex_): no allocation per lookup.
      std::string& key = key_buffer_;
      Cache::key_into(key, name, type);
      if (job != nullptr)
        if (auto found = job->gathered.find(key); found != job->gathered.end())
          return &found->second;
      const Answer* answer = cache_.find(key, now, expires);
      if (answer != nullptr && drawn != nullptr && type == RecordType::kSrv && draws(*answer))
        *drawn = true;
      return answer;
    };
    LocateOptions locate_options;
    locate_options.naptr = options_.naptr;
    Random random = query.order_key ? Random::keyed(*query.order_key) : Random(random_);
    return locate_step(query, lookup, random, locate_options);
  }

  // The resolver's thread: runs the algorithm again for `job` and sends
  // the queries it still needs.
  void advance(const std::shared_ptr<Job>& job) {
    Step step;
    {
      std::lock_guard lock(mutex_);
      if (!jobs_.contains(job)) return;
      if (++job->rounds > 32) {
        step.done = resolve_error("cannot resolve " + job->query.host + ": too many rounds");
      } else {
        step = run_step_locked(job->query, job.get());
      }
    }
    if (step.done) return finish(job, *step.done);
    for (const Need& need : step.needs) {
      if (!send(need, job)) {
        return finish(job,
                      resolve_error("cannot resolve " + job->query.host +
                                    (channel_ == nullptr
                                         ? std::string(": the resolver stopped")
                                         : std::string(": too many DNS queries outstanding"))));
      }
    }
    if (job->waiting.empty()) asio::post(io_, [this, job] { advance(job); });
  }

  void finish(const std::shared_ptr<Job>& job, const Located& located) {
    {
      std::lock_guard lock(mutex_);
      if (jobs_.erase(job) == 0) return;
    }
    job->done(located);
  }

  // Sends a query for `need` on behalf of `job` (or joins the one on the
  // wire). A and AAAA come from /etc/hosts first when it has them.
  bool send(const Need& need, const std::shared_ptr<Job>& job) {
    if (channel_ == nullptr) return false;  // shutting down: stop() fails the job
    const std::string key = Cache::key(need.name, need.type);
    if (auto flying = in_flight_.find(key); flying != in_flight_.end()) {
      flying->second.push_back(job);
      job->waiting.insert(key);
      return true;
    }
    if (options_.hosts_file && (need.type == RecordType::kA || need.type == RecordType::kAaaa)) {
      if (auto answer = from_hosts_file(need)) {
        store(key, *answer);
        job->gathered.insert_or_assign(key, std::move(*answer));
        return true;
      }
    }
    if (in_flight_.size() >= options_.max_outstanding) return false;
    in_flight_[key].push_back(job);
    job->waiting.insert(key);
    {
      std::lock_guard lock(mutex_);
      ++stats_.queries;
      stats_.outstanding = in_flight_.size();
    }
    auto* query = new Query{this, key, need.name, need.type};
    ares_query(channel_, need.name.c_str(), ns_c_in, wire_type(need.type), &Impl::on_answer, query);
    rearm_timer();
    return true;
  }

  std::optional<Answer> from_hosts_file(const Need& need) {
    hostent* host = nullptr;
    const int family = need.type == RecordType::kA ? AF_INET : AF_INET6;
    if (ares_gethostbyname_file(channel_, need.name.c_str(), family, &host) != ARES_SUCCESS ||
        host == nullptr)
      return std::nullopt;
    Answer answer;
    if (host->h_addrtype == family) {
      for (char** address = host->h_addr_list; *address != nullptr; ++address) {
        sockaddr_storage storage{};
        std::size_t length = 0;
        if (family == AF_INET) {
          auto* in = reinterpret_cast<sockaddr_in*>(&storage);
          in->sin_family = AF_INET;
          std::memcpy(&in->sin_addr, *address, sizeof in->sin_addr);
          length = sizeof *in;
        } else {
          auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
          in6->sin6_family = AF_INET6;
          std::memcpy(&in6->sin6_addr, *address, sizeof in6->sin6_addr);
          length = sizeof *in6;
        }
        if (auto endpoint =
                transport::Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), length))
          answer.addresses.push_back(*endpoint);
      }
    }
    ares_free_hostent(host);
    if (answer.addresses.empty()) return std::nullopt;  // ask DNS
    answer.status = Answer::Status::kRecords;
    answer.from_hosts_file = true;
    answer.ttl = static_cast<std::uint32_t>(options_.hosts_ttl.count());
    std::lock_guard lock(mutex_);
    ++stats_.queries;
    return answer;
  }

  void store(const std::string& key, const Answer& answer) {
    if (answer.status == Answer::Status::kFailed || answer.ttl == 0) return;
    std::lock_guard lock(mutex_);
    const auto now = options_.clock();
    cache_.store(key, answer, now, now + std::chrono::seconds(answer.ttl));
    memos_.clear();
  }

  static void on_answer(void* arg, int status, int, unsigned char* data, int length) {
    std::unique_ptr<Query> query(static_cast<Query*>(arg));
    if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) return;
    const ResolverOptions& options = query->self->options_;
    query->self->answered(*query, parse_answer(query->type, status, data, length, options.max_ttl,
                                               options.max_negative_ttl));
  }

  void answered(const Query& query, Answer answer) {
    store(query.key, answer);
    auto flying = in_flight_.find(query.key);
    if (flying == in_flight_.end()) return;
    auto jobs = std::move(flying->second);
    in_flight_.erase(flying);
    {
      std::lock_guard lock(mutex_);
      stats_.outstanding = in_flight_.size();
    }
    for (auto& job : jobs) {
      job->gathered.insert_or_assign(query.key, answer);
      job->waiting.erase(query.key);
      // Posted: this may run inside an ares_* call.
      if (job->waiting.empty()) asio::post(io_, [this, job] { advance(job); });
    }
  }

  // ---- c-ares's sockets and timeouts on the io_context.
  static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
    static_cast<Impl*>(data)->watch(fd, readable != 0, writable != 0);
  }

  void watch(int fd, bool readable, bool writable) {
    auto found = watches_.find(fd);
    if (!readable && !writable) {
      if (found == watches_.end()) return;
      auto watch = found->second;
      watches_.erase(found);
      watch->read = watch->write = false;
      std::error_code ignored;
      watch->descriptor.cancel(ignored);
      (void)watch->descriptor.release();  // c-ares closes the socket
      return;
    }
    if (found == watches_.end())
      found = watches_.emplace(fd, std::make_shared<Watch>(io_, fd)).first;
    found->second->read = readable;
    found->second->write = writable;
    arm(found->second, fd);
  }

  void arm(const std::shared_ptr<Watch>& watch, int fd) {
    if (watch->read && !watch->read_armed) {
      watch->read_armed = true;
      watch->descriptor.async_wait(asio::posix::descriptor_base::wait_read,
                                   [this, watch, fd](std::error_code error) {
                                     watch->read_armed = false;
                                     if (error || !watch->read) return;
                                     process(fd, ARES_SOCKET_BAD, watch);
                                   });
    }
    if (watch->write && !watch->write_armed) {
      watch->write_armed = true;
      watch->descriptor.async_wait(asio::posix::descriptor_base::wait_write,
                                   [this, watch, fd](std::error_code error) {
                                     watch->write_armed = false;
                                     if (error || !watch->write) return;
                                     process(ARES_SOCKET_BAD, fd, watch);
                                   });
    }
  }

  void process(int read_fd, int write_fd, const std::shared_ptr<Watch>& watch) {
    if (channel_ == nullptr) return;
    ares_process_fd(channel_, read_fd, write_fd);
    const int fd = read_fd != ARES_SOCKET_BAD ? read_fd : write_fd;
    if (auto found = watches_.find(fd); found != watches_.end() && found->second == watch)
      arm(watch, fd);
    rearm_timer();
  }

  void rearm_timer() {
    if (channel_ == nullptr) return;
    timeval tv{};
    if (ares_timeout(channel_, nullptr, &tv) == nullptr) {
      timer_.cancel();
      return;
    }
    timer_.expires_after(std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec));
    timer_.async_wait([this](std::error_code error) {
      if (error || channel_ == nullptr) return;
      ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      rearm_timer();
    });
  }

  void shut_down() {
    if (channel_ != nullptr) {
      ares_destroy(channel_);  // pending queries end with ARES_EDESTRUCTION
      channel_ = nullptr;
    }
    for (auto& [fd, watch] : watches_) {
      std::error_code ignored;
      watch->descriptor.cancel(ignored);
      (void)watch->descriptor.release();
    }
    watches_.clear();
    in_flight_.clear();
    timer_.cancel();
    work_.reset();
    io_.stop();
  }

  ResolverOptions options_;
  std::mutex mutex_;  // guards the members below up to jobs_
  bool stopped_ = false;
  Cache cache_;
  std::mt19937_64 random_;
  std::string key_buffer_;                       // run_step_locked's cache keys
  std::string memo_key_;                         // cached_locked's memo keys
  std::unordered_map<std::string, Memo> memos_;  // under mutex_
  Resolver::Stats stats_;
  std::unordered_set<std::shared_ptr<Job>> jobs_;  // lookups not finished

  // The resolver's thread only.
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::steady_timer timer_;
  ares_channel channel_ = nullptr;
  std::unordered_map<int, std::shared_ptr<Watch>> watches_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<Job>>> in_flight_;
  std::thread thread_;
};

// ---- Resolver ------------------------------------------------------------------

Resolver::Resolver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Resolver::~Resolver() = default;

message::Result<std::shared_ptr<Resolver>> Resolver::create(ResolverOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  if (auto started = impl->start(); !started) return started.error();
  return std::shared_ptr<Resolver>(new Resolver(std::move(impl)));
}

std::optional<Located> Resolver::cached(const LocateQuery& query) {
  return impl_->cached(query);
}

bool Resolver::visit_cached(const LocateQuery& query,
                            const std::function<void(const Located&)>& visit) {
  return impl_->visit_cached(query, visit);
}

void Resolver::locate(const LocateQuery& query, Callback done) {
  impl_->locate(query, std::move(done));
}

void Resolver::stop() {
  impl_->stop();
}

Resolver::Stats Resolver::stats() const {
  return impl_->stats();
}

}  // namespace sippet::dns
