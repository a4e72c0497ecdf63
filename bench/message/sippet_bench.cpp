// Sippet's own figures: full typed parse of the anchor INVITE, serialization,
// building a 200 to it, and parsing a typical SIP URI.
#include <benchmark/benchmark.h>

#include <string>

#include "bench_common.hpp"
#include "sippet/message/builder.hpp"
#include "sippet/message/parser.hpp"
#include "sippet/message/uri.hpp"

namespace sm = sippet::message;
using sippet::bench::anchor_invite;

namespace {

// The parse must have typed what the anchor holds, else the figure is void.
bool anchor_parsed_fully(const sm::Result<sm::Message>& r) {
  if (!r.ok()) return false;
  const sm::Message& m = *r;
  return m.method() == sm::Method::kInvite && m.count(sm::HeaderId::kVia) == 2 &&
         m.count(sm::HeaderId::kRecordRoute) == 2 && m.count(sm::HeaderId::kAllow) == 10 &&
         m.count(sm::HeaderId::kSupported) == 3 && m.cseq() != nullptr && m.cseq()->seq == 314159 &&
         m.from() != nullptr && m.from()->tag() == "1928301774" && m.body().size() == 149;
}

// Heap allocations per iteration since `before`, as a counter.
void count_allocations(benchmark::State& state, const char* name, std::uint64_t before) {
  const std::uint64_t allocations = sippet::bench::heap_allocations() - before;
  state.counters[name] = static_cast<double>(allocations) / static_cast<double>(state.iterations());
}

void parse_invite_sippet(benchmark::State& state) {
  const std::string& bytes = anchor_invite();
  if (!anchor_parsed_fully(sm::parse_message(bytes))) {
    state.SkipWithError("sippet did not parse the anchor");
    return;
  }
  const std::uint64_t before = sippet::bench::heap_allocations();
  for (auto _ : state) {
    auto r = sm::parse_message(bytes);
    benchmark::DoNotOptimize(r);
  }
  count_allocations(state, "allocs_per_parse", before);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}

void serialize_sippet(benchmark::State& state) {
  auto r = sm::parse_message(anchor_invite());
  if (!anchor_parsed_fully(r)) {
    state.SkipWithError("sippet did not parse the anchor");
    return;
  }
  const sm::Message& m = *r;
  std::string out;
  m.append_to(out);
  if (!sm::parse_message(out).ok()) {
    state.SkipWithError("the serialization does not parse");
    return;
  }
  const std::uint64_t before = sippet::bench::heap_allocations();
  for (auto _ : state) {
    out.clear();  // a reused buffer, as a transport would
    m.append_to(out);
    benchmark::DoNotOptimize(out.data());
  }
  count_allocations(state, "allocs_per_op", before);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}

void build_response_sippet(benchmark::State& state) {
  auto r = sm::parse_message(anchor_invite());
  if (!anchor_parsed_fully(r)) {
    state.SkipWithError("sippet did not parse the anchor");
    return;
  }
  const sm::Message& invite = *r;
  auto check = sm::build_response(invite, 200);
  if (!check.ok() || check->status_code() != 200 || check->count(sm::HeaderId::kVia) != 2 ||
      check->to() == nullptr || check->to()->tag().empty()) {
    state.SkipWithError("build_response did not build a 200 with a To tag");
    return;
  }
  const std::uint64_t before = sippet::bench::heap_allocations();
  for (auto _ : state) {
    auto response = sm::build_response(invite, 200);  // random To tag included
    benchmark::DoNotOptimize(response);
  }
  count_allocations(state, "allocs_per_op", before);
}

constexpr const char* kUri = "sip:alice@pc33.atlanta.example.com:5060;transport=tcp;lr";

void parse_uri_sippet(benchmark::State& state) {
  auto check = sm::parse_uri(kUri);
  if (!check.ok() || check->host != "pc33.atlanta.example.com" || check->port != 5060 ||
      check->transport() != "tcp") {
    state.SkipWithError("sippet did not parse the URI");
    return;
  }
  const std::uint64_t before = sippet::bench::heap_allocations();
  for (auto _ : state) {
    auto uri = sm::parse_uri(kUri);
    benchmark::DoNotOptimize(uri);
  }
  count_allocations(state, "allocs_per_op", before);
}

}  // namespace

BENCHMARK(parse_invite_sippet)->Name("parse_invite/sippet");
BENCHMARK(serialize_sippet)->Name("serialize/sippet");
BENCHMARK(build_response_sippet)->Name("build_response/sippet");
BENCHMARK(parse_uri_sippet)->Name("parse_uri/sippet");
