// Shared helpers of the four machines.
#include "transaction.hpp"

#include <utility>

namespace sippet::transaction {

message::Error make_error(message::ErrorKind kind, std::string_view reason) {
  message::Error error;
  error.kind = kind;
  error.status = 0;
  error.reason = std::string(reason);
  return error;
}

std::shared_ptr<const std::string> serialize(const message::Message& message) {
  auto bytes = std::make_shared<std::string>();
  bytes->reserve(message.bytes().empty() ? 512 : message.bytes().size() + 64);
  message.append_to(*bytes);
  return bytes;
}

void Transaction::on_request(message::Message&&, Context&) {}
void Transaction::on_response(message::Message&&, Context&) {}

message::Result<void> Transaction::send_response(message::Message&, Context&) {
  return make_error(message::ErrorKind::kInvalidArgument, kErrNoTransaction);
}

message::Result<message::Message> Transaction::build_cancel() const {
  return make_error(message::ErrorKind::kInvalidArgument, kErrNotPendingInvite);
}

bool Transaction::take_timer(const TimerHandle& handle) {
  auto& armed = armed_[static_cast<std::size_t>(handle.timer)];
  if (armed == 0 || armed != handle.generation) return false;
  armed = 0;
  return true;
}

void Transaction::stop_all_timers(Context& ctx) {
  for (std::size_t i = 0; i < kTimerCount; ++i) {
    if (armed_[i] != 0) stop_timer(ctx, static_cast<TimerId>(i));
  }
}

void Transaction::send(Context& ctx, std::shared_ptr<const std::string> bytes,
                       bool retransmission) {
  ctx.out.emplace_back(SendMessage{id_, std::move(bytes), transport_, retransmission});
}

bool Transaction::start_timer(Context& ctx, TimerId timer, milliseconds after) {
  if (after.count() <= 0) return false;
  if (++timer_generation_ == 0) ++timer_generation_;  // 0 means idle
  armed_[static_cast<std::size_t>(timer)] = timer_generation_;
  ctx.out.emplace_back(StartTimer{TimerHandle{id_, timer, timer_generation_}, after});
  return true;
}

void Transaction::stop_timer(Context& ctx, TimerId timer) {
  auto& armed = armed_[static_cast<std::size_t>(timer)];
  if (armed == 0) return;
  ctx.out.emplace_back(StopTimer{TimerHandle{id_, timer, armed}});
  armed = 0;
}

void Transaction::fail(Context& ctx, ErrorReason reason, std::optional<TimerId> timer) {
  if (done_) return;
  ctx.out.emplace_back(DeliverError{id_, reason, timer, *key_});
  finish();
}

}  // namespace sippet::transaction
