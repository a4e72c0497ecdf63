// The default Resolver: getaddrinfo on a fixed set of threads, a TTL cache
// (positive and negative, RFC 2308 §5) and a bound on the names waiting.
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "sippet/stack/resolver.hpp"

namespace sippet::stack {

namespace {

using SteadyClock = std::chrono::steady_clock;

message::Error lookup_error(std::string reason) {
  return message::Error{message::ErrorKind::kResolveFailed, 0, 0, std::move(reason)};
}

Resolver::Addresses lookup(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;  // one entry per address (not one per socket type)
  addrinfo* list = nullptr;
  const int status = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (status != 0) return lookup_error("cannot resolve " + host + ": " + ::gai_strerror(status));
  std::vector<transport::Endpoint> found;
  for (addrinfo* a = list; a != nullptr; a = a->ai_next) {
    auto endpoint = transport::Endpoint::from_sockaddr(a->ai_addr, a->ai_addrlen);
    if (endpoint && std::find(found.begin(), found.end(), *endpoint) == found.end())
      found.push_back(*endpoint);
  }
  ::freeaddrinfo(list);
  if (found.empty()) return lookup_error("cannot resolve " + host + ": no address");
  return found;
}

class SystemResolver final : public Resolver {
 public:
  explicit SystemResolver(SystemResolverOptions options) : options_(options) {
    options_.threads = std::max(1u, options_.threads);
  }
  ~SystemResolver() override { stop(); }

  std::optional<Addresses> cached(std::string_view host) override {
    std::lock_guard lock(mutex_);
    return cached_locked(std::string(host), SteadyClock::now());
  }

  void resolve(std::string_view host_view, Callback done) override {
    std::string host(host_view);
    std::optional<Addresses> answer;
    {
      std::unique_lock lock(mutex_);
      if (stopped_) {
        answer = lookup_error("cannot resolve " + host + ": the resolver stopped");
      } else if (auto hit = cached_locked(host, SteadyClock::now())) {
        answer = std::move(hit);
      } else if (auto waiting = waiting_.find(host); waiting != waiting_.end()) {
        waiting->second.push_back(std::move(done));  // one lookup for all
        return;
      } else if (queue_.size() >= options_.max_waiting) {
        answer = lookup_error("cannot resolve " + host + ": too many lookups waiting");
      } else {
        waiting_[host].push_back(std::move(done));
        queue_.push_back(std::move(host));
        if (threads_.size() < options_.threads && idle_ == 0)
          threads_.emplace_back([this] { run(); });
        ready_.notify_one();
        return;
      }
    }
    done(*answer);
  }

  void stop() override {
    std::unordered_map<std::string, std::vector<Callback>> waiting;
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return;
      stopped_ = true;
      queue_.clear();
      waiting.swap(waiting_);
      threads.swap(threads_);
      ready_.notify_all();
    }
    for (auto& thread : threads)
      thread.join();
    const Addresses stopped = lookup_error("cannot resolve: the resolver stopped");
    for (auto& [host, callbacks] : waiting)
      for (auto& callback : callbacks)
        callback(stopped);
  }

 private:
  struct Entry {
    Addresses addresses;
    SteadyClock::time_point expires;
  };

  std::optional<Addresses> cached_locked(const std::string& host, SteadyClock::time_point now) {
    auto found = cache_.find(host);
    if (found == cache_.end()) return std::nullopt;
    if (found->second.expires <= now) {
      cache_.erase(found);
      return std::nullopt;
    }
    return found->second.addresses;
  }

  void store_locked(const std::string& host, const Addresses& addresses) {
    const auto now = SteadyClock::now();
    if (cache_.size() >= options_.cache_size) {
      std::erase_if(cache_, [now](const auto& entry) { return entry.second.expires <= now; });
      if (cache_.size() >= options_.cache_size) cache_.erase(cache_.begin());
    }
    const auto ttl = addresses ? options_.positive_ttl : options_.negative_ttl;
    cache_.insert_or_assign(host, Entry{addresses, now + ttl});
  }

  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ++idle_;
      ready_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
      --idle_;
      if (stopped_) return;
      std::string host = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      Addresses addresses = lookup(host);
      lock.lock();
      if (stopped_) return;  // stop() fails the waiting callbacks
      store_locked(host, addresses);
      auto callbacks = std::move(waiting_[host]);
      waiting_.erase(host);
      lock.unlock();
      for (auto& callback : callbacks)
        callback(addresses);
      lock.lock();
    }
  }

  SystemResolverOptions options_;
  std::mutex mutex_;
  std::condition_variable ready_;
  bool stopped_ = false;
  unsigned idle_ = 0;
  std::deque<std::string> queue_;
  std::unordered_map<std::string, std::vector<Callback>> waiting_;
  std::unordered_map<std::string, Entry> cache_;
  std::vector<std::thread> threads_;
};

}  // namespace

std::shared_ptr<Resolver> system_resolver(SystemResolverOptions options) {
  return std::make_shared<SystemResolver>(options);
}

}  // namespace sippet::stack
