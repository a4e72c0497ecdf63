#pragma once
// Helpers for stack tests on the in-memory network (memory_transport.hpp):
// a stack whose listeners are memory transports, peers that send text and
// read messages with their flows, a Core that records flows, and a fake
// Resolver that counts lookups and answers when told.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sippet/message/builder.hpp"
#include "sippet/message/parser.hpp"
#include "sippet/stack/core.hpp"
#include "sippet/stack/resolver.hpp"
#include "sippet/stack/stack.hpp"
#include "sippet/transport/memory_transport.hpp"

namespace sippet::stack::testing {

using transport::Flow;
using transport::MemoryNetwork;
using transport::MemoryPeer;
using transport::Protocol;

// A bound on events that happen at once (nothing here waits for a SIP
// timer: those fire on a manual clock); never reached when a test passes.
inline constexpr std::chrono::milliseconds kWait{10000};

inline transport::Endpoint at(std::string_view text) {
  return transport::Endpoint::parse(text).value();
}

// A request as a remote element writes it. `via`: the whole Via value.
inline std::string request_text(std::string_view method, std::string_view uri, std::string_view via,
                                std::string_view call_id, unsigned cseq = 1) {
  const std::string m(method);
  std::string text = m + " " + std::string(uri) + " SIP/2.0\r\n";
  text += "Via: " + std::string(via) + "\r\n";
  text += "Max-Forwards: 70\r\n";
  text += "From: <sip:alice@example.com>;tag=1928301774\r\n";
  text += "To: <sip:bob@example.com>\r\n";
  text += "Call-ID: " + std::string(call_id) + "\r\n";
  text += "CSeq: " + std::to_string(cseq) + " " + m + "\r\n";
  text += "Content-Length: 0\r\n\r\n";
  return text;
}

// A request the Core sends (no Via: the stack adds it).
inline message::Message outgoing(std::string_view method, std::string_view uri,
                                 std::string_view call_id) {
  auto request = message::build_request(method, uri);
  EXPECT_TRUE(request.ok()) << uri;
  (void)request->put(message::HeaderId::kMaxForwards, "70");
  (void)request->put(message::HeaderId::kFrom, "<sip:alice@example.com>;tag=abc");
  (void)request->put(message::HeaderId::kTo, "<sip:bob@example.com>");
  (void)request->put(message::HeaderId::kCallId, call_id);
  (void)request->put(message::HeaderId::kCSeq, "1 " + std::string(method));
  return std::move(request).value();
}

struct PeerMessage {
  message::Message message;
  Flow flow;  // as the peer sees it: local is the peer
};

// The next message that reaches `peer`, parsed; nullopt after `timeout`.
inline std::optional<PeerMessage> next_message(MemoryPeer& peer,
                                               std::chrono::milliseconds timeout = kWait) {
  auto packet = peer.receive(timeout);
  if (!packet) return std::nullopt;
  auto parsed = message::parse_message(packet->bytes);
  EXPECT_TRUE(parsed.ok()) << packet->bytes;
  if (!parsed) return std::nullopt;
  return PeerMessage{std::move(parsed).value(), packet->flow};
}

struct Incoming {
  message::Message message;
  std::optional<Transaction> transaction;
  Flow flow;
};

struct Failed {
  TransactionError error;
  Transaction transaction;
};

// Records every callback with its flow (deques: references stay valid while
// more arrive). `on_request` runs first, on the worker's thread.
class FlowCore : public Core {
 public:
  std::function<void(const message::Message&, std::optional<Transaction>, const Flow&)> on_request;

  void receive_request(message::Message request, std::optional<Transaction> t,
                       const Flow& flow) override {
    if (on_request) on_request(request, t, flow);
    push(requests_, Incoming{std::move(request), t, flow});
  }
  void receive_response(message::Message response, std::optional<Transaction> t,
                        const Flow& flow) override {
    push(responses_, Incoming{std::move(response), t, flow});
  }
  void receive_error(const TransactionError& error, Transaction t) override {
    push(errors_, Failed{error, t});
  }

  bool wait_requests(std::size_t n) { return wait(requests_, n); }
  bool wait_responses(std::size_t n) { return wait(responses_, n); }
  bool wait_errors(std::size_t n) { return wait(errors_, n); }
  Incoming& request(std::size_t i) { return at(requests_, i); }
  Incoming& response(std::size_t i) { return at(responses_, i); }
  Failed& error(std::size_t i) { return at(errors_, i); }
  std::size_t request_count() { return count(requests_); }
  std::size_t response_count() { return count(responses_); }
  std::size_t error_count() { return count(errors_); }

