#pragma once
// A proxy on the in-memory network, its timers on a manual clock: a caller
// at 10.0.0.2, callees A (10.0.0.3) and B (10.0.0.4), the proxy at
// 10.0.0.1:5060. The Router forwards to `targets_` (A by default), answers
// 404 for our domain and 200 to an OPTIONS for us.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../stack/memory_peer.hpp"
#include "sippet/message/builder.hpp"
#include "sippet/proxy/proxy_core.hpp"

namespace sippet::proxy::testing {

using message::HeaderId;
using stack::testing::at;
using stack::testing::next_message;
using stack::testing::PeerMessage;
using transport::MemoryPeer;
using transport::Protocol;

inline constexpr std::string_view kProxy = "10.0.0.1:5060";
inline constexpr std::string_view kA = "sip:bob@10.0.0.3:5060";
inline constexpr std::string_view kB = "sip:bob@10.0.0.4:5060";

// A request from the caller. `extra`: more header lines, each ending CRLF.
inline std::string caller_request(std::string_view method, std::string_view call_id,
                                  std::string_view extra = {},
                                  std::string_view uri = "sip:bob@example.com",
                                  std::string_view branch = "z9hG4bKcaller1", unsigned cseq = 1) {
  const std::string m(method);
  std::string text = m + " " + std::string(uri) + " SIP/2.0\r\n";
  text += "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=" + std::string(branch) + "\r\n";
  text += "Max-Forwards: 70\r\n";
  text += "From: <sip:alice@example.com>;tag=1928301774\r\n";
  text += "To: <sip:bob@example.com>\r\n";
  text += "Call-ID: " + std::string(call_id) + "\r\n";
  text += "CSeq: " + std::to_string(cseq) + " " + m + "\r\n";
  text += "Contact: <sip:alice@10.0.0.2:5060>\r\n";
  text += extra;
  text += "Content-Length: 0\r\n\r\n";
  return text;
}

inline Target target(std::string_view uri, double q = 1.0) {
  Target t;
  t.uri = std::string(uri);
  t.q = q;
  return t;
}

class ProxyTest : public ::testing::Test {
 protected:
  // `transactions`: StackConfig::transactions (a stateless proxy runs
  // without, but works with them too).
  void start(ProxyConfig config = {}, unsigned threads = 1, bool transactions = true) {
    core_ = std::make_unique<ProxyCore>(
        config, [this](const message::Message& request, const transport::Flow&) {
          if (core_->identity().owns(request.request_line().uri))
            return request.method() == message::Method::kOptions ? Decision::respond(200)
                                                                 : Decision::respond(404);
          return Decision::forward(targets_);
        });
    stack::StackConfig stack_config;
    stack_config.listen.push_back(transport::parse_listen_spec("udp:10.0.0.1:5060").value());
    stack_config.threads = threads;
    stack_config.logger = std::make_shared<stack::StderrLogger>(stack::LogLevel::kOff);
    stack_config.transports = network_;
    stack_config.manual_clock = clock_;
    if (config.stateless) stack_config.timers.auto_trying = false;
    stack_config.transactions = transactions;
    auto created = stack::Stack::create(std::move(stack_config), *core_);
    ASSERT_TRUE(created.ok()) << created.error().reason;
    stack_ = std::move(created).value();
  }
  void TearDown() override {
    stack_.reset();
    core_.reset();
  }

  void advance(std::chrono::milliseconds by) {
    clock_->advance(by);
    stack_->fire_due_timers();
  }
  // Returns once the proxy's workers handled what reached them before.
  void settle() {
    for (int i = 0; i < 3; ++i)
      stack_->fire_due_timers();
  }
  void send(MemoryPeer& peer, std::string_view text) {
    ASSERT_FALSE(peer.send(at(kProxy), text)) << text;
  }
  // A response from `peer` to a request it received (To tag `tag`).
  void reply(MemoryPeer& peer, const PeerMessage& request, int code,
             std::string_view tag = "callee", std::string_view extra_name = {},
             std::string_view extra_value = {}) {
    auto response = message::build_response(request.message, code, {}, tag);
    ASSERT_TRUE(response.ok());
    if (!extra_name.empty()) (void)response->put(extra_name, extra_value);
    ASSERT_FALSE(peer.send(request.flow.remote, response->to_string()));
  }
  // The next message other than a 100 Trying.
  std::optional<PeerMessage> next(MemoryPeer& peer) {
    for (;;) {
      auto got = next_message(peer);
      if (!got || got->message.status_code() != 100) return got;
    }
  }
  // Nothing (but a 100) reached `peer` once the proxy settled.
  bool silent(MemoryPeer& peer) {
    settle();
    for (;;) {
      auto packet = peer.receive(std::chrono::milliseconds(20));
      if (!packet) return true;
      if (packet->bytes.starts_with("SIP/2.0 100 ")) continue;
      ADD_FAILURE() << "unexpected: " << packet->bytes;
      return false;
    }
  }

  std::shared_ptr<transport::MemoryNetwork> network_ = std::make_shared<transport::MemoryNetwork>();
  std::shared_ptr<stack::ManualClock> clock_ = std::make_shared<stack::ManualClock>();
  std::vector<Target> targets_{target(kA)};
  std::unique_ptr<ProxyCore> core_;
  std::unique_ptr<stack::Stack> stack_;
  std::unique_ptr<MemoryPeer> caller_ = network_->peer(Protocol::kUdp, at("10.0.0.2:5060")).value();
  std::unique_ptr<MemoryPeer> a_ = network_->peer(Protocol::kUdp, at("10.0.0.3:5060")).value();
  std::unique_ptr<MemoryPeer> b_ = network_->peer(Protocol::kUdp, at("10.0.0.4:5060")).value();
};

}  // namespace sippet::proxy::testing
