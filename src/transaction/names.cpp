// Names of error reasons and states, for logs and errors.
#include "sippet/transaction/action.hpp"
#include "sippet/transaction/layer.hpp"

namespace sippet::transaction {

std::string_view to_string(ErrorReason reason) {
  switch (reason) {
    case ErrorReason::kTimeout:
      return "timeout";
    case ErrorReason::kTransportError:
      return "transport error";
  }
  return "?";
}

std::string_view to_string(State state) {
  switch (state) {
    case State::kCalling:
      return "Calling";
    case State::kTrying:
      return "Trying";
    case State::kProceeding:
      return "Proceeding";
    case State::kCompleted:
      return "Completed";
    case State::kConfirmed:
      return "Confirmed";
    case State::kAccepted:
      return "Accepted";
  }
  return "?";
}

}  // namespace sippet::transaction
