// Client non-INVITE transaction, RFC 3261 §17.1.2.
#include "client_non_invite.hpp"

#include <utility>

namespace sippet::transaction {

ClientNonInvite::ClientNonInvite(const message::Message& request, const TransportInfo& destination)
    : Transaction(Kind::kClientNonInvite, State::kTrying, destination),
      request_bytes_(serialize(request)) {}

void ClientNonInvite::start(Context& ctx) {
  // §17.1.2.2: send; Timer E = T1 on unreliable transports; Timer F = 64*T1.
  send(ctx, request_bytes_, false);
  timer_e_ = initial_duration(ctx.config, TimerId::kE, reliable());
  start_timer(ctx, TimerId::kE, timer_e_);
  start_timer(ctx, TimerId::kF, initial_duration(ctx.config, TimerId::kF, reliable()));
}

void ClientNonInvite::on_response(message::Message&& response, Context& ctx) {
  if (state() != State::kTrying && state() != State::kProceeding) {
    return;  // Completed: §17.1.2.2 absorbs response retransmissions.
  }
  if (response.status_code() < 200) {
    // §17.1.2.2: 1xx → Proceeding; pass to the TU.
    set_state(State::kProceeding);
    deliver_response(ctx.out, std::move(response), id());
    return;
  }
  // §17.1.2.2: 200-699 → pass to the TU, Completed, Timer K (T4; 0 reliable).
  stop_timer(ctx, TimerId::kE);
  stop_timer(ctx, TimerId::kF);
  deliver_response(ctx.out, std::move(response), id());
  set_state(State::kCompleted);
  request_bytes_.reset();
  if (!start_timer(ctx, TimerId::kK, initial_duration(ctx.config, TimerId::kK, reliable()))) {
    finish();
  }
}

void ClientNonInvite::on_timer(TimerId timer, Context& ctx) {
  switch (timer) {
    case TimerId::kE:
      if (state() == State::kTrying) {
        // §17.1.2.2: retransmit; E = MIN(2*E, T2).
        timer_e_ = next_interval(ctx.config, TimerId::kE, timer_e_);
      } else if (state() == State::kProceeding) {
        // §17.1.2.2: in Proceeding, retransmit every T2.
        timer_e_ = ctx.config.t2;
      } else {
        return;
      }
      send(ctx, request_bytes_, true);
      start_timer(ctx, TimerId::kE, timer_e_);
      return;
    case TimerId::kF:
      // §17.1.2.2: timeout in Trying or Proceeding: inform the TU, Terminated.
      if (state() == State::kTrying || state() == State::kProceeding) {
        fail(ctx, ErrorReason::kTimeout, TimerId::kF);
      }
      return;
    case TimerId::kK:
      finish();
      return;
    default:
      return;
  }
}

}  // namespace sippet::transaction
