// sippet serve: runs a SIP element on the stack until SIGINT or SIGTERM.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "authenticator.hpp"
#include "capture_options.hpp"
#include "commands.hpp"
#include "dns_options.hpp"
#include "location_service.hpp"
#include "metrics_endpoint.hpp"
#include "proxy_router.hpp"
#include "registrar_core.hpp"
#include "serve_options.hpp"
#include "sippet/stack/stack.hpp"
#include "sippet/transport/stream_options.hpp"
#include "uas_core.hpp"

namespace sippet::app {

namespace {

void usage(std::FILE* out) {
  std::fputs(
      "usage: sippet serve   (registrar and proxy on udp: and tcp:127.0.0.1:5060, bindings\n"
      "                      in $XDG_DATA_HOME/sippet/registrar.db)\n"
      "       sippet serve --mode uas --listen udp:HOST:PORT [--listen ...] [options]\n"
      "       sippet serve --mode proxy --listen udp:HOST:PORT [--to URI]\n"
      "                    [--stateless] [--record-route] [--domain NAME ...] [options]\n"
      "       sippet serve --mode registrar --listen udp:HOST:PORT [--db PATH|URL] [options]\n"
      "\n"
      "  --mode uas        user agent server: INVITE -> 180 + 200, BYE/OPTIONS/... -> 200,\n"
      "                    CANCEL -> 200 + 487\n"
      "  --mode proxy      RFC 3261 proxy with a registrar: REGISTERs for our domains are\n"
      "                    kept (in memory unless --db); requests to registered users go\n"
      "                    to their contacts; requests with Route follow it; requests for\n"
      "                    this proxy (its addresses, --domain) -> 404 (OPTIONS -> 200);\n"
      "                    requests in a dialog go to their Request-URI; the others to\n"
      "                    --to, else to their Request-URI\n"
      "  --mode registrar  RFC 3261 §10 registrar, and a proxy for registered users only\n"
      "                    (480 when a known user has no binding, else 404)\n"
      "  --to URI          proxy: the next hop of requests not for us: sip:IP:PORT, or a\n"
      "                    domain located by RFC 3263 (NAPTR, SRV, A/AAAA, failing over):\n"
      "                    sip:example.com, sips:example.com, sip:HOST;transport=tcp\n"
      "  --stateless       proxy: RFC 3261 §16.11 stateless (default: transaction stateful)\n"
      "  --record-route    proxy: add Record-Route (stay in the dialogs' path)\n"
      "  --domain NAME     proxy, registrar: a domain we own; repeatable (default: any)\n"
      "  --db PATH|URL     registrar: a SQLite file (created), or postgresql://... shared\n"
      "                    by several nodes (default: $XDG_DATA_HOME/sippet/registrar.db in\n"
      "                    registrar mode, memory in proxy mode)\n"
      "  --min-expires S   registrar: shorter registrations -> 423 (default 60)\n"
      "  --max-expires S   registrar: longer ones are shortened (default 86400)\n"
      "  --default-expires S  registrar: without expires (default 3600)\n"
      "  --max-contacts N  registrar: bindings per address of record; beyond: 403 and\n"
      "                    nothing stored (default 10)\n"
      "  --fork MODE       parallel (default) or sequential (by q-value) to the contacts\n"
      "  --register-queue N  registrar: REGISTERs waiting to be stored at most (default\n"
      "                    10000); beyond it, or beyond N/4 from one address: 503\n"
      "  --listen SPEC     udp:127.0.0.1:5060, udp:[::1]:5060, tcp:..., tls:... (port 0: any);\n"
      "                    repeatable\n"
      "  --tls-cert FILE   certificate chain (PEM) for tls: listeners\n"
      "  --tls-key FILE    its private key (PEM)\n"
      "  --tls-ca FILE     CAs trusted for peers' certificates (default: the system's)\n"
      "  --tls-verify-client  require a client certificate signed by those CAs\n"
      "  --max-connections N      tcp:/tls: most open connections per listen address,\n"
      "                           in and out (default 10000); beyond it new ones are refused\n"
      "  --max-connections-per-address N  tcp:/tls: most connections accepted from one\n"
      "                           IP address (default 100); beyond it its new ones are refused\n"
      "  --max-message-size BYTES tcp:/tls: largest message accepted (default 65535);\n"
      "                           larger: 513, or the connection closed\n"
      "  --max-queued-bytes BYTES tcp:/tls: bytes waiting to be written on one connection\n"
      "                           (default 1048576); beyond it the connection closes\n"
      "  --idle-timeout MS        tcp:/tls: close a connection with no traffic, no\n"
      "                           transaction and no flow kept open for MS (default 120000)\n"
      "  --message-timeout MS     tcp:/tls: close a connection whose message is begun and\n"
      "                           not finished within MS (default 10000)\n"
      "  --handshake-timeout MS   tcp:/tls: connecting and the TLS handshake (default 10000)\n"
      "  --threads N       worker threads (default: one per core)\n"
      "  --t1 MS           RFC 3261 T1 (default 500); T2 and T4 keep their ratio to 500\n"
      "  --answer CODE     final status for every INVITE (default 200)\n"
      "  --ring MS         wait MS between 180 and the final response (default 0)\n"
      "  --verbose         log transaction events to stderr (created, state changes, timers,\n"
      "                    retransmissions, errors; default: warnings only)\n"
      "  --metrics SPEC    serve Prometheus metrics at http://HOST:PORT/metrics\n"
      "                    (SPEC tcp:HOST:PORT, port 0: any)\n",
      out);
  std::fputs(kAuthUsage, out);
  std::fputs(kCaptureUsage, out);
  std::fputs(kDnsUsage, out);
}

// The stream transports' limits (StreamLimits), each with its range.
struct LimitOption {
  std::string_view name;
  long min;
  long max;
};
constexpr LimitOption kLimitOptions[] = {
    {"--max-connections", 1, 1000000},     {"--max-connections-per-address", 1, 1000000},
    {"--max-message-size", 512, 16 << 20}, {"--max-queued-bytes", 4096, 1L << 30},
    {"--idle-timeout", 1, 86400000},       {"--message-timeout", 1, 3600000},
    {"--handshake-timeout", 1, 3600000},
};

bool is_limit_option(std::string_view arg) {
  for (const auto& option : kLimitOptions)
    if (arg == option.name) return true;
  return false;
}

// Sets the limit `arg` names from `value`; false (and a message) when the
// value is not a whole number in its range.
bool parse_limit_option(std::string_view arg, const char* value, transport::StreamLimits& limits) {
  for (const auto& option : kLimitOptions) {
    if (arg != option.name) continue;
    auto n = parse_number(value, option.min, option.max);
    if (!n) {
      std::fprintf(stderr, "sippet serve: %s: '%s' is not a whole number in [%ld, %ld]\n",
                   std::string(arg).c_str(), value, option.min, option.max);
      return false;
    }
    const auto ms = std::chrono::milliseconds(*n);
    if (arg == "--max-connections") limits.max_connections = static_cast<std::size_t>(*n);
    if (arg == "--max-connections-per-address")
      limits.max_connections_per_address = static_cast<std::size_t>(*n);
    if (arg == "--max-message-size") limits.max_message_size = static_cast<std::size_t>(*n);
    if (arg == "--max-queued-bytes") limits.max_queued_bytes = static_cast<std::size_t>(*n);
    if (arg == "--idle-timeout") limits.idle_timeout = ms;
    if (arg == "--message-timeout") limits.partial_message_timeout = ms;
    if (arg == "--handshake-timeout") limits.handshake_timeout = ms;
    return true;
  }
  return false;
}

}  // namespace

int run_serve(int argc, char** argv) {
  stack::StackConfig config;
  UasOptions uas;
  ProxyOptions proxy_options;
  std::string mode = "uas";
  LocationOptions location_options;
  std::optional<std::string> db;
  bool registrar_option = false;
  AuthenticatorOptions auth_options;
  if (argc == 1) {
    // No arguments: the registrar and proxy a newcomer points phones at.
    mode = "proxy";
    db = default_db_path();
    for (const char* spec : {"udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"})
      config.listen.push_back(*transport::parse_listen_spec(spec));
  }
  bool verbose = false;
  std::optional<transport::Endpoint> metrics_at;
  CaptureOptions capture;
  transport::SocketTransportOptions sockets;
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
    if (int parsed = parse_auth_option(argc, argv, i, "serve", auth_options); parsed != 0) {
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
    if (arg == "--stateless") {
      proxy_options.stateless = true;
      continue;
    }
    if (arg == "--record-route") {
      proxy_options.record_route = true;
      continue;
    }
    if (arg == "--tls-verify-client") {
      sockets.tls.require_client_certificate = true;
      continue;
    }
    if (arg != "--mode" && arg != "--listen" && arg != "--threads" && arg != "--t1" &&
        arg != "--answer" && arg != "--ring" && arg != "--metrics" && arg != "--to" &&
        arg != "--domain" && arg != "--tls-cert" && arg != "--tls-key" && arg != "--tls-ca" &&
        arg != "--db" && arg != "--min-expires" && arg != "--max-expires" &&
        arg != "--default-expires" && arg != "--max-contacts" && arg != "--fork" &&
        arg != "--register-queue" && !is_limit_option(arg)) {
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
    if (is_limit_option(arg)) {
      if (!parse_limit_option(arg, value, sockets.stream)) return 2;
    } else if (arg == "--mode") {
      mode = value;
    } else if (arg == "--tls-cert") {
      sockets.tls.certificate_file = value;
    } else if (arg == "--tls-key") {
      sockets.tls.private_key_file = value;
    } else if (arg == "--tls-ca") {
      sockets.tls.ca_file = value;
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
    } else if (arg == "--to") {
      auto to = parse_to(value);
      if (!to) {
        std::fprintf(stderr, "sippet serve: --to %s: %s\n", value, to.error().reason.c_str());
        return 2;
      }
      proxy_options.to = std::move(to).value();
    } else if (arg == "--domain") {
      proxy_options.domains.emplace_back(value);
    } else if (arg == "--db") {
      db = value;
      registrar_option = true;
    } else if (arg == "--min-expires" || arg == "--max-expires" || arg == "--default-expires") {
      auto n = number(0, 0xffffffffL);
      if (!n) return 2;
      auto& r = location_options.registrar;
      (arg == "--min-expires"   ? r.min_expires
       : arg == "--max-expires" ? r.max_expires
                                : r.default_expires) = static_cast<std::uint32_t>(*n);
      registrar_option = true;
    } else if (arg == "--max-contacts") {
      auto n = number(1, 1000000);
      if (!n) return 2;
      location_options.registrar.max_contacts = static_cast<std::size_t>(*n);
      registrar_option = true;
    } else if (arg == "--register-queue") {
      auto n = number(1, 10000000);
      if (!n) return 2;
      location_options.queue_limit = static_cast<std::size_t>(*n);
      registrar_option = true;
    } else if (arg == "--fork") {
      if (std::string_view(value) != "parallel" && std::string_view(value) != "sequential") {
        std::fprintf(stderr, "sippet serve: --fork %s: 'parallel' or 'sequential'\n", value);
        return 2;
      }
      proxy_options.sequential = std::string_view(value) == "sequential";
      registrar_option = true;
    } else if (arg == "--metrics") {
      auto at = parse_metrics_spec(value);
      if (!at) {
        std::fprintf(stderr, "sippet serve: --metrics %s: %s\n", value, at.error().reason.c_str());
        return 2;
      }
      metrics_at = *at;
    }
  }
  if (mode != "uas" && mode != "proxy" && mode != "registrar") {
    std::fprintf(stderr, "sippet serve: --mode %s: 'uas', 'proxy' or 'registrar'\n", mode.c_str());
    return 2;
  }
  const bool registrar_mode = mode == "registrar";
  const bool proxy_mode = mode == "proxy" || registrar_mode;
  if (!proxy_mode && (proxy_options.to || proxy_options.stateless || proxy_options.record_route ||
                      !proxy_options.domains.empty() || registrar_option)) {
    std::fputs(
        "sippet serve: --to, --stateless, --record-route, --domain and the registrar's options "
        "need --mode proxy or registrar\n",
        stderr);
    return 2;
  }
  if (registrar_mode && proxy_options.to) {
    std::fputs("sippet serve: --to needs --mode proxy (a registrar proxies to its users only)\n",
               stderr);
    return 2;
  }
  if (registrar_mode && !db) db = default_db_path();
  if (auth_options.users_file.empty() &&
      (!auth_options.realm.empty() || auth_options.algorithms_given)) {
    std::fputs("sippet serve: --realm and --auth-algorithm need --users\n", stderr);
    return 2;
  }
  std::unique_ptr<Authenticator> authenticator;
  if (!auth_options.users_file.empty()) {
    if (!proxy_mode) {
      std::fputs("sippet serve: --users needs --mode proxy or registrar\n", stderr);
      return 2;
    }
    if (auth_options.realm.empty() && !proxy_options.domains.empty())
      auth_options.realm = proxy_options.domains.front();
    if (auth_options.realm.empty()) {
      std::fputs("sippet serve: --users needs --realm (or a --domain, the default realm)\n",
                 stderr);
      return 2;
    }
    auth_options.domains = proxy_options.domains;
    auto loaded = Authenticator::load(auth_options);
    if (!loaded) {
      std::fprintf(stderr, "sippet serve: --users %s\n", loaded.error().reason.c_str());
      return 1;
    }
    authenticator = std::move(*loaded);
  }
  if (db && db->empty()) {
    std::fputs("sippet serve: --db needs a file or a postgresql:// URL\n", stderr);
    return 2;
  }
  if (db && is_postgres_url(*db) && proxy_options.stateless) {
    std::fputs("sippet serve: --stateless cannot wait for PostgreSQL lookups; use a SQLite --db\n",
               stderr);
    return 2;
  }
  proxy_options.registrar_only = registrar_mode;
  // A stateless proxy keeps no transaction (§16.11): the stack makes none.
  if (proxy_mode && proxy_options.stateless) {
    config.transactions = false;
    config.timers.auto_trying = false;
  }
  // The registrar: its database opened (or refused) before anything listens.
  std::unique_ptr<LocationService> location;
  if (proxy_mode) {
    location_options.db = db.value_or("");
    location_options.registrar.domains = proxy_options.domains;
    location_options.registrar.proxy_other_domains = !registrar_mode;
    auto opened = LocationService::open(location_options);
    if (!opened) {
      std::fprintf(stderr, "sippet serve: --db %s: %s\n", location_options.db.c_str(),
                   opened.error().reason.c_str());
      return 1;
    }
    location = std::move(*opened);
    config.connection_closed = [service = location.get()](const transport::Flow& flow) {
      service->connection_closed(flow);
    };
  }
  if (config.listen.empty()) {
    std::fputs("sippet serve: at least one --listen is needed\n", stderr);
    usage(stderr);
    return 2;
  }
  if (proxy_options.to && proxy_options.to->protocol) {
    // The stack sends from a listener of the target's transport.
    const auto wanted = *proxy_options.to->protocol;
    bool found = false;
    for (const auto& spec : config.listen)
      found = found || spec.protocol == wanted;
    if (!found) {
      std::fprintf(stderr, "sippet serve: --to %s: no %s listener to send from\n",
                   proxy_options.to->uri.c_str(),
                   std::string(transport::facts(wanted).uri_name).c_str());
      return 2;
    }
  }
  bool tls = false;
  for (const auto& spec : config.listen)
    tls = tls || spec.protocol == transport::Protocol::kTls;
  if (tls && sockets.tls.certificate_file.empty()) {
    std::fputs("sippet serve: a tls: listener needs --tls-cert and --tls-key\n", stderr);
    return 2;
  }
  auto factory = transport::make_socket_transport_factory(sockets);
  if (!factory) {
    std::fprintf(stderr, "sippet serve: %s\n", factory.error().reason.c_str());
    return 1;
  }
  config.transports = *factory;
  const auto specs = config.listen;
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

  std::vector<transport::Protocol> protocols;
  for (const auto& spec : config.listen)
    protocols.push_back(spec.protocol);
  uas.t1 = config.timers.t1;
  uas.t2 = config.timers.t2;
  UasCore uas_core(uas, protocols);
  ProxyRouter router(proxy_options, location.get());
  proxy::ProxyConfig proxy_config;
  proxy_config.stateless = proxy_options.stateless;
  proxy_config.record_route = proxy_options.record_route;
  proxy_config.domains = proxy_options.domains;
  proxy::ProxyCore proxy_core(
      proxy_config, proxy::AsyncRouter([&router](const message::Message& request,
                                                 const transport::Flow& flow, proxy::Later later) {
        return router(request, flow, std::move(later));
      }));
  router.use(proxy_core);
  // With a registrar (every proxy mode) its Core is in front of the proxy's;
  // Stack::create hands the stack to it (and through it to the proxy and
  // the location service) before any message is read.
  std::optional<RegistrarCore> registrar_core;
  if (location) registrar_core.emplace(proxy_core, *location, !registrar_mode, authenticator.get());
  stack::Core& core = registrar_core ? static_cast<stack::Core&>(*registrar_core)
                      : proxy_mode   ? static_cast<stack::Core&>(proxy_core)
                                     : static_cast<stack::Core&>(uas_core);
  auto stack = stack::Stack::create(std::move(config), core);
  if (!stack) {
    std::fprintf(stderr, "sippet serve: %s\n", stack.error().reason.c_str());
    return 1;
  }
  const char* what = !proxy_mode               ? "uas"
                     : registrar_mode          ? "registrar"
                     : proxy_options.stateless ? "stateless proxy"
                                               : "proxy";
  if (location)
    std::printf("sippet serve: bindings in %s (%zu loaded)\n",
                location_options.db.empty() ? "memory" : location_options.db.c_str(),
                location->loaded());
  const auto endpoints = (*stack)->local_endpoints();
  for (std::size_t i = 0; i < endpoints.size(); ++i)
    std::printf("sippet serve: %s listening on %s:%s (%u threads)\n", what,
                std::string(transport::facts(specs[i].protocol).uri_name).c_str(),
                endpoints[i].to_string().c_str(), (*stack)->worker_count());
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
  if (location) location->stop();
  captures.close_and_report("serve");
  std::printf("sippet serve: stopped (%s)\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
  return 0;
}

}  // namespace sippet::app
