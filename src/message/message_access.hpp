#pragma once
// Internal: how the parser and the editing code reach a Message's members.
#include "arena.hpp"
#include "sippet/message/message.hpp"

namespace sippet::message::detail {

struct MessageAccess {
  static std::unique_ptr<char[], BytesRelease>& bytes(Message& m) { return m.bytes_; }
  static std::size_t& size(Message& m) { return m.size_; }
  // The message's arena, made on first use.
  static Arena& arena(Message& m) {
    Arena* arena = m.arena_.get();
    return arena != nullptr ? *arena : new_arena(m);
  }
  static Arena& new_arena(Message& m);  // arena.cpp
  // `text` copied into the message's arena (an empty text needs none).
  static std::string_view intern(Message& m, std::string_view text) {
    return text.empty() ? std::string_view{} : arena(m).intern(text);
  }
  // Ends the arena and returns its first chunk (null when it had none).
  static std::unique_ptr<char[]> release_arena(Message& m) noexcept {
    return m.arena_ ? Arena::destroy(m.arena_.release()) : nullptr;
  }
  static bool& is_request(Message& m) { return m.is_request_; }
  static bool& folded(Message& m) { return m.folded_; }
  static bool folded(const Message& m) { return m.folded_; }
  static RequestLine& request_line(Message& m) { return m.request_line_; }
  static StatusLine& status_line(Message& m) { return m.status_line_; }
  static std::vector<Field>& fields(Message& m) { return m.fields_; }
  static std::string_view& body(Message& m) { return m.body_; }
  // Gives the storage of `m` to this thread's pools, as its destructor does,
  // and leaves it empty: no fields, bytes or body.
  static void release(Message& m) noexcept {
    if (m.bytes_ != nullptr || m.arena_ != nullptr || m.fields_.capacity() != 0)
      m.release_storage();
    m.fields_ = std::vector<Field>();  // already empty when the pool took the list
    m.size_ = 0;
    m.body_ = {};
  }
};

}  // namespace sippet::message::detail
