// A message's arena (arena.hpp), living in a pooled chunk (storage_pool.hpp).
#include "arena.hpp"

#include <algorithm>
#include <cstring>
#include <new>

#include "message_access.hpp"
#include "storage_pool.hpp"

namespace sippet::message::detail {

static_assert(alignof(Arena) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__,
              "a chunk from new char[] must be aligned for the arena at its start");
static_assert(kArenaHeader < kArenaChunk / 8, "the arena takes a small part of its chunk");

Arena* Arena::create() {
  char* chunk = take_arena_chunk().release();
  return ::new (chunk) Arena(chunk + kArenaHeader, kArenaChunk - kArenaHeader);
}

std::unique_ptr<char[]> Arena::destroy(Arena* arena) noexcept {
  arena->~Arena();
  return std::unique_ptr<char[]>(reinterpret_cast<char*>(arena));
}

std::string_view Arena::intern(std::string_view text) {
  if (text.empty()) return {};
  char* out = allocate(text.size());
  std::memcpy(out, text.data(), text.size());
  return {out, text.size()};
}

char* Arena::allocate(std::size_t size) {
  if (capacity_ - used_ < size) {
    const std::size_t chunk = std::max(kArenaChunk, size);
    // Not value-initialized: the caller writes every octet it is handed.
    more_.push_back(std::make_unique_for_overwrite<char[]>(chunk));
    current_ = more_.back().get();
    used_ = 0;
    capacity_ = chunk;
  }
  char* out = current_ + used_;
  used_ += size;
  return out;
}

Arena::~Arena() {
  for (const char* data : borrowed_) {
    if (data != nullptr) release_bytes(const_cast<char*>(data));
  }
}

bool Arena::borrow(const char* data) noexcept {
  for (const char*& slot : borrowed_) {
    if (slot == data) return true;
    if (slot == nullptr) {
      share_bytes(data);
      slot = data;
      return true;
    }
  }
  return false;
}

Arena& MessageAccess::new_arena(Message& m) {
  m.arena_.reset(Arena::create());
  return *m.arena_;
}

void ArenaRelease::operator()(Arena* arena) const noexcept {
  std::unique_ptr<char[]> chunk = Arena::destroy(arena);
  give_back(chunk);
}

}  // namespace sippet::message::detail
