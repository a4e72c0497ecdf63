// Header names: canonical and Sippet names, shapes, and name lookup including
// the compact forms of RFC 3261 §7.3.3 and the IANA SIP parameter registry.
#include "sippet/message/header_id.hpp"

#include <array>

#include "charset.hpp"

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
constexpr std::size_t kBucketSize = 6;

struct Buckets {
  std::array<std::array<std::uint8_t, kBucketSize>, kMaxName + 1> ids{};
  std::array<std::uint8_t, kMaxName + 1> count{};
  std::array<std::array<char, kMaxName>, kHeaderIdCount> lower{};
};

constexpr Buckets make_buckets() {
  Buckets b{};
  for (std::size_t i = 0; i + 1 < kHeaderIdCount; ++i) {
    std::string_view name = kEntries[i].canonical;
    for (std::size_t j = 0; j < name.size(); ++j)
      b.lower[i][j] = detail::to_lower(name[j]);
    b.ids[name.size()][b.count[name.size()]++] = static_cast<std::uint8_t>(i);
  }
  return b;
}

constexpr Buckets kBuckets = make_buckets();

static_assert([] {
  for (auto c : kBuckets.count) {
    if (c > kBucketSize) return false;
  }
  return true;
}());

HeaderId compact(char c) {
  // §7.3.3 and the IANA registry; compact forms of headers that are not typed
  // here (a, b, o, r, u, x, y) stay kUnknown and keep their name.
  switch (detail::to_lower(c)) {
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

HeaderId header_id_from_name(std::string_view name) {
  std::size_t n = name.size();
  if (n == 1) return compact(name[0]);
  if (n == 0 || n > kMaxName) return HeaderId::kUnknown;
  const auto& bucket = kBuckets.ids[n];
  for (std::size_t k = 0; k < kBuckets.count[n]; ++k) {
    const auto& lower = kBuckets.lower[bucket[k]];
    std::size_t i = 0;
    while (i < n && detail::to_lower(name[i]) == lower[i])
      ++i;
    if (i == n) return static_cast<HeaderId>(bucket[k]);
  }
  return HeaderId::kUnknown;
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
