// Message: the Sippet.Message header API, typed shortcuts and serialization
// (RFC 3261 §7). Every edit copies its text into the message's arena and
// re-parses it with the parser's header grammar, so typed values stay exact.
#include "sippet/message/message.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "fast_path.hpp"
#include "header_parser.hpp"
#include "message_access.hpp"
#include "sippet/message/parser.hpp"
#include "sippet/message/text.hpp"
#include "storage_pool.hpp"

namespace sippet::message {

namespace {

using detail::MessageAccess;

bool is_wsp(char c) {
  return c == ' ' || c == '\t';
}

// Who a by-name or by-id call addresses: a typed header by id, or an
// unknown one by its name (case-insensitive, §7.3.1).
struct Key {
  HeaderId id;
  std::string_view name;  // only for kUnknown

  explicit Key(HeaderId header) : id(header) {}
  explicit Key(std::string_view header_name)
      : id(header_id_from_name(header_name)), name(header_name) {}

  bool matches(const Field& f) const {
    if (f.id != id) return false;
    return id != HeaderId::kUnknown || iequals(f.name, name);
  }
};

Error invalid(std::string reason) {
  return Error{ErrorKind::kInvalidArgument, 0, 0, std::move(reason)};
}

std::string display(const Key& key) {
  return std::string(key.id == HeaderId::kUnknown ? key.name : canonical_name(key.id));
}

// A header value may contain folding (CRLF followed by WSP, §7.3.1) but no
// other line break: anything else would inject header lines when written.
bool has_bare_line_break(std::string_view v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\n') {
      if (i + 1 >= v.size() || !is_wsp(v[i + 1])) return true;
    } else if (v[i] == '\r') {
      if (i + 2 >= v.size() || v[i + 1] != '\n' || !is_wsp(v[i + 2])) return true;
      ++i;
    }
  }
  return false;
}

// The params of a typed value, when its grammar has any.
const Params* params_of(const HeaderValue& typed) {
  return std::visit(
      [](const auto& v) -> const Params* {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Via> || std::is_same_v<T, NameAddr> ||
                      std::is_same_v<T, UriParams> || std::is_same_v<T, Token> ||
                      std::is_same_v<T, MediaType> || std::is_same_v<T, Auth> ||
                      std::is_same_v<T, RetryAfter>) {
          return &v.params;
        } else {
          return nullptr;
        }
      },
      typed);
}

// Whether `v` holds a CR or LF (folding, §7.3.1). Values are short and
// almost never folded: 16 octets per step with SSE2, else 8 (SWAR).
bool has_line_break(std::string_view v) {
  const char* p = v.data();
  std::size_t n = v.size();
#if defined(__SSE2__)
  if (n >= 16) {
    const __m128i cr = _mm_set1_epi8('\r');
    const __m128i lf = _mm_set1_epi8('\n');
    auto hit = [&](const char* at) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
      return _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, lf))) != 0;
    };
    for (; n > 16; p += 16, n -= 16) {
      if (hit(p)) return true;
    }
    return hit(p + n - 16);  // the last 16 octets (overlapping what was seen)
  }
#endif
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  auto has_zero_byte = [](std::uint64_t x) { return ((x - kOnes) & ~x & kHighs) != 0; };
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    if (has_zero_byte(w ^ (kOnes * '\r')) || has_zero_byte(w ^ (kOnes * '\n'))) return true;
  }
  for (; n > 0; ++p, --n) {
    if (*p == '\r' || *p == '\n') return true;
  }
  return false;
}

