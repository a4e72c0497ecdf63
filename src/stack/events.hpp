#pragma once
// Transaction events for the debug log (`sippet serve --verbose`): a line
// when a transaction is created, changes state, sends or retransmits,
// starts, stops or fires a timer, hands something to the Core, fails, and
// ends. The transaction layer does no I/O: the stack logs what its actions
// say, and asks the layer for the state after each run of them.
//
// Nothing here runs unless the logger shows kDebug lines: the worker checks
// Logger::enabled() once per run of actions and calls nothing otherwise.
// Used under the worker's layer lock.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sippet/stack/logger.hpp"
#include "sippet/transaction/action.hpp"
#include "sippet/transaction/layer.hpp"

namespace sippet::stack {

class StackState;

class TransactionEvents {
 public:
  // `logger`: the stack's, which outlives this.
  TransactionEvents(StackState& stack, Logger& logger, std::uint32_t worker)
      : stack_(stack), logger_(logger), worker_(worker) {}

  // Whether lines are wanted now; forgets what it knew when they are not.
  // Inline: asked for every run of actions, and mostly false.
  bool enabled() {
    if (logger_.enabled(LogLevel::kDebug)) return true;
    if (!known_.empty()) known_.clear();
    return false;
  }
  // One action about to be carried out.
  void action(const transaction::Action& action, const transaction::TransactionLayer& layer);
  // A timer the layer accepted (not a stale one).
  void timer_fired(const transaction::TimerHandle& handle,
                   const transaction::TransactionLayer& layer);
  // After a run of actions: the state changes of the transactions it touched.
  void end_run(const transaction::TransactionLayer& layer);

 private:
  struct Known {
    std::string label;  // "tx 3.1 server INVITE z9hG4bK..."
    std::optional<transaction::State> state;
  };
  // What is known of `id`, created (and logged as created) on first sight.
  Known& known(transaction::TransactionId id, const transaction::TransactionLayer& layer,
               const transaction::TransactionKey* key = nullptr);

  StackState& stack_;
  Logger& logger_;
  std::uint32_t worker_;
  std::unordered_map<transaction::TransactionId, Known, transaction::TransactionIdHash> known_;
  std::vector<transaction::TransactionId> touched_;
};

}  // namespace sippet::stack
