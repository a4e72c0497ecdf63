#pragma once
// Internal: what a TransactionLayer holds behind its public face (layer.hpp):
// the live transactions in slots (a TransactionId names a slot and its
// generation), the index from key to slot, and the storage of ended
// transactions, kept per machine type for the next ones.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "client_invite.hpp"
#include "client_non_invite.hpp"
#include "key_index.hpp"
#include "key_internal.hpp"
#include "server_invite.hpp"
#include "server_non_invite.hpp"
#include "sippet/transaction/layer.hpp"
#include "transaction.hpp"

namespace sippet::transaction {

class TransactionLayer::Impl {
 public:
  // Storage of ended transactions, by machine type (bounded; owned by its
  // layer, not by a thread).
  class Pool {
   public:
    Pool() {
      for (auto& list : free_)
        list.reserve(kLimit);  // release() never allocates
    }

    template <class T, class... Args>
    T* make(Args&&... args) {
      auto& list = free_[static_cast<std::size_t>(kind_of<T>())];
      void* storage;
      if (!list.empty()) {
        storage = list.back().release();
        list.pop_back();
      } else {
        storage = ::operator new(sizeof(T));
      }
      return new (storage) T(std::forward<Args>(args)...);
    }

    void release(Transaction* transaction) noexcept {
      auto& list = free_[static_cast<std::size_t>(transaction->kind())];
      void* storage = dynamic_cast<void*>(transaction);  // the whole object
      transaction->~Transaction();
      if (list.size() < kLimit) {
        list.emplace_back(storage);
      } else {
        ::operator delete(storage);
      }
    }

   private:
    struct OperatorDelete {
      void operator()(void* p) const noexcept { ::operator delete(p); }
    };
    static constexpr std::size_t kLimit = 64;
    template <class T>
    static constexpr Kind kind_of() {
      if constexpr (std::is_same_v<T, ClientInvite>) return Kind::kClientInvite;
      if constexpr (std::is_same_v<T, ClientNonInvite>) return Kind::kClientNonInvite;
      if constexpr (std::is_same_v<T, ServerInvite>) return Kind::kServerInvite;
      if constexpr (std::is_same_v<T, ServerNonInvite>) return Kind::kServerNonInvite;
    }
    // Raw storage, indexed by Kind, each of the size of that Kind's machine.
    std::array<std::vector<std::unique_ptr<void, OperatorDelete>>, 4> free_;
  };

  // A live transaction, given back to the pool when it ends.
  struct PoolDelete {
    Pool* pool;
    void operator()(Transaction* transaction) const noexcept { pool->release(transaction); }
  };
  using Owned = std::unique_ptr<Transaction, PoolDelete>;

  struct Slot {
    std::uint32_t generation = 0;
    Owned transaction{nullptr, PoolDelete{nullptr}};
    std::uint64_t hash = 0;  // of the transaction's key (its index entry)
  };

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // A new machine of type T from the pool, not yet in a slot.
  template <class T, class... Args>
  std::unique_ptr<T, PoolDelete> make(Args&&... args) {
    return std::unique_ptr<T, PoolDelete>(pool_.make<T>(std::forward<Args>(args)...),
                                          PoolDelete{&pool_});
  }

  Transaction* lookup(TransactionId id) const {
    if (id.slot >= slots_.size()) return nullptr;
    const Slot& slot = slots_[id.slot];
    if (slot.generation != id.generation) return nullptr;
    return slot.transaction.get();
  }

  // The live transaction with `key` (hashing to `hash`), if any.
  Transaction* find_hashed(const TransactionKey& key, std::uint64_t hash) const {
    auto slot = index_.find(
        hash, [&](std::uint32_t candidate) { return slots_[candidate].transaction->key() == key; });
    return slot ? slots_[*slot].transaction.get() : nullptr;
  }

  // The same for a key given as views.
  Transaction* find_view(const detail::KeyView& key, std::uint64_t hash) const {
    auto slot = index_.find(hash, [&](std::uint32_t candidate) {
      return key.matches(slots_[candidate].transaction->key());
    });
    return slot ? slots_[*slot].transaction.get() : nullptr;
  }

  // A new server transaction for `request` (not an ACK), under `key`
  // (hashing to `hash`, not in the index); started, and erased at once if
  // it is already done.
  void start_server(const detail::KeyView& key, std::uint64_t hash, message::Message&& request,
                    const TransportInfo& source, const TimerConfig& config, Actions& out);

  // Gives `transaction` a slot and indexes it under `key` (not in the index).
  // `Key`: a TransactionKey&& or a detail::KeyView (Transaction::bind).
  template <class Key>
  TransactionId insert(Key&& key, std::uint64_t hash, Owned transaction);
  // Stops its timers and emits Terminated; the slot is freed for reuse.
  void erase(Transaction& transaction, const TimerConfig& config, Actions& out);

  std::size_t size() const { return index_.size(); }
  std::size_t size(Kind kind) const { return live_[static_cast<std::size_t>(kind)]; }

 private:
  Pool pool_;  // before slots_: outlives the transactions
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  detail::KeyIndex index_;
  std::array<std::uint32_t, 4> live_{};  // live transactions by Kind
};

}  // namespace sippet::transaction
