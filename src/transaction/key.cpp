// Transaction keys: RFC 3261 §17.1.3 (client) and §17.2.3 (server).
#include "sippet/transaction/key.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>

#include "key_internal.hpp"

namespace sippet::transaction {
namespace {

constexpr std::string_view kMagicCookie = "z9hG4bK";  // §8.1.1.7

message::Error unmatchable(std::string_view what) {
  message::Error error;
  error.kind = message::ErrorKind::kMissingHeader;
  error.status = 400;
  error.reason = std::string("cannot match a transaction: missing ") + std::string(what);
  return error;
}

// `sent-by` of a server key (§17.2.3): host lower-cased, then ":port" when
// written. Writes into `out` (256 octets); 0 when it does not fit.
std::size_t lower_sent_by(char* out, std::string_view host, bool has_port, std::uint16_t port) {
  constexpr std::size_t kSize = 256;
  if (host.empty() || host.size() + 6 > kSize) return 0;
  std::size_t n = 0;
  for (char c : host)
    out[n++] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (has_port) {
    out[n++] = ':';
    n = static_cast<std::size_t>(std::to_chars(out + n, out + kSize, port).ptr - out);
  }
  return n;
}

// True when the 8 octets of `w` are ASCII with no upper-case letter.
bool lower_ascii8(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  if ((w & kHigh) != 0) return false;                         // (no carry between octets below)
  const std::uint64_t from_a = w + (0x80 - 'A') * kOnes;      // high bit: octet >= 'A'
  const std::uint64_t past_z = w + (0x80 - 'Z' - 1) * kOnes;  // high bit: octet > 'Z'
  return (from_a & ~past_z & kHigh) == 0;
}

// The sent-by as the message writes it, when that is already the key's
// text: a lower-case host, then (when there is a port) ':' and the port's
// digits without a leading zero, all in one run. "" otherwise (then
// lower_sent_by). The usual Via ("127.0.0.1:5060") needs no copy.
std::string_view written_sent_by(std::string_view host, bool has_port, std::uint16_t port) {
  const std::size_t size = host.size();
  if (size == 0) return {};
  const char* h = host.data();
  if (size >= 8) {
    // 8 octets at a time, the last step overlapping the one before.
    std::uint64_t w;
    for (std::size_t i = 0; i + 8 < size; i += 8) {
      std::memcpy(&w, h + i, 8);
      if (!lower_ascii8(w)) return {};
    }
    std::memcpy(&w, h + size - 8, 8);
    if (!lower_ascii8(w)) return {};
  } else {
    for (std::size_t i = 0; i < size; ++i)
      if (h[i] >= 'A' && h[i] <= 'Z') return {};
  }
  if (!has_port) return host;
  // The parser read the port from the whole run of digits after the colon:
  // when its first digits (not a zero) spell `port`, the run is just those
  // (no octet past them is read). A Via with space around its colon (or
  // any other spelling) takes the slow path.
  const char* p = h + size;
  if (*p != ':' || p[1] == '0') return {};
  const std::size_t digits = port < 10      ? 1
                             : port < 100   ? 2
                             : port < 1000  ? 3
                             : port < 10000 ? 4
                                            : 5;
  std::uint32_t value = 0;
  for (std::size_t i = 1; i <= digits; ++i) {
    const auto digit = static_cast<std::uint32_t>(static_cast<unsigned char>(p[i]) - '0');
    if (digit > 9) return {};
    value = value * 10 + digit;
  }
  if (value != port) return {};
  return std::string_view(h, size + 1 + digits);
}

// The same for any host length.
void assign_sent_by(std::string& out, std::string_view host, bool has_port, std::uint16_t port) {
  out.clear();
  for (char c : host)
    out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  if (has_port) out.append(":" + std::to_string(port));
}

void append_number(std::string& out, std::uint32_t value) {
  char buffer[12];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  (void)ec;
  out.append(buffer, end);
}

// A fast 64-bit hash of a key's strings, 8 octets per step (keys are
// short: a branch, a method, a host), all fed into one state and finished
// once. Like std::hash it is not keyed.
class KeyHasher {
 public:
  explicit KeyHasher(std::uint64_t seed) : h_(seed) {}

  void add(std::string_view text) {
    step(text.size() * kMul);  // a string's length separates it from the next
    const char* p = text.data();
    std::size_t n = text.size();
    for (; n >= 8; p += 8, n -= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      step(w);
    }
    if (n > 0) {
      // The last 1..7 octets, without a variable-length copy.
      std::uint64_t w;
      if (text.size() >= 8) {
        std::memcpy(&w, text.data() + text.size() - 8, 8);  // overlaps the last step
      } else if (n >= 4) {
        std::uint32_t a, b;
        std::memcpy(&a, p, 4);
        std::memcpy(&b, p + n - 4, 4);
        w = a | (std::uint64_t{b} << 32);
      } else {
        w = static_cast<unsigned char>(p[0]) |
            (std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8) |
            (std::uint64_t{static_cast<unsigned char>(p[n - 1])} << 16);
      }
      step(w);
    }
  }

  std::uint64_t finish() const {
    const std::uint64_t h = h_ * 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 31);
  }

