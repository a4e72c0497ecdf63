// Header names: canonical and Sippet names, shapes, and name lookup including
// the compact forms of RFC 3261 §7.3.3 and the IANA SIP parameter registry.
#include "sippet/message/header_id.hpp"

#include <array>
#include <bit>
#include <cstring>

#include "charset.hpp"
#include "header_lookup.hpp"
#include "sippet/message/text.hpp"

namespace sippet::message {
namespace {

struct Entry {
  std::string_view canonical;
  std::string_view snake;
  HeaderShape shape;
};

using S = HeaderShape;

// Indexed by HeaderId. Shapes per §7.3.1 and the §25.1 grammar of each header.
constexpr Entry kEntries[kHeaderIdCount] = {
    {"Accept", "accept", S::kList},
    {"Accept-Encoding", "accept_encoding", S::kList},
    {"Accept-Language", "accept_language", S::kList},
    {"Alert-Info", "alert_info", S::kList},
    {"Allow", "allow", S::kList},
    {"Authentication-Info", "authentication_info", S::kOpaque},
    {"Authorization", "authorization", S::kOpaque},
    {"Call-ID", "call_id", S::kSingle},
    {"Call-Info", "call_info", S::kList},
    {"Contact", "contact", S::kList},
    {"Content-Disposition", "content_disposition", S::kSingle},
    {"Content-Encoding", "content_encoding", S::kList},
    {"Content-Language", "content_language", S::kList},
    {"Content-Length", "content_length", S::kSingle},
    {"Content-Type", "content_type", S::kSingle},
    {"CSeq", "cseq", S::kSingle},
    {"Date", "date", S::kOpaque},
    {"Error-Info", "error_info", S::kList},
    {"Expires", "expires", S::kSingle},
    {"From", "from", S::kSingle},
    {"In-Reply-To", "in_reply_to", S::kList},
    {"Max-Forwards", "max_forwards", S::kSingle},
    {"MIME-Version", "mime_version", S::kSingle},
    {"Min-Expires", "min_expires", S::kSingle},
    {"Organization", "organization", S::kOpaque},
    {"P-Asserted-Identity", "p_asserted_identity", S::kList},
    {"Priority", "priority", S::kSingle},
    {"Proxy-Authenticate", "proxy_authenticate", S::kOpaque},
    {"Proxy-Authorization", "proxy_authorization", S::kOpaque},
    {"Proxy-Require", "proxy_require", S::kList},
    {"Reason", "reason", S::kList},
    {"Record-Route", "record_route", S::kList},
    {"Reply-To", "reply_to", S::kSingle},
    {"Require", "require", S::kList},
    {"Retry-After", "retry_after", S::kSingle},
    {"Route", "route", S::kList},
    {"Server", "server", S::kOpaque},
    {"Subject", "subject", S::kOpaque},
    {"Supported", "supported", S::kList},
    {"Timestamp", "timestamp", S::kSingle},
    {"To", "to", S::kSingle},
    {"Unsupported", "unsupported", S::kList},
    {"User-Agent", "user_agent", S::kOpaque},
    {"Via", "via", S::kList},
    {"Warning", "warning", S::kList},
    {"WWW-Authenticate", "www_authenticate", S::kOpaque},
    {"", "", S::kOpaque},  // kUnknown
};

constexpr std::size_t kMaxName = 24;
constexpr std::size_t kSlots = 256;

// Names compare 8 octets at a time: an octet matches when it equals the
// lower-case canonical octet after OR-ing 0x20 into letter positions only
// (c | 0x20 is a lower-case letter exactly when c is a letter).
struct Slot {
  std::uint64_t lower[3] = {0, 0, 0};
  std::uint64_t fold[3] = {0, 0, 0};
  std::uint8_t length = 0;  // 0: empty slot
  std::uint8_t id = 0;
};

// The first (up to) 8 octets of a name, octets past its end zeroed.
constexpr std::uint64_t mask_for(std::size_t n) {
  return n >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * n)) - 1;
}

// A perfect hash (checked below) of the case-folded first 8 octets, the
// length and the case-folded last octet.
constexpr std::size_t slot_of(std::uint64_t first8, std::size_t n, char last) {
  std::uint64_t key =
      (first8 | 0x2020202020202020ull) + n * 0x10001 +
      (static_cast<std::uint64_t>(static_cast<unsigned char>(last)) | 0x20) * 0x1000193;
  return static_cast<std::size_t>((key * 0x6c98af07a0896537ull) >> 56) % kSlots;
}

struct Table {
  std::array<Slot, kSlots> slots{};
  std::size_t max_probe = 0;
};

