// Per-thread pools of field lists, received-bytes buffers and arena chunks
// (storage_pool.hpp).
#include "storage_pool.hpp"

#include <new>
#include <type_traits>
#include <utility>

namespace sippet::message::detail {
namespace {

// Field is trivially destructible: a recycled list is cleared in O(1).
static_assert(std::is_trivially_destructible_v<Field>);

constexpr std::size_t kMaxPooled = 16;  // of each kind, per thread

// Set when the thread's pool is destroyed (thread exit): messages destroyed
// later on that thread (other thread_locals, statics) free their storage.
thread_local constinit bool pool_gone = false;

struct Pool;
// The thread's pool once made and until it is destroyed: a constant-
// initialized pointer is read without the guard a thread_local object has.
thread_local constinit Pool* current_pool = nullptr;

struct Pool {
  std::vector<std::vector<Field>> lists;
  std::vector<std::unique_ptr<char[]>> buffers;  // whole allocations, header first
  std::vector<std::unique_ptr<char[]>> chunks;   // arena chunks
  Pool() {
    lists.reserve(kMaxPooled);
    buffers.reserve(kMaxPooled);
    chunks.reserve(kMaxPooled);
  }
  ~Pool() {
    pool_gone = true;
    current_pool = nullptr;
  }
};

[[gnu::noinline]] Pool* make_pool() {
  if (pool_gone) return nullptr;
  thread_local Pool instance;
  current_pool = &instance;
  return &instance;
}

Pool* pool() {
  Pool* p = current_pool;
  return p != nullptr ? p : make_pool();
}

BytesHeader* header_of(char* data) {
  return std::launder(reinterpret_cast<BytesHeader*>(data - kBytesHeader));
}

// Whether `data` has no owner left once this one ends. The only owner needs
// no atomic step: no other can appear (sharing takes an owner).
bool last_owner(BytesHeader* header) {
  return header->owners.load(std::memory_order_acquire) == 1 ||
         header->owners.fetch_sub(1, std::memory_order_acq_rel) == 1;
}

// Gives the allocation of `data` (its last owner gone) to `p`, or frees it.
void recycle_bytes(Pool* p, char* data) noexcept {
  BytesHeader* header = header_of(data);
  const bool pooled = header->pooled;
  header->~BytesHeader();
  std::unique_ptr<char[]> allocation(data - kBytesHeader);
  if (pooled && p != nullptr && p->buffers.size() < kMaxPooled)
    p->buffers.push_back(std::move(allocation));
}

}  // namespace

std::vector<Field> take_field_list() {
  Pool* p = pool();
  if (p == nullptr || p->lists.empty()) {
    std::vector<Field> list;
    list.reserve(kPooledFieldCapacity);
    return list;
  }
  std::vector<Field> list = std::move(p->lists.back());
  p->lists.pop_back();
  return list;
}

char* take_bytes(std::size_t size) {
  const bool pooled = size <= kPooledBytes;
  char* allocation = nullptr;
  Pool* p = pooled ? pool() : nullptr;
  if (p != nullptr && !p->buffers.empty()) {
    allocation = p->buffers.back().release();
    p->buffers.pop_back();
  } else {
    allocation = new char[kBytesHeader + (pooled ? kPooledBytes : size)];
  }
  ::new (allocation) BytesHeader{{1}, pooled};
  return allocation + kBytesHeader;
}

void release_bytes(char* data) noexcept {
  if (data == nullptr || !last_owner(header_of(data))) return;
  recycle_bytes(pool(), data);
}

std::unique_ptr<char[]> take_arena_chunk() {
  Pool* p = pool();
  if (p == nullptr || p->chunks.empty()) return std::make_unique_for_overwrite<char[]>(kArenaChunk);
  std::unique_ptr<char[]> chunk = std::move(p->chunks.back());
  p->chunks.pop_back();
  return chunk;
}

void give_back(std::vector<Field>& fields, char* bytes, std::unique_ptr<char[]>& chunk) noexcept {
  const bool list =
      fields.capacity() >= kPooledFieldCapacity && fields.capacity() <= 4 * kPooledFieldCapacity;
  const bool buffer = bytes != nullptr && last_owner(header_of(bytes));
  if (!list && !buffer && chunk == nullptr) return;
  Pool* p = pool();
  if (buffer) recycle_bytes(p, bytes);  // frees it when there is no pool
  if (p == nullptr) return;
  // Every vector had kMaxPooled reserved: push_back cannot allocate or throw.
  if (list && p->lists.size() < kMaxPooled) {
    fields.clear();
    p->lists.push_back(std::move(fields));
  }
  if (chunk != nullptr && p->chunks.size() < kMaxPooled) p->chunks.push_back(std::move(chunk));
}

void give_back(std::unique_ptr<char[]>& chunk) noexcept {
  if (chunk == nullptr) return;
  Pool* p = pool();
  if (p != nullptr && p->chunks.size() < kMaxPooled) p->chunks.push_back(std::move(chunk));
}

void BytesRelease::operator()(char* data) const noexcept {
  release_bytes(data);
}

}  // namespace sippet::message::detail
