#pragma once
// Pieces of the RFC 2543 matching key (§17.2.3), used by key.cpp and layer.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sippet/message/message.hpp"
#include "sippet/transaction/key.hpp"

namespace sippet::transaction::detail {

// A transaction key as views into a message (and a caller's buffer): found
// in the index without building the strings of a TransactionKey; a new
// transaction's key is built from it in place (Transaction::bind).
struct KeyView {
  Role role = Role::kClient;
  std::string_view method;
  std::string_view branch;
  std::string_view sent_by;
  std::string_view rfc2543;

  // Views into `key`, which must outlive them.
  static KeyView of(const TransactionKey& key) {
    return KeyView{key.role, key.method, key.branch, key.sent_by, key.rfc2543};
  }

  // The same as TransactionKeyHash of the key it stands for.
  std::uint64_t hash() const;
  bool matches(const TransactionKey& key) const {
    return key.role == role && key.branch == branch && key.method == method &&
           key.sent_by == sent_by && key.rfc2543 == rfc2543;
  }
};

// Octets a server key's lower-cased sent-by may take (server_key_view).
inline constexpr std::size_t kSentBySize = 256;

// §17.2.3: the server key of a message whose top Via has an RFC 3261
// branch, its sent-by lower-cased into `sent_by`; none otherwise (no Via or
// CSeq, an RFC 2543 branch, a sent-by too long): server_key() then.
std::optional<KeyView> server_key_view(const message::Message& message,
                                       char (&sent_by)[kSentBySize]);
// §17.1.3: the client key (top Via branch, CSeq method); none without a Via
// or CSeq.
std::optional<KeyView> client_key_view(const message::Message& message);

// Request-URI, the given To tag, From tag, Call-ID, CSeq number and the top
// Via as written, joined. The caller checked that Via and CSeq are present.
std::string rfc2543_text(const message::Message& request, std::string_view to_tag);

}  // namespace sippet::transaction::detail