constexpr Table make_table() {
  Table t{};
  for (std::size_t i = 0; i + 1 < kHeaderIdCount; ++i) {
    std::string_view name = kEntries[i].canonical;
    Slot s{};
    s.length = static_cast<std::uint8_t>(name.size());
    s.id = static_cast<std::uint8_t>(i);
    for (std::size_t j = 0; j < name.size(); ++j) {
      char c = ascii_lower(name[j]);
      s.lower[j / 8] |= static_cast<std::uint64_t>(static_cast<unsigned char>(c)) << (8 * (j % 8));
      if (c >= 'a' && c <= 'z') s.fold[j / 8] |= std::uint64_t{0x20} << (8 * (j % 8));
    }
    std::size_t h = slot_of(s.lower[0], name.size(), ascii_lower(name.back()));
    std::size_t probe = 0;
    while (t.slots[(h + probe) % kSlots].length != 0)
      ++probe;
    t.slots[(h + probe) % kSlots] = s;
    if (probe + 1 > t.max_probe) t.max_probe = probe + 1;
  }
  return t;
}

constexpr Table kTable = make_table();
static_assert(kTable.max_probe == 1, "slot_of must stay a perfect hash");
static_assert(std::endian::native == std::endian::little,
              "8-octet name compare assumes little endian");

HeaderId compact(char c) {
  // §7.3.3 and the IANA registry; compact forms of headers that are not typed
  // here (a, b, o, r, u, x, y) stay kUnknown and keep their name.
  switch (ascii_lower(c)) {
    case 'c':
      return HeaderId::kContentType;
    case 'e':
      return HeaderId::kContentEncoding;
    case 'f':
      return HeaderId::kFrom;
    case 'i':
      return HeaderId::kCallId;
    case 'k':
      return HeaderId::kSupported;
    case 'l':
      return HeaderId::kContentLength;
    case 'm':
      return HeaderId::kContact;
    case 's':
      return HeaderId::kSubject;
    case 't':
      return HeaderId::kTo;
    case 'v':
      return HeaderId::kVia;
    default:
      return HeaderId::kUnknown;
  }
}

}  // namespace

namespace detail {

struct ShortTable {
  std::array<ShortSlot, kShortSlots> slots{};
  bool perfect = true;
};

constexpr ShortTable make_short_table() {
  ShortTable t{};
  for (std::size_t i = 0; i + 1 < kHeaderIdCount; ++i) {
    std::string_view name = kEntries[i].canonical;
    if (name.size() < 2 || name.size() > 15) continue;
    ShortSlot s{};
    s.length = static_cast<std::uint8_t>(name.size());
    s.id = static_cast<std::uint8_t>(i);
    for (std::size_t j = 0; j < name.size(); ++j) {
      char c = ascii_lower(name[j]);
      s.lower[j] = static_cast<unsigned char>(c);
      if (c >= 'a' && c <= 'z') s.fold[j] = 0x20;
    }
    const unsigned first2 = static_cast<unsigned char>(name[0]) |
                            static_cast<unsigned>(static_cast<unsigned char>(name[1])) << 8;
    const std::size_t h =
        short_slot_of(first2, static_cast<unsigned char>(name.back()), name.size());
    if (t.slots[h].length != 0) t.perfect = false;
    t.slots[h] = s;
  }
  return t;
}

constexpr ShortTable kShortTable = make_short_table();
static_assert(kShortTable.perfect, "short_slot_of must stay a perfect hash");

const std::array<ShortSlot, kShortSlots> kShortNameSlots = kShortTable.slots;

const std::array<std::string_view, kHeaderIdCount> kCanonicalNames = [] {
  std::array<std::string_view, kHeaderIdCount> names{};
  for (std::size_t i = 0; i < kHeaderIdCount; ++i)
    names[i] = kEntries[i].canonical;
  return names;
}();

HeaderId compact_id(char c) {
  return compact(c);
}

HeaderId header_id_from_token(const char* p, std::size_t n) {
  if (n == 1) return compact(p[0]);
  if (n == 0 || n > kMaxName) return HeaderId::kUnknown;
  std::uint64_t w0;
  std::memcpy(&w0, p, 8);
  w0 &= mask_for(n);
  const Slot& s = kTable.slots[slot_of(w0, n, p[n - 1])];
  if (s.length != n || (w0 | s.fold[0]) != s.lower[0]) return HeaderId::kUnknown;
  for (std::size_t i = 8; i < n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    w &= mask_for(n - i);
    if ((w | s.fold[i / 8]) != s.lower[i / 8]) return HeaderId::kUnknown;
  }
  return static_cast<HeaderId>(s.id);
}

}  // namespace detail

HeaderId header_id_from_name(std::string_view name) {
  if (name.size() > kMaxName) return HeaderId::kUnknown;
  char padded[kMaxName + 8] = {};
  if (!name.empty()) std::memcpy(padded, name.data(), name.size());
  return detail::header_id_from_token(padded, name.size());
}

std::string_view canonical_name(HeaderId id) {
  return kEntries[static_cast<std::size_t>(id)].canonical;
}

std::string_view snake_name(HeaderId id) {
  return kEntries[static_cast<std::size_t>(id)].snake;
}

HeaderShape header_shape(HeaderId id) {
  return kEntries[static_cast<std::size_t>(id)].shape;
}

}  // namespace sippet::message
