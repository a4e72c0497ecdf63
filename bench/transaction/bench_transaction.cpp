// Benchmarks of the transaction layer alone (no sockets, no clock in the layer):
//  - full UAS INVITE transactions per second in memory: INVITE in, 100, 180 and
//    200 out, Timer L fired, Terminated (UDP, so every response is serialized
//    and the last provisional kept for retransmissions);
//  - the same for a non-INVITE (OPTIONS in, 200 out, Timer J, Terminated);
//  - heap held per live server INVITE transaction at 10,000 concurrent ones,
//    split into the message bytes it keeps and the rest (the overhead).
// Messages are parsed and the Core's responses built outside the timed part,
// which is measured in thread CPU time (a per-core figure on a shared machine).
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "heap_counter.hpp"
#include "sippet/message/builder.hpp"
#include "sippet/message/parser.hpp"
#include "sippet/transaction/layer.hpp"

namespace {

// CPU time of this thread: the figure is per core, whatever else runs on the machine.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

using namespace sippet;
using transaction::Actions;
using transaction::TransactionId;
using transaction::TransactionLayer;
using transaction::TransportInfo;

std::string invite_text(std::size_t n, std::string_view method = "INVITE") {
  std::string branch = "z9hG4bK" + std::to_string(n) + "a7f3c9d1e5b2";
  std::string m(method);
  return m +
         " sip:bob@biloxi.example.com SIP/2.0\r\n"
         "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=" +
         branch +
         ";rport\r\n"
         "Max-Forwards: 70\r\n"
         "To: Bob <sip:bob@biloxi.example.com>\r\n"
         "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
         "Call-ID: a84b4c76e66710-" +
         std::to_string(n) +
         "@pc33.atlanta.example.com\r\n"
         "CSeq: 314159 " +
         m +
         "\r\n"
         "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
         "Content-Type: application/sdp\r\n"
         "Content-Length: 0\r\n\r\n";
}

// With --benchmark_repetitions, the fastest repetition: on a shared machine the
// least disturbed one is the best estimate of the cost on a free core.
double min_of(const std::vector<double>& values) {
  return values.empty() ? 0.0 : *std::min_element(values.begin(), values.end());
}

// Small batches, so the messages a transaction handles are in cache as they
// are in a stack (the Core has just built the response it sends); large
// batches of cold messages measure cache misses on the message fields instead.
constexpr std::size_t kUasBatch = 32;
constexpr std::int64_t kUasIterations = 4000;

struct UasBatch {
  std::vector<message::Message> requests;
  std::vector<std::vector<message::Message>> responses;  // per request, in sending order
};

UasBatch make_batch(std::size_t first, std::size_t count, std::string_view method,
                    std::initializer_list<int> codes) {
  UasBatch batch;
  batch.requests.reserve(count);
  batch.responses.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto request = message::parse_message(invite_text(first + i, method));
    if (!request) std::abort();
    for (int code : codes) {
      auto r = message::build_response(*request, code, {}, "tag8a7c");
      if (!r) std::abort();
      batch.responses[i].push_back(std::move(*r));
    }
    batch.requests.push_back(std::move(*request));
  }
  return batch;
}

TransportInfo udp_source() {
  TransportInfo t;
  t.reliable = false;
  t.port = 5060;
  t.address = {192, 0, 2, 1};
  return t;
}

// One UAS transaction: request in, responses out, the last timer (L or J)
// fired; returns false if anything went differently than expected. Not
// inlined, so `valgrind --tool=callgrind --toggle-collect='*run_uas*'` counts
// exactly the timed work of one transaction.
[[gnu::noinline]] bool run_uas(TransactionLayer& layer, UasBatch& batch, std::size_t i,
                               Actions& out, const TransportInfo& source) {
  out.clear();
  if (!layer.on_request(std::move(batch.requests[i]), source, out).ok()) return false;
  std::optional<TransactionId> id;
  for (auto& a : out) {
    if (auto* d = std::get_if<transaction::DeliverRequest>(&a)) id = d->id;
  }
  if (!id) return false;
  for (auto& r : batch.responses[i]) {
    out.clear();
    if (!layer.send_response(std::move(r), id, out).ok()) return false;
  }
  // The driver fires the last timer (L or J) at once.
  std::optional<transaction::TimerHandle> last;
  for (auto& a : out) {
    if (auto* s = std::get_if<transaction::StartTimer>(&a)) last = s->handle;
  }
  if (!last) return false;
  out.clear();
  layer.on_timer(*last, out);
  return !out.empty() && std::holds_alternative<transaction::Terminated>(out.back());
}

