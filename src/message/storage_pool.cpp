// Per-thread pools of field lists, received-bytes buffers and arena chunks
// (storage_pool.hpp).
#include "storage_pool.hpp"

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

struct Pool {
  std::vector<std::vector<Field>> lists;
  std::vector<std::unique_ptr<char[]>> buffers;
  std::vector<std::unique_ptr<char[]>> chunks;  // arena chunks
  Pool() {
    lists.reserve(kMaxPooled);
    buffers.reserve(kMaxPooled);
    chunks.reserve(kMaxPooled);
  }
  ~Pool() { pool_gone = true; }
};

Pool* pool() {
  if (pool_gone) return nullptr;
  thread_local Pool instance;
  return &instance;
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

std::unique_ptr<char[]> take_bytes() {
  Pool* p = pool();
  if (p == nullptr || p->buffers.empty())
    return std::make_unique_for_overwrite<char[]>(kPooledBytes);
  std::unique_ptr<char[]> buffer = std::move(p->buffers.back());
  p->buffers.pop_back();
  return buffer;
}

std::unique_ptr<char[]> take_arena_chunk() {
  Pool* p = pool();
  if (p == nullptr || p->chunks.empty()) return std::make_unique_for_overwrite<char[]>(kArenaChunk);
  std::unique_ptr<char[]> chunk = std::move(p->chunks.back());
  p->chunks.pop_back();
  return chunk;
}

void give_back(std::vector<Field>& fields, std::unique_ptr<char[]>& bytes, std::size_t bytes_size,
               std::unique_ptr<char[]>& chunk) noexcept {
  const bool list =
      fields.capacity() >= kPooledFieldCapacity && fields.capacity() <= 4 * kPooledFieldCapacity;
  const bool buffer = bytes != nullptr && bytes_size + kParseSlack <= kPooledBytes;
  if (!list && !buffer && chunk == nullptr) return;
  Pool* p = pool();
  if (p == nullptr) return;
  // Every vector had kMaxPooled reserved: push_back cannot allocate or throw.
  if (list && p->lists.size() < kMaxPooled) {
    fields.clear();
    p->lists.push_back(std::move(fields));
  }
  if (buffer && p->buffers.size() < kMaxPooled) p->buffers.push_back(std::move(bytes));
  if (chunk != nullptr && p->chunks.size() < kMaxPooled) p->chunks.push_back(std::move(chunk));
}

void give_back(std::unique_ptr<char[]>& chunk) noexcept {
  if (chunk == nullptr) return;
  Pool* p = pool();
  if (p != nullptr && p->chunks.size() < kMaxPooled) p->chunks.push_back(std::move(chunk));
}

}  // namespace sippet::message::detail
