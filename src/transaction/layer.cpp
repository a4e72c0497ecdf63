// The transaction layer: owns the transactions by key and routes messages to
// them (RFC 3261 §17.1.3, §17.2.3; Sippet's routing).
#include "sippet/transaction/layer.hpp"

#include <memory>
#include <utility>

#include "key_internal.hpp"
#include "layer_internal.hpp"

namespace sippet::transaction {
namespace {

using message::ErrorKind;
using message::Method;

bool is_method(const message::Message& m, Method method) {
  return m.is_request() && m.request_line().method == method;
}

}  // namespace

template <class Key>
TransactionId TransactionLayer::Impl::insert(Key&& key, std::uint64_t hash, Owned transaction) {
  std::uint32_t index;
  if (!free_slots_.empty()) {
    index = free_slots_.back();
    free_slots_.pop_back();
  } else {
    index = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(Slot{1, Owned{nullptr, PoolDelete{&pool_}}, 0});
  }
  Slot& slot = slots_[index];
  slot.hash = hash;
  const TransactionId id{index, slot.generation};
  transaction->bind(id, std::forward<Key>(key));
  ++live_[static_cast<std::size_t>(transaction->kind())];
  slot.transaction = std::move(transaction);
  index_.insert(hash, index);
  return id;
}

void TransactionLayer::Impl::start_server(const detail::KeyView& key, std::uint64_t hash,
                                          message::Message&& request, const TransportInfo& source,
                                          const TimerConfig& config, Actions& out) {
  Context ctx{config, out};
  if (is_method(request, Method::kInvite)) {
    auto owned = make<ServerInvite>(source);
    ServerInvite& txn = *owned;
    insert(key, hash, std::move(owned));
    txn.start(std::move(request), ctx);
    if (txn.done()) erase(txn, config, out);
  } else {
    auto owned = make<ServerNonInvite>(source);
    ServerNonInvite& txn = *owned;
    insert(key, hash, std::move(owned));
    txn.start(std::move(request), ctx);
    if (txn.done()) erase(txn, config, out);
  }
}

void TransactionLayer::Impl::erase(Transaction& transaction, const TimerConfig& config,
                                   Actions& out) {
  Context ctx{config, out};
  transaction.stop_all_timers(ctx);
  const TransactionId id = transaction.id();
  Slot& slot = slots_[id.slot];
  index_.erase(slot.hash, id.slot);
  out.emplace_back(Terminated{id, transaction.take_key()});
  --live_[static_cast<std::size_t>(transaction.kind())];
  slot.transaction.reset();
  if (++slot.generation == 0) slot.generation = 1;
  free_slots_.push_back(id.slot);
}

TransactionLayer::TransactionLayer(TimerConfig config)
    : config_(config), impl_(std::make_unique<Impl>()) {}
TransactionLayer::~TransactionLayer() = default;
TransactionLayer::TransactionLayer(TransactionLayer&&) noexcept = default;
// The old Impl goes first: its transactions go back to its own pool, which
// it destroys after them (member order).
TransactionLayer& TransactionLayer::operator=(TransactionLayer&&) noexcept = default;

TransactionLayer::Impl& TransactionLayer::impl() {
  if (!impl_) impl_ = std::make_unique<Impl>();  // a moved-from layer has none
  return *impl_;
}

std::size_t TransactionLayer::size() const {
  return impl_ ? impl_->size() : 0;
}

std::size_t TransactionLayer::size(Kind kind) const {
  return impl_ ? impl_->size(kind) : 0;
}

message::Result<void> TransactionLayer::on_request(message::Message&& request,
                                                   const TransportInfo& source, Actions& out) {
  Impl& s = impl();
  if (!request.is_request()) return make_error(ErrorKind::kInvalidArgument, kErrNotARequest);
  const bool ack = is_method(request, Method::kAck);
  Context ctx{config_, out};

  // An RFC 3261 branch (the usual case): the key is looked up as views into
  // the request, its strings made only for a new transaction. One hash for
  // both cases: a new request inserts its key, a retransmission (or an ACK)
  // finds the existing transaction.
  char sent_by[detail::kSentBySize];
  if (auto view = detail::server_key_view(request, sent_by)) {
    const std::uint64_t hash = view->hash();
    if (Transaction* found = s.find_view(*view, hash)) {
      found->on_request(std::move(request), ctx);
      if (found->done()) s.erase(*found, config_, out);
    } else if (!ack) {
      s.start_server(*view, hash, std::move(request), source, config_, out);
    } else {
      // Sippet's routing: an ACK with no transaction (the ACK for a 2xx) → the Core.
      deliver_request(out, std::move(request), std::nullopt);
    }
    return {};
  }

  auto key = server_key(request);
  if (!key) return make_error(ErrorKind::kMissingHeader, kErrUnmatchable);
  const std::uint64_t hash = TransactionKeyHash{}(*key);
  Transaction* found = s.find_hashed(*key, hash);
  if (!ack) {
    if (found != nullptr) {
      found->on_request(std::move(request), ctx);
      if (found->done()) s.erase(*found, config_, out);
      return {};
    }
    s.start_server(detail::KeyView::of(*key), hash, std::move(request), source, config_, out);
    return {};
  }

  if (found == nullptr && !key->rfc2543.empty()) {
    // §17.2.3 (RFC 2543): the ACK's To tag is the one of the response the
    // INVITE transaction sent, the INVITE itself had none.
    TransactionKey invite_key = *key;
    invite_key.rfc2543 = detail::rfc2543_text(request, {});
    found = s.find_hashed(invite_key, TransactionKeyHash{}(invite_key));
    if (found != nullptr) {
      if (found->response_to_tag().empty() || request.to() == nullptr ||
          found->response_to_tag() != request.to()->tag()) {
        found = nullptr;
      }
    }
  }
  if (found != nullptr) {
    found->on_request(std::move(request), ctx);
    if (found->done()) s.erase(*found, config_, out);
    return {};
  }
  // Sippet's routing: an ACK with no transaction (the ACK for a 2xx) → the Core.
  deliver_request(out, std::move(request), std::nullopt);
  return {};
}

message::Result<void> TransactionLayer::on_response(message::Message&& response,
                                                    const TransportInfo&, Actions& out) {
  Impl& s = impl();
  if (!response.is_response()) return make_error(ErrorKind::kInvalidArgument, kErrNotAResponse);
  // Found by views into the response: no key is built.
  auto key = detail::client_key_view(response);
  if (!key) return make_error(ErrorKind::kMissingHeader, kErrUnmatchable);
  Transaction* found = key->branch.empty() ? nullptr : s.find_view(*key, key->hash());
  if (found == nullptr) {
    // Sippet's routing: no client transaction → the Core with none.
    deliver_response(out, std::move(response), std::nullopt);
    return {};
  }
  Transaction& txn = *found;
  Context ctx{config_, out};
  txn.on_response(std::move(response), ctx);
  if (txn.done()) s.erase(txn, config_, out);
  return {};
}

message::Result<TransactionId> TransactionLayer::send_request(message::Message&& request,
                                                              const TransportInfo& destination,
                                                              Actions& out) {
  Impl& s = impl();
  if (!request.is_request()) return make_error(ErrorKind::kInvalidArgument, kErrNotARequest);
  // Sippet's rule: ACKs go straight to the transport (§17.1.1.3: the ACK for a
  // 2xx is not part of the INVITE transaction).
  if (is_method(request, Method::kAck)) {
    return make_error(ErrorKind::kInvalidArgument, kErrAckNotAllowed);
  }
  auto key = client_key(request);
  if (!key || key->branch.empty()) return make_error(ErrorKind::kMissingHeader, kErrUnmatchable);
  const std::uint64_t hash = TransactionKeyHash{}(*key);
  if (s.find_hashed(*key, hash) != nullptr)
    return make_error(ErrorKind::kTransactionExists, kErrTransactionExists);
  Context ctx{config_, out};
  if (is_method(request, Method::kInvite)) {
    auto owned = s.make<ClientInvite>(std::move(request), destination);
    ClientInvite& txn = *owned;
    const TransactionId id = s.insert(std::move(*key), hash, std::move(owned));
    txn.start(ctx);
    return id;
  }
  auto owned = s.make<ClientNonInvite>(request, destination);
  ClientNonInvite& txn = *owned;
  const TransactionId id = s.insert(std::move(*key), hash, std::move(owned));
  txn.start(ctx);
  return id;
}

message::Result<TransactionId> TransactionLayer::send_response(const message::Message& response,
                                                               std::optional<TransactionId> id,
                                                               Actions& out) {
  Impl& s = impl();
  if (!response.is_response()) return make_error(ErrorKind::kInvalidArgument, kErrNotAResponse);
  Transaction* txn = nullptr;
  if (id) {
    txn = s.lookup(*id);
  } else {
    auto key = server_key(response);
    if (!key) return make_error(ErrorKind::kMissingHeader, kErrUnmatchable);
    txn = s.find_hashed(*key, TransactionKeyHash{}(*key));
  }
  if (txn == nullptr || !txn->is_server()) {
    return make_error(ErrorKind::kNoTransaction, kErrNoTransaction);
  }
  Context ctx{config_, out};
  auto sent = txn->send_response(response, ctx);
  if (!sent) return sent.error();
  const TransactionId live = txn->id();
  if (txn->done()) s.erase(*txn, config_, out);
  return live;
}

message::Result<message::Message> TransactionLayer::build_cancel(TransactionId id) const {
  if (!impl_) return make_error(ErrorKind::kInvalidArgument, kErrNotPendingInvite);
  const Transaction* txn = impl_->lookup(id);
  if (txn == nullptr) return make_error(ErrorKind::kInvalidArgument, kErrNotPendingInvite);
  return txn->build_cancel();
}

bool TransactionLayer::on_timer(const TimerHandle& handle, Actions& out) {
  Impl& s = impl();
  Transaction* txn = s.lookup(handle.id);
  if (txn == nullptr || !txn->take_timer(handle)) return false;
  Context ctx{config_, out};
  txn->on_timer(handle.timer, ctx);
  if (txn->done()) s.erase(*txn, config_, out);
  return true;
}

bool TransactionLayer::on_transport_error(TransactionId id, Actions& out) {
  Impl& s = impl();
  Transaction* txn = s.lookup(id);
  if (txn == nullptr) return false;
  Context ctx{config_, out};
  txn->on_transport_error(ctx);
  if (txn->done()) s.erase(*txn, config_, out);
  return true;
}

bool TransactionLayer::terminate(TransactionId id, Actions& out) {
  Impl& s = impl();
  Transaction* txn = s.lookup(id);
  if (txn == nullptr) return false;
  s.erase(*txn, config_, out);
  return true;
}

std::optional<TransactionId> TransactionLayer::find(const TransactionKey& key) const {
  if (!impl_) return std::nullopt;
  const Transaction* txn = impl_->find_hashed(key, TransactionKeyHash{}(key));
  if (txn == nullptr) return std::nullopt;
  return txn->id();
}

const TransactionKey* TransactionLayer::key_of(TransactionId id) const {
  if (!impl_) return nullptr;
  const Transaction* txn = impl_->lookup(id);
  return txn != nullptr ? &txn->key() : nullptr;
}

std::optional<State> TransactionLayer::state(TransactionId id) const {
  if (!impl_) return std::nullopt;
  const Transaction* txn = impl_->lookup(id);
  if (txn == nullptr) return std::nullopt;
  return txn->state();
}

std::optional<Kind> TransactionLayer::kind(TransactionId id) const {
  if (!impl_) return std::nullopt;
  const Transaction* txn = impl_->lookup(id);
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
