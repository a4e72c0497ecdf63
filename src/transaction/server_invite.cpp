// Server INVITE transaction, RFC 3261 §17.2.1 + RFC 6026 §7.1.
#include "server_invite.hpp"

#include <utility>

#include "sippet/message/builder.hpp"
#include "sippet/message/parser.hpp"

namespace sippet::transaction {

ServerInvite::ServerInvite(const TransportInfo& source)
    : Transaction(Kind::kServerInvite, State::kProceeding, source) {}

void ServerInvite::start(message::Message&& request, Context& ctx) {
  // §17.2.1: a 100 Trying unless the TU answers within the Trying delay
  // (200 ms by default); the request goes to the TU.
  if (ctx.config.auto_trying) {
    const milliseconds delay = initial_duration(ctx.config, TimerId::kTrying, reliable());
    if (delay.count() <= 0) {
      // No delay: the 100 leaves now, before the TU sees the INVITE.
      send_trying(request, ctx);
    } else if (start_timer(ctx, TimerId::kTrying, delay)) {
      // Usually answered at once: the copy's buffer comes from (and goes
      // back to) the serialize pool. An edited request (received/rport
      // added, §18.2.1) is serialized, so that the 100 carries the same Via
      // as every later response (§8.2.6.2, RFC 3581 §4).
      request_bytes_ = take_buffer();
      if (!request.bytes().empty() && !request.edited()) {
        request_bytes_.assign(request.bytes());
      } else {
        request.append_to(request_bytes_);
      }
    }
  }
  deliver_request(ctx.out, std::move(request), id());
}

void ServerInvite::on_request(message::Message&& request, Context& ctx) {
  const bool ack = request.request_line().method == message::Method::kAck;
  switch (state()) {
    case State::kProceeding:
      // §17.2.1: a retransmitted INVITE → resend the last provisional response.
      if (!ack && last_response_) send(ctx, last_response_, true);
      return;
    case State::kCompleted:
      if (!ack) {
        // §17.2.1: a retransmitted INVITE → resend the final response.
        send(ctx, last_response_, true);
        return;
      }
      // §17.2.1: ACK → Confirmed; stop G and H; Timer I (T4; 0 reliable).
      stop_timer(ctx, TimerId::kG);
      stop_timer(ctx, TimerId::kH);
      set_state(State::kConfirmed);
      last_response_.reset();
      if (!start_timer(ctx, TimerId::kI, initial_duration(ctx.config, TimerId::kI, reliable()))) {
        finish();
      }
      return;
    case State::kAccepted:
      // RFC 6026 §7.1: an ACK goes to the TU (with no transaction, as every
      // ACK for a 2xx); retransmitted INVITEs are absorbed.
      if (ack) deliver_request(ctx.out, std::move(request), std::nullopt);
      return;
    default:  // Confirmed: §17.2.1 absorbs ACKs and INVITEs.
      return;
  }
}

message::Result<void> ServerInvite::send_response(const message::Message& response, Context& ctx) {
  const int code = response.status_code();
  if (state() == State::kAccepted && code >= 200 && code < 300) {
    // RFC 6026 §7.1: the TU's 2xx retransmissions pass through Accepted.
    send(ctx, serialize(response), false);
    return {};
  }
  if (state() != State::kProceeding) {
    return make_error(message::ErrorKind::kWrongState, kErrWrongState);
  }
  // The Core answered: no automatic 100 Trying any more.
  stop_timer(ctx, TimerId::kTrying);
  give_back(request_bytes_);
  if (code < 200) {
    // §17.2.1: 1xx → send, stay in Proceeding, remember for retransmissions.
    last_response_ = serialize(response);
    send(ctx, last_response_, false);
    return {};
  }
  if (code < 300) {
    // RFC 6026 §7.1: 2xx → send, Accepted, Timer L = 64*T1.
    last_response_.reset();
    send(ctx, serialize(response), false);
    set_state(State::kAccepted);
    start_timer(ctx, TimerId::kL, initial_duration(ctx.config, TimerId::kL, reliable()));
    return {};
  }
  // §17.2.1: 300-699 → send, Completed; Timer G (unreliable) and Timer H.
  if (!key().rfc2543.empty() && response.to() != nullptr) {
    response_to_tag_ = std::string(response.to()->tag());  // §17.2.3 ACK matching
  }
  last_response_ = serialize(response);
  send(ctx, last_response_, false);
  set_state(State::kCompleted);
  timer_g_ = initial_duration(ctx.config, TimerId::kG, reliable());
  start_timer(ctx, TimerId::kG, timer_g_);
  start_timer(ctx, TimerId::kH, initial_duration(ctx.config, TimerId::kH, reliable()));
  return {};
}

void ServerInvite::send_trying(Context& ctx) {
  auto request = message::parse_message(request_bytes_);
  give_back(request_bytes_);
  if (request) send_trying(*request, ctx);
}

void ServerInvite::send_trying(const message::Message& request, Context& ctx) {
  // §17.2.1: built per §8.2.6, without adding a To tag.
  auto trying = message::build_response(request, 100);
  if (!trying) return;
  last_response_ = serialize(*trying);
  send(ctx, last_response_, false);
}

void ServerInvite::on_transport_error(Context& ctx) {
  if (state() == State::kAccepted) {
    // RFC 6026 §7.1: the transaction is not destroyed on a transport error,
    // so that it keeps absorbing retransmitted INVITEs until Timer L; §8.8
    // (17.2.4 as updated): the TU SHOULD be informed and the transaction
    // MUST remain in its state. Told once: a later failure of the TU's 2xx
    // retransmissions is not reported again.
    report(ctx, ErrorReason::kTransportError, std::nullopt);
    return;
  }
  Transaction::on_transport_error(ctx);
}

void ServerInvite::on_timer(TimerId timer, Context& ctx) {
  switch (timer) {
    case TimerId::kTrying:  // the INVITE kept by start()
      if (state() == State::kProceeding && !last_response_) send_trying(ctx);
      return;
    case TimerId::kG:
      if (state() != State::kCompleted) return;
      // §17.2.1: resend the final response; G = MIN(2*G, T2).
      send(ctx, last_response_, true);
      timer_g_ = next_interval(ctx.config, TimerId::kG, timer_g_);
      start_timer(ctx, TimerId::kG, timer_g_);
      return;
    case TimerId::kH:
      // §17.2.1: no ACK: inform the TU, Terminated.
      if (state() == State::kCompleted) fail(ctx, ErrorReason::kTimeout, TimerId::kH);
      return;
    case TimerId::kI:  // §17.2.1
    case TimerId::kL:  // RFC 6026 §7.1
      finish();
      return;
    default:
      return;
  }
}

}  // namespace sippet::transaction
