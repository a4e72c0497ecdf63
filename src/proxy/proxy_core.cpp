// ProxyCore (proxy_core.hpp): the request path of RFC 3261 §16.3 to §16.6,
// stateless forwarding (§16.11), and the stateful response context (§16.7),
// with CANCEL (§16.10), transport errors (§16.9) and Timer C (§16.6 step 11).
#include "sippet/proxy/proxy_core.hpp"

#include <algorithm>

#include "sippet/message/builder.hpp"

namespace sippet::proxy {

namespace {

constexpr std::string_view kAllow = "INVITE, ACK, CANCEL, BYE, OPTIONS";

bool is_invite(const message::Message& message) {
  return message.method() == message::Method::kInvite;
}

}  // namespace

std::vector<std::vector<Target>> fork_groups(std::vector<Target> targets) {
  std::stable_sort(targets.begin(), targets.end(),
                   [](const Target& a, const Target& b) { return a.q > b.q; });
  std::vector<std::vector<Target>> groups;
  for (auto& target : targets) {
    if (groups.empty() || groups.back().front().q != target.q) groups.emplace_back();
    groups.back().push_back(std::move(target));
  }
  return groups;
}

struct ProxyCore::Branch {
  enum class State { kCalling, kProceeding, kDone };
  stack::Transaction transaction;
  State state = State::kCalling;
  bool cancel_pending = false;   // cancel once a provisional arrives (§9.1)
  bool cancelled = false;        // our CANCEL went out
  stack::ScheduledTask timer_c;  // waiting on the stack's clock; cancelled when the branch ends
};

struct ProxyCore::Context {
  stack::Transaction server;
  message::Message request;  // as received, Routes processed (§16.4)
  transport::Flow incoming;
  bool invite = false;
  std::vector<std::vector<Target>> groups;
  std::size_t next_group = 0;
  std::vector<Branch> branches;
  BestResponse best;
  bool final_sent = false;  // no more final responses through the transaction
  bool cancelled = false;   // a CANCEL came: no new branches (§16.10)
  bool deciding = false;    // the router answers later
  bool erased = false;
};

// One per worker: the contexts of the Call-IDs it owns, only ever changed
// by that worker (callbacks of a Call-ID are serialised); the mutex is for
// contexts() and branches() from other threads.
struct ProxyCore::Shard {
  mutable std::mutex mutex;
  std::unordered_map<transaction::TransactionId, std::shared_ptr<Context>,
                     transaction::TransactionIdHash>
      servers;
  std::unordered_map<transaction::TransactionId, std::shared_ptr<Context>,
                     transaction::TransactionIdHash>
      clients;
};

ProxyCore::ProxyCore(ProxyConfig config, Router router)
    : ProxyCore(std::move(config),
                AsyncRouter([router = std::move(router)](const message::Message& request,
                                                         const transport::Flow& flow, Later) {
                  return std::optional<Decision>(router(request, flow));
                })) {}

ProxyCore::ProxyCore(ProxyConfig config, AsyncRouter router)
    : config_(std::move(config)), router_(std::move(router)) {
  identity_.domains = config_.domains;
}

ProxyCore::~ProxyCore() = default;

void ProxyCore::attached(stack::Stack& stack) {
  identity_.addresses = stack.local_endpoints();
  shards_.clear();
  for (unsigned i = 0; i < stack.worker_count(); ++i)
    shards_.push_back(std::make_unique<Shard>());
  stack_.store(&stack, std::memory_order_release);  // last: the callbacks start here
}

std::size_t ProxyCore::contexts() const {
  std::size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    n += shard->servers.size();
  }
  return n;
}

std::size_t ProxyCore::branches() const {
  std::size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    n += shard->clients.size();
  }
  return n;
}

ProxyCore::Shard& ProxyCore::shard(const stack::Transaction& transaction) const {
  return *shards_[transaction.worker % shards_.size()];
}

std::shared_ptr<ProxyCore::Context> ProxyCore::find_server(const stack::Transaction& server) const {
  Shard& s = shard(server);
  std::lock_guard lock(s.mutex);
  auto found = s.servers.find(server.id);
  return found == s.servers.end() ? nullptr : found->second;
}

std::shared_ptr<ProxyCore::Context> ProxyCore::find_client(const stack::Transaction& client) const {
  Shard& s = shard(client);
  std::lock_guard lock(s.mutex);
  auto found = s.clients.find(client.id);
  return found == s.clients.end() ? nullptr : found->second;
}

// ---- Requests -------------------------------------------------------------

