// A Core written from scratch: answers every request with 200 OK (an INVITE
// also gets a Contact) and prints one line per message. Run it, then e.g.
//   sippet send sip:me@127.0.0.1:5070          (or: sipp -sn uac 127.0.0.1:5070)
// Usage: example_minimal_uas [udp:127.0.0.1:5070]
#include <csignal>
#include <cstdio>
#include <string>

#include "sippet/message.hpp"
#include "sippet/stack/stack.hpp"

using sippet::message::Message;
using sippet::stack::Transaction;

class MinimalUas final : public sippet::stack::Core {
 public:
  // Stack::create hands the stack over before any request arrives.
  void attached(sippet::stack::Stack& stack) override {
    stack_ = &stack;
    contact_ = "<sip:uas@" + stack.local_endpoints().front().to_string() + ">";
  }

  // A new request (with its server transaction), or an ACK (with none).
  void receive_request(Message request, std::optional<Transaction> transaction,
                       const sippet::transport::Flow&) override {
    std::printf("request: %.*s from %.*s\n", static_cast<int>(request.method_text().size()),
                request.method_text().data(), static_cast<int>(request.from()->uri.text.size()),
                request.from()->uri.text.data());
    if (!transaction) return;  // the ACK of a 2xx: nothing to answer
    auto response = sippet::message::build_response(request, 200);  // §8.2.6
    if (!response) return;
    if (request.method() == sippet::message::Method::kInvite)
      (void)response->put(sippet::message::HeaderId::kContact, contact_);
    if (auto sent = stack_->send_response(std::move(*response), transaction); !sent)
      std::printf("cannot answer: %s\n", sent.error().reason.c_str());
  }

  // A response to a request we sent (none here).
  void receive_response(Message response, std::optional<Transaction>,
                        const sippet::transport::Flow&) override {
    std::printf("response: %d\n", response.status_code());
  }

  // A transaction failed: Timer B/F/H or a transport error, once.
  void receive_error(const sippet::stack::TransactionError& error, Transaction) override {
    std::printf("error: %s\n", error.describe().c_str());
  }

 private:
  sippet::stack::Stack* stack_ = nullptr;  // not owned
  std::string contact_;
};

int main(int argc, char** argv) {
  auto listen = sippet::transport::parse_listen_spec(argc > 1 ? argv[1] : "udp:127.0.0.1:5070");
  if (!listen) {
    std::fprintf(stderr, "%s\n", listen.error().reason.c_str());
    return 2;
  }
  sigset_t signals;  // SIGINT / SIGTERM end the program (workers inherit the mask)
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  sippet::stack::StackConfig config;
  config.listen.push_back(*listen);
  MinimalUas core;
  auto stack = sippet::stack::Stack::create(std::move(config), core);
  if (!stack) {
    std::fprintf(stderr, "%s\n", stack.error().reason.c_str());
    return 1;
  }
  std::printf("listening on %s\n", (*stack)->local_endpoints().front().to_string().c_str());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  return 0;  // the stack stops and joins its workers when destroyed
}
