// ProxyCore with an AsyncRouter that decides later (a lookup off the
// worker): the request waits, a CANCEL meanwhile is answered and the
// request ends 487 once the decision comes, a refusal is sent as such.
#include <mutex>
#include <thread>

#include "proxy_test_support.hpp"

namespace sippet::proxy::testing {
namespace {

class AsyncRouterTest : public ProxyTest {
 protected:
  void start_async() {
    core_ = std::make_unique<ProxyCore>(
        ProxyConfig{},
        AsyncRouter([this](const message::Message&, const transport::Flow&, Later later) {
          std::lock_guard lock(mutex_);
          later_.push_back(std::move(later));
          return std::optional<Decision>();
        }));
    stack::StackConfig config;
    config.listen.push_back(transport::parse_listen_spec("udp:10.0.0.1:5060").value());
    config.threads = 2;
    config.logger = std::make_shared<stack::StderrLogger>(stack::LogLevel::kOff);
    config.transports = network_;
    config.manual_clock = clock_;
    auto created = stack::Stack::create(std::move(config), *core_);
    ASSERT_TRUE(created.ok()) << created.error().reason;
    stack_ = std::move(created).value();  // create() called core_->attached()
  }
  // The router's pending callback, once the request reached it.
  Later take_later() {
    for (int i = 0; i < 200; ++i) {
      settle();
      std::lock_guard lock(mutex_);
      if (!later_.empty()) {
        Later later = std::move(later_.front());
        later_.erase(later_.begin());
        return later;
      }
    }
    ADD_FAILURE() << "the router was not asked";
    return [](Decision) {};
  }
  std::optional<PeerMessage> final_response(MemoryPeer& peer) {
    for (;;) {
      auto got = next(peer);
      if (!got || got->message.status_code() >= 200) return got;
    }
  }

  std::mutex mutex_;
  std::vector<Later> later_;
};

TEST_F(AsyncRouterTest, ALaterDecisionForwardsTheRequest) {
  start_async();
  send(*caller_, caller_request("INVITE", "ar-1"));
  Later later = take_later();
  EXPECT_TRUE(silent(*a_));
  std::thread([&] { later(Decision::forward({target(kA)})); }).join();  // another thread
  auto at_a = next(*a_);
  ASSERT_TRUE(at_a.has_value());
  EXPECT_EQ(at_a->message.method(), message::Method::kInvite);
  EXPECT_EQ(at_a->message.request_line().uri.text, kA);
  reply(*a_, *at_a, 200, "a");
  auto final = final_response(*caller_);
  ASSERT_TRUE(final.has_value());
  EXPECT_EQ(final->message.status_code(), 200);
  settle();
  EXPECT_EQ(core_->contexts(), 0u);
}

TEST_F(AsyncRouterTest, ALaterRefusalIsAnswered) {
  start_async();
  send(*caller_, caller_request("INVITE", "ar-2"));
  take_later()(Decision::respond(480));
  auto final = final_response(*caller_);
  ASSERT_TRUE(final.has_value());
  EXPECT_EQ(final->message.status_code(), 480);
  settle();
  EXPECT_EQ(core_->contexts(), 0u);
}

TEST_F(AsyncRouterTest, ACancelWhileDecidingEndsTheRequest487) {
  start_async();
  send(*caller_, caller_request("INVITE", "ar-3"));
  Later later = take_later();
  send(*caller_, caller_request("CANCEL", "ar-3"));
  auto cancel_answer = final_response(*caller_);
  ASSERT_TRUE(cancel_answer.has_value());
  EXPECT_EQ(cancel_answer->message.status_code(), 200);
  EXPECT_EQ(cancel_answer->message.method(), message::Method::kCancel);
  later(Decision::forward({target(kA)}));
  auto final = final_response(*caller_);
  ASSERT_TRUE(final.has_value());
  EXPECT_EQ(final->message.status_code(), 487);
  EXPECT_TRUE(silent(*a_));  // never forwarded
  settle();
  EXPECT_EQ(core_->contexts(), 0u);
}

}  // namespace
}  // namespace sippet::proxy::testing
