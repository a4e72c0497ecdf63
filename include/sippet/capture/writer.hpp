#pragma once
// A message observer (stack::MessageObserver) that writes every message to
// a Sink (a trace file, a pcap file, a HEP socket) on a thread of its own.
//
// On the stack's thread, on_message copies the message and pushes it onto a
// bounded queue (BoundedQueue): no formatting, no I/O, no waiting. When the
// writer falls behind and the queue is full, messages are dropped from the
// capture and counted (dropped()), never delayed. The writer thread wakes
// when `wake_at` messages are queued or every `interval`, writes the batch,
// then flushes the sink once.
//
// With `synchronous` the sink is called on the stack's thread under a mutex
// instead (no thread, no drops, but the stack waits for the I/O): for tools
// such as `sippet send` where the order of the trace and other output
// matters more than the time spent.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "sippet/capture/bounded_queue.hpp"
#include "sippet/capture/captured.hpp"
#include "sippet/stack/observer.hpp"

namespace sippet::capture {

// Where captured messages go. Called from one thread at a time.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void write(const stack::MessageEvent& event) = 0;
  // After each batch of writes (and at close).
  virtual void flush() {}
};

struct WriterOptions {
  std::size_t capacity = 65536;            // messages queued at most
  std::size_t max_bytes = 64 << 20;        // bytes of messages queued at most
  std::size_t wake_at = 256;               // wake the writer when this many are queued
  std::chrono::milliseconds interval{20};  // else it wakes this often
  bool synchronous = false;                // write on the caller's thread, under a mutex
};

class CaptureWriter final : public stack::MessageObserver {
 public:
  explicit CaptureWriter(std::unique_ptr<Sink> sink, WriterOptions options = {});
  ~CaptureWriter() override;  // close()
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;

  void on_message(const stack::MessageEvent& event) override;

  // Writes what is queued, flushes, stops the thread. Messages after it are
  // dropped. Idempotent.
  void close();

  std::uint64_t written() const { return written_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const;

 private:
  void run();

  std::unique_ptr<Sink> sink_;
  const WriterOptions options_;
  BoundedQueue<CapturedMessage> queue_;
  mutable std::mutex sync_mutex_;  // synchronous mode: guards sink_
  bool closed_ = false;            // synchronous mode, under sync_mutex_
  std::uint64_t sync_dropped_ = 0;
  std::atomic<std::uint64_t> written_{0};
  std::thread thread_;
};

}  // namespace sippet::capture