void uas_benchmark(benchmark::State& state, std::string_view method,
                   std::initializer_list<int> codes) {
  constexpr std::size_t kBatch = kUasBatch;
  TransactionLayer layer;
  Actions out;
  out.reserve(16);
  const TransportInfo source = udp_source();
  std::size_t serial = 0;
  std::size_t total = 0;
  for (auto _ : state) {
    UasBatch batch = make_batch(serial, kBatch, method, codes);
    serial += kBatch;
    const double start = thread_cpu_seconds();
    for (std::size_t i = 0; i < kBatch; ++i) {
      if (!run_uas(layer, batch, i, out, source)) {
        state.SkipWithError("unexpected transaction behaviour");
        return;
      }
    }
    state.SetIterationTime(thread_cpu_seconds() - start);
    total += kBatch;
    out.clear();
    if (layer.size() != 0) {
      state.SkipWithError("transactions left alive");
      return;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
  state.counters["txn_per_s"] =
      benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
}

void BM_UasInviteTransaction(benchmark::State& state) {
  uas_benchmark(state, "INVITE", {100, 180, 200});
}
BENCHMARK(BM_UasInviteTransaction)
    ->UseManualTime()
    ->Iterations(kUasIterations)
    ->ComputeStatistics("min", min_of)
    ->Unit(benchmark::kMicrosecond);

void BM_UasNonInviteTransaction(benchmark::State& state) {
  uas_benchmark(state, "OPTIONS", {200});
}
BENCHMARK(BM_UasNonInviteTransaction)
    ->UseManualTime()
    ->Iterations(kUasIterations)
    ->ComputeStatistics("min", min_of)
    ->Unit(benchmark::kMicrosecond);

// The part of BM_UasInviteTransaction that is the message layer's: serializing
// the three responses (as the layer does: once, into a shared buffer) and
// destroying the INVITE the Core was given.
void BM_SerializeUasResponses(benchmark::State& state) {
  constexpr std::size_t kBatch = kUasBatch;
  std::size_t serial = 0;
  std::size_t total = 0;
  for (auto _ : state) {
    UasBatch batch = make_batch(serial, kBatch, "INVITE", {100, 180, 200});
    serial += kBatch;
    const double start = thread_cpu_seconds();
    for (std::size_t i = 0; i < kBatch; ++i) {
      for (auto& r : batch.responses[i]) {
        auto bytes = std::make_shared<std::string>();
        r.append_to(*bytes);
        benchmark::DoNotOptimize(bytes->data());
      }
      message::Message dropped = std::move(batch.requests[i]);
      benchmark::DoNotOptimize(&dropped);
    }
    state.SetIterationTime(thread_cpu_seconds() - start);
    total += kBatch;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
}
BENCHMARK(BM_SerializeUasResponses)
    ->UseManualTime()
    ->Iterations(kUasIterations)
    ->ComputeStatistics("min", min_of)
    ->Unit(benchmark::kMicrosecond);

// What a UAS Core does per INVITE besides the transaction layer: build the
// 100, 180 and 200 with build_response (§8.2.6). Not inlined, for callgrind
// (--toggle-collect='*build_uas_responses*').
[[gnu::noinline]] bool build_uas_responses(const message::Message& request) {
  for (int code : {100, 180, 200}) {
    auto r = message::build_response(request, code, {}, "tag8a7c");
    if (!r) return false;
    benchmark::DoNotOptimize(&*r);
  }
  return true;
}

void BM_BuildUasResponses(benchmark::State& state) {
  auto request = message::parse_message(invite_text(1));
  if (!request) std::abort();
  for (auto _ : state) {
    if (!build_uas_responses(*request)) {
      state.SkipWithError("build_response failed");
      return;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_BuildUasResponses)->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);

// Heap per live server INVITE transaction, at 10,000 concurrent ones, in the
// state given by the codes the Core sent: {} (waiting, the INVITE copy kept
// for the automatic 100), {180} (Proceeding, the 180 kept), {200} (Accepted).
void memory_benchmark(benchmark::State& state, std::initializer_list<int> codes) {
  constexpr std::size_t kConcurrent = 10000;
  sippet::bench::set_heap_counting(true);
  for (auto _ : state) {
    UasBatch batch = make_batch(0, kConcurrent, "INVITE", codes);
    Actions out;
    out.reserve(16);
    const TransportInfo source = udp_source();
    // The Core keeps the requests it was given (so their frees do not count).
    std::vector<message::Message> core;
    core.reserve(kConcurrent);
    auto layer = std::make_unique<TransactionLayer>();
    std::int64_t kept_message_bytes = 0;
    const std::int64_t before = sippet::bench::live_heap_bytes();
    for (std::size_t i = 0; i < kConcurrent; ++i) {
      out.clear();
      if (!layer->on_request(std::move(batch.requests[i]), source, out).ok()) std::abort();
      auto id = std::get<transaction::DeliverRequest>(out.back()).id;
      const std::int64_t request_bytes = static_cast<std::int64_t>(
          std::get<transaction::DeliverRequest>(out.back()).request.bytes().size());
      core.push_back(std::move(std::get<transaction::DeliverRequest>(out.back()).request));
      bool answered = false;
      for (auto& r : batch.responses[i]) {
        out.clear();
        if (!layer->send_response(std::move(r), id, out).ok()) std::abort();
        answered = true;
        for (auto& a : out) {
          auto* s = std::get_if<transaction::SendMessage>(&a);
          // A provisional response is kept for retransmitted INVITEs.
          if (s != nullptr && s->bytes.use_count() > 1) {
            kept_message_bytes +=
                static_cast<std::int64_t>(malloc_usable_size(const_cast<char*>(s->bytes->data())));
          }
        }
      }
      if (!answered) kept_message_bytes += request_bytes;  // the copy for the 100 Trying
      out.clear();                                         // the Core drops what it was given
    }
    const std::int64_t after = sippet::bench::live_heap_bytes();
    const double total = static_cast<double>(after - before) / kConcurrent;
    const double kept = static_cast<double>(kept_message_bytes) / kConcurrent;
    state.counters["bytes_per_txn"] = total;
    state.counters["message_bytes_per_txn"] = kept;
    state.counters["overhead_per_txn"] = total - kept;
    state.counters["live"] = static_cast<double>(layer->size());
  }
  sippet::bench::set_heap_counting(false);
}

void BM_MemoryServerInviteWaiting(benchmark::State& state) {
  memory_benchmark(state, {});
}
void BM_MemoryServerInviteProceeding(benchmark::State& state) {
  memory_benchmark(state, {180});
}
void BM_MemoryServerInviteAccepted(benchmark::State& state) {
  memory_benchmark(state, {200});
}
BENCHMARK(BM_MemoryServerInviteWaiting)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MemoryServerInviteProceeding)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MemoryServerInviteAccepted)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
