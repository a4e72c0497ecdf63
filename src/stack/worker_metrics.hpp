#pragma once
// The counters behind Stack::metrics() (sippet/stack/metrics.hpp), kept by
// each worker and summed by a snapshot (metrics.cpp).
//
// On the hot path a count is a plain add: each set of counters has one
// writer at a time (see who writes each below), so `Counter` does a relaxed
// load and store, no locked instruction; the snapshot reads them from
// another thread, hence the atomics. Counters written by any thread (rare
// events) are `SharedCounter`s, a relaxed fetch_add.
#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "sippet/message/message.hpp"
#include "sippet/stack/metrics.hpp"
#include "sippet/transaction/action.hpp"

namespace sippet::stack {

// Written by one thread at a time (the owner of the set), read by any.
class Counter {
 public:
  void add(std::uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// Written by any thread.
class SharedCounter {
 public:
  void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

template <class C, std::size_t N>
void count_error(std::array<C, N>& counters, message::ErrorKind kind) {
  const auto index = static_cast<std::size_t>(kind);
  if (index < N) counters[index].add();
}

template <class C, std::size_t N>
void add_to(std::array<std::uint64_t, N>& out, const std::array<C, N>& counters) {
  for (std::size_t i = 0; i < N; ++i)
    out[i] += counters[i].value();
}

// Messages by method and status class.
template <class C>
struct MessageCounters {
  std::array<C, kMethodCount> requests;
  std::array<C, kStatusClassCount> responses;

  void count(const message::Message& message) {
    if (message.is_request()) {
      requests[static_cast<std::size_t>(message.method())].add();
    } else {
      count_status(message.status_code());
    }
  }
  // A serialized message: its start line says what it is.
  void count(std::string_view bytes) {
    constexpr std::string_view kVersion = "SIP/2.0 ";
    if (bytes.starts_with(kVersion) && bytes.size() > kVersion.size()) {
      count_status((bytes[kVersion.size()] - '0') * 100);
      return;
    }
    const auto method = message::method_from_string(bytes.substr(0, bytes.find(' ')));
    requests[static_cast<std::size_t>(method)].add();
  }
  void count_status(int status) {
    const int digit = status / 100;
    if (digit >= 1 && digit <= static_cast<int>(kStatusClassCount)) responses[digit - 1].add();
  }
  void add_to(MessageCounts& out) const {
    stack::add_to(out.requests, requests);
    stack::add_to(out.responses, responses);
  }
};

// What one transport's receive handler counts: written only by the thread
// that runs it (its receive thread, or the worker's io_context thread
// without receive threads).
struct ReceiveCounters {
  MessageCounters<Counter> received;
  MessageCounters<Counter> answered;  // answers to unparsable or invalid requests
  std::array<Counter, kErrorKindCount> parse_failures;
  std::array<Counter, kErrorKindCount> validation_failures;
  Counter responses_discarded;
  std::array<Counter, kDispatchCount> dispatched;

  void dispatch(Dispatch how) { dispatched[static_cast<std::size_t>(how)].add(); }
  void add_to(MetricsSnapshot& out) const;
};

// What the worker's transactions do: written under the worker's mutex.
struct LayerCounters {
  MessageCounters<Counter> sent;
  MessageCounters<Counter> retransmitted;
  std::array<Counter, transaction::kTimerCount> timers_fired;
  std::array<std::array<Counter, kTransactionOutcomeCount>, kTransactionKindCount> ended;

  void sent_message(const transaction::SendMessage& send) {
    sent.count(*send.bytes);
    if (send.retransmission) retransmitted.count(*send.bytes);
  }
  void timer_fired(transaction::TimerId timer) {
    timers_fired[static_cast<std::size_t>(timer)].add();
  }
  // A transaction failed: its Terminated, now or later (a server INVITE
  // transaction in Accepted lives on until Timer L), counts the failure.
  void transaction_failed(const transaction::DeliverError& error);
  // A transaction ended; `terminating`: by Stack::terminate.
  void transaction_ended(const transaction::Terminated& terminated, bool terminating);
  void add_to(MetricsSnapshot& out) const;

 private:
  // Transactions that failed and have not ended yet (few: failures are rare).
  std::vector<std::pair<transaction::TransactionId, TransactionOutcome>> failures_;
};

// Counted by any thread: stateless sends and transport errors (rare).
struct SharedCounters {
  MessageCounters<SharedCounter> sent;
  std::array<SharedCounter, kTransportErrorSourceCount> transport_errors;

  void transport_error(TransportErrorSource source) {
    transport_errors[static_cast<std::size_t>(source)].add();
  }
  void add_to(MetricsSnapshot& out) const;
};

}  // namespace sippet::stack
