#pragma once
// The resolver's answers by (name, type) until their TTL runs out; bounded
// (expired entries go first, then any).
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sippet/dns/records.hpp"

namespace sippet::dns {

class Cache {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit Cache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  static std::string key(std::string_view name, RecordType type) {
    std::string key;
    key_into(key, name, type);
    return key;
  }
  // The same, into `key` (its capacity reused).
  static void key_into(std::string& key, std::string_view name, RecordType type) {
    key.assign(to_string(type));
    key += ' ';
    key += name;
  }

  // The answer kept for `key`, nullptr when none or expired at `now`.
  // `expires`, when given, is lowered to the answer's expiry.
  const Answer* find(const std::string& key, TimePoint now, TimePoint* expires = nullptr) {
    auto found = entries_.find(key);
    if (found == entries_.end()) return nullptr;
    if (found->second.expires <= now) {
      entries_.erase(found);
      return nullptr;
    }
    if (expires != nullptr && found->second.expires < *expires) *expires = found->second.expires;
    return &found->second.answer;
  }

  void store(const std::string& key, const Answer& answer, TimePoint now, TimePoint expires) {
    if (entries_.size() >= capacity_ && !entries_.contains(key)) {
      std::erase_if(entries_, [now](const auto& entry) { return entry.second.expires <= now; });
      if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
    }
    entries_.insert_or_assign(key, Entry{answer, expires});
  }

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Answer answer;
    TimePoint expires;
  };
  std::size_t capacity_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace sippet::dns