 private:
  template <class T>
  void push(std::deque<T>& list, T item) {
    std::lock_guard lock(mutex_);
    list.push_back(std::move(item));
    changed_.notify_all();
  }
  template <class T>
  bool wait(std::deque<T>& list, std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kWait, [&] { return list.size() >= n; });
  }
  template <class T>
  T& at(std::deque<T>& list, std::size_t i) {
    std::lock_guard lock(mutex_);
    return list.at(i);
  }
  template <class T>
  std::size_t count(std::deque<T>& list) {
    std::lock_guard lock(mutex_);
    return list.size();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Incoming> requests_;
  std::deque<Incoming> responses_;
  std::deque<Failed> errors_;
};

// A Resolver whose answers the test writes. Counts what the stack asks;
// with hold(), resolve() keeps the lookup until release(), on the test's
// thread. Once answered, a name is "cached": cached() gives its answer
// as it is then.
class FakeResolver final : public Resolver {
 public:
  void set(const std::string& host, std::vector<transport::Endpoint> addresses) {
    std::lock_guard lock(mutex_);
    answers_[host] = std::move(addresses);
  }
  void hold() {
    std::lock_guard lock(mutex_);
    holding_ = true;
  }
  // Answers every held lookup now; returns how many there were.
  std::size_t release() {
    std::vector<std::pair<std::string, Callback>> held;
    {
      std::lock_guard lock(mutex_);
      holding_ = false;
      held.swap(held_);
    }
    for (auto& [host, done] : held)
      done(answer(host));
    return held.size();
  }
  bool wait_held(std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kWait, [&] { return held_.size() >= n; });
  }
  std::size_t lookups() {
    std::lock_guard lock(mutex_);
    return lookups_;
  }
  std::size_t queries() {  // cached() calls
    std::lock_guard lock(mutex_);
    return queries_;
  }

  std::optional<Addresses> cached(std::string_view host) override {
    std::lock_guard lock(mutex_);
    ++queries_;
    if (!known_.contains(std::string(host))) return std::nullopt;
    return answer_locked(std::string(host));
  }
  void resolve(std::string_view host, Callback done) override {
    {
      std::lock_guard lock(mutex_);
      ++lookups_;
      if (holding_) {
        held_.emplace_back(std::string(host), std::move(done));
        changed_.notify_all();
        return;
      }
    }
    done(answer(std::string(host)));
  }
  void stop() override {
    std::vector<std::pair<std::string, Callback>> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    for (auto& [host, done] : held)
      done(message::Error{message::ErrorKind::kResolveFailed, 0, 0,
                          "cannot resolve " + host + ": the resolver stopped"});
  }

 private:
  Addresses answer(const std::string& host) {
    std::lock_guard lock(mutex_);
    known_.insert(host);
    return answer_locked(host);
  }
  Addresses answer_locked(const std::string& host) {
    auto found = answers_.find(host);
    if (found == answers_.end())
      return message::Error{message::ErrorKind::kResolveFailed, 0, 0,
                            "cannot resolve " + host + ": no such name"};
    return found->second;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::vector<transport::Endpoint>> answers_;
  std::set<std::string> known_;
  std::vector<std::pair<std::string, Callback>> held_;
  bool holding_ = false;
  std::size_t lookups_ = 0;
  std::size_t queries_ = 0;
};

// A fixture: a stack on a memory network, its timers on a manual clock.
class MemoryStackTest : public ::testing::Test {
 protected:
  // `listen`: "udp:10.0.0.1:5060", "tcp:10.0.0.1:5070", ...
  void start(std::initializer_list<std::string_view> listen, unsigned threads = 1,
             std::shared_ptr<Resolver> resolver = nullptr) {
    StackConfig config;
    for (std::string_view spec : listen)
      config.listen.push_back(transport::parse_listen_spec(spec).value());
    config.threads = threads;
    config.logger = std::make_shared<StderrLogger>(LogLevel::kOff);
    config.transports = network_;
    config.manual_clock = clock_;
    config.resolver = std::move(resolver);
    auto created = Stack::create(std::move(config), core_);
    ASSERT_TRUE(created.ok()) << created.error().reason;
    stack_ = std::move(created).value();
  }
  std::unique_ptr<MemoryPeer> peer(Protocol protocol, std::string_view address) {
    auto made = network_->peer(protocol, at(address));
    EXPECT_TRUE(made.ok()) << address << ": " << made.error().reason;
    return made.ok() ? std::move(made).value() : nullptr;
  }
  void advance(std::chrono::milliseconds by) {
    clock_->advance(by);
    stack_->fire_due_timers();
  }
  // Returns once every worker has handled what was posted to it before
  // (fire_due_timers() runs on each worker after what is queued there).
  void settle() {
    for (int i = 0; i < 3; ++i)
      stack_->fire_due_timers();
  }
  void TearDown() override { stack_.reset(); }

  FlowCore core_;  // outlives the stack
  std::shared_ptr<MemoryNetwork> network_ = std::make_shared<MemoryNetwork>();
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
  std::unique_ptr<Stack> stack_;
};

}  // namespace sippet::stack::testing
