// What arrives on a worker's transports: parsed, validated, stamped with
// received/rport (RFC 3261 §18.2.1, RFC 3581), filtered (§18.1.2), answered
// when invalid (§8.2), then handed to the worker that owns its Call-ID.
#include "raw_answer.hpp"
#include "sippet/message/builder.hpp"
#include "sippet/message/parser.hpp"
#include "sippet/message/validate.hpp"
#include "stack_state.hpp"
#include "via_routing.hpp"
#include "worker.hpp"

namespace sippet::stack {

void Worker::on_received(std::string_view bytes, const transport::Flow& flow,
                         std::uint32_t listener) {
  // RFC 3261 §18.3: a datagram carries one message; keep-alives (CRLF) are
  // ignored (RFC 5626 §3.5.1).
  if (bytes.find_first_not_of("\r\n") == std::string_view::npos) return;
  ReceiveCounters& counters = *receive_counters_[listener];
  auto parsed = message::parse_message(bytes);
  if (!parsed) {
    count_error(counters.parse_failures, parsed.error().kind);
    if (observed_) observe(Direction::kReceived, flow, bytes, &parsed.error());
    answer_unparsable(bytes, parsed.error(), flow, listener);
    return;
  }
  message::Message& message = *parsed;  // moved on once, below
  counters.received.count(message);
  auto valid = message::validate(message, stack_.config().validation);
  if (observed_) observe(Direction::kReceived, flow, bytes, valid ? nullptr : &valid.error());
  if (!valid) {
    const auto& error = valid.error();
    count_error(counters.validation_failures, error.kind);
    if (message.is_request() && error.status != 0 && message.method() != message::Method::kAck) {
      answer_invalid(message, error, flow, listener);
    } else {
      stack_.log(LogLevel::kWarning, "dropped an invalid %s from %s: %s",
                 message.is_request() ? "request" : "response", flow.remote.to_string().c_str(),
                 error.reason.c_str());
    }
    return;
  }
  Peer reply{flow, listener};
  if (message.is_request()) {
    // §18.2.1 and RFC 3581: received/rport, and where responses go (§18.2.2).
    auto destination = stamp_received(message, flow.remote);
    if (!destination) {
      stack_.log(LogLevel::kWarning, "dropped a request from %s: %s",
                 flow.remote.to_string().c_str(), destination.error().reason.c_str());
      return;
    }
    // §18.2.2: on a connection, back on it, and when it has closed, on a
    // new one to the address above (the transport's rule for a flow whose
    // connection is gone); over UDP to that address.
    reply.flow.remote = *destination;
  } else if (const message::Via* via = message.top_via();
             via == nullptr || !stack_.listeners().is_ours(*via)) {
    // §18.1.2: a response whose top Via is not ours is discarded (it would
    // make us a reflector for forged responses).
    counters.responses_discarded.add();
    stack_.log(LogLevel::kInfo, "discarded a response from %s: its top Via is not ours",
               flow.remote.to_string().c_str());
    return;
  }
  // The worker that owns its Call-ID (no Call-ID to read with one worker).
  const std::uint32_t owner = stack_.worker_count() == 1 ? 0 : stack_.worker_for(message.call_id());
  hand_over(stack_.worker(owner), std::move(message), flow, reply, listener);
}

void Worker::answer_unparsable(std::string_view bytes, const message::Error& error,
                               const transport::Flow& flow, std::uint32_t listener) {
  // A request is answered with the status the parser chose when the lines a
  // response needs can still be found (raw_answer.hpp), by §18.2.2 from its
  // Via: at the source port only when it asked for rport.
  if (auto answer = raw_error_response(bytes, error.status, error.reason)) {
    if (auto response = message::parse_message(*answer)) {
      Peer reply{flow, listener};
      if (!flow.reliable()) reply.flow.remote = reply_destination(response->top_via(), flow.remote);
      stack_.log(LogLevel::kInfo, "answered an unparsable request from %s with %d: %s",
                 flow.remote.to_string().c_str(), error.status, error.reason.c_str());
      count_answer(send_bytes(reply, *answer), *answer, listener);
      return;
    }
  }
  stack_.log(LogLevel::kWarning, "dropped an unparsable message from %s: %s (offset %zu)",
             flow.remote.to_string().c_str(), error.reason.c_str(), error.offset);
}

void Worker::answer_invalid(message::Message& request, const message::Error& error,
                            const transport::Flow& flow, std::uint32_t listener) {
  // §18.2.1 first, so that the response's Via carries received/rport like
  // every other response (RFC 3581 §4), and goes where they go (§18.2.2).
  Peer reply{flow, listener};
  if (auto destination = stamp_received(request, flow.remote)) {
    if (!flow.reliable()) reply.flow.remote = *destination;
  } else {
    reply.flow.remote = reply_destination(request.top_via(), flow.remote);
  }
  // §8.2 / §16.3: answer with the status the validation chose, the reason
  // phrase saying what is wrong.
  auto response = message::build_response(request, error.status, error.reason);
  if (!response) {
    stack_.log(LogLevel::kWarning, "dropped an invalid request from %s: %s (cannot answer: %s)",
               flow.remote.to_string().c_str(), error.reason.c_str(),
               response.error().reason.c_str());
    return;
  }
  if (error.status == 415 && !error.reason.empty()) {
    // The reason lists the accepted types (validate.hpp) for an Accept header.
    auto colon = error.reason.rfind(": ");
    if (colon != std::string::npos)
      (void)response->put(message::HeaderId::kAccept,
                          std::string_view(error.reason).substr(colon + 2));
  }
  std::string bytes = response->to_string();
  stack_.log(LogLevel::kInfo, "answered an invalid request from %s with %d: %s",
             flow.remote.to_string().c_str(), error.status, error.reason.c_str());
  count_answer(send_bytes(reply, bytes), bytes, listener);
}

void Worker::count_answer(std::error_code error, std::string_view bytes, std::uint32_t listener) {
  if (error) {
    stack_.shared_counters().transport_error(TransportErrorSource::kSend);
  } else {
    receive_counters_[listener]->answered.count(bytes);
  }
}

void Worker::on_incoming(message::Message&& message, const transport::Flow& flow,
                         const Peer& reply) {
  const bool request = message.is_request();
  if (!stack_.config().transactions) {
    // StackConfig::transactions off: straight to the Core (acting for this
    // worker: pending_ is ours). With nothing queued ahead, called at once
    // (no Delivery); what its callback queues follows, in order.
    if (!delivering_ && pending_.empty()) {
      delivering_ = true;
      Core& core = stack_.core();
      if (request) {
        core.receive_request(std::move(message), std::nullopt, flow);
      } else {
        core.receive_response(std::move(message), std::nullopt, flow);
      }
      delivering_ = false;
      if (!pending_.empty() || alarm_dirty_) deliver_pending();  // what it queued, the alarm
      return;
    }
    if (request) {
      pending_.push_back(
          Delivery{transaction::DeliverRequest{std::move(message), std::nullopt}, flow, {}});
    } else {
      pending_.push_back(
          Delivery{transaction::DeliverResponse{std::move(message), std::nullopt}, flow, {}});
    }
    deliver_pending();
    return;
  }
  auto result = with_layer(
      [&](Run& run) {
        run.listener = reply.listener;
        const auto info = to_transport_info(reply);
        return request ? layer_.on_request(std::move(message), info, actions_)
                       : layer_.on_response(std::move(message), info, actions_);
      },
      &flow);
  if (!result) {
    stack_.log(LogLevel::kWarning, "dropped an incoming %s from %s: %s",
               request ? "request" : "response", flow.remote.to_string().c_str(),
               result.error().reason.c_str());
  }
}

}  // namespace sippet::stack