// "Name: " for every typed header of up to 14 octets, padded to a fixed
// size, so the writer copies it with one fixed-size copy and moves on by its
// length. The copy stays inside the exact-size buffer: after a name come at
// least CRLF and the Content-Length line, "Content-Length: 0" CRLF CRLF, more
// octets than the slot.
constexpr std::size_t kNameSlot = 16;
struct NameColon {
  std::array<char, kNameSlot> text{};
  std::uint8_t size = 0;  // 0: too long for a slot, write it piecewise
};
const std::array<NameColon, kHeaderIdCount>& names_with_colon() {
  static const auto table = [] {
    std::array<NameColon, kHeaderIdCount> t{};
    for (std::size_t i = 0; i < kHeaderIdCount; ++i) {
      const std::string_view name = canonical_name(static_cast<HeaderId>(i));
      if (name.size() + 2 > kNameSlot) continue;
      std::memcpy(t[i].text.data(), name.data(), name.size());
      t[i].text[name.size()] = ':';
      t[i].text[name.size() + 1] = ' ';
      t[i].size = static_cast<std::uint8_t>(name.size() + 2);
    }
    return t;
  }();
  return table;
}

// Writes into a buffer sized beforehand: no capacity
// checks per piece on the serialization hot path.
struct Writer {
  char* p;
  void put(std::string_view v) {
    if (v.empty()) return;  // an empty view may have a null data(): memcpy(p, nullptr, 0) is UB
    std::memcpy(p, v.data(), v.size());
    p += v.size();
  }
  void put(char c) { *p++ = c; }
  // `value` with each LWS that contains a line break as one SP (§7.3.1);
  // never longer than `value`.
  void put_unfolded(std::string_view value) {
    if (!has_line_break(value)) {
      put(value);
      return;
    }
    char* const start = p;
    std::size_t i = 0;
    while (i < value.size()) {
      char c = value[i];
      if (c != '\r' && c != '\n') {
        *p++ = c;
        ++i;
        continue;
      }
      while (p > start && is_wsp(p[-1]))
        --p;
      while (i < value.size() && (value[i] == '\r' || value[i] == '\n' || is_wsp(value[i])))
        ++i;
      *p++ = ' ';
    }
  }
};

void append_number(std::string& out, std::uint64_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

constexpr std::string_view kVersion = "SIP/2.0";

}  // namespace

// ---- Start line -----------------------------------------------------------

Method Message::method() const {
  if (is_request_) return request_line_.method;
  const CSeq* c = cseq();
  return c ? c->method : Method::kExtension;
}

std::string_view Message::method_text() const {
  if (is_request_) return request_line_.method_text;
  const CSeq* c = cseq();
  return c ? c->method_text : std::string_view{};
}

Result<void> Message::set_request_uri(std::string_view uri) {
  edited_ = true;
  if (!is_request_) return invalid("set_request_uri on a response");
  std::string_view text = MessageAccess::intern(*this, trim(uri));
  auto parsed = parse_uri(text);
  if (!parsed) return parsed.error();
  request_line_.uri = parsed.value();
  return {};
}

void Message::set_status(int code, std::string_view reason) {
  edited_ = true;
  status_line_.code = static_cast<std::uint16_t>(std::clamp(code, 0, 999));
  status_line_.reason = MessageAccess::intern(*this, reason);
  if (status_line_.version.empty()) status_line_.version = kVersion;
}

void Message::set_body(std::string_view body) {
  edited_ = true;
  body_ = MessageAccess::intern(*this, body);
  // Keep a stored Content-Length truthful; serialization rewrites it anyway.
  if (has(HeaderId::kContentLength)) {
    std::string n;
    append_number(n, body_.size());
    (void)put(HeaderId::kContentLength, n);
  }
}

// ---- Header API -------------------------------------------------------------

