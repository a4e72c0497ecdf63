#include <string>

#include "sippet/stack/core.hpp"

namespace sippet::stack {

std::string TransactionError::describe() const {
  std::string text(transaction::to_string(reason));
  if (reason == transaction::ErrorReason::kTimeout && timer)
    text.append(" (Timer ").append(transaction::to_string(*timer)).append(")");
  if (transport_error) text.append(": ").append(transport_error.message());
  return text;
}

}  // namespace sippet::stack
