// The debug log of transaction events (src/stack/events.cpp): what
// --verbose shows, on a manual clock; nothing at all below debug level.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "sippet/message/builder.hpp"
#include "test_peer.hpp"

namespace sippet::stack {
namespace {

using message::HeaderId;
using std::chrono::milliseconds;
using testing::loopback_config;
using testing::RawPeer;
using testing::RecordingCore;

class RecordingLogger final : public Logger {
 public:
  explicit RecordingLogger(LogLevel threshold) : threshold_(threshold) {}
  bool enabled(LogLevel level) const override { return level >= threshold_; }
  void log(LogLevel level, std::string_view line) override {
    std::lock_guard lock(mutex_);
    if (level == LogLevel::kDebug) debug_.emplace_back(line);
  }
  std::vector<std::string> debug() {
    std::lock_guard lock(mutex_);
    return debug_;
  }
  // The index of the first debug line containing every fragment, or -1.
  int find(std::initializer_list<std::string_view> fragments) {
    auto lines = debug();
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (std::all_of(fragments.begin(), fragments.end(),
                      [&](std::string_view f) { return lines[i].find(f) != std::string::npos; }))
        return static_cast<int>(i);
    }
    return -1;
  }

 private:
  const LogLevel threshold_;
  std::mutex mutex_;
  std::vector<std::string> debug_;
};

class EventsTest : public ::testing::Test {
 protected:
  void start(LogLevel threshold) {
    logger_ = std::make_shared<RecordingLogger>(threshold);
    auto config = loopback_config();
    config.manual_clock = clock_;
    config.logger = logger_;
    auto created = Stack::create(std::move(config), core_);
    ASSERT_TRUE(created.ok()) << created.error().reason;
    stack_ = std::move(created).value();
  }
  void advance(milliseconds by) {
    clock_->advance(by);
    stack_->fire_due_timers();
  }
  // An OPTIONS through a client transaction: sent, retransmitted by Timer
  // E, answered, then gone after Timer K.
  void run_client_transaction() {
    auto request =
        message::build_request("OPTIONS", "sip:peer@127.0.0.1:" + std::to_string(peer_.port()));
    ASSERT_TRUE(request.ok());
    (void)request->put(HeaderId::kFrom, "<sip:me@example.com>;tag=abc");
    (void)request->put(HeaderId::kTo, "<sip:peer@example.com>");
    (void)request->put(HeaderId::kCallId, "events-1");
    (void)request->put(HeaderId::kCSeq, "1 OPTIONS");
    (void)request->put(HeaderId::kMaxForwards, "70");
    ASSERT_TRUE(stack_->send_request(std::move(*request)).ok());
    auto sent = peer_.receive_message();
    ASSERT_TRUE(sent.has_value());
    advance(milliseconds(500));  // Timer E
    ASSERT_TRUE(peer_.receive().has_value());
    auto ok = message::build_response(*sent, 200);
    ASSERT_TRUE(ok.ok());
    peer_.send_to(stack_->local_endpoints().front().port(), ok->to_string());
    ASSERT_TRUE(core_.wait_responses(1));
    advance(milliseconds(5000));  // Timer K
  }

  RecordingCore core_;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
  std::shared_ptr<RecordingLogger> logger_;
  std::unique_ptr<Stack> stack_;
  RawPeer peer_;
};

TEST_F(EventsTest, ClientTransactionEventsInOrder) {
  start(LogLevel::kDebug);
  run_client_transaction();
  const int created = logger_->find({"client OPTIONS z9hG4bK", "created in state Trying"});
  const int sends = logger_->find({"sends OPTIONS sip:peer@127.0.0.1"});
  const int e_started = logger_->find({"timer E started (500 ms)"});
  const int f_started = logger_->find({"timer F started (32000 ms)"});
  const int e_fired = logger_->find({"timer E fired"});
  const int retransmits = logger_->find({"retransmits OPTIONS sip:peer@127.0.0.1"});
  const int delivered = logger_->find({"200 OK to the Core"});
  const int completed = logger_->find({"state Trying -> Completed"});
  const int k_fired = logger_->find({"timer K fired"});
  const int terminated = logger_->find({"client OPTIONS", "terminated"});
  for (int index : {created, sends, e_started, f_started, e_fired, retransmits, delivered,
                    completed, k_fired, terminated})
    ASSERT_GE(index, 0) << ::testing::PrintToString(logger_->debug());
  EXPECT_LT(created, sends);
  EXPECT_LT(sends, e_fired);
  EXPECT_LT(e_fired, retransmits);
  EXPECT_LT(retransmits, delivered);
  EXPECT_LT(delivered, completed);
  EXPECT_LT(completed, k_fired);
  EXPECT_LT(k_fired, terminated);
  EXPECT_EQ(logger_->find({"retransmits OPTIONS", "timer"}), -1);
}

TEST_F(EventsTest, ServerTransactionFailureIsLogged) {
  start(LogLevel::kDebug);
  core_.on_request = [this](const message::Message& request, std::optional<Transaction> t) {
    auto busy = message::build_response(request, 486);
    ASSERT_TRUE(busy.ok());
    ASSERT_TRUE(stack_->send_response(std::move(*busy), t).ok());
  };
  const auto port = stack_->local_endpoints().front().port();
  peer_.send_to(port,
                testing::make_request("INVITE", port, "127.0.0.1:" + std::to_string(peer_.port()),
                                      "z9hG4bKev2", "events-2"));
  ASSERT_TRUE(core_.wait_requests(1));
  ASSERT_TRUE(peer_.receive().has_value());  // the 486
  for (int i = 0; i < 64; ++i)
    advance(milliseconds(500));  // Timer G retransmissions, then Timer H
  ASSERT_TRUE(core_.wait_errors(1));
  EXPECT_GE(logger_->find({"server INVITE z9hG4bKev2", "created in state Proceeding"}), 0);
  EXPECT_GE(logger_->find({"state Proceeding -> Completed"}), 0);
  EXPECT_GE(logger_->find({"timer G fired"}), 0);
  EXPECT_GE(logger_->find({"retransmits SIP/2.0 486 Busy Here"}), 0);
  EXPECT_GE(logger_->find({"failed: timeout (Timer H)"}), 0);
  EXPECT_GE(logger_->find({"server INVITE z9hG4bKev2", "terminated"}), 0);
}

TEST_F(EventsTest, NothingBelowDebugLevel) {
  start(LogLevel::kWarning);
  run_client_transaction();
  EXPECT_TRUE(logger_->debug().empty());
}

}  // namespace
}  // namespace sippet::stack