 private:
  static constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ULL;
  void step(std::uint64_t w) {
    h_ = (h_ ^ w) * kMul;
    h_ ^= h_ >> 29;
  }
  std::uint64_t h_;
};

std::uint64_t hash_key(Role role, std::string_view method, std::string_view branch,
                       std::string_view sent_by, std::string_view rfc2543) {
  KeyHasher hasher(static_cast<std::uint64_t>(role));
  hasher.add(branch);
  hasher.add(method);
  if (!sent_by.empty()) hasher.add(sent_by);
  if (!rfc2543.empty()) hasher.add(rfc2543);
  return hasher.finish();
}

// §17.2.3: the method a server transaction is matched by (the ACK matches
// the INVITE it acknowledges).
std::string_view server_method(const message::Message& message, const message::CSeq& cseq) {
  if (!message.is_request()) return cseq.method_text;
  if (message.request_line().method == message::Method::kAck) return "INVITE";
  return message.request_line().method_text;
}

}  // namespace

std::size_t TransactionKeyHash::operator()(const TransactionKey& key) const noexcept {
  return static_cast<std::size_t>(
      hash_key(key.role, key.method, key.branch, key.sent_by, key.rfc2543));
}

bool is_rfc3261_branch(std::string_view branch) {
  return branch.size() > kMagicCookie.size() &&
         branch.substr(0, kMagicCookie.size()) == kMagicCookie;
}

message::Result<TransactionKey> client_key(const message::Message& message) {
  const message::Via* via = message.top_via();
  if (via == nullptr) return unmatchable("Via");
  const message::CSeq* cseq = message.cseq();
  if (cseq == nullptr) return unmatchable("CSeq");
  // §17.1.3: the branch of the top Via and the CSeq method.
  TransactionKey key;
  key.role = Role::kClient;
  key.method = std::string(cseq->method_text);
  key.branch = std::string(via->branch);
  return key;
}

message::Result<TransactionKey> server_key(const message::Message& message) {
  const message::Via* via = message.top_via();
  if (via == nullptr) return unmatchable("Via");
  const message::CSeq* cseq = message.cseq();
  if (cseq == nullptr) return unmatchable("CSeq");
  const std::string_view method = server_method(message, *cseq);
  if (is_rfc3261_branch(via->branch)) {
    // Each string built once, at its exact size.
    char sent_by[256];
    const std::size_t n = lower_sent_by(sent_by, via->host, via->has_port, via->port);
    if (n != 0) {
      return TransactionKey{Role::kServer,
                            std::string(method),
                            std::string(via->branch),
                            std::string(sent_by, n),
                            {}};
    }
  }
  TransactionKey key;
  key.role = Role::kServer;
  key.method = std::string(method);
  if (is_rfc3261_branch(via->branch)) {
    key.branch = std::string(via->branch);
    assign_sent_by(key.sent_by, via->host, via->has_port, via->port);
  } else if (message.is_request()) {
    // §17.2.3, RFC 2543 compatibility: no branch, or a branch without the cookie.
    const message::NameAddr* to = message.to();
    key.rfc2543 = detail::rfc2543_text(message, to != nullptr ? to->tag() : std::string_view{});
  } else {
    // A response sent by an RFC 2543 server transaction is found by id only.
    key.rfc2543 = "response";
  }
  return key;
}

namespace detail {

std::uint64_t KeyView::hash() const {
  return hash_key(role, method, branch, sent_by, rfc2543);
}

std::optional<KeyView> server_key_view(const message::Message& message,
                                       char (&sent_by)[kSentBySize]) {
  const message::Via* via = message.top_via();
  if (via == nullptr || !is_rfc3261_branch(via->branch)) return std::nullopt;
  const message::CSeq* cseq = message.cseq();
  if (cseq == nullptr) return std::nullopt;
  std::string_view text = written_sent_by(via->host, via->has_port, via->port);
  if (text.empty()) {
    const std::size_t n = lower_sent_by(sent_by, via->host, via->has_port, via->port);
    if (n == 0) return std::nullopt;
    text = std::string_view(sent_by, n);
  }
  return KeyView{Role::kServer, server_method(message, *cseq), via->branch, text, {}};
}

std::optional<KeyView> client_key_view(const message::Message& message) {
  const message::Via* via = message.top_via();
  if (via == nullptr) return std::nullopt;
  const message::CSeq* cseq = message.cseq();
  if (cseq == nullptr) return std::nullopt;
  return KeyView{Role::kClient, cseq->method_text, via->branch, {}, {}};
}

std::string rfc2543_text(const message::Message& request, std::string_view to_tag) {
  std::string text;
  const message::Field* via = request.get(message::HeaderId::kVia);
  const message::NameAddr* from = request.from();
  text.reserve(160);
  text.append(request.request_line().uri.text);
  text.push_back('\n');
  text.append(to_tag);
  text.push_back('\n');
  if (from != nullptr) text.append(from->tag());
  text.push_back('\n');
  text.append(request.call_id());
  text.push_back('\n');
  if (request.cseq() != nullptr) append_number(text, request.cseq()->seq);
  text.push_back('\n');
  if (via != nullptr) text.append(via->value);
  return text;
}

}  // namespace detail
}  // namespace sippet::transaction
