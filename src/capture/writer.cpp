// The capture writer: a bounded queue filled on the stack's threads and
// drained by a thread of its own (writer.hpp).
#include "sippet/capture/writer.hpp"

#include <utility>
#include <vector>

namespace sippet::capture {

CaptureWriter::CaptureWriter(std::unique_ptr<Sink> sink, WriterOptions options)
    : sink_(std::move(sink)),
      options_(options),
      queue_(options.capacity, options.max_bytes, options.wake_at) {
  if (!options_.synchronous) thread_ = std::thread([this] { run(); });
}

CaptureWriter::~CaptureWriter() {
  close();
}

void CaptureWriter::on_message(const stack::MessageEvent& event) {
  if (options_.synchronous) {
    std::lock_guard lock(sync_mutex_);
    if (closed_) {
      ++sync_dropped_;
      return;
    }
    sink_->write(event);
    sink_->flush();
    written_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const std::size_t size = event.bytes.size();
  (void)queue_.try_push(CapturedMessage::copy_of(event), size);
}

void CaptureWriter::run() {
  std::vector<CapturedMessage> batch;
  while (queue_.pop_all(batch, options_.interval)) {
    if (batch.empty()) continue;
    for (const CapturedMessage& message : batch)
      sink_->write(message.event());
    sink_->flush();
    written_.fetch_add(batch.size(), std::memory_order_relaxed);
    batch.clear();
  }
}

void CaptureWriter::close() {
  if (options_.synchronous) {
    std::lock_guard lock(sync_mutex_);
    if (!closed_) sink_->flush();
    closed_ = true;
    return;
  }
  queue_.close();
  if (thread_.joinable()) thread_.join();
}

std::uint64_t CaptureWriter::dropped() const {
  if (options_.synchronous) {
    std::lock_guard lock(sync_mutex_);
    return sync_dropped_;
  }
  return queue_.dropped();
}

}  // namespace sippet::capture
