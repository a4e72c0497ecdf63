#pragma once
// Watching the messages a stack receives and sends: message traces, pcap
// and HEP capture are observers (StackConfig::observers).
//
// An observer is called on the thread that receives or sends the message
// (a worker's or a receive thread), for every message, in order per flow;
// it must not block and must copy what it keeps (`bytes` lives only during
// the call). With no observer installed the stack pays one branch per
// message.
#include <chrono>
#include <string_view>

#include "sippet/message/result.hpp"
#include "sippet/transport/flow.hpp"

namespace sippet::stack {

enum class Direction { kReceived, kSent };

struct MessageEvent {
  Direction direction = Direction::kReceived;
  const transport::Flow& flow;  // where it came from or goes to
  std::string_view bytes;       // the message as on the wire
  std::chrono::system_clock::time_point time;
  // A received message the stack refused: it did not parse, or failed
  // validation (the Error says why). nullptr otherwise.
  const message::Error* error = nullptr;
};

class MessageObserver {
 public:
  virtual ~MessageObserver() = default;
  virtual void on_message(const MessageEvent& event) = 0;
};

}  // namespace sippet::stack
