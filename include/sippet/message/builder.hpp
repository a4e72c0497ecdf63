#pragma once
// Building messages (Sippet.Message.build_request / build_response) and the
// random identifiers SIP needs.
#include <string>
#include <string_view>

#include "sippet/message/message.hpp"
#include "sippet/message/method.hpp"
#include "sippet/message/result.hpp"

namespace sippet::message {

// A request with the given request line and no headers.
Result<Message> build_request(std::string_view method, std::string_view request_uri);

// A response to `request` per §8.2.6.1: Via (all, in order), From, To (a tag
// added for codes other than 100 when the To has none), Call-ID and CSeq
// copied; Timestamp copied into a 100 (§8.2.6.1). A 101-299 response to a
// request that creates a dialog (INVITE, SUBSCRIBE, REFER) also copies every
// Record-Route value, in order (§12.1.1). `reason` defaults to the standard
// phrase for `code`. `to_tag` chooses the tag to add (random if empty).
Result<Message> build_response(const Message& request, int code, std::string_view reason = {},
                               std::string_view to_tag = {});

// Appends to `to` a copy of every `id` field of `from`, in order, without
// parsing them again: a value as `from` received it stays where it is, `to`
// sharing `from`'s received bytes; any other text goes into `to`'s storage
// and the typed values are moved along with it. For a header a program adds to many messages
// (e.g. a UAS's Contact): parse it once into a template message, then copy.
Result<void> copy_fields(Message& to, const Message& from, HeaderId id);

// Ends a message no longer needed. Every Message gives its storage (field
// list, bytes buffer, arena chunk) to this thread's pools when destroyed, for
// the next parse or build on the thread; this is the same, said explicitly.
void recycle(Message&& message);

// The standard reason phrase for a status code ("" when unknown).
std::string_view default_reason(int code);

std::string create_tag();      // >= 64 random bits, token characters
std::string create_branch();   // "z9hG4bK" + >= 72 random bits (§8.1.1.7)
std::string create_call_id();  // >= 120 random bits

// The branch a stateless proxy gives the request it forwards (RFC 3261
// §16.11): derived from the received request, so that a retransmission of
// it, its CANCEL and the ACK of a non-2xx answer to it get the same branch.
// With a magic-cookie branch (§8.1.1.7) it is a hash of that branch; else a
// hash of the top Via, the To and From tags, the Call-ID, the CSeq number
// and the Request-URI. "z9hG4bK" + 24 hex digits (96 bits of SHA-256).
// Error (kMissingHeader) when the request has no Via.
Result<std::string> stateless_branch(const Message& request);

}  // namespace sippet::message
