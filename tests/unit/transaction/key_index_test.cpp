// The layer's key index (open addressing, backward-shift erase) against a
// reference map, with hashes crafted to collide and wrap around the table.
#include "../../../src/transaction/key_index.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>

namespace sippet::transaction::detail {
namespace {

TEST(KeyIndex, FindsInsertsAndErasesLikeAMap) {
  KeyIndex index;
  std::map<std::uint32_t, std::uint64_t> reference;  // slot -> hash
  std::mt19937_64 random(7);
  auto hash_of = [&](std::uint32_t) {
    // Few distinct low bits: long runs, wrap-around, equal tags.
    return (random() & 0xffff'ffff'0000'0000ULL) | (random() % 8) | (random() % 2 ? 0x3f : 0);
  };
  std::uint32_t next_slot = 0;
  for (int step = 0; step < 5000; ++step) {
    if (reference.empty() || random() % 3 != 0) {
      const std::uint32_t slot = next_slot++;
      const std::uint64_t hash = hash_of(slot);
      index.insert(hash, slot);
      reference[slot] = hash;
    } else {
      auto it = reference.begin();
      std::advance(it, static_cast<long>(random() % reference.size()));
      index.erase(it->second, it->first);
      reference.erase(it);
    }
    ASSERT_EQ(index.size(), reference.size());
    if (step % 97 == 0) {
      for (const auto& entry : reference) {
        const std::uint32_t slot = entry.first;  // not a structured binding: clang 14 lambdas
        const std::uint64_t hash = entry.second;
        auto found = index.find(hash, [&](std::uint32_t s) { return s == slot; });
        ASSERT_EQ(found, std::optional<std::uint32_t>(slot)) << "step " << step;
      }
      // Gone slots are not found.
      for (std::uint32_t gone = 0; gone < next_slot; gone += 13) {
        if (reference.contains(gone)) continue;
        EXPECT_FALSE(index.find(hash_of(gone), [&](std::uint32_t s) { return s == gone; }));
      }
    }
  }
}

TEST(KeyIndex, MovedFromIsEmptyAndUsable) {
  KeyIndex a;
  a.insert(42, 1);
  KeyIndex b = std::move(a);
  EXPECT_EQ(b.size(), 1u);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): documented state
  EXPECT_FALSE(a.find(42, [](std::uint32_t) { return true; }));
  a.insert(42, 2);
  EXPECT_EQ(a.find(42, [](std::uint32_t s) { return s == 2; }), std::optional<std::uint32_t>(2));
  EXPECT_EQ(b.find(42, [](std::uint32_t s) { return s == 1; }), std::optional<std::uint32_t>(1));
}

}  // namespace
}  // namespace sippet::transaction::detail
