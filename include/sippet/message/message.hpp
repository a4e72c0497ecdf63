#pragma once
// A SIP request or response (RFC 3261 §7), in the spirit of Sippet.Message.
//
// Zero-copy: a parsed message owns its received bytes and every view in it
// (start line, fields, typed values, body) points into them. Edits copy the new
// text into the message's own arena; a message built from another (build_response,
// copy_fields) may share the other's received bytes, as one more owner of them.
// Views stay valid for the life of the message. A message is move-only (moves
// keep every view valid); clone() makes an independent copy.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sippet/message/header_id.hpp"
#include "sippet/message/headers.hpp"
#include "sippet/message/method.hpp"
#include "sippet/message/result.hpp"
#include "sippet/message/uri.hpp"

namespace sippet::message {

// One header value. A list header written as "Via: a, b" gives two fields.
struct Field {
  // User-provided, so a new field is not zero-filled first (Field is ~260
  // octets; the parser appends one per header value).
  Field() noexcept {}
  // A field whose typed value is a value-initialized T, built in place.
  template <class T>
  constexpr Field(HeaderId i, std::string_view n, std::in_place_type_t<T> t) noexcept
      : id(i), name(n), typed(t) {}

  HeaderId id = HeaderId::kUnknown;
  std::string_view name;   // as written (compact forms included)
  std::string_view value;  // raw text of this value, trimmed
  HeaderValue typed;       // Text for unknown headers

  template <class T>
  const T* as() const {
    return std::get_if<T>(&typed);
  }
};

struct RequestLine {
  Method method = Method::kExtension;
  std::string_view method_text;
  Uri uri;
  std::string_view version;  // "SIP/2.0"
};

struct StatusLine {
  std::uint16_t code = 0;
  std::string_view reason;
  std::string_view version;
};

namespace detail {
struct MessageAccess;  // the parser's and editors' way in (src/message)
class Arena;           // storage of the text edits copy in (src/message/arena.hpp)
struct ArenaRelease {  // ends an arena, its storage back to the thread's pool
  void operator()(Arena* arena) const noexcept;
};
struct BytesRelease {  // one owner fewer of a received-bytes buffer (storage_pool.hpp)
  void operator()(char* data) const noexcept;
};
}  // namespace detail

class Message {
 public:
  // User-provided: a value-initialized message (Result<Message> builds one)
  // is not zero-filled before its members' initializers run.
  Message() noexcept {}
  Message(Message&&) noexcept = default;
  Message& operator=(Message&&) noexcept = default;
  // Gives the field list, the bytes buffer and the arena's first chunk to
  // this thread's pools (the next parse or build on the thread takes them).
  // A moved-from or empty message owns none: its destruction stays inline.
  ~Message() {
    if (bytes_ != nullptr || arena_ != nullptr || fields_.capacity() != 0) release_storage();
  }
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  Message clone() const;

  bool is_request() const { return is_request_; }
  bool is_response() const { return !is_request_; }
  const RequestLine& request_line() const { return request_line_; }
  const StatusLine& status_line() const { return status_line_; }
  // The request's method, or for a response the method of its CSeq.
  Method method() const;
  std::string_view method_text() const;
  int status_code() const { return is_request_ ? 0 : status_line_.code; }

  // Start-line edits.
  Result<void> set_request_uri(std::string_view uri);
  void set_status(int code, std::string_view reason);

  // All fields, in received (or inserted) order.
  std::span<const Field> fields() const { return fields_; }
  std::string_view body() const { return body_; }
  void set_body(std::string_view body);  // Content-Length is written to match

  // ---- Header API (Sippet.Message) -------------------------------------
  // The first (top) value of a header, or nullptr.
  const Field* get(HeaderId id) const;
  const Field* get(std::string_view name) const;  // any header, by name
  // Like get(), but absence is an error value naming the header.
  Result<const Field*> fetch(HeaderId id) const;
  std::vector<const Field*> get_all(HeaderId id) const;
  std::vector<const Field*> get_all(std::string_view name) const;
  std::size_t count(HeaderId id) const;
  bool has(HeaderId id) const { return get(id) != nullptr; }

  // Values are given as header text ("SIP/2.0/UDP h;branch=z9hG4bK1", or a
  // comma-separated list for list headers); they are copied, parsed and typed.
  // put: replaces every value of the header (at the place of the first one).
  Result<void> put(HeaderId id, std::string_view value);
  Result<void> put(std::string_view name, std::string_view value);
  // put_new: puts only if absent; returns true if it put.
  Result<bool> put_new(HeaderId id, std::string_view value);
  // put_front / put_back: add values before the first / after the last value.
  Result<void> put_front(HeaderId id, std::string_view value);
  Result<void> put_back(HeaderId id, std::string_view value);
  // delete: removes every value; returns how many.
  std::size_t erase(HeaderId id);
  std::size_t erase(std::string_view name);
  // pop: removes the first (top) value; false when there was none.
  bool pop_front(HeaderId id);
  // update: replaces the first value with fn(old text).
  Result<void> update(HeaderId id, const std::function<std::string(std::string_view)>& fn);
  // Sets (adds or replaces) a param of the index-th value of a header, e.g.
  // set_param(kVia, "received", "192.0.2.1") or set_param(kTo, "tag", tag).
  // An empty optional value writes the param without a value (";rport").
  Result<void> set_param(HeaderId id, std::string_view name, std::optional<std::string_view> value,
                         std::size_t index = 0);

  // ---- Typed shortcuts ----------------------------------------------------
  const Via* top_via() const;
  const NameAddr* from() const;
  const NameAddr* to() const;
  std::string_view call_id() const;  // "" when absent
  const CSeq* cseq() const;
  std::optional<std::uint32_t> max_forwards() const;
  std::optional<std::uint32_t> content_length() const;  // as written, if any

  // ---- Serialization (§7) -------------------------------------------------
  // Writes the start line, every field (canonical names for typed headers,
  // folding replaced by a space), a Content-Length matching the body, CRLF,
  // and the body. `out` grows by exactly the octets written, so an empty
  // string ends with no spare capacity (beyond the small-string buffer).
  void append_to(std::string& out) const;
  std::string to_string() const;

  // The bytes the message was parsed from (empty for a built message).
  std::string_view bytes() const { return {bytes_.get(), size_}; }
  // An edit was made since it was parsed (or tried: a failed edit counts):
  // bytes() may then differ from what append_to() writes.
  bool edited() const { return edited_; }

 private:
  friend struct detail::MessageAccess;

  void release_storage() noexcept;  // the destructor's work, when there is some

  std::unique_ptr<char[], detail::BytesRelease> bytes_;  // shared with responses built from it
  std::size_t size_ = 0;
  std::unique_ptr<detail::Arena, detail::ArenaRelease> arena_;  // null until text is copied in
  bool is_request_ = true;
  bool edited_ = false;
  // Some field value may hold folding (a line break): set by the parser when
  // it unfolds a line, by edits whose text has a line break, and by copies
  // from a message where it is set. Serialization unfolds only then.
  bool folded_ = false;
  RequestLine request_line_;
  StatusLine status_line_;
  std::vector<Field> fields_;
  std::string_view body_;
};

}  // namespace sippet::message
