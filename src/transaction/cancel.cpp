// CANCEL (RFC 3261 §9.1) and the ACK of a non-2xx final response (§17.1.1.3).
#include "sippet/transaction/cancel.hpp"

#include <string>
#include <utility>

#include "sippet/message/builder.hpp"

namespace sippet::transaction {
namespace {

using message::HeaderId;
using message::Message;
using message::Result;

message::Error missing(std::string_view what) {
  message::Error error;
  error.kind = message::ErrorKind::kMissingHeader;
  error.status = 0;
  error.reason = std::string("missing header: ") + std::string(what);
  return error;
}

// The request shared by CANCEL and ACK: Request-URI, top Via only, From,
// Call-ID, CSeq number with `method`, Route values, Max-Forwards 70; the To
// comes from `to`.
Result<Message> build_sibling(const Message& invite, std::string_view method,
                              const message::Field& to) {
  const message::Field* via = invite.get(HeaderId::kVia);
  if (via == nullptr) return missing("Via");
  const message::Field* from = invite.get(HeaderId::kFrom);
  if (from == nullptr) return missing("From");
  const message::CSeq* cseq = invite.cseq();
  if (cseq == nullptr) return missing("CSeq");
  if (invite.call_id().empty()) return missing("Call-ID");

  auto built = message::build_request(method, invite.request_line().uri.text);
  if (!built) return built.error();
  Message& out = *built;
  std::string cseq_text = std::to_string(cseq->seq);
  cseq_text.push_back(' ');
  cseq_text.append(method);
  for (auto [id, value] : {std::pair<HeaderId, std::string_view>{HeaderId::kVia, via->value},
                           {HeaderId::kMaxForwards, "70"},
                           {HeaderId::kFrom, from->value},
                           {HeaderId::kTo, to.value},
                           {HeaderId::kCallId, invite.call_id()},
                           {HeaderId::kCSeq, cseq_text}}) {
    if (auto put = out.put(id, value); !put) return put.error();
  }
  for (const message::Field* route : invite.get_all(HeaderId::kRoute)) {
    if (auto put = out.put_back(HeaderId::kRoute, route->value); !put) return put.error();
  }
  return built;
}

}  // namespace

Result<Message> build_cancel(const Message& invite) {
  if (!invite.is_request() || invite.request_line().method != message::Method::kInvite) {
    message::Error error = missing("INVITE");
    error.kind = message::ErrorKind::kInvalidArgument;
    error.reason = "a CANCEL is built from an INVITE request";
    return error;
  }
  // §9.1: To identical to the request being cancelled, tags included.
  const message::Field* to = invite.get(HeaderId::kTo);
  if (to == nullptr) return missing("To");
  return build_sibling(invite, "CANCEL", *to);
}

Result<Message> build_ack(const Message& invite, const Message& response) {
  if (!invite.is_request() || invite.request_line().method != message::Method::kInvite ||
      !response.is_response()) {
    message::Error error = missing("INVITE");
    error.kind = message::ErrorKind::kInvalidArgument;
    error.reason = "an ACK is built from an INVITE request and its response";
    return error;
  }
  // §17.1.1.3: To equal to the To of the response being acknowledged.
  const message::Field* to = response.get(HeaderId::kTo);
  if (to == nullptr) return missing("To");
  return build_sibling(invite, "ACK", *to);
}

}  // namespace sippet::transaction