void ProxyCore::answer(const message::Message& request, int status,
                       stack::Transaction transaction) {
  auto response = message::build_response(request, status);
  if (!response) return;
  if (status == 200 && request.method() == message::Method::kOptions)
    (void)response->put(message::HeaderId::kAllow, kAllow);
  (void)net().send_response(std::move(*response), transaction);
}

std::optional<Decision> ProxyCore::decide(message::Message& request, const transport::Flow& flow,
                                          Later later) {
  auto processed = process_routes(request, identity_);  // §16.4
  if (!processed) return Decision::respond(400);
  // §16.5: a request with Routes left follows them (the stack sends it to
  // the first one, or to a strict router's Request-URI).
  if (request.has(message::HeaderId::kRoute)) return Decision::forward({Target{}});
  return router_(request, flow, std::move(later));
}

void ProxyCore::decided(stack::Transaction server, Decision decision) {
  auto context = find_server(server);
  if (!context || !context->deciding) return;
  context->deciding = false;
  if (context->cancelled || decision.status != 0 || decision.targets.empty()) {
    const int status = context->cancelled ? 487 : decision.status != 0 ? decision.status : 480;
    context->final_sent = true;
    answer(context->request, status, server);
    finish(*context);
    return;
  }
  context->groups = fork_groups(std::move(decision.targets));
  advance(context);
}

void ProxyCore::receive_request(message::Message request,
                                std::optional<stack::Transaction> transaction,
                                const transport::Flow& flow) {
  if (stack_.load(std::memory_order_acquire) == nullptr) return;
  if (config_.stateless || !transaction) {
    // §16.11, and the ACK of a 2xx in a stateful proxy (§16.7 step 1 says
    // it crosses statelessly): no server transaction is kept.
    if (transaction) (void)net().terminate(*transaction);
    forward_stateless(std::move(request), flow);
    return;
  }
  if (request.method() == message::Method::kCancel) {
    handle_cancel(std::move(request), *transaction);
    return;
  }
  if (auto rejection = check_request(request, identity_, config_.validation)) {  // §16.3
    if (auto response = build_rejection(request, *rejection))
      (void)net().send_response(std::move(*response), transaction);
    return;
  }
  // The router's answer later comes back on this Call-ID's worker.
  Later later = [this, server = *transaction,
                 call_id = std::string(request.call_id())](Decision decision) {
    net().schedule(call_id, std::chrono::milliseconds(0),
                   [this, server, decision = std::move(decision)]() mutable {
                     decided(server, std::move(decision));
                   });
  };
  auto decision = decide(request, flow, std::move(later));
  if (decision && (decision->status != 0 || decision->targets.empty())) {
    answer(request, decision->status != 0 ? decision->status : 480, *transaction);
    return;
  }
  auto context = std::make_shared<Context>();
  context->server = *transaction;
  context->incoming = flow;
  context->invite = is_invite(request);
  if (decision)
    context->groups = fork_groups(std::move(decision->targets));
  else
    context->deciding = true;
  context->request = std::move(request);
  {
    Shard& s = shard(context->server);
    std::lock_guard lock(s.mutex);
    s.servers[context->server.id] = context;
  }
  if (!context->deciding) advance(context);
}

void ProxyCore::forward_stateless(message::Message&& request, const transport::Flow& flow) {
  const bool ack = request.method() == message::Method::kAck;
  auto respond = [&](message::Result<message::Message> response) {
    if (!ack && response) (void)net().send_stateless(*response);
  };
  if (auto rejection = check_request(request, identity_, config_.validation)) {
    respond(build_rejection(request, *rejection));
    return;
  }
  auto decision = decide(request, flow, [](Decision) {});
  if (!decision) decision = Decision::respond(500);  // a stateless proxy cannot wait
  if (decision->status != 0 || decision->targets.empty()) {
    const int status = decision->status != 0 ? decision->status : 480;
    auto response = message::build_response(request, status);
    if (response && status == 200 && request.method() == message::Method::kOptions)
      (void)response->put(message::HeaderId::kAllow, kAllow);
    respond(std::move(response));
    return;
  }
  // §16.11: a stateless proxy forwards to one target only: the first of
  // the highest q (the first of fork_groups()).
  auto& targets = decision->targets;
  Target& target = *std::max_element(targets.begin(), targets.end(),
                                     [](const Target& a, const Target& b) { return a.q < b.q; });
  ForwardOptions options;
  options.request_uri = std::move(target.uri);
  options.flow = target.flow;
  options.routes = std::move(target.routes);
  options.destination = std::move(target.destination);
  options.record_route = config_.record_route;
  options.stateless = true;
  options.incoming = flow;
  if (auto sent = forward_request(std::move(request), net(), options); !sent) {
    net().logger().log(stack::LogLevel::kInfo,
                       ("proxy: cannot forward: " + sent.error().reason).c_str());
    // What a response needs is left in `request` (helpers.hpp).
    respond(message::build_response(request, 503));  // §16.9
  }
}

