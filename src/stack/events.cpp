// The debug log of transaction events (events.hpp).
#include "events.hpp"

#include <string_view>

#include "stack_state.hpp"

namespace sippet::stack {

namespace {

using transaction::TransactionId;

// "INVITE sip:bob@example.com SIP/2.0" or "SIP/2.0 180 Ringing": the first
// line of what is sent.
std::string_view first_line(std::string_view bytes) {
  const std::size_t end = bytes.find_first_of("\r\n");
  return bytes.substr(0, std::min<std::size_t>(end, 200));
}

std::string describe(const message::Message& message) {
  if (message.is_request()) return std::string(message.method_text());
  const auto& status = message.status_line();
  return std::to_string(status.code) + " " + std::string(status.reason);
}

}  // namespace

TransactionEvents::Known& TransactionEvents::known(TransactionId id,
                                                   const transaction::TransactionLayer& layer,
                                                   const transaction::TransactionKey* key) {
  if (auto found = known_.find(id); found != known_.end()) return found->second;
  if (const auto* live = layer.key_of(id)) key = live;
  Known& entry = known_[id];
  entry.label = "tx " + std::to_string(worker_) + "/" + std::to_string(id.slot) + "." +
                std::to_string(id.generation);
  if (key != nullptr) {
    entry.label += key->role == transaction::Role::kClient ? " client " : " server ";
    entry.label += key->method;
    if (!key->branch.empty()) entry.label += " " + key->branch;
  }
  entry.state = layer.state(id);
  if (entry.state) {
    stack_.log(LogLevel::kDebug, "%s: created in state %s", entry.label.c_str(),
               std::string(to_string(*entry.state)).c_str());
  }
  return entry;
}

void TransactionEvents::action(const transaction::Action& action,
                               const transaction::TransactionLayer& layer) {
  using namespace transaction;
  if (const auto* send = std::get_if<SendMessage>(&action)) {
    touched_.push_back(send->id);
    const std::string line(first_line(*send->bytes));
    stack_.log(LogLevel::kDebug, "%s: %s %s", known(send->id, layer).label.c_str(),
               send->retransmission ? "retransmits" : "sends", line.c_str());
  } else if (const auto* start = std::get_if<StartTimer>(&action)) {
    touched_.push_back(start->handle.id);
    stack_.log(LogLevel::kDebug, "%s: timer %s started (%lld ms)",
               known(start->handle.id, layer).label.c_str(),
               std::string(to_string(start->handle.timer)).c_str(),
               static_cast<long long>(start->after.count()));
  } else if (const auto* stop = std::get_if<StopTimer>(&action)) {
    touched_.push_back(stop->handle.id);
    stack_.log(LogLevel::kDebug, "%s: timer %s stopped",
               known(stop->handle.id, layer).label.c_str(),
               std::string(to_string(stop->handle.timer)).c_str());
  } else if (const auto* request = std::get_if<DeliverRequest>(&action)) {
    if (!request->id) {
      stack_.log(LogLevel::kDebug, "%s without a transaction to the Core",
                 describe(request->request).c_str());
      return;
    }
    touched_.push_back(*request->id);
    stack_.log(LogLevel::kDebug, "%s: %s to the Core", known(*request->id, layer).label.c_str(),
               describe(request->request).c_str());
  } else if (const auto* response = std::get_if<DeliverResponse>(&action)) {
    if (!response->id) {
      stack_.log(LogLevel::kDebug, "%s without a transaction to the Core",
                 describe(response->response).c_str());
      return;
    }
    touched_.push_back(*response->id);
    stack_.log(LogLevel::kDebug, "%s: %s to the Core", known(*response->id, layer).label.c_str(),
               describe(response->response).c_str());
  } else if (const auto* error = std::get_if<DeliverError>(&action)) {
    std::string reason(to_string(error->reason));
    if (error->timer) reason += " (Timer " + std::string(to_string(*error->timer)) + ")";
    stack_.log(LogLevel::kDebug, "%s: failed: %s",
               known(error->id, layer, &error->key).label.c_str(), reason.c_str());
  } else if (const auto* terminated = std::get_if<Terminated>(&action)) {
    const Known& entry = known(terminated->id, layer, &terminated->key);
    stack_.log(LogLevel::kDebug, "%s: terminated", entry.label.c_str());
    known_.erase(terminated->id);
  }
}

void TransactionEvents::timer_fired(const transaction::TimerHandle& handle,
                                    const transaction::TransactionLayer& layer) {
  touched_.push_back(handle.id);
  stack_.log(LogLevel::kDebug, "%s: timer %s fired", known(handle.id, layer).label.c_str(),
             std::string(to_string(handle.timer)).c_str());
}

void TransactionEvents::end_run(const transaction::TransactionLayer& layer) {
  for (TransactionId id : touched_) {
    auto found = known_.find(id);
    if (found == known_.end()) continue;  // terminated
    const auto state = layer.state(id);
    if (!state || state == found->second.state) continue;
    if (found->second.state) {
      stack_.log(LogLevel::kDebug, "%s: state %s -> %s", found->second.label.c_str(),
                 std::string(to_string(*found->second.state)).c_str(),
                 std::string(to_string(*state)).c_str());
    } else {
      stack_.log(LogLevel::kDebug, "%s: state %s", found->second.label.c_str(),
                 std::string(to_string(*state)).c_str());
    }
    found->second.state = state;
  }
  touched_.clear();
}

}  // namespace sippet::stack
