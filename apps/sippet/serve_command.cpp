// sippet serve: runs a SIP element on the stack until SIGINT or SIGTERM.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "capture_options.hpp"
#include "commands.hpp"
#include "dns_options.hpp"
#include "metrics_endpoint.hpp"
#include "serve_options.hpp"
#include "sippet/stack/stack.hpp"
#include "uas_core.hpp"

namespace sippet::app {

namespace {

void usage(std::FILE* out) {
  std::fputs(
      "usage: sippet serve --mode uas --listen udp:HOST:PORT [--listen ...] [options]\n"
      "\n"
      "  --mode uas        user agent server: INVITE -> 180 + 200, BYE/OPTIONS/... -> 200,\n"
      "                    CANCEL -> 200 + 487\n"
      "  --listen SPEC     udp:127.0.0.1:5060, udp:[::1]:5060 (port 0: any); repeatable\n"
      "  --threads N       worker threads (default: one per core)\n"
      "  --t1 MS           RFC 3261 T1 (default 500); T2 and T4 keep their ratio to 500\n"
      "  --answer CODE     final status for every INVITE (default 200)\n"
      "  --ring MS         wait MS between 180 and the final response (default 0)\n"
      "  --verbose         log transaction events to stderr (created, state changes, timers,\n"
      "                    retransmissions, errors; default: warnings only)\n"
      "  --metrics SPEC    serve Prometheus metrics at http://HOST:PORT/metrics\n"
      "                    (SPEC tcp:HOST:PORT, port 0: any)\n",
      out);
  std::fputs(kCaptureUsage, out);
  std::fputs(kDnsUsage, out);
}

}  // namespace

int run_serve(int argc, char** argv) {
  stack::StackConfig config;
  UasOptions uas;
  std::string mode = "uas";
  bool verbose = false;
  std::optional<transport::Endpoint> metrics_at;
  CaptureOptions capture;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (int parsed = parse_capture_option(argc, argv, i, "serve", capture); parsed != 0) {
      if (parsed < 0) return 2;
      continue;
    }
    if (int parsed = parse_dns_option(argc, argv, i, "serve", config.dns); parsed != 0) {
      if (parsed < 0) return 2;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    }
    if (arg == "--verbose" || arg == "-v") {
      verbose = true;
      continue;
    }
    if (arg != "--mode" && arg != "--listen" && arg != "--threads" && arg != "--t1" &&
        arg != "--answer" && arg != "--ring" && arg != "--metrics") {
      std::fprintf(stderr, "sippet serve: unknown option '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
    const char* value = option_value(argc, argv, i, "serve");
    if (value == nullptr) return 2;
    auto number = [&](long min, long max) {
      auto n = parse_number(value, min, max);
      if (!n)
        std::fprintf(stderr, "sippet serve: %s: '%s' is not a number in [%ld, %ld]\n",
                     std::string(arg).c_str(), value, min, max);
      return n;
    };
    if (arg == "--mode") {
      mode = value;
    } else if (arg == "--listen") {
      auto spec = transport::parse_listen_spec(value);
      if (!spec) {
        std::fprintf(stderr, "sippet serve: --listen %s: %s\n", value, spec.error().reason.c_str());
        return 2;
      }
      config.listen.push_back(*spec);
    } else if (arg == "--threads") {
      auto n = number(1, 256);
      if (!n) return 2;
      config.threads = static_cast<unsigned>(*n);
    } else if (arg == "--t1") {
      auto n = number(1, 60000);
      if (!n) return 2;
      // Table 4: T2 = 8 T1 and T4 = 10 T1 at the defaults; keep the ratios.
      config.timers.t1 = std::chrono::milliseconds(*n);
      config.timers.t2 = std::chrono::milliseconds(*n * 8);
      config.timers.t4 = std::chrono::milliseconds(*n * 10);
    } else if (arg == "--answer") {
      auto n = number(200, 699);
      if (!n) return 2;
      uas.answer = static_cast<int>(*n);
    } else if (arg == "--ring") {
      auto n = number(0, 600000);
      if (!n) return 2;
      uas.ring = std::chrono::milliseconds(*n);
    } else if (arg == "--metrics") {
      auto at = parse_metrics_spec(value);
      if (!at) {
        std::fprintf(stderr, "sippet serve: --metrics %s: %s\n", value, at.error().reason.c_str());
        return 2;
      }
      metrics_at = *at;
    }
  }
  if (mode != "uas") {
    std::fprintf(stderr, "sippet serve: --mode %s: only 'uas' is available\n", mode.c_str());
    return 2;
  }
  if (config.listen.empty()) {
    std::fputs("sippet serve: at least one --listen is needed\n", stderr);
    usage(stderr);
    return 2;
  }
  if (verbose) config.logger = std::make_shared<stack::StderrLogger>(stack::LogLevel::kTrace);
  // The trace goes to stdout, written by a thread of its own like the pcap
  // and HEP copies: the workers only queue the messages.
  Captures captures;
  if (!captures.open(capture, "serve", stdout, false)) return 1;
  captures.install(config);

  // The workers' malloc arenas otherwise grow and shrink their heaps with
  // mprotect() under steady load: keep what they got.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 16 << 20);

  // Workers inherit the mask: only this thread takes SIGINT / SIGTERM.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  UasCore core(uas);
  auto stack = stack::Stack::create(std::move(config), core);
  if (!stack) {
    std::fprintf(stderr, "sippet serve: %s\n", stack.error().reason.c_str());
    return 1;
  }
  core.attach(**stack);
  for (const auto& endpoint : (*stack)->local_endpoints())
    std::printf("sippet serve: uas listening on udp:%s (%u threads)\n",
                endpoint.to_string().c_str(), (*stack)->worker_count());
  std::unique_ptr<metrics::HttpServer> exporter;
  if (metrics_at) {
    auto started = serve_metrics(**stack, *metrics_at);
    if (!started) {
      std::fprintf(stderr, "sippet serve: --metrics %s\n", started.error().reason.c_str());
      return 1;
    }
    exporter = std::move(*started);
    std::printf("sippet serve: metrics at http://%s/metrics\n",
                exporter->local_endpoint().to_string().c_str());
  }
  std::fflush(stdout);

  int signal = 0;
  sigwait(&signals, &signal);
  if (exporter) exporter->stop();
  (*stack)->stop();
  captures.close_and_report("serve");
  std::printf("sippet serve: stopped (%s)\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
  return 0;
}

}  // namespace sippet::app
