#pragma once
// A proxy as a stack::Core (RFC 3261 §16): stateful (a response context per
// server transaction, §16.7, with forking, CANCEL and Timer C) or stateless
// (§16.11: no transactions, deterministic branches, responses by their Via).
// The Router decides where each request goes; the rest is the RFC's.
//
//   proxy::ProxyConfig config;
//   config.record_route = true;
//   proxy::ProxyCore core(config, [](const message::Message& request, const transport::Flow&) {
//     return proxy::Decision::forward({{.uri = "sip:bob@192.0.2.7:5060"}});
//   });
//   auto stack = stack::Stack::create(std::move(stack_config), core);  // calls attached()
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sippet/proxy/best_response.hpp"
#include "sippet/proxy/helpers.hpp"
#include "sippet/stack/core.hpp"
#include "sippet/stack/stack.hpp"

namespace sippet::proxy {

// Where a request may go: a new Request-URI (empty: unchanged), the flow
// to send it on (empty: its Route / Request-URI), a q-value (§16.6 forking
// order), Routes to push, and a URI to send it to instead of its Route /
// Request-URI target (ForwardOptions::destination).
struct Target {
  std::string uri;
  std::optional<transport::Flow> flow;
  double q = 1.0;
  std::vector<std::string> routes;
  std::string destination;  // ForwardOptions::destination
};

// The Router's answer: respond with `status` (404, 200 to an OPTIONS for
// us, ...), or forward to `targets`.
struct Decision {
  int status = 0;
  std::vector<Target> targets;

  static Decision respond(int status) { return Decision{status, {}}; }
  static Decision forward(std::vector<Target> targets) { return Decision{0, std::move(targets)}; }
};

// Called for every request to forward that has no Route left after §16.4
// (a request with Routes follows them). On the worker of its Call-ID.
using Router =
    std::function<Decision(const message::Message& request, const transport::Flow& flow)>;

// A router that may decide later (a lookup off the worker thread, e.g. in
// a shared database): it returns the Decision at once, or nullopt and calls
// `later` exactly once, from any thread, with it. Meanwhile a CANCEL is
// answered and the request is answered 487 once the decision comes. A
// stateless proxy needs the decision at once (nullopt: 500).
using Later = std::function<void(Decision)>;
using AsyncRouter = std::function<std::optional<Decision>(
    const message::Message& request, const transport::Flow& flow, Later later)>;

// The targets grouped for sequential forking (§16.6, RFC 3261 §16.7 step
// "q-value"): highest q first, equal q values together (tried in parallel).
std::vector<std::vector<Target>> fork_groups(std::vector<Target> targets);

struct ProxyConfig {
  bool stateless = false;     // §16.11
  bool record_route = false;  // §16.6 step 4 (for INVITE and other requests but ACK and CANCEL)
  // §16.6 step 11: more than 3 minutes. It runs from a branch's first
  // provisional response (before it Timer B, 64·T1, ends the branch),
  // restarts with each, and is cancelled when the branch ends (a final
  // response, a failure): a Stack::schedule() task, counted by
  // MetricsSnapshot::scheduled_tasks while it waits.
  std::chrono::milliseconds timer_c{std::chrono::seconds(181)};
  // Our domains (besides our listen addresses, taken from the stack).
  std::vector<std::string> domains;
  ValidationOptions validation;
};

class ProxyCore final : public stack::Core {
 public:
  ProxyCore(ProxyConfig config, Router router);
  ProxyCore(ProxyConfig config, AsyncRouter router);
  ~ProxyCore() override;

  // Stack::create hands the stack over here, before any request arrives.
  void attached(stack::Stack& stack) override;
  const Identity& identity() const { return identity_; }

  void receive_request(message::Message request, std::optional<stack::Transaction> transaction,
                       const transport::Flow& flow) override;
  void receive_response(message::Message response, std::optional<stack::Transaction> transaction,
                        const transport::Flow& flow) override;
  void receive_error(const stack::TransactionError& error, stack::Transaction transaction) override;

  // Response contexts and branches alive (stateful): 0 once every call is
  // over (no leak).
  std::size_t contexts() const;
  std::size_t branches() const;

  struct Context;  // proxy_core.cpp

 private:
  struct Branch;
  struct Shard;

  void forward_stateless(message::Message&& request, const transport::Flow& flow);
  void answer(const message::Message& request, int status, stack::Transaction transaction);
  std::optional<Decision> decide(message::Message& request, const transport::Flow& flow,
                                 Later later);
  void decided(stack::Transaction server, Decision decision);
  void handle_cancel(message::Message&& cancel, stack::Transaction transaction);
  void start_group(const std::shared_ptr<Context>& context);
  void arm_timer_c(const std::shared_ptr<Context>& context, std::size_t branch);
  void on_timer_c(stack::Transaction server, std::size_t branch);
  void end_branch(Branch& branch);
  void branch_failed(const std::shared_ptr<Context>& context, std::size_t branch, int status);
  void cancel_branch(Context& context, std::size_t branch);
  void cancel_pending(Context& context);
  void advance(const std::shared_ptr<Context>& context);
  void send_upstream(Context& context, message::Message&& response);
  void finish(Context& context);

  Shard& shard(const stack::Transaction& transaction) const;
  std::shared_ptr<Context> find_server(const stack::Transaction& server) const;
  std::shared_ptr<Context> find_client(const stack::Transaction& client) const;

  ProxyConfig config_;
  AsyncRouter router_;
  Identity identity_;
  stack::Stack& net() const { return *stack_.load(std::memory_order_relaxed); }

  std::atomic<stack::Stack*> stack_{nullptr};   // not owned; set by attached()
  std::vector<std::unique_ptr<Shard>> shards_;  // one per worker
};

}  // namespace sippet::proxy
