#pragma once
// An owned copy of a stack::MessageEvent: what an observer keeps to write
// later, on another thread (the event's bytes live only during the call).
#include <chrono>
#include <optional>
#include <string>

#include "sippet/message/result.hpp"
#include "sippet/stack/observer.hpp"
#include "sippet/transport/flow.hpp"

namespace sippet::capture {

struct CapturedMessage {
  stack::Direction direction = stack::Direction::kReceived;
  transport::Flow flow;
  std::chrono::system_clock::time_point time;
  std::string bytes;
  std::optional<message::Error> error;  // a refused message's reason

  static CapturedMessage copy_of(const stack::MessageEvent& event) {
    CapturedMessage copy;
    copy.direction = event.direction;
    copy.flow = event.flow;
    copy.time = event.time;
    copy.bytes.assign(event.bytes);
    if (event.error != nullptr) copy.error = *event.error;
    return copy;
  }

  // A view of this copy, valid while it lives.
  stack::MessageEvent event() const {
    return stack::MessageEvent{direction, flow, bytes, time, error ? &*error : nullptr};
  }
};

}  // namespace sippet::capture
