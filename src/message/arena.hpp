#pragma once
// Internal: a message's arena. Text copied into it never moves, so views of
// it stay valid for the life of the message (moves of the message included).
//
// The arena lives at the start of its first chunk, one of the thread's
// pooled chunks of kArenaChunk octets (storage_pool.hpp): a Message holds a
// single pointer to it, and a message that never copies text (a parsed one
// not edited) has none. Messages that outgrow the first chunk get more from
// the heap.
#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "sippet/message/message.hpp"

namespace sippet::message::detail {

class Arena {
 public:
  // A new arena in a chunk from this thread's pool.
  static Arena* create();
  // Ends `arena` and returns its first chunk: the memory it lived in.
  static std::unique_ptr<char[]> destroy(Arena* arena) noexcept;

  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Copies `text` into storage that never moves; returns a view of the copy.
  std::string_view intern(std::string_view text);
  // `size` (> 0) octets that never move, for the caller to write.
  char* allocate(std::size_t size);

  // Makes the arena one more owner of the received-bytes buffer `data`
  // (storage_pool.hpp) until it ends, so views into that buffer may be kept
  // without copying their text. False when it holds kMaxBorrowed others.
  bool borrow(const char* data) noexcept;

 private:
  static constexpr std::size_t kMaxBorrowed = 2;

  Arena(char* storage, std::size_t capacity) : current_(storage), capacity_(capacity) {}
  ~Arena();

  std::vector<std::unique_ptr<char[]>> more_;  // for messages that outgrow the first chunk
  char* current_;
  std::size_t used_ = 0;
  std::size_t capacity_;
  const char* borrowed_[kMaxBorrowed] = {};
};

// The octets of the first chunk the arena itself takes.
inline constexpr std::size_t kArenaHeader = (sizeof(Arena) + 15) / 16 * 16;

}  // namespace sippet::message::detail
