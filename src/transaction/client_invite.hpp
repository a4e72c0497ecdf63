#pragma once
// The client INVITE transaction: RFC 3261 §17.1.1 (figure 5) as updated by
// RFC 6026 §7.2 (Accepted state, Timer M). See docs/transactions.md.
#include <memory>
#include <string>

#include "transaction.hpp"

namespace sippet::transaction {

class ClientInvite final : public Transaction {
 public:
  ClientInvite(message::Message&& request, const TransportInfo& destination);

  // Calling: sends the INVITE, arms A (unreliable) and B.
  void start(Context& ctx);
  void on_response(message::Message&& response, Context& ctx) override;
  void on_timer(TimerId timer, Context& ctx) override;
  message::Result<message::Message> build_cancel() const override;

 private:
  void on_final_error(message::Message&& response, Context& ctx);
  void release_request();

  message::Message request_;  // kept to build the ACK and a CANCEL, until a final response
  std::shared_ptr<const std::string> request_bytes_;
  std::shared_ptr<const std::string> ack_bytes_;  // the ACK of a 300-699, for resending
  milliseconds timer_a_{0};
};

}  // namespace sippet::transaction
