#pragma once
// Internal: the layer's index from transaction key to slot: open addressing with
// linear probing over a power-of-two table of 8-octet entries (32 bits of
// the key's hash, slot + 1). A lookup touches one or two cache lines of the
// table, and the key itself (kept by its transaction) only when the 32 bits
// match; erasing shifts the entries after it back (no tombstones). The
// table doubles at half full.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace sippet::transaction::detail {

class KeyIndex {
 public:
  KeyIndex() = default;
  KeyIndex(const KeyIndex&) = default;
  KeyIndex& operator=(const KeyIndex&) = default;
  // A moved-from index is empty.
  KeyIndex(KeyIndex&& other) noexcept
      : table_(std::move(other.table_)), mask_(other.mask_), size_(other.size_) {
    other.clear();
  }
  KeyIndex& operator=(KeyIndex&& other) noexcept {
    if (this != &other) {
      table_ = std::move(other.table_);
      mask_ = other.mask_;
      size_ = other.size_;
      other.clear();
    }
    return *this;
  }

  std::size_t size() const { return size_; }

  // The slot of the key hashing to `hash` for which `matches(slot)` holds.
  template <class Matches>
  std::optional<std::uint32_t> find(std::uint64_t hash, Matches&& matches) const {
    if (size_ == 0) return std::nullopt;
    const auto tag = static_cast<std::uint32_t>(hash);
    for (std::size_t i = tag & mask_;; i = (i + 1) & mask_) {
      const Entry& e = table_[i];
      if (e.slot_plus_one == 0) return std::nullopt;
      if (e.tag == tag && matches(e.slot_plus_one - 1)) return e.slot_plus_one - 1;
    }
  }

  // Adds `slot` under `hash` (its key must not be in the index yet).
  void insert(std::uint64_t hash, std::uint32_t slot) {
    if ((size_ + 1) * 2 > table_.size()) grow();
    place(Entry{static_cast<std::uint32_t>(hash), slot + 1});
    ++size_;
  }

  // Removes `slot`, indexed under `hash`.
  void erase(std::uint64_t hash, std::uint32_t slot) {
    if (size_ == 0) return;
    std::size_t i = static_cast<std::uint32_t>(hash) & mask_;
    for (;; i = (i + 1) & mask_) {
      if (table_[i].slot_plus_one == 0) return;  // not there
      if (table_[i].slot_plus_one == slot + 1) break;
    }
    // Backward shift: move up each later entry of the run whose home is at
    // or before the hole (cyclically), so that every probe still finds it.
    std::size_t hole = i;
    for (std::size_t j = (hole + 1) & mask_; table_[j].slot_plus_one != 0; j = (j + 1) & mask_) {
      const std::size_t home = table_[j].tag & mask_;
      if (((j - home) & mask_) >= ((j - hole) & mask_)) {
        table_[hole] = table_[j];
        hole = j;
      }
    }
    table_[hole] = Entry{};
    --size_;
  }

  void clear() {
    table_.clear();
    mask_ = 0;
    size_ = 0;
  }

 private:
  struct Entry {
    std::uint32_t tag = 0;            // low 32 bits of the key's hash
    std::uint32_t slot_plus_one = 0;  // 0: empty
  };

  void place(Entry entry) {
    std::size_t i = entry.tag & mask_;
    while (table_[i].slot_plus_one != 0)
      i = (i + 1) & mask_;
    table_[i] = entry;
  }

  void grow() {
    std::vector<Entry> old = std::move(table_);
    const std::size_t capacity = old.empty() ? 64 : old.size() * 2;
    table_.assign(capacity, Entry{});
    mask_ = capacity - 1;
    for (const Entry& e : old)
      if (e.slot_plus_one != 0) place(e);
  }

  std::vector<Entry> table_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace sippet::transaction::detail