namespace {

// Parses `value` of the header `key` (copied into the arena) and appends its
// fields to `fields`; returns how many. On error `fields` is unchanged.
// The parser's fast path (fast_path.hpp) for a value put by an edit: the
// value is interned as a line of its own, CRLF and the zeroed slack the fast
// paths read past the end of a message after it, so the fast path sees what
// it sees in a parsed message. How many fields it appended; nullopt when it
// declines (the general parser then takes the value, as for a message).
std::optional<std::size_t> parse_fast(Message& m, HeaderId id, std::string_view name,
                                      std::string_view value, std::vector<Field>& fields) {
  const auto fast = detail::kFastHandlers[static_cast<std::size_t>(id)];
  constexpr std::size_t kPadded = 2 + detail::kParseSlack;
  if (fast == nullptr || value.empty() || value.size() > 1024) return std::nullopt;
  char line[1024 + kPadded];
  std::memcpy(line, value.data(), value.size());
  std::memcpy(line + value.size(), "\r\n", 2);
  std::memset(line + value.size() + 2, 0, detail::kParseSlack);
  const std::string_view copy =
      MessageAccess::intern(m, std::string_view(line, value.size() + kPadded));
  const char* begin = copy.data();
  const char* end = begin + value.size() + 2;  // the end of the "message": after the CRLF
  const std::size_t before = fields.size();
  const char* value_end = fast(id, name, begin, end, fields);
  if (value_end != begin + value.size()) {
    fields.resize(before);
    return std::nullopt;
  }
  for (std::size_t i = before; i < fields.size(); ++i) {
    fields[i].id = id;
    fields[i].name = name;
  }
  return fields.size() - before;
}

Result<std::size_t> parse_append(Message& m, const Key& key, std::string_view value,
                                 std::vector<Field>& fields) {
  std::string_view trimmed = trim(value);
  if (has_bare_line_break(trimmed)) {
    return invalid("line break in the value of " + display(key));
  }
  if (has_line_break(trimmed)) MessageAccess::folded(m) = true;  // folding, kept as written
  if (key.id == HeaderId::kUnknown && !is_token(key.name)) {
    return invalid("bad header name '" + std::string(key.name) + "'");
  }
  std::string_view name =
      key.id == HeaderId::kUnknown ? MessageAccess::intern(m, key.name) : canonical_name(key.id);
  const std::size_t before = fields.size();
  if (auto n = parse_fast(m, key.id, name, trimmed, fields)) return *n;
  std::string_view text = MessageAccess::intern(m, trimmed);
  auto r = detail::parse_header_value(key.id, name, text, fields);
  if (!r) {
    fields.resize(before);
    Error e = r.error();
    e.reason = display(key) + ": " + e.reason;
    return e;
  }
  for (std::size_t i = before; i < fields.size(); ++i) {
    fields[i].id = key.id;
    fields[i].name = name;
  }
  return fields.size() - before;
}

// Moves the last `n` fields to position `at`.
void move_tail_to(std::vector<Field>& fields, std::size_t n, std::size_t at) {
  if (n == 1 && at + 1 < fields.size()) {
    // One value (the usual put_front): the fields after `at` shift by one,
    // each moved once (std::rotate swaps them).
    Field last = std::move(fields.back());
    fields.pop_back();
    fields.insert(fields.begin() + static_cast<std::ptrdiff_t>(at), std::move(last));
    return;
  }
  auto first = fields.begin() + static_cast<std::ptrdiff_t>(at);
  auto middle = fields.end() - static_cast<std::ptrdiff_t>(n);
  std::rotate(first, middle, fields.end());
}

std::size_t first_index(const std::vector<Field>& fields, const Key& key) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (key.matches(fields[i])) return i;
  }
  return fields.size();
}

Result<void> put_impl(Message& m, const Key& key, std::string_view value) {
  auto& fields = MessageAccess::fields(m);
  const std::size_t at = first_index(fields, key);  // fields.size() when absent
  auto n = parse_append(m, key, value, fields);
  if (!n) return n.error();
  move_tail_to(fields, *n, at);
  // Drop the old values, all after the new ones now.
  auto old = fields.begin() + static_cast<std::ptrdiff_t>(at + *n);
  fields.erase(std::remove_if(old, fields.end(), [&](const Field& f) { return key.matches(f); }),
               fields.end());
  return {};
}

}  // namespace

