#pragma once
// The server INVITE transaction: RFC 3261 §17.2.1 (figure 7) as updated by
// RFC 6026 §7.1 (Accepted state, Timer L), plus Sippet's automatic
// `100 Trying` (after TimerConfig::trying_delay, at once when it is 0). See
// docs/transactions.md.
#include <memory>
#include <string>

#include "transaction.hpp"

namespace sippet::transaction {

class ServerInvite final : public Transaction {
 public:
  explicit ServerInvite(const TransportInfo& source);

  // Proceeding: arms the 100 Trying timer, delivers the INVITE to the Core.
  void start(message::Message&& request, Context& ctx);
  void on_request(message::Message&& request, Context& ctx) override;
  message::Result<void> send_response(const message::Message& response, Context& ctx) override;
  void on_timer(TimerId timer, Context& ctx) override;
  void on_transport_error(Context& ctx) override;
  std::string_view response_to_tag() const override { return response_to_tag_; }

 private:
  // The 100 Trying, built from the INVITE start() kept, or from `request`.
  void send_trying(Context& ctx);
  void send_trying(const message::Message& request, Context& ctx);

  std::string request_bytes_;  // the INVITE, until the Core answers (for 100 Trying)
  std::shared_ptr<const std::string> last_response_;  // last 1xx, or the 300-699
  std::string response_to_tag_;                       // RFC 2543 keys only
  milliseconds timer_g_{0};
};

}  // namespace sippet::transaction
