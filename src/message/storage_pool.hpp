#pragma once
// Internal: per-thread recycled storage of messages. A destroyed Message
// gives its field list, its received-bytes buffer and its arena's first
// chunk back to the pools of the thread destroying it; the parser, the
// builders and the arena take them from there, so a steady flow of messages
// parses, builds and serializes without heap allocations.
#include <cstddef>
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

// The size of a message arena's chunks (arena.hpp): a built response (about
// 300 to 450 octets of copied text) fits in the first one, which also holds
// the arena itself (kArenaHeader octets).
inline constexpr std::size_t kArenaChunk = 1024;

// An empty list with capacity >= kPooledFieldCapacity.
std::vector<Field> take_field_list();
// A buffer of kPooledBytes octets (not initialized).
std::unique_ptr<char[]> take_bytes();
// An arena chunk of kArenaChunk octets (not initialized).
std::unique_ptr<char[]> take_arena_chunk();
// Takes back what a message owned; `bytes_size` is the size of its message
// bytes (the buffer is pooled when size + kParseSlack <= kPooledBytes);
// `chunk` is its arena's first chunk, or null.
void give_back(std::vector<Field>& fields, std::unique_ptr<char[]>& bytes, std::size_t bytes_size,
               std::unique_ptr<char[]>& chunk) noexcept;
// Takes back an arena chunk alone.
void give_back(std::unique_ptr<char[]>& chunk) noexcept;

}  // namespace sippet::message::detail
