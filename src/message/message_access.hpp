#pragma once
// Internal: how the parser and the editing code reach a Message's members.
#include "sippet/message/message.hpp"

namespace sippet::message::detail {

struct MessageAccess {
  static std::unique_ptr<char[]>& bytes(Message& m) { return m.bytes_; }
  static std::size_t& size(Message& m) { return m.size_; }
  static Arena& arena(Message& m) { return m.arena_; }
  static bool& is_request(Message& m) { return m.is_request_; }
  static RequestLine& request_line(Message& m) { return m.request_line_; }
  static StatusLine& status_line(Message& m) { return m.status_line_; }
  static std::vector<Field>& fields(Message& m) { return m.fields_; }
  static std::string_view& body(Message& m) { return m.body_; }
};

}  // namespace sippet::message::detail
