#pragma once
// Building a CANCEL (RFC 3261 §9.1) and an ACK for a non-2xx (§17.1.1.3).
#include "sippet/message/message.hpp"
#include "sippet/message/result.hpp"

namespace sippet::transaction {

// A CANCEL for `invite` (§9.1): the same Request-URI, Call-ID, From, To (tags
// included) and CSeq number with method CANCEL; a single Via equal to the
// INVITE's top Via (same branch); the INVITE's Route values; Max-Forwards 70;
// no body. Errors when `invite` is not an INVITE request or lacks a header.
// §9.1 says not to send it before a provisional response arrived: the caller
// (or TransactionLayer::build_cancel) checks that.
message::Result<message::Message> build_cancel(const message::Message& invite);

// The ACK a client INVITE transaction sends for a 300-699 response
// (§17.1.1.3): Request-URI, Call-ID, From, CSeq number and Route of `invite`,
// a single Via equal to its top Via, the To of `response`, Max-Forwards 70.
message::Result<message::Message> build_ack(const message::Message& invite,
                                            const message::Message& response);

}  // namespace sippet::transaction
