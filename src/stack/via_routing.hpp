#pragma once
// Via processing of the stack: `received` / `rport` on incoming requests
// (RFC 3261 §18.2.1, RFC 3581 §4) and where responses go (§18.2.2).
#include <optional>

#include "sippet/message/message.hpp"
#include "sippet/message/result.hpp"
#include "sippet/transport/endpoint.hpp"

namespace sippet::stack {

// §18.2.1: adds `received` to the top Via when its sent-by host differs from
// the source address; RFC 3581 §4: when the top Via has `rport` without a
// value, fills it with the source port and adds `received` in any case.
// Returns the address the responses to this request go to (§18.2.2 with RFC
// 3581 §4): the source address, at the `rport` port when asked for, else at
// the sent-by port (the default port of the Via's transport when absent).
message::Result<transport::Endpoint> stamp_received(message::Message& request,
                                                    const transport::Endpoint& source);

// Where a response goes by §18.2.2 from its top Via alone (stateless
// sending): `received` (else sent-by host) at the `rport` value (else the
// sent-by port, else the transport's default). nullopt when the host is not
// an IP literal.
std::optional<transport::Endpoint> response_destination(const message::Message& response);

// The same for a request being answered without having been stamped (an
// invalid request): the source address, at the source port when the top Via
// asked for rport, else at its sent-by port.
transport::Endpoint reply_destination(const message::Via* via, const transport::Endpoint& source);

}  // namespace sippet::stack
