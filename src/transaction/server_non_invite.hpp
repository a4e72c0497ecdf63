#pragma once
// The server non-INVITE transaction: RFC 3261 §17.2.2 (figure 8).
// See docs/transactions.md.
#include <memory>
#include <string>

#include "transaction.hpp"

namespace sippet::transaction {

class ServerNonInvite final : public Transaction {
 public:
  explicit ServerNonInvite(const TransportInfo& source);

  // Trying: delivers the request to the Core.
  void start(message::Message&& request, Context& ctx);
  void on_request(message::Message&& request, Context& ctx) override;
  message::Result<void> send_response(const message::Message& response, Context& ctx) override;
  void on_timer(TimerId timer, Context& ctx) override;

 private:
  std::shared_ptr<const std::string> last_response_;
};

}  // namespace sippet::transaction
