// Server non-INVITE transaction, RFC 3261 §17.2.2.
#include "server_non_invite.hpp"

#include <utility>

namespace sippet::transaction {

ServerNonInvite::ServerNonInvite(const TransportInfo& source)
    : Transaction(Kind::kServerNonInvite, State::kTrying, source) {}

void ServerNonInvite::start(message::Message&& request, Context& ctx) {
  // §17.2.2: the request goes to the TU.
  deliver_request(ctx.out, std::move(request), id());
}

void ServerNonInvite::on_request(message::Message&&, Context& ctx) {
  // §17.2.2: Trying absorbs retransmissions; Proceeding and Completed resend
  // the last response.
  if (state() != State::kTrying && last_response_) send(ctx, last_response_, true);
}

message::Result<void> ServerNonInvite::send_response(const message::Message& response,
                                                     Context& ctx) {
  if (state() == State::kCompleted) {
    // §17.2.2: further final responses from the TU are not sent.
    return make_error(message::ErrorKind::kWrongState, kErrWrongState);
  }
  // A final response stays for Timer J (64*T1): kept at its exact size.
  last_response_ = response.status_code() < 200 ? serialize(response) : serialize_compact(response);
  send(ctx, last_response_, false);
  if (response.status_code() < 200) {
    set_state(State::kProceeding);  // §17.2.2: 1xx → Proceeding
    return {};
  }
  // §17.2.2: 200-699 → Completed, Timer J (64*T1; 0 reliable).
  set_state(State::kCompleted);
  if (!start_timer(ctx, TimerId::kJ, initial_duration(ctx.config, TimerId::kJ, reliable()))) {
    finish();
  }
  return {};
}

void ServerNonInvite::on_timer(TimerId timer, Context&) {
  if (timer == TimerId::kJ) finish();  // §17.2.2: Terminated
}

}  // namespace sippet::transaction
