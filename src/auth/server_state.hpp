#pragma once
// Internal: the bounded memories of a Server: the last nonce count of each
// nonce in use (replay protection, RFC 7616 §3.4.5 / §5.12) and the failed
// attempts of each source (the failure limit).
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

struct evp_md_ctx_st;

namespace sippet::auth::detail {

// HMAC-SHA-256 (RFC 2104) with a fixed key: the key's inner and outer
// blocks are hashed once, and each MAC copies those states. Safe to use
// from several threads at once.
class KeyedMac {
 public:
  explicit KeyedMac(std::string_view key);
  ~KeyedMac();
  KeyedMac(const KeyedMac&) = delete;
  KeyedMac& operator=(const KeyedMac&) = delete;
  // The MAC of `data`, its first `octets` octets in lower-case hex.
  std::string hex(std::string_view data, std::size_t octets) const;

 private:
  evp_md_ctx_st* inner_;
  evp_md_ctx_st* outer_;
};

class NonceCounts {
 public:
  enum class Check { kOk, kReplayed, kForgotten };
  explicit NonceCounts(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  // Records `nc` for the nonce made at `issued` if it is above the last
  // one seen. Entries issued before `expired_before` are dropped first (their
  // nonces are stale anyway). kForgotten: a nonce not remembered although
  // as old as one forgotten to stay within capacity (its count is unknown).
  Check record(const std::string& nonce, std::int64_t issued, std::uint32_t nc,
               std::int64_t expired_before);
  std::size_t size() const { return counts_.size(); }

 private:
  struct Entry {
    std::uint32_t nc;
    std::int64_t issued;
  };
  std::size_t capacity_;
  std::unordered_map<std::string, Entry> counts_;
  std::deque<std::pair<std::string, std::int64_t>> order_;  // first use order
  std::int64_t forgotten_up_to_ = INT64_MIN;
};

class FailureLimiter {
 public:
  FailureLimiter(unsigned max_failures, std::int64_t window, std::size_t max_sources)
      : max_failures_(max_failures), window_(window), max_sources_(max_sources) {}
  // Whether the source has used up its failures in the current window.
  bool limited(std::string_view source, std::int64_t now);
  void failed(std::string_view source, std::int64_t now);

 private:
  struct Window {
    std::int64_t start;
    unsigned failures;
  };
  unsigned max_failures_;
  std::int64_t window_;
  std::size_t max_sources_;
  std::unordered_map<std::string, Window> sources_;
};

}  // namespace sippet::auth::detail
