// Bindings in memory: a map from address of record to its set, under a
// mutex. Sets are returned ordered by contact, instance and reg-id, as the
// databases return them.
#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>

#include "sippet/registrar/storage.hpp"

namespace sippet::registrar {
namespace {

// The databases' order: contact, then +sip.instance and reg-id (one Contact
// URI may have several flows, RFC 5626).
bool by_key(const Binding& a, const Binding& b) {
  return std::tie(a.contact, a.instance, a.reg_id) < std::tie(b.contact, b.instance, b.reg_id);
}

class MemoryStorage final : public Storage {
 public:
  message::Result<std::vector<Binding>> lookup(std::string_view aor) override {
    std::lock_guard lock(mutex_);
    auto it = bindings_.find(aor);
    if (it == bindings_.end()) return std::vector<Binding>{};
    std::vector<Binding> out = it->second;
    std::sort(out.begin(), out.end(), by_key);
    return out;
  }

  message::Result<void> replace(std::string_view aor,
                                const std::vector<Binding>& bindings) override {
    std::lock_guard lock(mutex_);
    if (bindings.empty()) {
      auto it = bindings_.find(aor);
      if (it != bindings_.end()) bindings_.erase(it);
    } else {
      bindings_[std::string(aor)] = bindings;
    }
    return {};
  }

  message::Result<std::size_t> remove_expired(UnixSeconds now) override {
    std::lock_guard lock(mutex_);
    std::size_t removed = 0;
    for (auto it = bindings_.begin(); it != bindings_.end();) {
      removed += std::erase_if(it->second, [&](const Binding& b) { return b.expires_at <= now; });
      it = it->second.empty() ? bindings_.erase(it) : std::next(it);
    }
    return removed;
  }

  message::Result<std::vector<Binding>> all() override {
    std::lock_guard lock(mutex_);
    std::vector<Binding> out;
    for (const auto& [aor, set] : bindings_) {
      auto start = out.size();
      out.insert(out.end(), set.begin(), set.end());
      std::sort(out.begin() + static_cast<std::ptrdiff_t>(start), out.end(), by_key);
    }
    return out;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::vector<Binding>, std::less<>> bindings_;
};

}  // namespace

message::Result<void> Storage::replace_batch(
    const std::vector<std::pair<std::string, std::vector<Binding>>>& sets) {
  for (const auto& [aor, bindings] : sets)
    if (auto r = replace(aor, bindings); !r) return r;
  return {};
}

std::unique_ptr<Storage> make_memory_storage() {
  return std::make_unique<MemoryStorage>();
}

}  // namespace sippet::registrar
