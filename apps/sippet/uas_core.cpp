#include "uas_core.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "sippet/message/builder.hpp"

namespace sippet::app {

using message::HeaderId;
using message::Method;

void UasCore::attached(stack::Stack& stack) {
  const auto endpoints = stack.local_endpoints();
  const auto& protocols = protocols_;
  for (transport::Protocol protocol : transport::kAllProtocols) {
    // The first listener of the protocol (else the first one), with its
    // transport named unless it is UDP (§19.1.1).
    std::size_t at = 0;
    for (std::size_t i = 0; i < protocols.size() && i < endpoints.size(); ++i) {
      if (protocols[i] == protocol) {
        at = i;
        break;
      }
    }
    std::string contact = "<sip:sippet@" + endpoints[at].to_string();
    if (protocol != transport::Protocol::kUdp)
      contact += ";transport=" + std::string(transport::facts(protocol).uri_name);
    contact += ">";
    // Parsed once; every 2xx copies the typed field (no parse per response).
    (void)contact_templates_[static_cast<std::size_t>(protocol)].put(HeaderId::kContact, contact);
  }
  stack_.store(&stack);
}

void UasCore::receive_request(message::Message request,
                              std::optional<stack::Transaction> transaction,
                              const transport::Flow&) {
  if (stack_.load() == nullptr) return;
  if (!transaction) {
    // An ACK for a 2xx: the dialog is confirmed (§13.3.1.4).
    if (request.method() == Method::kAck) receive_ack(request);
    return;
  }
  switch (request.method()) {
    case Method::kInvite:
      answer_invite(std::move(request), *transaction);
      break;
    case Method::kCancel:
      answer_cancel(std::move(request), *transaction);
      break;
    case Method::kAck:
      break;
    default:
      reply(request, 200, *transaction);
      break;
  }
}

std::optional<message::Message> UasCore::respond(const message::Message& request, int code,
                                                 std::string_view tag) {
  auto response = message::build_response(request, code, {}, tag);
  if (!response) {
    stack_.load()->logger().log(
        stack::LogLevel::kWarning,
        "uas: cannot build a " + std::to_string(code) + " response: " + response.error().reason);
    return std::nullopt;
  }
  add_contact(*response, request, code);
  return std::move(*response);
}

void UasCore::add_contact(message::Message& response, const message::Message& request, int code) {
  // §12.1.1: a response that establishes a dialog carries its Contact: a
  // 2xx to INVITE, and a 101-199 one, which establishes an early dialog
  // (§12.1: it has our To tag).
  if (code > 100 && code < 300 && request.method() == Method::kInvite) {
    auto protocol = transport::Protocol::kUdp;
    if (const message::Via* via = request.top_via())
      protocol = transport::parse_protocol(via->transport).value_or(transport::Protocol::kUdp);
    (void)message::copy_fields(response, contact_templates_[static_cast<std::size_t>(protocol)],
                               HeaderId::kContact);
  }
}

void UasCore::reply(const message::Message& request, int code, stack::Transaction transaction,
                    std::string_view tag) {
  if (auto response = respond(request, code, tag)) send(std::move(*response), transaction);
}

void UasCore::answer(message::Message&& invite, int code, stack::Transaction transaction,
                     std::string_view tag) {
  auto response = respond(invite, code, tag);
  if (!response) return;
  if (send(std::move(*response), transaction) && code >= 200 && code < 300)
    await_ack(std::move(invite), tag, code, transaction);
}

bool UasCore::send(message::Message&& response, stack::Transaction transaction) {
  const int code = response.status_code();
  auto sent = stack_.load()->send_response(std::move(response), transaction);
  if (sent) return true;
  return refused(code, sent.error());
}

bool UasCore::send_keeping(const message::Message& response, stack::Transaction transaction) {
  auto sent = stack_.load()->send_response(response, transaction);
  if (sent) return true;
  return refused(response.status_code(), sent.error());
}

bool UasCore::refused(int code, const message::Error& error) {
  // The client never gets this response (a refused final one leaves the
  // request unanswered).
  stack_.load()->logger().log(stack::LogLevel::kWarning,
                              "uas: cannot send a " + std::to_string(code) + ": " + error.reason);
  return false;
}

void UasCore::await_ack(message::Message&& invite, std::string_view tag, int code,
                        stack::Transaction transaction) {
  stack::Stack& stack = *stack_.load();
  const message::CSeq* cseq = invite.cseq();
  const std::uint32_t seq = cseq != nullptr ? cseq->seq : 0;
  const std::string_view call_id = invite.call_id();  // stays valid in the entry's invite
  const stack::TimePoint due = stack.now() + options_.t1;
  std::lock_guard lock(unacked_mutex_);
  // (try_emplace leaves `invite` alone when the Call-ID is there already.)
  auto [it, inserted] = unacked_.try_emplace(call_id, std::move(invite), tag, code, transaction,
                                             seq, options_.t1, due);
  if (!inserted) {
    // The 2xx of an earlier INVITE of the Call-ID (a re-INVITE's) is
    // replaced, entry and key (which views the Call-ID in its own INVITE).
    unacked_.erase(it);
    it = unacked_
             .try_emplace(call_id, std::move(invite), tag, code, transaction, seq, options_.t1, due)
             .first;
  }
  sweep_by_locked(due, it->first);
}

void UasCore::sweep_by_locked(stack::TimePoint due, std::string_view call_id) {
  if (sweep_at_ && *sweep_at_ <= due) return;
  sweep_at_ = due;
  stack::Stack& stack = *stack_.load();
  const auto delay = std::chrono::ceil<std::chrono::milliseconds>(due - stack.now());
  // On the worker of one of the calls (any would do: sends go from any thread).
  stack.schedule(call_id, std::max(delay, std::chrono::milliseconds(1)),
                 [this, due] { sweep(due); });
}

void UasCore::sweep(stack::TimePoint at) {
  // §13.3.1.4: each 2xx is resent at T1, 2·T1, ... capped at T2, until its
  // ACK comes; after 64·T1 without one, it is given up.
  stack::Stack& stack = *stack_.load();
  const stack::TimePoint now = stack.now();
  std::vector<std::pair<message::Message, stack::Transaction>> resend;
  std::vector<std::string> given_up;
  {
    std::lock_guard lock(unacked_mutex_);
    if (sweep_at_ == at) sweep_at_.reset();
    std::optional<stack::TimePoint> next;
    std::string_view next_call;
    for (auto it = unacked_.begin(); it != unacked_.end();) {
      Unacked& unacked = it->second;
      if (unacked.due <= now) {
        unacked.elapsed += unacked.interval;
        if (unacked.elapsed >= 64 * options_.t1) {
          given_up.emplace_back(it->first);
          it = unacked_.erase(it);
          continue;
        }
        if (auto response = respond(unacked.invite, unacked.code, unacked.tag.view()))
          resend.emplace_back(std::move(*response), unacked.transaction);
        unacked.interval = std::min(unacked.interval * 2, options_.t2);
        unacked.due += unacked.interval;
        if (unacked.due <= now) unacked.due = now + unacked.interval;  // a late sweep
      }
      if (!next || unacked.due < *next) {
        next = unacked.due;
        next_call = it->first;
      }
      ++it;
    }
    // At most one sweep per T1/10 (each reads every 2xx waiting), so a 2xx
    // is resent up to T1/10 late, like the stack's own timers.
    const auto spacing = std::max(options_.t1 / 10, std::chrono::milliseconds(1));
    if (next) sweep_by_locked(std::max(*next, now + spacing), next_call);
  }
  for (const auto& call_id : given_up)
    stack.logger().log(stack::LogLevel::kInfo,
                       "uas: no ACK for the 2xx of " + call_id + " (64*T1)");
  // Through the server transaction, Accepted until Timer L (RFC 6026 §7.1).
  for (auto& [response, transaction] : resend) {
    std::string call_id(response.call_id());
    if (send(std::move(response), transaction)) continue;
    std::lock_guard lock(unacked_mutex_);  // refused (logged): not again
    unacked_.erase(call_id);
  }
}

void UasCore::receive_ack(const message::Message& ack) {
  const message::CSeq* cseq = ack.cseq();
  std::lock_guard lock(unacked_mutex_);
  auto it = unacked_.find(ack.call_id());
  // §13.2.2.4: the ACK carries the CSeq number of the INVITE it acknowledges.
  if (it != unacked_.end() && cseq != nullptr && cseq->seq == it->second.cseq) unacked_.erase(it);
}

void UasCore::answer_invite(message::Message&& invite, stack::Transaction transaction) {
  if (options_.ring.count() <= 0) {
    // 180 then the final response at once, with the same To tag (§12.1.1).
    const std::string tag = message::create_tag();
    auto ringing = respond(invite, 180, tag);
    if (ringing) send_keeping(*ringing, transaction);
    const int code = options_.answer;
    if (ringing && code >= 200 && code < 300) {
      // A 2xx has the fields the 180 has (§8.2.6.1, and the Record-Route
      // and Contact of §12.1.1, for 101-299 alike, with the same tag): the
      // 180 becomes the 2xx.
      ringing->set_status(code, message::default_reason(code));
      if (send(std::move(*ringing), transaction))
        await_ack(std::move(invite), tag, code, transaction);
      return;
    }
    answer(std::move(invite), code, transaction, tag);
    return;
  }
  Pending pending{std::move(invite), transaction, message::create_tag()};
  reply(pending.invite, 180, transaction, pending.tag);
  // Answer later, on the worker of this Call-ID; a CANCEL may come first.
  std::string call_id(pending.invite.call_id());
  {
    std::lock_guard lock(mutex_);
    pending_.insert_or_assign(call_id, std::move(pending));
  }
  stack_.load()->schedule(call_id, options_.ring, [this, call_id] {
    std::optional<Pending> due;
    {
      std::lock_guard lock(mutex_);
      auto it = pending_.find(call_id);
      if (it == pending_.end()) return;  // cancelled
      due.emplace(std::move(it->second));
      pending_.erase(it);
    }
    answer(std::move(due->invite), options_.answer, due->transaction, due->tag);
  });
}

void UasCore::answer_cancel(message::Message cancel, stack::Transaction transaction) {
  // §9.2: 200 for the CANCEL, then 487 for the INVITE if it is unanswered.
  auto invite = stack_.load()->find_cancelled_invite(cancel);
  std::optional<Pending> cancelled;
  if (invite) {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(std::string(cancel.call_id()));
    if (it != pending_.end() && it->second.transaction == *invite) {
      cancelled.emplace(std::move(it->second));
      pending_.erase(it);
    }
  }
  reply(cancel, invite ? 200 : 481, transaction);
  if (cancelled) reply(cancelled->invite, 487, cancelled->transaction, cancelled->tag);
}

void UasCore::receive_response(message::Message, std::optional<stack::Transaction>,
                               const transport::Flow&) {}

void UasCore::receive_error(const stack::TransactionError& error, stack::Transaction) {
  if (auto* stack = stack_.load())
    stack->logger().log(stack::LogLevel::kInfo, "uas: transaction failed: " + error.describe());
}

}  // namespace sippet::app
