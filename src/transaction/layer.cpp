// The transaction layer: owns the transactions by key and routes messages to
// them (RFC 3261 §17.1.3, §17.2.3; design.md §3).
#include "sippet/transaction/layer.hpp"

#include <array>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "client_invite.hpp"
#include "client_non_invite.hpp"
#include "key_internal.hpp"
#include "server_invite.hpp"
#include "server_non_invite.hpp"
#include "transaction.hpp"

namespace sippet::transaction {
namespace {

using message::ErrorKind;
using message::Method;

bool is_method(const message::Message& m, Method method) {
  return m.is_request() && m.request_line().method == method;
}

struct OperatorDelete {
  void operator()(void* p) const noexcept { ::operator delete(p); }
};

}  // namespace

class TransactionLayer::Pool {
 public:
  Pool() {
    for (auto& list : free_)
      list.reserve(kLimit);  // release() never allocates
  }

  template <class T, class... Args>
  std::unique_ptr<T, PoolDelete> make(Args&&... args) {
    auto& list = free_[static_cast<std::size_t>(kind_of<T>())];
    void* storage;
    if (!list.empty()) {
      storage = list.back().release();
      list.pop_back();
    } else {
      storage = ::operator new(sizeof(T));
    }
    return std::unique_ptr<T, PoolDelete>(new (storage) T(std::forward<Args>(args)...),
                                          PoolDelete{this});
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

void TransactionLayer::PoolDelete::operator()(Transaction* transaction) const noexcept {
  pool->release(transaction);
}

TransactionLayer::Pool& TransactionLayer::pool() {
  if (!pool_) pool_ = std::make_unique<Pool>();  // a moved-from layer has none
  return *pool_;
}

TransactionLayer::TransactionLayer(TimerConfig config)
    : config_(config), pool_(std::make_unique<Pool>()) {}
TransactionLayer::~TransactionLayer() = default;
TransactionLayer::TransactionLayer(TransactionLayer&&) noexcept = default;
TransactionLayer& TransactionLayer::operator=(TransactionLayer&& other) noexcept {
  if (this != &other) {
    // This layer's transactions go back to its own pool before the pool goes.
    index_.clear();
    slots_.clear();
    config_ = other.config_;
    pool_ = std::move(other.pool_);
    slots_ = std::move(other.slots_);
    free_slots_ = std::move(other.free_slots_);
    index_ = std::move(other.index_);
  }
  return *this;
}

Transaction* TransactionLayer::lookup(TransactionId id) const {
  if (id.slot >= slots_.size()) return nullptr;
  const Slot& slot = slots_[id.slot];
  if (slot.generation != id.generation) return nullptr;
  return slot.transaction.get();
}

Transaction* TransactionLayer::find_hashed(const TransactionKey& key, std::uint64_t hash) const {
  auto slot = index_.find(
      hash, [&](std::uint32_t candidate) { return slots_[candidate].transaction->key() == key; });
  return slot ? slots_[*slot].transaction.get() : nullptr;
}

TransactionId TransactionLayer::insert(TransactionKey&& key, std::uint64_t hash,
                                       Owned transaction) {
  std::uint32_t index;
  if (!free_slots_.empty()) {
    index = free_slots_.back();
    free_slots_.pop_back();
  } else {
    index = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(Slot{1, Owned{}, 0});
  }
  Slot& slot = slots_[index];
  slot.hash = hash;
  const TransactionId id{index, slot.generation};
  transaction->bind(id, std::move(key));
  slot.transaction = std::move(transaction);
  index_.insert(hash, index);
  return id;
}

void TransactionLayer::erase(Transaction& transaction, Actions& out) {
  Context ctx{config_, out};
  transaction.stop_all_timers(ctx);
  const TransactionId id = transaction.id();
  Slot& slot = slots_[id.slot];
  index_.erase(slot.hash, id.slot);
  out.emplace_back(Terminated{id, transaction.take_key()});
  slot.transaction.reset();
  if (++slot.generation == 0) slot.generation = 1;
  free_slots_.push_back(id.slot);
}

message::Result<void> TransactionLayer::on_request(message::Message&& request,
                                                   const TransportInfo& source, Actions& out) {
  if (!request.is_request()) return make_error(ErrorKind::kInvalidArgument, kErrNotARequest);
  auto key = server_key(request);
  if (!key) return make_error(ErrorKind::kMissingHeader, kErrUnmatchable);
  const bool ack = is_method(request, Method::kAck);
  Context ctx{config_, out};

  // One hash for both cases: a new request inserts its key, a retransmission
  // (or an ACK) finds the existing transaction.
  const std::uint64_t hash = TransactionKeyHash{}(*key);
  Transaction* found = find_hashed(*key, hash);
  if (!ack) {
    if (found != nullptr) {
      found->on_request(std::move(request), ctx);
      if (found->done()) erase(*found, out);
      return {};
    }
    if (is_method(request, Method::kInvite)) {
      auto owned = pool().make<ServerInvite>(source);
      ServerInvite& txn = *owned;
      insert(std::move(*key), hash, std::move(owned));
      txn.start(std::move(request), ctx);
      if (txn.done()) erase(txn, out);
    } else {
      auto owned = pool().make<ServerNonInvite>(source);
      ServerNonInvite& txn = *owned;
      insert(std::move(*key), hash, std::move(owned));
      txn.start(std::move(request), ctx);
      if (txn.done()) erase(txn, out);
    }
    return {};
  }

  if (found == nullptr && !key->rfc2543.empty()) {
    // §17.2.3 (RFC 2543): the ACK's To tag is the one of the response the
    // INVITE transaction sent, the INVITE itself had none.
    TransactionKey invite_key = *key;
    invite_key.rfc2543 = detail::rfc2543_text(request, {});
    found = find_hashed(invite_key, TransactionKeyHash{}(invite_key));
    if (found != nullptr) {
      if (found->response_to_tag().empty() || request.to() == nullptr ||
          found->response_to_tag() != request.to()->tag()) {
        found = nullptr;
      }
    }
  }
  if (found != nullptr) {
    found->on_request(std::move(request), ctx);
    if (found->done()) erase(*found, out);
    return {};
  }
  // design.md §3: an ACK with no transaction (the ACK for a 2xx) → the Core.
  out.emplace_back(DeliverRequest{std::move(request), std::nullopt});
  return {};
}

message::Result<void> TransactionLayer::on_response(message::Message&& response,
                                                    const TransportInfo&, Actions& out) {
  if (!response.is_response()) return make_error(ErrorKind::kInvalidArgument, kErrNotAResponse);
  auto key = client_key(response);
  if (!key) return make_error(ErrorKind::kMissingHeader, kErrUnmatchable);
  Transaction* found =
      key->branch.empty() ? nullptr : find_hashed(*key, TransactionKeyHash{}(*key));
  if (found == nullptr) {
    // design.md §3: no client transaction → the Core with none.
    out.emplace_back(DeliverResponse{std::move(response), std::nullopt});
    return {};
  }
  Transaction& txn = *found;
  Context ctx{config_, out};
  txn.on_response(std::move(response), ctx);
  if (txn.done()) erase(txn, out);
  return {};
}

message::Result<TransactionId> TransactionLayer::send_request(message::Message&& request,
                                                              const TransportInfo& destination,
                                                              Actions& out) {
  if (!request.is_request()) return make_error(ErrorKind::kInvalidArgument, kErrNotARequest);
  // design.md §3: ACKs go straight to the transport (§17.1.1.3: the ACK for a
  // 2xx is not part of the INVITE transaction).
  if (is_method(request, Method::kAck)) {
    return make_error(ErrorKind::kInvalidArgument, kErrAckNotAllowed);
  }
  auto key = client_key(request);
  if (!key || key->branch.empty()) return make_error(ErrorKind::kMissingHeader, kErrUnmatchable);
  const std::uint64_t hash = TransactionKeyHash{}(*key);
  if (find_hashed(*key, hash) != nullptr)
    return make_error(ErrorKind::kInvalidArgument, kErrTransactionExists);
  Context ctx{config_, out};
  if (is_method(request, Method::kInvite)) {
    auto owned = pool().make<ClientInvite>(std::move(request), destination);
    ClientInvite& txn = *owned;
    const TransactionId id = insert(std::move(*key), hash, std::move(owned));
    txn.start(ctx);
    return id;
  }
  auto owned = pool().make<ClientNonInvite>(request, destination);
  ClientNonInvite& txn = *owned;
  const TransactionId id = insert(std::move(*key), hash, std::move(owned));
  txn.start(ctx);
  return id;
}

message::Result<TransactionId> TransactionLayer::send_response(message::Message&& response,
                                                               std::optional<TransactionId> id,
                                                               Actions& out) {
  if (!response.is_response()) return make_error(ErrorKind::kInvalidArgument, kErrNotAResponse);
  Transaction* txn = nullptr;
  if (id) {
    txn = lookup(*id);
  } else {
    auto key = server_key(response);
    if (!key) return make_error(ErrorKind::kMissingHeader, kErrUnmatchable);
    txn = find_hashed(*key, TransactionKeyHash{}(*key));
  }
  if (txn == nullptr || !txn->is_server()) {
    return make_error(ErrorKind::kNotFound, kErrNoTransaction);
  }
  Context ctx{config_, out};
  auto sent = txn->send_response(response, ctx);
  if (!sent) return sent.error();
  const TransactionId live = txn->id();
  if (txn->done()) erase(*txn, out);
  return live;
}

message::Result<message::Message> TransactionLayer::build_cancel(TransactionId id) const {
  const Transaction* txn = lookup(id);
  if (txn == nullptr) return make_error(ErrorKind::kInvalidArgument, kErrNotPendingInvite);
  return txn->build_cancel();
}

bool TransactionLayer::on_timer(const TimerHandle& handle, Actions& out) {
  Transaction* txn = lookup(handle.id);
  if (txn == nullptr || !txn->take_timer(handle)) return false;
  Context ctx{config_, out};
  txn->on_timer(handle.timer, ctx);
  if (txn->done()) erase(*txn, out);
  return true;
}

bool TransactionLayer::on_transport_error(TransactionId id, Actions& out) {
  Transaction* txn = lookup(id);
  if (txn == nullptr) return false;
  Context ctx{config_, out};
  txn->on_transport_error(ctx);
  if (txn->done()) erase(*txn, out);
  return true;
}

bool TransactionLayer::terminate(TransactionId id, Actions& out) {
  Transaction* txn = lookup(id);
  if (txn == nullptr) return false;
  erase(*txn, out);
  return true;
}

std::optional<TransactionId> TransactionLayer::find(const TransactionKey& key) const {
  const Transaction* txn = find_hashed(key, TransactionKeyHash{}(key));
  if (txn == nullptr) return std::nullopt;
  return txn->id();
}

const TransactionKey* TransactionLayer::key_of(TransactionId id) const {
  const Transaction* txn = lookup(id);
  return txn != nullptr ? &txn->key() : nullptr;
}

std::optional<State> TransactionLayer::state(TransactionId id) const {
  const Transaction* txn = lookup(id);
  if (txn == nullptr) return std::nullopt;
  return txn->state();
}

std::optional<Kind> TransactionLayer::kind(TransactionId id) const {
  const Transaction* txn = lookup(id);
  if (txn == nullptr) return std::nullopt;
  return txn->kind();
}

std::optional<TransactionId> TransactionLayer::find_cancelled_invite(
    const message::Message& cancel) const {
  if (!is_method(cancel, Method::kCancel)) return std::nullopt;
  auto key = server_key(cancel);
  if (!key) return std::nullopt;
  key->method = "INVITE";  // §9.2: the CANCEL has the INVITE's top Via
  return find(*key);
}

}  // namespace sippet::transaction