const Field* Message::get(HeaderId id) const {
  for (const Field& f : fields_) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

const Field* Message::get(std::string_view name) const {
  Key key(name);
  for (const Field& f : fields_) {
    if (key.matches(f)) return &f;
  }
  return nullptr;
}

Result<const Field*> Message::fetch(HeaderId id) const {
  if (const Field* f = get(id)) return f;
  return Error{ErrorKind::kNotFound, 0, 400, "missing header: " + std::string(canonical_name(id))};
}

std::vector<const Field*> Message::get_all(HeaderId id) const {
  std::vector<const Field*> out;
  for (const Field& f : fields_) {
    if (f.id == id) out.push_back(&f);
  }
  return out;
}

std::vector<const Field*> Message::get_all(std::string_view name) const {
  Key key(name);
  std::vector<const Field*> out;
  for (const Field& f : fields_) {
    if (key.matches(f)) out.push_back(&f);
  }
  return out;
}

std::size_t Message::count(HeaderId id) const {
  return static_cast<std::size_t>(
      std::count_if(fields_.begin(), fields_.end(), [id](const Field& f) { return f.id == id; }));
}

Result<void> Message::put(HeaderId id, std::string_view value) {
  edited_ = true;
  if (id == HeaderId::kUnknown) return invalid("put(kUnknown): give the header name");
  return put_impl(*this, Key(id), value);
}

Result<void> Message::put(std::string_view name, std::string_view value) {
  edited_ = true;
  return put_impl(*this, Key(trim(name)), value);
}

Result<bool> Message::put_new(HeaderId id, std::string_view value) {
  edited_ = true;
  if (has(id)) return false;
  auto r = put(id, value);
  if (!r) return r.error();
  return true;
}

Result<void> Message::put_front(HeaderId id, std::string_view value) {
  edited_ = true;
  if (id == HeaderId::kUnknown) return invalid("put_front(kUnknown): give the header name");
  Key key(id);
  const std::size_t at = first_index(fields_, key);
  auto n = parse_append(*this, key, value, fields_);
  if (!n) return n.error();
  move_tail_to(fields_, *n, at);
  return {};
}

Result<void> Message::put_back(HeaderId id, std::string_view value) {
  edited_ = true;
  if (id == HeaderId::kUnknown) return invalid("put_back(kUnknown): give the header name");
  Key key(id);
  std::size_t at = fields_.size();
  for (std::size_t i = fields_.size(); i-- > 0;) {
    if (key.matches(fields_[i])) {
      at = i + 1;
      break;
    }
  }
  auto n = parse_append(*this, key, value, fields_);
  if (!n) return n.error();
  move_tail_to(fields_, *n, at);
  return {};
}

std::size_t Message::erase(HeaderId id) {
  edited_ = true;
  return std::erase_if(fields_, [id](const Field& f) { return f.id == id; });
}

std::size_t Message::erase(std::string_view name) {
  edited_ = true;
  Key key(trim(name));
  return std::erase_if(fields_, [&](const Field& f) { return key.matches(f); });
}

bool Message::pop_front(HeaderId id) {
  edited_ = true;
  auto it =
      std::find_if(fields_.begin(), fields_.end(), [id](const Field& f) { return f.id == id; });
  if (it == fields_.end()) return false;
  fields_.erase(it);
  return true;
}

Result<void> Message::update(HeaderId id, const std::function<std::string(std::string_view)>& fn) {
  edited_ = true;
  Key key(id);
  std::size_t at = first_index(fields_, key);
  if (at == fields_.size()) {
    return Error{ErrorKind::kNotFound, 0, 400,
                 "missing header: " + std::string(canonical_name(id))};
  }
  std::string text = fn(fields_[at].value);
  const std::string_view name = fields_[at].name;  // keep the name as written
  auto n = parse_append(*this, key, text, fields_);
  if (!n) return n.error();
  for (std::size_t i = fields_.size() - *n; i < fields_.size(); ++i)
    fields_[i].name = name;
  move_tail_to(fields_, *n, at);
  fields_.erase(fields_.begin() + static_cast<std::ptrdiff_t>(at + *n));
  return {};
}

Result<void> Message::set_param(HeaderId id, std::string_view name,
                                std::optional<std::string_view> value, std::size_t index) {
  edited_ = true;
  if (name.empty()) return invalid("set_param: empty param name");
  std::size_t at = fields_.size();
  for (std::size_t i = 0, seen = 0; i < fields_.size(); ++i) {
    if (fields_[i].id == id && seen++ == index) {
      at = i;
      break;
    }
  }
  if (at == fields_.size()) {
    return Error{
        ErrorKind::kNotFound, 0, 400,
        "set_param: no value #" + std::to_string(index) + " of " + std::string(canonical_name(id))};
  }
  const Params* params = params_of(fields_[at].typed);
  if (params == nullptr) {
    return invalid("set_param: " + std::string(canonical_name(id)) + " has no params");
  }
  const char sep = params->separator();
  const std::string_view old = fields_[at].value;
  // The value without the old param: cut from the separator before it to
  // the end of its value. Built in a reused buffer (no allocation once warm).
  thread_local std::string text;
  text.clear();
  std::size_t cut_from = old.size(), cut_to = old.size();
  bool replaced = false;
  for (const Param& p : *params) {
    if (!iequals(p.name, name)) continue;
    std::size_t begin = static_cast<std::size_t>(p.name.data() - old.data());
    std::string_view last = p.has_value ? p.value : p.name;
    std::size_t end = static_cast<std::size_t>(last.data() + last.size() - old.data());
    std::size_t before = begin;
    while (before > 0 && is_wsp(old[before - 1]))
      --before;
    if (before > 0 && old[before - 1] == sep) {
      begin = before - 1;  // drop the separator before it
    } else {
      // First param of an auth list ("Digest realm=.., nonce=.."): keep the
      // scheme, drop the separator after it.
      while (end < old.size() && (old[end] == sep || is_wsp(old[end])))
        ++end;
    }
    cut_from = begin;
    cut_to = end;
    replaced = true;
    break;
  }
  text.append(old.substr(0, cut_from));
  if (cut_to < old.size()) text.append(old.substr(cut_to));
  while (!text.empty() && is_wsp(text.back()))
    text.pop_back();
  if (sep == ',' && params->size() == (replaced ? 1u : 0u)) {
    // No param left: an auth value's first param follows its scheme after LWS.
    if (!text.empty()) text.push_back(' ');
  } else {
    text.push_back(sep);
  }
  text.append(name);
  if (value) {
    text.push_back('=');
    text.append(*value);
  }
  Key key(id);
  auto n = parse_append(*this, key, text, fields_);
  if (!n) return n.error();
  if (*n != 1) {
    fields_.resize(fields_.size() - *n);
    return invalid("set_param: the value no longer parses as one value");
  }
  const std::string_view field_name = fields_[at].name;
  fields_[at] = std::move(fields_.back());
  fields_.pop_back();
  fields_[at].name = field_name;
  return {};
}

// ---- Typed shortcuts --------------------------------------------------------

const Via* Message::top_via() const {
  const Field* f = get(HeaderId::kVia);
  return f ? f->as<Via>() : nullptr;
}

const NameAddr* Message::from() const {
  const Field* f = get(HeaderId::kFrom);
  return f ? f->as<NameAddr>() : nullptr;
}

const NameAddr* Message::to() const {
  const Field* f = get(HeaderId::kTo);
  return f ? f->as<NameAddr>() : nullptr;
}

std::string_view Message::call_id() const {
  const Field* f = get(HeaderId::kCallId);
  if (f == nullptr) return {};
  if (const Text* t = f->as<Text>()) return t->text;
  return f->value;
}

const CSeq* Message::cseq() const {
  const Field* f = get(HeaderId::kCSeq);
  return f ? f->as<CSeq>() : nullptr;
}

std::optional<std::uint32_t> Message::max_forwards() const {
  const Field* f = get(HeaderId::kMaxForwards);
  const Integer* i = f ? f->as<Integer>() : nullptr;
  if (i == nullptr) return std::nullopt;
  return i->value;
}

std::optional<std::uint32_t> Message::content_length() const {
  const Field* f = get(HeaderId::kContentLength);
  const Integer* i = f ? f->as<Integer>() : nullptr;
  if (i == nullptr) return std::nullopt;
  return i->value;
}

// ---- Serialization (§7) -----------------------------------------------------

void Message::append_to(std::string& out) const {
  std::string_view version = is_request_ ? request_line_.version : status_line_.version;
  if (version.empty()) version = kVersion;
  constexpr std::string_view kContentLength = "Content-Length: ";
  char length[24];
  const auto length_end = std::to_chars(length, length + sizeof length, body_.size()).ptr;
  const std::string_view length_text(length, static_cast<std::size_t>(length_end - length));

  // One sizing pass, exact unless some value holds folding (unfolding only
  // shrinks: the last resize trims), then the writes.
  const auto& names = names_with_colon();
  std::size_t size =
      version.size() + 2 + kContentLength.size() + length_text.size() + 4 + body_.size();
  if (is_request_) {
    size += request_line_.method_text.size() + 2 + request_line_.uri.text.size();
  } else {
    size += 5 + status_line_.reason.size();
  }
  for (const Field& f : fields_) {
    if (f.id == HeaderId::kContentLength) continue;
    const NameColon& name = names[static_cast<std::size_t>(f.id)];
    if (f.id != HeaderId::kUnknown && name.size != 0) {
      size += name.size;
    } else {
      size += (f.id == HeaderId::kUnknown ? f.name : canonical_name(f.id)).size() + 2;
    }
    size += f.value.size() + 2;
  }
  const std::size_t base = out.size();
  out.resize(base + size);
  Writer w{out.data() + base};

  // Start line (§7.1, §7.2).
  if (is_request_) {
    w.put(request_line_.method_text);
    w.put(' ');
    w.put(request_line_.uri.text);
    w.put(' ');
    w.put(version);
  } else {
    w.put(version);
    w.put(' ');
    // The three digits and the SP in one store.
    const unsigned code = status_line_.code;
    const unsigned tens_units = code % 100;
    const char digits[4] = {static_cast<char>('0' + code / 100 % 10),
                            static_cast<char>('0' + tens_units / 10),
                            static_cast<char>('0' + tens_units % 10), ' '};
    std::memcpy(w.p, digits, sizeof digits);
    w.p += sizeof digits;
    w.put(status_line_.reason);
  }
  w.put("\r\n");

  // Header fields (§7.3): one value per line, canonical names for typed ones.
  for (const Field& f : fields_) {
    if (f.id == HeaderId::kContentLength) continue;
    const NameColon& name = names[static_cast<std::size_t>(f.id)];
    if (f.id != HeaderId::kUnknown && name.size != 0) {
      std::memcpy(w.p, name.text.data(), kNameSlot);  // within the buffer (kNameSlot)
      w.p += name.size;
    } else {
      w.put(f.id == HeaderId::kUnknown ? f.name : canonical_name(f.id));
      w.put(": ");
    }
    if (folded_) {
      w.put_unfolded(f.value);
    } else {
      w.put(f.value);  // no value holds a line break
    }
    w.put("\r\n");
  }
  // Content-Length always matches the body (§20.14; required on streams).
  w.put(kContentLength);
  w.put(length_text);
  w.put("\r\n\r\n");
  w.put(body_);
  out.resize(static_cast<std::size_t>(w.p - out.data()));
}

std::string Message::to_string() const {
  std::string out;
  append_to(out);
  return out;
}

void Message::release_storage() noexcept {
  std::unique_ptr<char[]> chunk = MessageAccess::release_arena(*this);
  detail::give_back(fields_, bytes_.release(), chunk);
}

Message Message::clone() const {
  std::string text = to_string();
  ParseOptions options;
  options.datagram = true;
  options.max_size = std::max(text.size(), kDefaultMaxMessageSize);
  auto parsed = parse_message(text, options);
  if (!parsed) return Message();  // unreachable for a message made of parsed parts
  return std::move(parsed).value();
}

}  // namespace sippet::message
