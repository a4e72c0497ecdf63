// build_request / build_response (RFC 3261 §8.1.1, §8.2.6), reason phrases
// (§21 and extensions) and random identifiers (§8.1.1.7, §19.3).
#include "sippet/message/builder.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <random>
#include <type_traits>
#include <variant>

#include "header_lookup.hpp"
#include "header_parser.hpp"
#include "message_access.hpp"
#include "scanner.hpp"
#include "sippet/message/text.hpp"
#include "storage_pool.hpp"

namespace sippet::message {

namespace {

using detail::MessageAccess;

constexpr std::string_view kVersion = "SIP/2.0";

Error invalid(std::string reason) {
  return Error{ErrorKind::kInvalidArgument, 0, 0, std::move(reason)};
}

// ---- Random identifiers -----------------------------------------------------

// xoshiro256** (Blackman & Vigna), one per thread, seeded once from OpenSSL.
class Prng {
 public:
  Prng() {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(s_.data()),
                   static_cast<int>(sizeof(std::uint64_t) * s_.size())) != 1) {
      std::random_device rd;  // OpenSSL unavailable: still unpredictable
      for (auto& w : s_)
        w = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    }
    if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 0x9e3779b97f4a7c15ULL;
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> s_{};
};

Prng& prng() {
  thread_local Prng generator;
  return generator;
}

// Lower-case letters and digits: token characters (§25.1) whose comparison
// cannot depend on case. Each character carries log2(36) ≈ 5.17 bits.
constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

// Characters taken from one 64-bit draw: its first base-36 digits, the draw
// read as a fraction of 2^64. The k-th digit is uniform to within 36^k / 2^64
// (under 2^-22 for k = 8), and the 8 digits together carry 41.4 bits.
constexpr std::size_t kCharsPerDraw = 8;
using Wide = unsigned __int128;  // GCC and Clang; the full product of a draw and 36

void fill_random(char* out, std::size_t chars) {
  Prng& g = prng();
  while (chars > 0) {
    std::uint64_t r = g.next();
    const std::size_t n = chars < kCharsPerDraw ? chars : kCharsPerDraw;
    for (std::size_t i = 0; i < n; ++i) {
      // The next digit is the integer part of 36 times the fraction; the
      // fractional part stays for the digits after it.
      const Wide x = static_cast<Wide>(r) * kAlphabet.size();
      out[i] = kAlphabet[static_cast<std::size_t>(x >> 64)];
      r = static_cast<std::uint64_t>(x);
    }
    out += n;
    chars -= n;
  }
}

constexpr std::size_t kTagChars = 16;  // 82 bits (create_tag)

std::string random_string(std::string_view prefix, std::size_t chars) {
  std::string out(prefix.size() + chars, '\0');
  if (!prefix.empty()) std::memcpy(out.data(), prefix.data(), prefix.size());
  fill_random(out.data() + prefix.size(), chars);
  return out;
}

// Whether To/From params hold `tag` (§19.3), without splitting every param
// (Params::has). A quoted value is the only place a ';' may hide (the one
// way may_have_param can be wrong), so with a '"' in the text the answer is
// left to Params.
bool has_tag_param(const Params& params) {
  const std::string_view raw = params.raw();
  if (raw.find('"') != std::string_view::npos) return params.has("tag");
  return may_have_param(raw, "tag");
}

// ---- Copying header fields between messages -------------------------------
//
// A field's typed value holds views into its value text (header_parser.hpp).
// A copy interns the text into the new message's arena and moves every view
// by the same offset, instead of parsing the text again. A view that is not
// inside the value text (none is, by the parser's contract) makes the copy
// fall back to parsing.

// Moves `view` from the old text [begin, end] to the copy, `delta` octets away.
// With kChecked false the caller knows every view is inside the old text:
// nothing is checked and `ok` stays true.
template <bool kChecked>
struct BasicRebase {
  const char* begin;
  const char* end;
  std::ptrdiff_t delta;
  bool ok = true;

