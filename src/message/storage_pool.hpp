#pragma once
// Internal: per-thread recycled storage of messages. A destroyed Message
// gives its field list, its received-bytes buffer and its arena's first
// chunk back to the pools of the thread destroying it; the parser, the
// builders and the arena take them from there, so a steady flow of messages
// parses, builds and serializes without heap allocations.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "sippet/message/message.hpp"

namespace sippet::message::detail {

// Field lists of at least this capacity are recycled (and no larger than
// four times it: a list that grew for a huge message is freed).
inline constexpr std::size_t kPooledFieldCapacity = 32;
// Octets after a parsed message's bytes: zeroed, so that scanners may read
// 16 octets at a time near the end (header names, line ends).
inline constexpr std::size_t kParseSlack = 16;
// Received-bytes buffers of exactly this size are recycled: every message of
// up to kPooledBytes - kParseSlack octets (nearly all UDP messages) uses one.
inline constexpr std::size_t kPooledBytes = 2048;

// A received-bytes buffer is shared: a response built from a request keeps
// the request's buffer alive instead of copying the fields it takes from it
// (builder.cpp). The count of its owners sits in a header before its data.
struct BytesHeader {
  std::atomic<std::uint32_t> owners;
  bool pooled;  // kPooledBytes of data: back to a pool when its last owner ends
};
inline constexpr std::size_t kBytesHeader = 16;
static_assert(sizeof(BytesHeader) <= kBytesHeader);

// The size of a message arena's chunks (arena.hpp): a built response (about
// 300 to 450 octets of copied text) fits in the first one, which also holds
// the arena itself (kArenaHeader octets).
inline constexpr std::size_t kArenaChunk = 1024;

// An empty list with capacity >= kPooledFieldCapacity.
std::vector<Field> take_field_list();
// A received-bytes buffer of at least `size` octets (not initialized), with
// one owner: a pooled one when size <= kPooledBytes.
char* take_bytes(std::size_t size);
// One more owner of a buffer from take_bytes.
inline void share_bytes(const char* data) noexcept {
  auto* header = reinterpret_cast<BytesHeader*>(const_cast<char*>(data) - kBytesHeader);
  header->owners.fetch_add(1, std::memory_order_relaxed);
}
// One owner fewer; the last one gives the buffer back to this thread's pool
// (or frees it).
void release_bytes(char* data) noexcept;
// An arena chunk of kArenaChunk octets (not initialized).
std::unique_ptr<char[]> take_arena_chunk();
// Takes back what a message owned: its field list, its bytes buffer (one
// owner fewer; may be null) and its arena's first chunk (may be null).
void give_back(std::vector<Field>& fields, char* bytes, std::unique_ptr<char[]>& chunk) noexcept;
// Takes back an arena chunk alone.
void give_back(std::unique_ptr<char[]>& chunk) noexcept;

}  // namespace sippet::message::detail
