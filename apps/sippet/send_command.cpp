// sippet send: sends one request through a client transaction (RFC 3261
// §17.1), prints each response's status line, and exits 0 on a 2xx, 1 on
// another final response, 2 on a timeout (Timer B/F) or a transport error.
// With --user and --password, a 401 or 407 is answered with Digest
// credentials (§22.2, RFC 7616) and the request sent again.
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>

#include "capture_options.hpp"
#include "commands.hpp"
#include "dns_options.hpp"
#include "serve_options.hpp"
#include "sippet/auth/client.hpp"
#include "sippet/message/builder.hpp"
#include "sippet/message/uri.hpp"
#include "sippet/stack/stack.hpp"

namespace sippet::app {

namespace {

void usage(std::FILE* out) {
  std::fputs(
      "usage: sippet send [--method M] [--transport udp|tcp|tls] [--t1 MS] [--listen SPEC]\n"
      "                   [--tls-ca FILE] [--tls-insecure] [--user U --password P]\n"
      "                   [--trace] [--trace-file FILE] [--trace-format text|json] URI\n"
      "\n"
      "  --method M      request method (default OPTIONS)\n"
      "  --transport T   udp, tcp or tls (default: the URI's transport parameter, tls for\n"
      "                  a sips: URI, else udp)\n"
      "  --tls-ca FILE   CAs trusted for the server's certificate (default: the system's)\n"
      "  --tls-insecure  accept any server certificate (a self-signed test server)\n"
      "  --t1 MS         RFC 3261 T1 (default 500): gives up after 64*T1\n"
      "  --listen SPEC   local address (default: the one routing to the URI's first\n"
      "                  target, port 0)\n"
      "  --user U        Digest username: a 401/407 is answered (any realm)\n"
      "  --password P    Digest password (with --user)\n"
      "a domain is located by RFC 3263 (NAPTR, SRV, A/AAAA) for the transport, failing\n"
      "over to the next target on a transport error or timeout (sippet resolve URI\n"
      "shows them)\n"
      "exit status: 0 on a 2xx, 1 on another final response, 2 on timeout or error\n"
      "the trace goes to stderr (stdout has the status lines)\n",
      out);
  std::fputs(kCaptureUsage, out);
  std::fputs(kDnsUsage, out);
}

// The local address the kernel would send from to reach host:port
// (connect() on a UDP socket sends nothing).
std::optional<transport::Endpoint> local_address_towards(const std::string& host,
                                                         std::uint16_t port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* list = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list) != 0)
    return std::nullopt;
  std::optional<transport::Endpoint> local;
  for (addrinfo* a = list; a != nullptr && !local; a = a->ai_next) {
    int fd = ::socket(a->ai_family, SOCK_DGRAM, 0);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      sockaddr_storage storage{};
      socklen_t length = sizeof storage;
      if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) == 0)
        local = transport::Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), length);
    }
    ::close(fd);
  }
  ::freeaddrinfo(list);
  if (local) local->set_port(0);
  return local;
}

class SendCore final : public stack::Core {
 public:
  // Digest answers to 401/407 (§22.2): the stack to send the new request
  // on, and the request as last sent (before the stack added its Via).
  void enable_auth(stack::Stack* stack, std::string user, std::string password) {
    stack_ = stack;
    client_.emplace([user = std::move(user), password = std::move(password)](std::string_view) {
      auth::UserSecret secret;
      secret.username = user;
      secret.password = password;
      return std::optional<auth::UserSecret>(std::move(secret));
    });
  }
  void set_sent(message::Message request) {
    std::lock_guard lock(mutex_);
    sent_ = std::move(request);
  }
  // The request last sent (an INVITE's 2xx is acknowledged for it).
  std::optional<message::Message> sent() {
    std::lock_guard lock(mutex_);
    if (!sent_) return std::nullopt;
    return sent_->clone();
  }

  void receive_request(message::Message, std::optional<stack::Transaction>,
                       const transport::Flow&) override {}

