#pragma once
// The client non-INVITE transaction: RFC 3261 §17.1.2 (figure 6).
// See docs/transactions.md.
#include <memory>
#include <string>

#include "transaction.hpp"

namespace sippet::transaction {

class ClientNonInvite final : public Transaction {
 public:
  ClientNonInvite(const message::Message& request, const TransportInfo& destination);

  // Trying: sends the request, arms E (unreliable) and F.
  void start(Context& ctx);
  void on_response(message::Message&& response, Context& ctx) override;
  void on_timer(TimerId timer, Context& ctx) override;

 private:
  std::shared_ptr<const std::string> request_bytes_;
  milliseconds timer_e_{0};
};

}  // namespace sippet::transaction
