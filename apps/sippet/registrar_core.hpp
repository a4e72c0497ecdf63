#pragma once
// The Core of `sippet serve` with a registrar: REGISTERs go to the location
// service (RFC 3261 §10.3; in proxy mode a REGISTER for a domain we do not
// serve is proxied, §10.3 step 1), everything else to the proxy. With
// --users, both pass the authenticator first (§22: 401 for a REGISTER,
// 407 for a request our users send).
#include <algorithm>
#include <atomic>

#include "authenticator.hpp"
#include "location_service.hpp"
#include "sippet/message/text.hpp"
#include "sippet/proxy/proxy_core.hpp"

namespace sippet::app {

class RegistrarCore final : public stack::Core {
 public:
  // `authenticator` may be null (no --users).
  RegistrarCore(proxy::ProxyCore& proxy, LocationService& location, bool proxy_others,
                Authenticator* authenticator = nullptr)
      : proxy_(proxy),
        location_(location),
        proxy_others_(proxy_others),
        authenticator_(authenticator) {}

  // Before any message (Stack::create): the proxy and the location
  // service get the stack too, and the authenticator's answers go through it.
  void attached(stack::Stack& stack) override {
    stack_.store(&stack, std::memory_order_release);
    proxy_.attached(stack);
    location_.attach(stack);
  }

  void receive_request(message::Message request, std::optional<stack::Transaction> transaction,
                       const transport::Flow& flow) override {
    if (request.method() != message::Method::kRegister || !routes_end_here(request) ||
        (proxy_others_ && !serves(request.request_line().uri))) {
      if (authenticator_ != nullptr) {
        if (auto check = authenticator_->check_proxied(request, flow); !check.pass)
          return answer(std::move(check.response), transaction, flow);
      }
      proxy_.receive_request(std::move(request), transaction, flow);
      return;
    }
    if (authenticator_ != nullptr) {
      if (auto check = authenticator_->check_register(request, flow); !check.pass)
        return answer(std::move(check.response), transaction, flow);
    }
    location_.submit(std::move(request), transaction, flow);
  }
  void receive_response(message::Message response, std::optional<stack::Transaction> transaction,
                        const transport::Flow& flow) override {
    proxy_.receive_response(std::move(response), transaction, flow);
  }
  void receive_error(const stack::TransactionError& error,
                     stack::Transaction transaction) override {
    proxy_.receive_error(error, transaction);
  }

 private:
  // Through the request's server transaction, or on its flow when the
  // stack keeps none (a stateless proxy).
  // Nothing is sent when no response could be built.
  void answer(std::optional<message::Message>&& response,
              const std::optional<stack::Transaction>& transaction, const transport::Flow& flow) {
    stack::Stack* stack = stack_.load(std::memory_order_acquire);
    if (stack == nullptr || !response) return;
    if (transaction) {
      (void)stack->send_response(std::move(*response), transaction);
    } else {
      stack::SendOptions options;
      options.flow = flow;
      (void)stack->send_stateless(*response, options);
    }
  }

  // No Route, or only ours (a phone with this server as outbound proxy).
  bool routes_end_here(const message::Message& request) const {
    for (const auto* field : request.get_all(message::HeaderId::kRoute)) {
      const auto* route = field->as<message::NameAddr>();
      if (!route || !proxy_.identity().owns(route->uri)) return false;
    }
    return true;
  }

  bool serves(const message::Uri& uri) const {
    const auto& domains = location_.options().registrar.domains;
    if (domains.empty() || proxy_.identity().owns(uri)) return true;
    return std::any_of(domains.begin(), domains.end(),
                       [&](const std::string& d) { return message::iequals(d, uri.host); });
  }

  proxy::ProxyCore& proxy_;
  LocationService& location_;
  bool proxy_others_;
  Authenticator* authenticator_;
  std::atomic<stack::Stack*> stack_{nullptr};
};

}  // namespace sippet::app
