// The threading contract (docs/threading.md): with several workers, Core
// callbacks of one Call-ID never overlap and come in arrival order; sends
// from many threads at once are safe.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>

#include "sippet/message/builder.hpp"
#include "test_peer.hpp"

namespace sippet::stack {
namespace {

using testing::loopback_config;
using testing::make_request;
using testing::RawPeer;

// Joins pieces (avoids a GCC 12 -Wrestrict false positive on "lit" + string&&).
template <class... Parts>
std::string join(const Parts&... parts) {
  std::string out;
  (out.append(parts), ...);
  return out;
}

// Checks the contract inside the callbacks themselves.
class OrderCore : public Core {
 public:
  void receive_request(message::Message request, std::optional<Transaction>,
                       const transport::Flow&) override {
    const std::string call_id(request.call_id());
    std::atomic<int>* active;
    {
      std::lock_guard lock(mutex_);
      active = &active_[call_id];
      threads_[call_id].insert(std::this_thread::get_id());
      all_threads_.insert(std::this_thread::get_id());
    }
    if (active->fetch_add(1) != 0) overlaps_.fetch_add(1);
    // Widen the window in which an overlap would show (not a SIP timer).
    std::this_thread::sleep_for(std::chrono::microseconds(100));
    {
      std::lock_guard lock(mutex_);
      order_[call_id].push_back(request.cseq()->seq);
    }
    active->fetch_sub(1);
    received_.fetch_add(1);
  }
  void receive_response(message::Message, std::optional<Transaction>,
                        const transport::Flow&) override {}
  void receive_error(const TransactionError&, Transaction) override {}

  std::mutex mutex_;
  std::map<std::string, std::atomic<int>> active_;
  std::map<std::string, std::vector<unsigned>> order_;
  std::map<std::string, std::set<std::thread::id>> threads_;
  std::set<std::thread::id> all_threads_;
  std::atomic<int> overlaps_{0};
  std::atomic<int> received_{0};
};

// Sockets read by receive threads (the default) or by the workers'
// io_context threads through epoll (StackConfig::receive_threads = false).
class ThreadingBothReceivePaths : public ::testing::TestWithParam<bool> {};

TEST_P(ThreadingBothReceivePaths, OneCallIdIsSerialAndInOrderAcrossFourWorkers) {
  OrderCore core;
  StackConfig config = loopback_config(4);
  config.receive_threads = GetParam();
  auto created = Stack::create(std::move(config), core);
  ASSERT_TRUE(created.ok());
  auto& stack = *created;
  ASSERT_EQ(stack->worker_count(), 4u);
  const auto port = stack->local_endpoints().front().port();

  constexpr int kCalls = 16, kPerCall = 20;
  RawPeer peer;
  const std::string sent_by = "127.0.0.1:" + std::to_string(peer.port());
  for (int n = 1; n <= kPerCall; ++n) {
    for (int c = 0; c < kCalls; ++c) {
      const std::string call = join("order-", std::to_string(c));
      peer.send_to(port, make_request("MESSAGE", port, sent_by,
                                      join("z9hG4bK", call, "x", std::to_string(n)), call,
                                      static_cast<unsigned>(n)));
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (core.received_.load() < kCalls * kPerCall && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stack->stop();
  ASSERT_EQ(core.received_.load(), kCalls * kPerCall);
  EXPECT_EQ(core.overlaps_.load(), 0);
  std::vector<unsigned> expected;
  for (unsigned n = 1; n <= kPerCall; ++n)
    expected.push_back(n);
  for (auto& [call, order] : core.order_) {
    EXPECT_EQ(order, expected) << call;
  }
  // Under this burst the receiving worker is busy, so it hands messages to
  // their owners: callbacks ran on several threads, still serial per Call-ID.
  EXPECT_GT(core.all_threads_.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Threading, ThreadingBothReceivePaths, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "ReceiveThreads" : "Epoll";
                         });

class CountingCore : public Core {
 public:
  void receive_request(message::Message, std::optional<Transaction>,
                       const transport::Flow&) override {}
  void receive_response(message::Message, std::optional<Transaction>,
                        const transport::Flow&) override {}
  void receive_error(const TransactionError&, Transaction) override {}
};

TEST(Threading, ConcurrentSendsFromManyThreadsAllGoOut) {
  CountingCore core;
  auto created = Stack::create(loopback_config(2), core);
  ASSERT_TRUE(created.ok());
  auto& stack = *created;
  RawPeer peer;
  constexpr int kThreads = 4, kEach = 50;
  // Read while the senders send, so the peer's socket buffer never overflows.
  std::set<std::string> call_ids;
  std::thread reader([&] {
    while (call_ids.size() < kThreads * kEach) {
      auto got = peer.receive_message(std::chrono::milliseconds(3000));
      if (!got) break;
      call_ids.insert(std::string(got->call_id()));
    }
  });
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto request =
            message::build_request("OPTIONS", "sip:p@127.0.0.1:" + std::to_string(peer.port()));
        (void)request->put(message::HeaderId::kFrom, "<sip:a@b>;tag=1");
        (void)request->put(message::HeaderId::kTo, "<sip:p@b>");
        (void)request->put(message::HeaderId::kCallId,
                           join("t", std::to_string(t), "-", std::to_string(i)));
        (void)request->put(message::HeaderId::kCSeq, "1 OPTIONS");
        if (!stack->send_request(std::move(*request)).ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(failures.load(), 0);
  reader.join();
  EXPECT_EQ(call_ids.size(), static_cast<std::size_t>(kThreads * kEach));
}

}  // namespace
}  // namespace sippet::stack
