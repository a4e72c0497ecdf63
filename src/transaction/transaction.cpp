// Shared helpers of the four machines.
#include "transaction.hpp"

#include <cstddef>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

namespace sippet::transaction {

message::Error make_error(message::ErrorKind kind, std::string_view reason) {
  message::Error error;
  error.kind = kind;
  error.status = 0;
  error.reason = std::string(reason);
  return error;
}

namespace {

// ---- Recycling of serialized messages ------------------------------------
//
// Every response sent costs a string buffer and a shared_ptr control block
// (which holds the std::string, as make_shared would). Both are recycled per
// thread: when the last owner lets go on a thread that serializes, the
// buffer (its capacity) and the control block go back to that thread's
// pools. Released on another thread (e.g. a transport's), they are freed as
// usual. The pools are bounded.
constexpr std::size_t kPoolLimit = 64;            // buffers, and control blocks
constexpr std::size_t kMaxPooledCapacity = 4096;  // larger buffers are freed
constexpr std::size_t kBlockSize = 48;            // a control block holding a std::string

enum class PoolState : unsigned char { kUnborn, kAlive, kDead };
thread_local PoolState t_pool_state = PoolState::kUnborn;  // trivially destructible

struct OperatorDelete {
  void operator()(void* p) const { ::operator delete(p); }
};

struct BytesPool {
  std::vector<std::string> strings;  // empty, with capacity
  std::vector<std::unique_ptr<void, OperatorDelete>> blocks;
  BytesPool() {
    strings.reserve(kPoolLimit);
    blocks.reserve(kPoolLimit);
    t_pool_state = PoolState::kAlive;
  }
  ~BytesPool() { t_pool_state = PoolState::kDead; }
  BytesPool(const BytesPool&) = delete;
  BytesPool& operator=(const BytesPool&) = delete;
};

BytesPool& bytes_pool() {
  thread_local BytesPool pool;
  return pool;
}

// Only a thread whose pool is alive recycles (a release never creates a pool).
BytesPool* live_pool() {
  return t_pool_state == PoolState::kAlive ? &bytes_pool() : nullptr;
}

// The object shared by SendMessage::bytes (through an aliasing shared_ptr):
// its buffer goes back to the pool when the last owner lets go.
struct SharedBytes {
  std::string text;
  SharedBytes() = default;
  SharedBytes(const SharedBytes&) = delete;
  SharedBytes& operator=(const SharedBytes&) = delete;
  ~SharedBytes() {
    BytesPool* pool = live_pool();
    if (pool != nullptr && pool->strings.size() < kPoolLimit &&
        text.capacity() <= kMaxPooledCapacity) {
      text.clear();
      pool->strings.push_back(std::move(text));  // capacity reserved: no allocation
    }
  }
};

// Allocates control blocks from the pool's fixed-size slots.
template <class T>
struct BlockAllocator {
  using value_type = T;
  BlockAllocator() = default;
  template <class U>
  BlockAllocator(const BlockAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= alignof(std::max_align_t));
    if (n * sizeof(T) > kBlockSize) return static_cast<T*>(::operator new(n * sizeof(T)));
    BytesPool* pool = live_pool();
    if (pool != nullptr && !pool->blocks.empty()) {
      void* p = pool->blocks.back().release();
      pool->blocks.pop_back();
      return static_cast<T*>(p);
    }
    return static_cast<T*>(::operator new(kBlockSize));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) <= kBlockSize) {
      BytesPool* pool = live_pool();
      if (pool != nullptr && pool->blocks.size() < kPoolLimit) {
        pool->blocks.emplace_back(p);  // capacity reserved: no allocation
        return;
      }
    }
    ::operator delete(p);
  }
  template <class U>
  bool operator==(const BlockAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace

std::string take_buffer() {
  BytesPool& pool = bytes_pool();
  if (pool.strings.empty()) return {};
  std::string buffer = std::move(pool.strings.back());
  pool.strings.pop_back();
  return buffer;
}

void give_back(std::string& buffer) {
  BytesPool* pool = live_pool();
  if (pool != nullptr && pool->strings.size() < kPoolLimit && buffer.capacity() > 15 &&
      buffer.capacity() <= kMaxPooledCapacity) {
    buffer.clear();
    pool->strings.push_back(std::move(buffer));  // capacity reserved: no allocation
  }
  buffer = std::string();  // frees what the pool did not take
}

std::shared_ptr<const std::string> serialize(const message::Message& message) {
  BytesPool& pool = bytes_pool();
  auto shared = std::allocate_shared<SharedBytes>(BlockAllocator<SharedBytes>{});
  std::string& bytes = shared->text;
  if (!pool.strings.empty()) {
    bytes = std::move(pool.strings.back());
    pool.strings.pop_back();
  }
  bytes.reserve(message.bytes().empty() ? 512 : message.bytes().size() + 64);
  message.append_to(bytes);
  return std::shared_ptr<const std::string>(std::move(shared), &bytes);
}

std::shared_ptr<const std::string> serialize_compact(const message::Message& message) {
  auto shared = std::allocate_shared<SharedBytes>(BlockAllocator<SharedBytes>{});
  std::string& bytes = shared->text;
  message.append_to(bytes);  // into an empty string: exact, no spare capacity kept for 32 s
  return std::shared_ptr<const std::string>(std::move(shared), &bytes);
}

void Transaction::on_request(message::Message&&, Context&) {}
void Transaction::on_response(message::Message&&, Context&) {}

message::Result<void> Transaction::send_response(const message::Message&, Context&) {
  return make_error(message::ErrorKind::kNoTransaction, kErrNoTransaction);
}

message::Result<message::Message> Transaction::build_cancel() const {
  return make_error(message::ErrorKind::kInvalidArgument, kErrNotPendingInvite);
}

bool Transaction::take_timer(const TimerHandle& handle) {
  auto& armed = armed_[static_cast<std::size_t>(handle.timer)];
  if (armed == 0 || armed != handle.generation) return false;
  armed = 0;
  return true;
}

void Transaction::stop_all_timers(Context& ctx) {
  for (std::size_t i = 0; i < kTimerCount; ++i) {
    if (armed_[i] != 0) stop_timer(ctx, static_cast<TimerId>(i));
  }
}

void Transaction::send(Context& ctx, std::shared_ptr<const std::string> bytes,
                       bool retransmission) {
  ctx.out.emplace_back(SendMessage{id_, std::move(bytes), transport_, retransmission});
}

bool Transaction::start_timer(Context& ctx, TimerId timer, milliseconds after) {
  if (after.count() <= 0) return false;
  if (++timer_generation_ == 0) ++timer_generation_;  // 0 means idle
  armed_[static_cast<std::size_t>(timer)] = timer_generation_;
  ctx.out.emplace_back(StartTimer{TimerHandle{id_, timer, timer_generation_}, after});
  return true;
}

void Transaction::stop_timer(Context& ctx, TimerId timer) {
  auto& armed = armed_[static_cast<std::size_t>(timer)];
  if (armed == 0) return;
  ctx.out.emplace_back(StopTimer{TimerHandle{id_, timer, armed}});
  armed = 0;
}

void Transaction::fail(Context& ctx, ErrorReason reason, std::optional<TimerId> timer) {
  if (done_) return;
  report(ctx, reason, timer);
  finish();
}

void Transaction::report(Context& ctx, ErrorReason reason, std::optional<TimerId> timer) {
  if (reported_) return;
  reported_ = true;
  ctx.out.emplace_back(DeliverError{id_, reason, timer, key_});
}

}  // namespace sippet::transaction
