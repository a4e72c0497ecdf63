#pragma once
// Zero-copy views of generic-param lists (§25.1: `*( SEMI generic-param )`)
// and of the comma-separated auth-param lists of §25.1 / RFC 7616.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sippet::message {

struct Param {
  std::string_view name;
  std::string_view value;  // raw text: a quoted-string keeps its quotes
  bool has_value = false;  // `;lr` has no value; `;tag=` would be an error
  bool quoted() const { return value.size() >= 2 && value.front() == '"'; }
  // The value with quotes removed and `\x` escapes resolved.
  std::string text() const;
};

// A view of params as they appear in the message: `raw` starts right after the
// first separator, e.g. for "...;branch=z9;rport" raw is "branch=z9;rport".
// The parser has validated the syntax, so iteration cannot fail.
class Params {
 public:
  Params() = default;
  Params(std::string_view raw, char separator) : raw_(raw), sep_(separator) {}

  class iterator {
   public:
    iterator() = default;
    iterator(std::string_view rest, char sep);
    const Param& operator*() const { return current_; }
    const Param* operator->() const { return &current_; }
    iterator& operator++();
    bool operator==(const iterator& o) const {
      return done_ == o.done_ && (done_ || rest_.data() == o.rest_.data());
    }

   private:
    void load();
    std::string_view rest_;
    Param current_;
    char sep_ = ';';
    bool done_ = true;
  };

  iterator begin() const { return iterator(raw_, sep_); }
  iterator end() const { return iterator(); }
  bool empty() const { return raw_.empty(); }
  std::size_t size() const;
  std::string_view raw() const { return raw_; }
  char separator() const { return sep_; }

  // Param names compare case-insensitively (§7.3.1).
  std::optional<Param> find(std::string_view name) const;
  bool has(std::string_view name) const { return find(name).has_value(); }
  // The raw value of `name`, or nullopt when absent; "" when it has no value.
  std::optional<std::string_view> get(std::string_view name) const;

 private:
  std::string_view raw_;
  char sep_ = ';';
};

}  // namespace sippet::message
