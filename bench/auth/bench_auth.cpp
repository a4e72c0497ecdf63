// Benchmarks of the auth layer (Digest, RFC 7616), per core (thread CPU
// time): challenges built (a 401 with one challenge, nonce HMAC included)
// and answers checked (Server::verify of a REGISTER with right credentials
// and a new nc: header read, user lookup, digest, nonce MAC, replay table),
// for MD5 and SHA-256. The requests to check are made outside the timed
// part, in batches.
#include <benchmark/benchmark.h>

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sippet/auth.hpp"
#include "sippet/message/builder.hpp"
#include "sippet/message/parser.hpp"

namespace {

using namespace sippet;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

message::Message register_request() {
  auto r = message::parse_message(
               "REGISTER sip:example.com SIP/2.0\r\n"
               "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\n"
               "Max-Forwards: 70\r\n"
               "To: <sip:alice@example.com>\r\n"
               "From: <sip:alice@example.com>;tag=1928301774\r\n"
               "Call-ID: a84b4c76e66710@192.0.2.10\r\n"
               "CSeq: 1 REGISTER\r\n"
               "Contact: <sip:alice@192.0.2.10:5060>\r\n"
               "Expires: 3600\r\n"
               "Content-Length: 0\r\n\r\n")
               .value();
  return r;
}

std::shared_ptr<auth::MemoryUsers> users() {
  auto u = std::make_shared<auth::MemoryUsers>();
  for (int i = 0; i < 1000; ++i)
    u->add_password("user" + std::to_string(i), "example.com", "pw" + std::to_string(i));
  u->add_password("alice", "example.com", "secret");
  return u;
}

auth::ServerOptions options(auth::Algorithm algorithm) {
  auth::ServerOptions o;
  o.realm = "example.com";
  o.algorithms = {algorithm};
  return o;
}

void BM_Challenge(benchmark::State& state) {
  const auto algorithm = static_cast<auth::Algorithm>(state.range(0));
  auth::Server server(options(algorithm), users());
  auto request = register_request();
  auth::Verdict missing = server.verify(request);
  const double start = thread_cpu_seconds();
  for (auto _ : state) {
    auto response = server.respond(request, missing);
    benchmark::DoNotOptimize(response);
  }
  const double cpu = thread_cpu_seconds() - start;
  state.counters["per_core_per_s"] = static_cast<double>(state.iterations()) / cpu;
  state.SetLabel(std::string(auth::to_string(algorithm)));
}

void BM_Verify(benchmark::State& state) {
  const auto algorithm = static_cast<auth::Algorithm>(state.range(0));
  auth::Server server(options(algorithm), users());
  auth::Client client([](std::string_view) {
    auth::UserSecret s;
    s.username = "alice";
    s.password = "secret";
    return std::optional<auth::UserSecret>(s);
  });
  auto request = register_request();
  auto challenge = server.respond(request, server.verify(request)).value();
  if (!client.answer(request, challenge)) {
    state.SkipWithError("no answer");
    return;
  }
  constexpr std::size_t kBatch = 2000;
  std::vector<message::Message> batch;
  double cpu = 0;
  std::int64_t ok = 0;
  while (state.KeepRunningBatch(kBatch)) {
    state.PauseTiming();
    batch.clear();
    for (std::size_t i = 0; i < kBatch; ++i) {
      auto r = register_request();
      client.authorize(r);
      batch.push_back(message::parse_message(r.to_string()).value());
    }
    state.ResumeTiming();
    const double start = thread_cpu_seconds();
    for (const auto& request : batch)
      ok += server.verify(request).ok() ? 1 : 0;
    cpu += thread_cpu_seconds() - start;
  }
  if (ok != static_cast<std::int64_t>(state.iterations())) state.SkipWithError("not all ok");
  state.counters["per_core_per_s"] = static_cast<double>(state.iterations()) / cpu;
  state.SetLabel(std::string(auth::to_string(algorithm)));
}

BENCHMARK(BM_Challenge)
    ->Arg(static_cast<int>(auth::Algorithm::kMd5))
    ->Arg(static_cast<int>(auth::Algorithm::kSha256));
BENCHMARK(BM_Verify)
    ->Arg(static_cast<int>(auth::Algorithm::kMd5))
    ->Arg(static_cast<int>(auth::Algorithm::kSha256));

}  // namespace

BENCHMARK_MAIN();