void ProxyCore::handle_cancel(message::Message&& cancel, stack::Transaction transaction) {
  // §16.10: the CANCEL is answered by us; every pending branch is cancelled.
  auto invite = net().find_cancelled_invite(cancel);
  std::shared_ptr<Context> context = invite ? find_server(*invite) : nullptr;
  if (!invite) {
    answer(cancel, 481, transaction);
    return;
  }
  answer(cancel, 200, transaction);
  if (!context) return;
  context->cancelled = true;
  cancel_pending(*context);
}

// ---- Branches -------------------------------------------------------------

void ProxyCore::start_group(const std::shared_ptr<Context>& context) {
  const auto& group = context->groups[context->next_group++];
  for (const Target& target : group) {
    ForwardOptions options;
    options.request_uri = target.uri;
    options.flow = target.flow;
    options.routes = target.routes;
    options.destination = target.destination;
    options.record_route = config_.record_route;
    options.incoming = context->incoming;
    auto sent = forward_request(context->request, net(), options);
    if (!sent || !*sent) {
      // §16.9: as if the branch had answered 503.
      if (auto response = message::build_response(context->request, 503))
        context->best.offer(std::move(*response));
      continue;
    }
    Branch branch;
    branch.transaction = **sent;
    context->branches.push_back(std::move(branch));
    {
      Shard& s = shard(**sent);
      std::lock_guard lock(s.mutex);
      s.clients[(*sent)->id] = context;
    }
    // Timer C (§16.6 step 11) starts with the branch's first provisional
    // response: before it, Timer B (64·T1, 32 s) ends the branch sooner
    // than Timer C (more than 3 minutes) could.
  }
}

void ProxyCore::arm_timer_c(const std::shared_ptr<Context>& context, std::size_t index) {
  // §16.6 step 11: (re)started by each provisional response.
  Branch& branch = context->branches[index];
  (void)net().cancel(branch.timer_c);
  branch.timer_c =
      net().schedule(context->request.call_id(), config_.timer_c,
                     [this, server = context->server, index] { on_timer_c(server, index); });
}

void ProxyCore::end_branch(Branch& branch) {
  branch.state = Branch::State::kDone;
  // §16.7: a branch with a final response (or that failed) needs no Timer C.
  (void)net().cancel(branch.timer_c);
  branch.timer_c = {};
  Shard& s = shard(branch.transaction);
  std::lock_guard lock(s.mutex);
  s.clients.erase(branch.transaction.id);
}

void ProxyCore::on_timer_c(stack::Transaction server, std::size_t index) {
  auto context = find_server(server);
  if (!context || index >= context->branches.size()) return;
  Branch& branch = context->branches[index];
  branch.timer_c = {};
  if (branch.state == Branch::State::kDone) return;
  // §16.6 step 11: a branch with a provisional is cancelled (and given
  // Timer C once more to answer it); one without, or one that did not
  // answer our CANCEL, ends as if it had answered 408.
  if (branch.state == Branch::State::kProceeding && !branch.cancelled) {
    cancel_branch(*context, index);
    arm_timer_c(context, index);
    return;
  }
  (void)net().terminate(branch.transaction);
  branch_failed(context, index, 408);
}

void ProxyCore::cancel_branch(Context& context, std::size_t index) {
  Branch& branch = context.branches[index];
  if (!context.invite || branch.state == Branch::State::kDone || branch.cancelled) return;
  if (branch.state == Branch::State::kCalling) {
    branch.cancel_pending = true;  // §9.1: not before a provisional response
    return;
  }
  branch.cancelled = true;
  auto cancel = net().build_cancel(branch.transaction);
  if (cancel) (void)net().send_request(std::move(*cancel));
}

void ProxyCore::cancel_pending(Context& context) {
  for (std::size_t i = 0; i < context.branches.size(); ++i)
    cancel_branch(context, i);
}

void ProxyCore::branch_failed(const std::shared_ptr<Context>& context, std::size_t index,
                              int status) {
  Branch& branch = context->branches[index];
  if (branch.state == Branch::State::kDone) return;
  end_branch(branch);
  if (!context->final_sent)
    if (auto response = message::build_response(context->request, status))
      context->best.offer(std::move(*response));
  advance(context);
}

