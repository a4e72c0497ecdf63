// The bounded queue and the capture writer: drops are counted, never waited for.
#include "sippet/capture/writer.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "event_support.hpp"
#include "sippet/capture/bounded_queue.hpp"

namespace sippet::capture {
namespace {

using namespace std::chrono_literals;

TEST(BoundedQueue, DropsAndCountsWhenFull) {
  BoundedQueue<int> queue(3);
  EXPECT_TRUE(queue.try_push(1));
  EXPECT_TRUE(queue.try_push(2));
  EXPECT_TRUE(queue.try_push(3));
  EXPECT_FALSE(queue.try_push(4));
  EXPECT_FALSE(queue.try_push(5));
  EXPECT_EQ(queue.dropped(), 2u);
  std::vector<int> out;
  EXPECT_TRUE(queue.pop_all(out, 0ms));
  EXPECT_EQ(out, (std::vector<int>{1, 2, 3}));
  out.clear();
  EXPECT_TRUE(queue.try_push(6));  // room again
  EXPECT_EQ(queue.dropped(), 2u);
}

TEST(BoundedQueue, BoundedByBytesToo) {
  BoundedQueue<int> queue(100, 10);
  EXPECT_TRUE(queue.try_push(1, 6));
  EXPECT_FALSE(queue.try_push(2, 5));
  EXPECT_TRUE(queue.try_push(3, 4));
  EXPECT_EQ(queue.dropped(), 1u);
}

TEST(BoundedQueue, ClosedQueueDrainsThenEnds) {
  BoundedQueue<int> queue(10);
  EXPECT_TRUE(queue.try_push(1));
  queue.close();
  EXPECT_FALSE(queue.try_push(2));
  std::vector<int> out;
  EXPECT_TRUE(queue.pop_all(out, 1000ms));
  EXPECT_EQ(out, std::vector<int>{1});
  out.clear();
  EXPECT_FALSE(queue.pop_all(out, 1000ms));
  EXPECT_EQ(queue.dropped(), 1u);
}

// A sink the test holds up: write() blocks until released.
class HeldSink final : public Sink {
 public:
  struct State {
    std::mutex mutex;
    std::condition_variable changed;
    bool held = true;
    std::size_t entered = 0;
    std::vector<std::string> written;
  };
  explicit HeldSink(State& state) : state_(state) {}
  void write(const stack::MessageEvent& event) override {
    std::unique_lock lock(state_.mutex);
    ++state_.entered;
    state_.changed.notify_all();
    state_.changed.wait(lock, [this] { return !state_.held; });
    state_.written.emplace_back(event.bytes);
  }

 private:
  State& state_;
};

TEST(CaptureWriter, DropsWhileTheWriterIsHeldUpAndWritesTheRestInOrder) {
  HeldSink::State state;
  WriterOptions options;
  options.capacity = 4;
  options.wake_at = 1;
  CaptureWriter writer(std::make_unique<HeldSink>(state), options);
  const auto flow = test::udp_flow();
  auto send = [&](const std::string& bytes) {
    writer.on_message({stack::Direction::kReceived, flow, bytes, test::fixed_time()});
  };
  send("m0");
  {
    // The writer took m0 and is held in write(): the queue is empty again.
    std::unique_lock lock(state.mutex);
    ASSERT_TRUE(state.changed.wait_for(lock, 10s, [&] { return state.entered == 1; }));
  }
  for (int i = 1; i <= 7; ++i)
    send("m" + std::to_string(i));  // m1..m4 fit, m5..m7 are dropped
  EXPECT_EQ(writer.dropped(), 3u);
  {
    std::lock_guard lock(state.mutex);
    state.held = false;
  }
  state.changed.notify_all();
  writer.close();
  EXPECT_EQ(writer.written(), 5u);
  EXPECT_EQ(state.written, (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4"}));
  send("late");
  EXPECT_EQ(writer.dropped(), 4u);
}

class ListSink final : public Sink {
 public:
  explicit ListSink(std::vector<std::string>& out) : out_(out) {}
  void write(const stack::MessageEvent& event) override { out_.emplace_back(event.bytes); }

 private:
  std::vector<std::string>& out_;
};

TEST(CaptureWriter, SynchronousWritesOnTheCallersThread) {
  std::vector<std::string> written;
  WriterOptions options;
  options.synchronous = true;
  CaptureWriter writer(std::make_unique<ListSink>(written), options);
  const auto flow = test::udp_flow();
  writer.on_message({stack::Direction::kSent, flow, "a", test::fixed_time()});
  EXPECT_EQ(written, std::vector<std::string>{"a"});
  writer.close();
  writer.on_message({stack::Direction::kSent, flow, "b", test::fixed_time()});
  EXPECT_EQ(written.size(), 1u);
  EXPECT_EQ(writer.written(), 1u);
  EXPECT_EQ(writer.dropped(), 1u);
}

}  // namespace
}  // namespace sippet::capture