  void operator()(std::string_view& view) {
    if (view.empty()) {
      view = {};  // an empty view keeps no pointer into the old message
      return;
    }
    if (kChecked && (view.data() < begin || view.data() + view.size() > end)) {
      ok = false;
      return;
    }
    view = std::string_view(view.data() + delta, view.size());
  }
  void operator()(Params& params) {
    std::string_view raw = params.raw();
    (*this)(raw);
    params = Params(raw, params.separator());
  }
  void operator()(Uri& uri) {
    for (std::string_view* v : {&uri.scheme_text, &uri.user, &uri.password, &uri.host, &uri.headers,
                                &uri.opaque, &uri.text}) {
      (*this)(*v);
    }
    (*this)(uri.params);
  }
};
using Rebase = BasicRebase<true>;

// One branch per HeaderValue alternative; a new alternative fails to compile
// here until it says which of its members are views.
static_assert(std::variant_size_v<HeaderValue> == 15,
              "HeaderValue changed: update rebase_typed() for the new alternative");

template <class T, class R>
void rebase_value(T& v, R& r) {
  if constexpr (std::is_same_v<T, Text>) {
    r(v.text);
  } else if constexpr (std::is_same_v<T, Integer> || std::is_same_v<T, Star> ||
                       std::is_same_v<T, MimeVersion>) {
    // no views
  } else if constexpr (std::is_same_v<T, CSeq>) {
    r(v.method_text);
  } else if constexpr (std::is_same_v<T, Via>) {
    r(v.protocol_name);
    r(v.protocol_version);
    r(v.transport);
    r(v.host);
    r(v.params);
    r(v.branch);
  } else if constexpr (std::is_same_v<T, NameAddr>) {
    r(v.display_name);
    r(v.uri);
    r(v.params);
  } else if constexpr (std::is_same_v<T, UriParams>) {
    r(v.uri);
    r(v.params);
  } else if constexpr (std::is_same_v<T, Token>) {
    r(v.token);
    r(v.params);
  } else if constexpr (std::is_same_v<T, MediaType>) {
    r(v.type);
    r(v.subtype);
    r(v.params);
  } else if constexpr (std::is_same_v<T, Auth>) {
    r(v.scheme);
    r(v.params);
  } else if constexpr (std::is_same_v<T, Date>) {
    r(v.text);
  } else if constexpr (std::is_same_v<T, RetryAfter>) {
    r(v.comment);
    r(v.params);
  } else if constexpr (std::is_same_v<T, Warning>) {
    r(v.agent);
    r(v.text);
  } else if constexpr (std::is_same_v<T, Timestamp>) {
    r(v.time);
    r(v.delay);
  } else {
    static_assert(sizeof(T) == 0, "a HeaderValue alternative has no rebase branch");
  }
}

// Re-parses the copied text: the slow path, for values whose views are not
// all inside their text.
Result<void> reparse_field(Message& to, const Field& field, std::string_view name,
                           std::string_view text) {
  auto& fields = MessageAccess::fields(to);
  std::size_t before = fields.size();
  auto r = detail::parse_header_value(field.id, name, text, fields);
  if (!r) {
    fields.resize(before);
    return r.error();
  }
  for (std::size_t i = before; i < fields.size(); ++i) {
    fields[i].id = field.id;
    fields[i].name = name;
  }
  return {};
}

// Whether `field` is as parsed: its value text inside `received` (the
// received bytes of its message), and so, by the parser's contract, every
// view of its typed value too.
bool as_received(const Field& field, std::string_view received) {
  const auto at = reinterpret_cast<std::uintptr_t>(field.value.data());
  const auto first = reinterpret_cast<std::uintptr_t>(received.data());
  return !field.value.empty() && at >= first && at + field.value.size() <= first + received.size();
}

// Appends `field` to `fields` as it is, under its canonical name: for a
// field as received, whose bytes the arena of the copy owns too.
void share_field(std::vector<Field>& fields, const Field& field) {
  Field& copy = fields.emplace_back(field);
  if (field.id != HeaderId::kUnknown)
    copy.name = detail::kCanonicalNames[static_cast<std::size_t>(field.id)];
}

// Copies one field into `to` with its own copy of the text: the text goes
// into `to`'s arena, so the copy owns every view it holds.
Result<void> copy_field_text(Message& to, const Field& field) {
  detail::Arena& arena = MessageAccess::arena(to);
  std::string_view text = arena.intern(field.value);
  std::string_view name =
      field.id == HeaderId::kUnknown ? arena.intern(field.name) : canonical_name(field.id);
  if (field.value.empty())
    return reparse_field(to, field, name, text);  // nothing to move views into
  // Built in place at the end of the list (no second copy of the Field).
  auto& fields = MessageAccess::fields(to);
  Field& copy = fields.emplace_back(field);
  copy.name = name;
  copy.value = text;
  Rebase rebase{field.value.data(), field.value.data() + field.value.size(),
                text.data() - field.value.data()};
  std::visit([&](auto& v) { rebase_value(v, rebase); }, copy.typed);
  if (!rebase.ok) {
    fields.pop_back();
    return reparse_field(to, field, name, text);
  }
  return {};
}

// Copies one field of `from` into `to`. A field as received is copied as it
// is, `to`'s arena becoming one more owner of `from`'s received bytes; any
// other field's text is copied (copy_field_text).
Result<void> copy_field(Message& to, const Message& from, const Field& field) {
  const std::string_view received = from.bytes();
  if (as_received(field, received) && MessageAccess::arena(to).borrow(received.data())) {
    share_field(MessageAccess::fields(to), field);
    return {};
  }
  return copy_field_text(to, field);
}

// is_token(tag), 16 octets per step for the usual tag (letters and digits,
// as create_tag makes them: a subset of the token characters).
bool is_token_tag(std::string_view tag) {
#if defined(__SSE2__)
  if (tag.size() >= 16) {
    const char* p = tag.data();
    const char* const last = p + tag.size() - 16;
    for (;; p += 16) {
      if (p > last) p = last;  // the last 16 octets, overlapping those seen
      if (detail::wide_run_mask(p) != 0xffff) return is_token(tag);
      if (p == last) return true;
    }
  }
#endif
  return is_token(tag);
}

// §8.2.6.2: adds `;tag=<tag>` to the copied To. The fast path appends to the
// value text and extends its params; anything unusual goes through
// set_param (which re-parses).
// `to_index` is the place of the first To in the fields of `m`.
Result<void> add_to_tag(Message& m, std::size_t to_index, std::string_view tag) {
  Field* to = &MessageAccess::fields(m)[to_index];
  NameAddr* addr = to != nullptr ? std::get_if<NameAddr>(&to->typed) : nullptr;
  const std::string_view old = to != nullptr ? to->value : std::string_view{};
  const std::string_view raw = addr != nullptr ? addr->params.raw() : std::string_view{};
  const bool params_at_end =
      addr != nullptr && (raw.empty() || raw.data() + raw.size() == old.data() + old.size());
  if (!params_at_end || old.empty() || (raw.empty() && old.back() == ';') || !is_token_tag(tag)) {
    return m.set_param(HeaderId::kTo, "tag", tag);
  }
  constexpr std::string_view kTagParam = ";tag=";
  // The text with the tag is written straight into the arena.
  const std::size_t size = old.size() + kTagParam.size() + tag.size();
  char* out = MessageAccess::arena(m).allocate(size);
  std::memcpy(out, old.data(), old.size());
  std::memcpy(out + old.size(), kTagParam.data(), kTagParam.size());
  std::memcpy(out + old.size() + kTagParam.size(), tag.data(), tag.size());
  const std::string_view text(out, size);
  // The To was copied by fill_response as received or rebased into its own
  // text, so every view of it is inside `old`: each moves in place, with
  // nothing to check.
  BasicRebase<false> shift{old.data(), old.data() + old.size(), text.data() - old.data()};
  rebase_value(*addr, shift);
  const char* params_begin = raw.empty() ? text.data() + old.size() + 1 : addr->params.raw().data();
  addr->params =
      Params(std::string_view(params_begin,
                              static_cast<std::size_t>(text.data() + text.size() - params_begin)),
             ';');
  to->value = text;
  return {};
}

// Methods whose 101-299 responses create a dialog, into which the UAS copies
// the request's Record-Route (§12.1.1): INVITE (§12.1), SUBSCRIBE (RFC 6665)
// and REFER (RFC 3515, whose implicit subscription is one).
bool creates_dialog(Method method) {
  return method == Method::kInvite || method == Method::kSubscribe || method == Method::kRefer;
}

// §8.2.6.1: the response copies Via (all, in order), From, To, Call-ID and
// CSeq; the To gets a tag unless the code is 100 or it has one; a 100 copies
// the Timestamp. §12.1.1: a response that creates a dialog copies every
// Record-Route value, in order. Fills `m`, a default-constructed message.
Result<void> fill_response(Message& m, const Message& request, int code, std::string_view reason,
                           std::string_view to_tag) {
  if (!request.is_request()) return invalid("build_response: not a request");
  if (code < 100 || code > 699) {
    return invalid("build_response: status code " + std::to_string(code) + " out of range");
  }
  MessageAccess::is_request(m) = false;
  MessageAccess::folded(m) = MessageAccess::folded(request);
  StatusLine& line = MessageAccess::status_line(m);
  line.version = kVersion;
  line.code = static_cast<std::uint16_t>(code);
  line.reason = reason.empty() ? default_reason(code) : MessageAccess::intern(m, reason);

  // One pass finds what is copied: every Via and Record-Route, the first
  // From, To, Call-ID, CSeq and Timestamp (the values Message::get gives).
  std::size_t vias = 0, record_routes = 0;
  const Field* firsts[5] = {};  // From, To, Call-ID, CSeq, Timestamp
  for (const Field& f : request.fields()) {
    std::size_t slot;
    switch (f.id) {
      case HeaderId::kVia:
        ++vias;
        continue;
      case HeaderId::kRecordRoute:
        ++record_routes;
        continue;
      case HeaderId::kFrom:
        slot = 0;
        break;
      case HeaderId::kTo:
        slot = 1;
        break;
      case HeaderId::kCallId:
        slot = 2;
        break;
      case HeaderId::kCSeq:
        slot = 3;
        break;
      case HeaderId::kTimestamp:
        slot = 4;
        break;
      default:
        continue;
    }
    if (firsts[slot] == nullptr) firsts[slot] = &f;
  }
  const bool dialog = record_routes != 0 && code > 100 && code < 300 &&
                      creates_dialog(request.request_line().method);
  auto& fields = MessageAccess::fields(m);
  fields = detail::take_field_list();
  fields.reserve(vias + (dialog ? record_routes : 0) + 6);  // and a Contact, often
  // Fields as received are shared with the request (its received bytes
  // stay alive as long as the response); any other is copied.
  const std::string_view received = request.bytes();
  const bool share = !received.empty() && MessageAccess::arena(m).borrow(received.data());
  auto copy = [&](const Field& f) -> Result<void> {
    if (share && as_received(f, received)) {
      share_field(fields, f);
      return {};
    }
    return copy_field_text(m, f);
  };
  auto copy_all = [&](HeaderId id, std::size_t n) -> Result<void> {
    for (const Field& f : request.fields()) {
      if (n == 0) break;
      if (f.id != id) continue;
      --n;
      if (auto r = copy(f); !r) return r;
    }
    return {};
  };
  if (auto r = copy_all(HeaderId::kVia, vias); !r) return r;
  if (dialog) {
    if (auto r = copy_all(HeaderId::kRecordRoute, record_routes); !r) return r;
  }
  std::size_t to_index = 0;
  for (std::size_t slot = 0; slot < 4; ++slot) {
    if (firsts[slot] == nullptr) continue;
    if (slot == 1) to_index = fields.size();
    if (auto r = copy(*firsts[slot]); !r) return r;
  }
  if (code == 100) {
    if (firsts[4] != nullptr) {
      if (auto r = copy(*firsts[4]); !r) return r;
    }
  } else if (const NameAddr* to = firsts[1] != nullptr ? fields[to_index].as<NameAddr>() : nullptr;
             to != nullptr && !has_tag_param(to->params)) {
    char fresh[kTagChars];
    std::string_view tag = to_tag;
    if (tag.empty()) {
      fill_random(fresh, kTagChars);
      tag = std::string_view(fresh, kTagChars);
    }
    if (auto r = add_to_tag(m, to_index, tag); !r) return r;
  }
  return {};
}

}  // namespace

