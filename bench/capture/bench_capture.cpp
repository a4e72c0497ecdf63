// What an observer costs the stack's thread per message (on_message), for
// each way of writing: queued to a writer thread (the default), or
// formatted and written on the calling thread under a mutex (synchronous),
// and the formatting alone. The message is the anchor INVITE (884 octets);
// the files are /dev/null, so the numbers are the CPU of our code and the
// write(2) calls, not of a disk.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "sippet/capture/hep.hpp"
#include "sippet/capture/pcap.hpp"
#include "sippet/capture/trace.hpp"
#include "sippet/capture/writer.hpp"

namespace {

using namespace sippet;

std::string anchor() {
  std::ifstream in(SIPPET_ANCHOR, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

transport::Flow flow() {
  transport::Flow f;
  f.local = *transport::Endpoint::from_ip("127.0.0.1", 5060);
  f.remote = *transport::Endpoint::from_ip("127.0.0.1", 40000);
  return f;
}

void run(benchmark::State& state, capture::CaptureWriter& writer) {
  const std::string bytes = anchor();
  const auto f = flow();
  for (auto _ : state) {
    writer.on_message({stack::Direction::kReceived, f, bytes, std::chrono::system_clock::now()});
  }
  writer.close();
  state.counters["dropped"] = static_cast<double>(writer.dropped());
}

std::FILE* dev_null() {
  return std::fopen("/dev/null", "w");
}

// The stack's side of every queued writer: copy, push; the writer thread
// only frees the copies, so it keeps up and the queue stays short (as in a
// server at a few thousand messages a second).
class NullSink final : public capture::Sink {
 public:
  void write(const stack::MessageEvent&) override {}
};
void queued_null_sink(benchmark::State& state) {
  capture::WriterOptions options;
  options.wake_at = 64;
  capture::CaptureWriter writer(std::make_unique<NullSink>(), options);
  run(state, writer);
}
BENCHMARK(queued_null_sink);

void trace_queued(benchmark::State& state) {
  capture::CaptureWriter writer(std::make_unique<capture::TraceSink>(
      dev_null(), true, static_cast<capture::TraceFormat>(state.range(0))));
  run(state, writer);
}
// 50,000 messages fit in the queue (65,536): what a push costs, no drops.
BENCHMARK(trace_queued)->Arg(0)->Arg(1)->ArgName("json")->Iterations(50000);

void trace_synchronous(benchmark::State& state) {
  capture::WriterOptions options;
  options.synchronous = true;
  capture::CaptureWriter writer(
      std::make_unique<capture::TraceSink>(dev_null(), true,
                                           static_cast<capture::TraceFormat>(state.range(0))),
      options);
  run(state, writer);
}
BENCHMARK(trace_synchronous)->Arg(0)->Arg(1)->ArgName("json")->Iterations(50000);

void pcap_queued(benchmark::State& state) {
  capture::CaptureWriter writer(std::make_unique<capture::PcapSink>(dev_null()));
  run(state, writer);
}
BENCHMARK(pcap_queued)->Iterations(50000);

// Formatting alone, on one thread: what the writer thread spends.
void format_only(benchmark::State& state) {
  const std::string bytes = anchor();
  const auto f = flow();
  const stack::MessageEvent event{stack::Direction::kReceived, f, bytes,
                                  std::chrono::system_clock::now()};
  std::string out;
  capture::PcapWriter pcap;
  for (auto _ : state) {
    out.clear();
    switch (state.range(0)) {
      case 0:
        capture::format_trace(event, capture::TraceFormat::kText, out);
        break;
      case 1:
        capture::format_trace(event, capture::TraceFormat::kJson, out);
        break;
      case 2:
        pcap.append_record(event, out);
        break;
      default:
        capture::encode_hep3(event, 1, out);
    }
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(format_only)->Arg(0)->Arg(1)->Arg(2)->Arg(3)->ArgName("text_json_pcap_hep");

}  // namespace

BENCHMARK_MAIN();
