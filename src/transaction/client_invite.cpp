// Client INVITE transaction, RFC 3261 §17.1.1 + RFC 6026 §7.2.
#include "client_invite.hpp"

#include <utility>

#include "sippet/transaction/cancel.hpp"

namespace sippet::transaction {

ClientInvite::ClientInvite(message::Message&& request, const TransportInfo& destination)
    : Transaction(Kind::kClientInvite, State::kCalling, destination),
      request_(std::move(request)),
      request_bytes_(serialize(request_)) {}

void ClientInvite::start(Context& ctx) {
  // §17.1.1.2: send; Timer A = T1 on unreliable transports; Timer B = 64*T1.
  send(ctx, request_bytes_, false);
  timer_a_ = initial_duration(ctx.config, TimerId::kA, reliable());
  start_timer(ctx, TimerId::kA, timer_a_);
  start_timer(ctx, TimerId::kB, initial_duration(ctx.config, TimerId::kB, reliable()));
}

void ClientInvite::on_response(message::Message&& response, Context& ctx) {
  const int code = response.status_code();
  switch (state()) {
    case State::kCalling:
    case State::kProceeding:
      if (code < 200) {
        // §17.1.1.2: 1xx → Proceeding, stop retransmitting; pass to the TU.
        stop_timer(ctx, TimerId::kA);
        stop_timer(ctx, TimerId::kB);
        set_state(State::kProceeding);
        deliver_response(ctx.out, std::move(response), id());
      } else if (code < 300) {
        // RFC 6026 §7.2: 2xx → Accepted, Timer M; pass to the TU.
        stop_timer(ctx, TimerId::kA);
        stop_timer(ctx, TimerId::kB);
        set_state(State::kAccepted);
        start_timer(ctx, TimerId::kM, initial_duration(ctx.config, TimerId::kM, reliable()));
        deliver_response(ctx.out, std::move(response), id());
        release_request();  // no ACK or CANCEL is built from here on
      } else {
        on_final_error(std::move(response), ctx);
      }
      return;
    case State::kCompleted:
      // §17.1.1.2: a retransmitted final response → resend the ACK, not to the TU.
      if (code >= 300 && ack_bytes_) send(ctx, ack_bytes_, true);
      return;
    case State::kAccepted:
      // RFC 6026 §7.2: 2xx retransmissions (and forked 2xx) go to the TU.
      if (code >= 200 && code < 300) deliver_response(ctx.out, std::move(response), id());
      return;
    default:
      return;
  }
}

void ClientInvite::on_final_error(message::Message&& response, Context& ctx) {
  // §17.1.1.2: 300-699 → ACK (§17.1.1.3), pass to the TU, Completed, Timer D.
  stop_timer(ctx, TimerId::kA);
  stop_timer(ctx, TimerId::kB);
  auto ack = build_ack(request_, response);
  if (ack) {
    ack_bytes_ = serialize(*ack);
    send(ctx, ack_bytes_, false);
  }
  deliver_response(ctx.out, std::move(response), id());
  set_state(State::kCompleted);
  // Timer D: >= 32 s unreliable; 0 (Terminated at once) reliable.
  if (!start_timer(ctx, TimerId::kD, initial_duration(ctx.config, TimerId::kD, reliable()))) {
    finish();
  }
  release_request();  // the ACK is kept as bytes
}

void ClientInvite::release_request() {
  // Until Timer M or D (32 s over UDP) nothing needs the INVITE any more:
  // its storage goes back to the thread's pools now.
  request_ = message::Message{};
  request_bytes_.reset();
}

void ClientInvite::on_timer(TimerId timer, Context& ctx) {
  switch (timer) {
    case TimerId::kA:
      if (state() != State::kCalling) return;
      // §17.1.1.2: retransmit, double the interval (no cap).
      send(ctx, request_bytes_, true);
      timer_a_ = next_interval(ctx.config, TimerId::kA, timer_a_);
      start_timer(ctx, TimerId::kA, timer_a_);
      return;
    case TimerId::kB:
      // §17.1.1.2: timeout, inform the TU, Terminated.
      if (state() == State::kCalling) fail(ctx, ErrorReason::kTimeout, TimerId::kB);
      return;
    case TimerId::kD:  // §17.1.1.2
    case TimerId::kM:  // RFC 6026 §7.2
      finish();
      return;
    default:
      return;
  }
}

message::Result<message::Message> ClientInvite::build_cancel() const {
  if (state() != State::kCalling && state() != State::kProceeding) {
    return Transaction::build_cancel();
  }
  return transaction::build_cancel(request_);
}

}  // namespace sippet::transaction