std::string create_tag() {
  return random_string({}, kTagChars);
}  // 82 bits
std::string create_branch() {
  return random_string("z9hG4bK", 16);
}  // 82 bits
std::string create_call_id() {
  return random_string({}, 24);
}  // 124 bits

// ---- Building ---------------------------------------------------------------

Result<Message> build_request(std::string_view method, std::string_view request_uri) {
  // Method = INVITEm / ... / extension-method (a token), §25.1.
  if (!is_token(method)) return invalid("bad method '" + std::string(method) + "'");
  Message m;
  RequestLine& line = MessageAccess::request_line(m);
  line.method_text = MessageAccess::intern(m, method);
  line.method = method_from_string(line.method_text);
  line.version = kVersion;
  auto uri = parse_uri(MessageAccess::intern(m, request_uri));
  if (!uri) {
    Error e = uri.error();
    e.status = 0;
    e.reason = "bad Request-URI '" + std::string(request_uri) + "': " + e.reason;
    return e;
  }
  line.uri = uri.value();
  MessageAccess::is_request(m) = true;
  return m;
}

Result<Message> build_response(const Message& request, int code, std::string_view reason,
                               std::string_view to_tag) {
  // Built in place and returned by NRVO: the response is never moved.
  Result<Message> result(std::in_place);
  if (auto filled = fill_response(*result, request, code, reason, to_tag); !filled)
    result = filled.error();
  return result;
}