void ProxyCore::advance(const std::shared_ptr<Context>& context) {
  for (;;) {
    const bool pending =
        std::any_of(context->branches.begin(), context->branches.end(),
                    [](const Branch& b) { return b.state != Branch::State::kDone; });
    if (context->final_sent) {
      if (!pending) finish(*context);
      return;
    }
    if (pending) return;
    if (!context->cancelled && !context->best.has_6xx() &&
        context->next_group < context->groups.size()) {
      start_group(context);  // §16.6: the next q-value group
      continue;
    }
    // §16.7 step 6: every branch ended without a 2xx.
    auto response = context->best.empty() ? message::build_response(context->request, 408)
                                          : context->best.take();
    context->final_sent = true;
    if (response) (void)net().send_response(std::move(*response), context->server);
    finish(*context);
    return;
  }
}

void ProxyCore::send_upstream(Context& context, message::Message&& response) {
  auto sent = net().send_response(std::move(response), context.server);
  if (!sent && (sent.error().kind == message::ErrorKind::kWrongState ||
                sent.error().kind == message::ErrorKind::kNoTransaction))
    (void)net().send_stateless(response);  // a later 2xx (§16.7 step 9)
}

void ProxyCore::finish(Context& context) {
  if (context.erased) return;
  context.erased = true;
  Shard& s = shard(context.server);
  std::lock_guard lock(s.mutex);
  s.servers.erase(context.server.id);
}

// ---- Responses and errors ---------------------------------------------------

void ProxyCore::receive_response(message::Message response,
                                 std::optional<stack::Transaction> transaction,
                                 const transport::Flow&) {
  if (stack_.load(std::memory_order_acquire) == nullptr) return;
  if (!transaction) {
    // No client transaction: a stateless proxy's response, a retransmitted
    // 2xx, or one for a transaction we never had: by its Via (§16.11).
    (void)forward_response(std::move(response), net());
    return;
  }
  auto context = find_client(*transaction);
  const int code = response.status_code();
  if (!context) {
    // A branch already ended (its INVITE transaction keeps matching 2xx
    // retransmissions, RFC 6026) or a CANCEL's answer (ours, dropped).
    if (code >= 200 && code < 300 && response.method() == message::Method::kInvite)
      (void)forward_response(std::move(response), net());
    return;
  }
  std::size_t index = 0;
  while (index < context->branches.size() && context->branches[index].transaction != *transaction)
    ++index;
  if (index == context->branches.size()) return;
  Branch& branch = context->branches[index];
  response.pop_front(message::HeaderId::kVia);  // §16.7 step 3
  if (code < 200) {
    if (branch.state == Branch::State::kCalling) branch.state = Branch::State::kProceeding;
    if (branch.cancel_pending && !branch.cancelled) cancel_branch(*context, index);
    if (context->invite && !branch.cancelled) arm_timer_c(context, index);  // step 11: restart
    if (code != 100 && !context->final_sent)                                // §16.7 step 5
      (void)net().send_response(std::move(response), context->server);
    return;
  }
  end_branch(branch);
  if (code < 300) {
    // §16.7 step 5: every 2xx at once; step 10: the others cancelled.
    const bool first = !context->final_sent;
    context->final_sent = true;
    send_upstream(*context, std::move(response));
    if (first) cancel_pending(*context);
  } else if (!context->final_sent) {
    if (code >= 600) cancel_pending(*context);  // §16.7 step 5
    context->best.offer(std::move(response));
  }
  advance(context);
}

void ProxyCore::receive_error(const stack::TransactionError& error,
                              stack::Transaction transaction) {
  if (stack_.load(std::memory_order_acquire) == nullptr || config_.stateless) return;
  if (transaction.is_server()) {
    // The response could not reach the caller (or Timer H): nothing more
    // goes upstream; the branches still pending are cancelled.
    auto context = find_server(transaction);
    if (!context) return;
    context->final_sent = true;
    cancel_pending(*context);
    advance(context);
    return;
  }
  auto context = find_client(transaction);
  if (!context) return;
  for (std::size_t i = 0; i < context->branches.size(); ++i) {
    if (context->branches[i].transaction != transaction) continue;
    // Timer B / F → 408; a transport error → 503 (§16.9).
    branch_failed(context, i, error.reason == transaction::ErrorReason::kTimeout ? 408 : 503);
    return;
  }
}

}  // namespace sippet::proxy
