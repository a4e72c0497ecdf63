// Transaction keys: RFC 3261 §17.1.3 (client) and §17.2.3 (server).
#include "sippet/transaction/key.hpp"

#include <charconv>

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

void append_lower(std::string& out, std::string_view text) {
  for (char c : text)
    out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
}

void append_number(std::string& out, std::uint32_t value) {
  char buffer[12];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  (void)ec;
  out.append(buffer, end);
}

std::size_t mix(std::size_t seed, std::size_t value) {
  return seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

}  // namespace

std::size_t TransactionKeyHash::operator()(const TransactionKey& key) const noexcept {
  std::hash<std::string_view> h;
  std::size_t seed = static_cast<std::size_t>(key.role);
  seed = mix(seed, h(key.branch));
  seed = mix(seed, h(key.method));
  if (!key.sent_by.empty()) seed = mix(seed, h(key.sent_by));
  if (!key.rfc2543.empty()) seed = mix(seed, h(key.rfc2543));
  return seed;
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
  TransactionKey key;
  key.role = Role::kServer;
  // §17.2.3: the ACK matches the INVITE it acknowledges.
  if (message.is_request() && message.request_line().method == message::Method::kAck) {
    key.method = "INVITE";
  } else if (message.is_request()) {
    key.method = std::string(message.request_line().method_text);
  } else {
    key.method = std::string(cseq->method_text);
  }
  if (is_rfc3261_branch(via->branch)) {
    key.branch = std::string(via->branch);
    append_lower(key.sent_by, via->host);
    if (via->has_port) {
      key.sent_by.push_back(':');
      append_number(key.sent_by, via->port);
    }
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