  void receive_response(message::Message response, std::optional<stack::Transaction> transaction,
                        const transport::Flow&) override {
    const auto& status = response.status_line();
    std::printf("SIP/2.0 %u %.*s\n", status.code, static_cast<int>(status.reason.size()),
                status.reason.data());
    std::fflush(stdout);
    if (!transaction || status.code < 200) return;
    if ((status.code == 401 || status.code == 407) && answer_challenge(response)) return;
    if (status.code < 300 && response.method() == message::Method::kInvite)
      ack_ = std::move(response);
    finish(status.code < 300 ? 0 : 1);
  }

  void receive_error(const stack::TransactionError& error, stack::Transaction) override {
    if (error.reason == transaction::ErrorReason::kTimeout) {
      std::fprintf(stderr, "sippet send: timeout: no final response (%s)\n",
                   error.describe().c_str());
    } else {
      std::fprintf(stderr, "sippet send: %s\n", error.describe().c_str());
    }
    finish(2);
  }

  // Sends the request again with credentials; false when it cannot (no
  // --user, credentials refused, the limit of answers reached).
  bool answer_challenge(const message::Message& response) {
    if (!client_ || stack_ == nullptr) return false;
    std::optional<message::Message> again;
    {
      std::lock_guard lock(mutex_);
      if (!sent_ || answers_ >= kMaxAnswers) return false;
      auto answered = client_->answer(*sent_, response);
      if (!answered) {
        std::fprintf(stderr, "sippet send: %s\n", auth::to_string(answered.error()));
        return false;
      }
      ++answers_;
      sent_ = answered.request().clone();
      again = std::move(answered.request());
    }
    auto result = stack_->send_request(std::move(*again));
    if (!result) {
      std::fprintf(stderr, "sippet send: %s\n", result.error().reason.c_str());
      finish(2);
    }
    return true;
  }

  int wait() {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return status_.has_value(); });
    return *status_;
  }
  // The 2xx to an INVITE, to acknowledge (§13.2.2.4).
  std::optional<message::Message> take_2xx() { return std::move(ack_); }

 private:
  void finish(int status) {
    std::lock_guard lock(mutex_);
    if (!status_) status_ = status;
    done_.notify_all();
  }
  // A stale nonce and a second realm (a proxy, then the UAS) each cost one.
  static constexpr int kMaxAnswers = 3;
  stack::Stack* stack_ = nullptr;
  std::optional<auth::Client> client_;
  std::optional<message::Message> sent_;
  int answers_ = 0;
  std::mutex mutex_;
  std::condition_variable done_;
  std::optional<int> status_;
  std::optional<message::Message> ack_;
};

// §13.2.2.4: the ACK for a 2xx is its own transaction-less request.
void send_ack(stack::Stack& stack, const message::Message& invite, const message::Message& ok,
              transport::Protocol protocol) {
  auto ack = message::build_request("ACK", invite.request_line().uri.text);
  if (!ack) return;
  for (auto id : {message::HeaderId::kFrom, message::HeaderId::kCallId}) {
    if (const auto* field = ok.get(id)) (void)ack->put(id, field->value);
  }
  if (const auto* to = ok.get(message::HeaderId::kTo))
    (void)ack->put(message::HeaderId::kTo, to->value);
  (void)ack->put(message::HeaderId::kCSeq, std::to_string(ok.cseq()->seq) + " ACK");
  (void)ack->put(message::HeaderId::kMaxForwards, "70");
  const auto local = stack.local_endpoints().front();
  (void)ack->put(message::HeaderId::kVia, "SIP/2.0/" + std::string(transport::to_string(protocol)) +
                                              " " + local.to_string() +
                                              ";branch=" + message::create_branch() + ";rport");
  (void)stack.send_stateless(*ack);
}

}  // namespace

