#pragma once
// Transaction identity: keys (RFC 3261 §17.1.3, §17.2.3) and handles.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "sippet/message/message.hpp"
#include "sippet/message/result.hpp"

namespace sippet::transaction {

enum class Role : std::uint8_t { kClient, kServer };

// The key a transaction is matched by.
// - Client (§17.1.3): top Via branch + CSeq method (a response uses its CSeq
//   method). `sent_by` and `rfc2543` are empty.
// - Server (§17.2.3), branch with the magic cookie "z9hG4bK" (and more after
//   it): branch + sent-by (host lower-cased, ":port" when written) + method,
//   where an ACK takes the method INVITE (it matches the INVITE transaction).
// - Server, branch absent or just the cookie (RFC 2543 peers, RFC 4475
//   badbranch and inv2543): `branch` and `sent_by` empty, `rfc2543` holds the
//   Request-URI, To tag, From tag, Call-ID, CSeq number and top Via joined.
//   An ACK matches with the To tag of the response the transaction sent.
// CANCEL has its own transaction (method "CANCEL").
struct TransactionKey {
  Role role = Role::kClient;
  std::string method;  // method text, e.g. "INVITE", "OPTIONS", "FOO"
  std::string branch;
  std::string sent_by;
  std::string rfc2543;

  friend bool operator==(const TransactionKey&, const TransactionKey&) = default;
};

struct TransactionKeyHash {
  std::size_t operator()(const TransactionKey& key) const noexcept;
};

// True when `branch` starts with the RFC 3261 magic cookie and has more after it.
bool is_rfc3261_branch(std::string_view branch);

// The client key of an outgoing request or an incoming response. Errors
// (kMissingHeader) when the top Via has no branch or the CSeq is missing.
message::Result<TransactionKey> client_key(const message::Message& message);

// The server key of an incoming request (an ACK gets method INVITE), or of a
// response the server sends (same Via, CSeq method). Errors (kMissingHeader)
// when Via or CSeq is missing. For RFC 2543 keys of an ACK, the To tag in the
// key is the ACK's To tag. A response cannot rebuild an RFC 2543 key (it has
// no Request-URI): its key matches nothing, so such a response must name its
// transaction by id.
message::Result<TransactionKey> server_key(const message::Message& message);

// A live transaction, cheap to copy. `slot` indexes the layer's table and
// `generation` tells a reused slot apart, so a stale id never reaches
// another transaction.
struct TransactionId {
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;
  friend bool operator==(const TransactionId&, const TransactionId&) = default;
};

struct TransactionIdHash {
  std::size_t operator()(const TransactionId& id) const noexcept {
    return std::hash<std::uint64_t>{}((std::uint64_t{id.generation} << 32) | id.slot);
  }
};

}  // namespace sippet::transaction
