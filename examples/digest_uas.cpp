// A UAS that asks for Digest credentials (RFC 3261 §22.2, RFC 7616): every
// request without valid credentials for the realm gets 401 with one
// challenge per algorithm (or 403 / 400, sippet::auth's mapping); one with
// them gets 200. One line per request says what the check found. Try it:
//   example_digest_uas udp:127.0.0.1:5070 example.com alice secret
//   sippet send --user alice --password secret sip:me@127.0.0.1:5070
// Usage: example_digest_uas LISTEN REALM USER PASSWORD [ALGORITHM,...]
//   (algorithms in the order offered; default SHA-256,MD5)
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sippet/auth.hpp"
#include "sippet/message.hpp"
#include "sippet/stack/stack.hpp"

using sippet::message::Message;
using sippet::stack::Transaction;
namespace auth = sippet::auth;

class DigestUas final : public sippet::stack::Core {
 public:
  explicit DigestUas(auth::Server& server) : server_(server) {}
  // Stack::create hands the stack over before any request arrives.
  void attached(sippet::stack::Stack& stack) override { stack_ = &stack; }

  void receive_request(Message request, std::optional<Transaction> transaction,
                       const sippet::transport::Flow& flow) override {
    if (!transaction) return;  // the ACK of a 2xx
    // Failures are counted per source address: a guessing flood gets 403.
    const auth::Verdict verdict =
        server_.verify(request, auth::Kind::kWww, flow.remote.host_string());
    std::printf("%.*s: %s%s%s\n", static_cast<int>(request.method_text().size()),
                request.method_text().data(), auth::to_string(verdict.outcome),
                verdict.user.empty() ? "" : " user ", verdict.user.c_str());
    std::fflush(stdout);
    auto response = verdict.ok() ? sippet::message::build_response(request, 200)
                                 : server_.respond(request, verdict);
    if (!response) return;
    if (auto sent = stack_->send_response(std::move(*response), transaction); !sent)
      std::printf("cannot answer: %s\n", sent.error().reason.c_str());
  }

  void receive_response(Message, std::optional<Transaction>,
                        const sippet::transport::Flow&) override {}

  void receive_error(const sippet::stack::TransactionError& error, Transaction) override {
    std::printf("error: %s\n", error.describe().c_str());
  }

 private:
  auth::Server& server_;
  sippet::stack::Stack* stack_ = nullptr;  // not owned
};

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fputs("usage: example_digest_uas LISTEN REALM USER PASSWORD [ALGORITHM,...]\n", stderr);
    return 2;
  }
  auto listen = sippet::transport::parse_listen_spec(argv[1]);
  if (!listen) {
    std::fprintf(stderr, "%s\n", listen.error().reason.c_str());
    return 2;
  }
  auth::ServerOptions options;
  options.realm = argv[2];
  if (argc > 5) {
    options.algorithms.clear();
    std::string_view list = argv[5];
    while (!list.empty()) {
      const auto comma = list.find(',');
      auto algorithm = auth::parse_algorithm(list.substr(0, comma));
      if (!algorithm) {
        std::fprintf(stderr, "unknown algorithm in %s\n", argv[5]);
        return 2;
      }
      options.algorithms.push_back(*algorithm);
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
  }
  auto users = std::make_shared<auth::MemoryUsers>();
  users->add_password(argv[3], options.realm, argv[4]);  // kept as HA1s only
  auth::Server server(options, users);

  sigset_t signals;  // SIGINT / SIGTERM end the program (workers inherit the mask)
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  sippet::stack::StackConfig config;
  config.listen.push_back(*listen);
  DigestUas core(server);
  auto stack = sippet::stack::Stack::create(std::move(config), core);
  if (!stack) {
    std::fprintf(stderr, "%s\n", stack.error().reason.c_str());
    return 1;
  }
  std::printf("listening on %s\n", (*stack)->local_endpoints().front().to_string().c_str());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  return 0;
}