void recycle(Message&& message) {
  // The destructor's work, done in place (no move into a temporary): the
  // storage goes to this thread's pools (storage_pool.hpp).
  MessageAccess::release(message);
}

Result<void> copy_fields(Message& to, const Message& from, HeaderId id) {
  if (MessageAccess::folded(from)) MessageAccess::folded(to) = true;
  if (&to == &from) {
    // Appending to the list being read: copy the sources first.
    std::vector<Field> sources;
    for (const Field& f : from.fields())
      if (f.id == id) sources.push_back(f);
    for (const Field& f : sources)
      if (auto r = copy_field(to, from, f); !r) return r.error();
    return {};
  }
  for (const Field& f : from.fields()) {
    if (f.id != id) continue;
    if (auto r = copy_field(to, from, f); !r) return r.error();
  }
  return {};
}

std::string_view default_reason(int code) {
  switch (code) {
    // 1xx (§21.1; RFC 6228)
    case 100:
      return "Trying";
    case 180:
      return "Ringing";
    case 181:
      return "Call Is Being Forwarded";
    case 182:
      return "Queued";
    case 183:
      return "Session Progress";
    case 199:
      return "Early Dialog Terminated";
    // 2xx (§21.2; RFC 6665, RFC 5839)
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 204:
      return "No Notification";
    // 3xx (§21.3)
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Moved Temporarily";
    case 305:
      return "Use Proxy";
    case 380:
      return "Alternative Service";
    // 4xx (§21.4; extensions by RFC)
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 410:
      return "Gone";
    case 412:
      return "Conditional Request Failed";  // RFC 3903
    case 413:
      return "Request Entity Too Large";
    case 414:
      return "Request-URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Unsupported URI Scheme";
    case 417:
      return "Unknown Resource-Priority";  // RFC 4412
    case 420:
      return "Bad Extension";
    case 421:
      return "Extension Required";
    case 422:
      return "Session Interval Too Small";  // RFC 4028
    case 423:
      return "Interval Too Brief";
    case 424:
      return "Bad Location Information";  // RFC 6442
    case 428:
      return "Use Identity Header";  // RFC 8224
    case 429:
      return "Provide Referrer Identity";  // RFC 3892
    case 430:
      return "Flow Failed";  // RFC 5626
    case 433:
      return "Anonymity Disallowed";  // RFC 5079
    case 436:
      return "Bad Identity Info";  // RFC 8224
    case 437:
      return "Unsupported Credential";  // RFC 8224
    case 438:
      return "Invalid Identity Header";  // RFC 8224
    case 439:
      return "First Hop Lacks Outbound Support";  // RFC 5626
    case 440:
      return "Max-Breadth Exceeded";  // RFC 5393
    case 469:
      return "Bad Info Package";  // RFC 6086
    case 470:
      return "Consent Needed";  // RFC 5360
    case 480:
      return "Temporarily Unavailable";
    case 481:
      return "Call/Transaction Does Not Exist";
    case 482:
      return "Loop Detected";
    case 483:
      return "Too Many Hops";
    case 484:
      return "Address Incomplete";
    case 485:
      return "Ambiguous";
    case 486:
      return "Busy Here";
    case 487:
      return "Request Terminated";
    case 488:
      return "Not Acceptable Here";
    case 489:
      return "Bad Event";  // RFC 6665
    case 491:
      return "Request Pending";
    case 493:
      return "Undecipherable";
    case 494:
      return "Security Agreement Required";  // RFC 3329
    // 5xx (§21.5)
    case 500:
      return "Server Internal Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Server Time-out";
    case 505:
      return "Version Not Supported";
    case 513:
      return "Message Too Large";
    case 555:
      return "Push Notification Service Not Supported";  // RFC 8599
    case 580:
      return "Precondition Failure";  // RFC 3312
    // 6xx (§21.6)
    case 600:
      return "Busy Everywhere";
    case 603:
      return "Decline";
    case 604:
      return "Does Not Exist Anywhere";
    case 606:
      return "Not Acceptable";
    case 607:
      return "Unwanted";  // RFC 8197
    case 608:
      return "Rejected";  // RFC 8688
    default:
      return {};
  }
}

}  // namespace sippet::message