int run_send(int argc, char** argv) {
  std::string method = "OPTIONS";
  std::string uri_text;
  std::optional<std::string> user, password;
  std::optional<transport::ListenSpec> listen;
  stack::StackConfig config;
  config.threads = 1;
  CaptureOptions capture;
  transport::SocketTransportOptions sockets;
  std::optional<transport::Protocol> protocol;  // --transport
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (int parsed = parse_capture_option(argc, argv, i, "send", capture); parsed != 0) {
      if (parsed < 0) return 2;
      continue;
    }
    if (int parsed = parse_dns_option(argc, argv, i, "send", config.dns); parsed != 0) {
      if (parsed < 0) return 2;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    }
    if (arg == "--tls-insecure") {
      sockets.tls.verify_server = false;
      continue;
    }
    if (arg == "--method" || arg == "--transport" || arg == "--t1" || arg == "--listen" ||
        arg == "--tls-ca" || arg == "--user" || arg == "--password") {
      const char* value = option_value(argc, argv, i, "send");
      if (value == nullptr) return 2;
      if (arg == "--user") {
        user = value;
      } else if (arg == "--password") {
        password = value;
      } else if (arg == "--method") {
        method = value;
      } else if (arg == "--tls-ca") {
        sockets.tls.ca_file = value;
      } else if (arg == "--transport") {
        protocol = transport::parse_protocol(value);
        if (!protocol || *protocol == transport::Protocol::kWs ||
            *protocol == transport::Protocol::kWss) {
          std::fprintf(stderr, "sippet send: --transport %s: expected udp, tcp or tls\n", value);
          return 2;
        }
      } else if (arg == "--t1") {
        auto n = parse_number(value, 1, 60000);
        if (!n) {
          std::fprintf(stderr, "sippet send: --t1 '%s' is not a number of ms\n", value);
          return 2;
        }
        config.timers.t1 = std::chrono::milliseconds(*n);
        config.timers.t2 = std::chrono::milliseconds(*n * 8);
        config.timers.t4 = std::chrono::milliseconds(*n * 10);
      } else {
        auto spec = transport::parse_listen_spec(value);
        if (!spec) {
          std::fprintf(stderr, "sippet send: --listen %s: %s\n", value,
                       spec.error().reason.c_str());
          return 2;
        }
        listen = *spec;
      }
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "sippet send: unknown option '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    } else if (uri_text.empty()) {
      uri_text = arg;
    } else {
      std::fputs("sippet send: one URI only\n", stderr);
      return 2;
    }
  }
  if (uri_text.empty()) {
    usage(stderr);
    return 2;
  }
  if (user.has_value() != password.has_value()) {
    std::fputs("sippet send: --user and --password go together\n", stderr);
    return 2;
  }
  auto uri = message::parse_uri(uri_text);
  if (!uri || !uri->is_sip()) {
    std::fprintf(stderr, "sippet send: '%s' is not a sip: URI\n", uri_text.c_str());
    return 2;
  }
  // The transport: --transport, else the URI's (transport param, sips:).
  const bool chosen = protocol.has_value();
  if (!protocol) {
    if (uri->params.has("transport")) {
      protocol = transport::parse_protocol(uri->transport());
      if (!protocol) {
        std::fprintf(stderr, "sippet send: unknown transport '%s'\n", uri->transport().c_str());
        return 2;
      }
    } else {
      protocol = uri->scheme == message::UriScheme::kSips ? transport::Protocol::kTls
                                                          : transport::Protocol::kUdp;
    }
  }
  if (uri->scheme == message::UriScheme::kSips && !transport::is_secure(*protocol)) {
    std::fprintf(stderr, "sippet send: a sips: URI needs TLS, not %s (RFC 3261 §26.2.2)\n",
                 std::string(transport::to_string(*protocol)).c_str());
    return 2;
  }
  if (uri->host_type != message::HostType::kIPv4 && uri->host_type != message::HostType::kIPv6) {
    // A domain: RFC 3263 through the resolver the stack will use (its
    // answers cached for the stack); the first target says which local
    // address to listen on.
    auto resolver = stack::dns_resolver(config.dns);
    if (!resolver) {
      std::fprintf(stderr, "sippet send: %s\n", resolver.error().reason.c_str());
      return 2;
    }
    config.resolver = *resolver;
    if (!listen) {
      // Our one listener's transport; --transport also fixes it for RFC
      // 3263 §4.1 (our Via names it, which the stack routes by).
      dns::LocateQuery query = locate_query(*uri, {*protocol});
      if (chosen) query.protocol = *protocol;
      auto located = locate_and_wait(**resolver, query);
      if (!located) {
        std::fprintf(stderr, "sippet send: %s\n", located.error().reason.c_str());
        return 2;
      }
      const auto& first = located->targets.front().address;
      auto local = local_address_towards(first.address_string(), first.port());
      if (!local) {
        std::fprintf(stderr, "sippet send: cannot reach %s\n", first.to_string().c_str());
        return 2;
      }
      auto spec = transport::parse_listen_spec(std::string(transport::facts(*protocol).uri_name) +
                                               ":" + local->to_string());
      if (!spec) return 2;
      listen = *spec;
    }
  }
  if (!listen) {
    std::string host(uri->host);
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    auto local = local_address_towards(host, uri->port_or_default());
    if (!local) {
      std::fprintf(stderr, "sippet send: cannot reach %s\n", host.c_str());
      return 2;
    }
    auto spec = transport::parse_listen_spec(std::string(transport::facts(*protocol).uri_name) +
                                             ":" + local->to_string());
    if (!spec) return 2;
    listen = *spec;
  }
  config.listen.push_back(*listen);
  auto factory = transport::make_socket_transport_factory(sockets);
  if (!factory) {
    std::fprintf(stderr, "sippet send: %s\n", factory.error().reason.c_str());
    return 2;
  }
  config.transports = *factory;
  // The trace is written as the messages go (a few of them): in order with
  // the status lines.
  Captures captures;
  if (!captures.open(capture, "send", stderr, true)) return 2;
  captures.install(config);

  SendCore core;
  auto stack = stack::Stack::create(std::move(config), core);
  if (!stack) {
    std::fprintf(stderr, "sippet send: %s\n", stack.error().reason.c_str());
    return 2;
  }
  const auto local = (*stack)->local_endpoints().front();

  // §8.1.1: Request-URI, To, From (with a tag), Call-ID, CSeq, Max-Forwards;
  // the stack adds the Via.
  auto request = message::build_request(method, uri_text);
  if (!request) {
    std::fprintf(stderr, "sippet send: %s\n", request.error().reason.c_str());
    return 2;
  }
  (void)request->put(message::HeaderId::kTo, "<" + uri_text + ">");
  (void)request->put(message::HeaderId::kFrom,
                     "<sip:sippet@" + local.to_string() + ">;tag=" + message::create_tag());
  (void)request->put(message::HeaderId::kCallId, message::create_call_id());
  (void)request->put(message::HeaderId::kCSeq, "1 " + method);
  (void)request->put(message::HeaderId::kMaxForwards, "70");
  (void)request->put(message::HeaderId::kContact, "<sip:sippet@" + local.to_string() + ">");
  if (chosen) {
    // --transport: our Via names it, which the stack routes by (§18.1.1).
    (void)request->put(message::HeaderId::kVia,
                       "SIP/2.0/" + std::string(transport::to_string(*protocol)) + " " +
                           local.to_string() + ";branch=" + message::create_branch() + ";rport");
  }
  if (user) core.enable_auth(stack->get(), *user, *password);
  core.set_sent(request->clone());

  auto sent = (*stack)->send_request(std::move(*request));
  if (!sent) {
    std::fprintf(stderr, "sippet send: %s\n", sent.error().reason.c_str());
    return 2;
  }
  int status = core.wait();
  if (auto ok = core.take_2xx()) {
    if (auto invite = core.sent()) send_ack(**stack, *invite, *ok, *protocol);
  }
  (*stack)->stop();
  captures.close_and_report("send");
  return status;
}

}  // namespace sippet::app
