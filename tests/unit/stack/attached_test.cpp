// Core::attached (core.hpp): Stack::create hands the stack to the Core after
// binding and before reading, so a request already waiting on the socket
// when the stack starts reaches a Core that can answer it. A request that
// reached a Core without its stack went unanswered for good: its server
// transaction sent 100 Trying (RFC 3261 §17.2.1) and then absorbed every
// retransmission of the INVITE.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "sippet/message/builder.hpp"
#include "test_peer.hpp"

namespace sippet::stack {
namespace {

using std::chrono::milliseconds;
using testing::loopback_config;
using testing::make_request;
using testing::RawPeer;

// Answers every request with 200 through the stack attached() gave it, and
// counts the requests that came without one (never answerable).
class AttachingCore : public Core {
 public:
  // Runs inside attached(), while the stack is bound but reads nothing.
  std::function<void(Stack&)> while_attaching;

  void attached(Stack& stack) override {
    ++attached_calls_;
    if (while_attaching) while_attaching(stack);
    {
      // The window in which a request read too early would show (not a
      // SIP timer): none may come while attached() runs.
      std::unique_lock lock(mutex_);
      early_ = changed_.wait_for(lock, milliseconds(150), [&] { return received_ > 0; });
    }
    stack_.store(&stack);
  }
  void receive_request(message::Message request, std::optional<Transaction> transaction,
                       const transport::Flow&) override {
    Stack* stack = stack_.load();
    {
      std::lock_guard lock(mutex_);
      ++received_;
      if (stack == nullptr) ++without_stack_;
      changed_.notify_all();
    }
    if (stack == nullptr || !transaction) return;
    auto response = message::build_response(request, 200, {}, "uas");
    if (!response || !stack->send_response(std::move(*response), transaction))
      send_failures_.fetch_add(1);
  }
  void receive_response(message::Message, std::optional<Transaction>,
                        const transport::Flow&) override {}
  void receive_error(const TransactionError&, Transaction) override {}

  std::atomic<int> attached_calls_{0};
  std::atomic<int> send_failures_{0};
  bool early_ = false;  // set in attached()
  int without_stack_ = 0;

 private:
  std::atomic<Stack*> stack_{nullptr};
  std::mutex mutex_;
  std::condition_variable changed_;
  int received_ = 0;
};

// The next response other than a 100 Trying (bounded network wait).
std::optional<message::Message> final_response(const RawPeer& peer) {
  for (int i = 0; i < 4; ++i) {
    auto response = peer.receive_message(milliseconds(5000));
    if (!response) return std::nullopt;
    if (response->status_code() >= 200) return response;
  }
  return std::nullopt;
}

// Sockets read by receive threads (the default) or by the workers'
// io_context threads through epoll.
class AttachedBothReceivePaths : public ::testing::TestWithParam<bool> {};

TEST_P(AttachedBothReceivePaths, AnInviteWaitingWhenTheStackStartsIsAnswered) {
  AttachingCore core;
  RawPeer peer;
  core.while_attaching = [&peer](Stack& stack) {
    // The listener is bound: the INVITE waits on its socket.
    const std::uint16_t port = stack.local_endpoints().front().port();
    ASSERT_NE(port, 0);
    peer.send_to(port, make_request("INVITE", port, "127.0.0.1:" + std::to_string(peer.port()),
                                    "z9hG4bKearly1", "early-1"));
  };
  StackConfig config = loopback_config(2);
  config.receive_threads = GetParam();
  auto created = Stack::create(std::move(config), core);
  ASSERT_TRUE(created.ok()) << created.error().reason;
  auto stack = std::move(created).value();

  EXPECT_EQ(core.attached_calls_.load(), 1);
  EXPECT_FALSE(core.early_) << "a request reached the Core before attached() returned";
  auto answer = final_response(peer);
  ASSERT_TRUE(answer.has_value()) << "the INVITE was never answered";
  EXPECT_EQ(answer->status_code(), 200);
  EXPECT_EQ(answer->call_id(), "early-1");
  stack->stop();
  EXPECT_EQ(core.without_stack_, 0);
  EXPECT_EQ(core.send_failures_.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Attached, AttachedBothReceivePaths, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "ReceiveThreads" : "Epoll";
                         });

TEST(Attached, NotCalledWhenTheStackCannotStart) {
  AttachingCore core;
  StackConfig config = loopback_config();
  config.listen.clear();  // no listen address
  auto created = Stack::create(std::move(config), core);
  EXPECT_FALSE(created.ok());
  EXPECT_EQ(core.attached_calls_.load(), 0);
}

}  // namespace
}  // namespace sippet::stack
