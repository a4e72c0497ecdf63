// RFC 3261 §18.2.2 and RFC 3263 §5: a response goes to the `received`
// address of the top Via (or on the request's connection); when that fails
// (a send error, an ICMP error reported later, a refused connection), the
// server locates the Via's sent-by as §5 says (A/AAAA on its port when it
// has one, else SRV for the Via's transport, then A/AAAA) and tries each
// address in order, skipping those that failed. The server transaction's
// later sends (retransmissions of a final response, a response to a
// retransmitted request) follow to the address in use. When every address
// fails, the transaction fails with the transport error (§17.2.4).
#include <asio/post.hpp>

#include <algorithm>

#include "sippet/message/parser.hpp"
#include "stack_state.hpp"
#include "worker.hpp"

namespace sippet::stack {

namespace {

// Responses kept for the ICMP errors reported after their send: a few
// hundred milliseconds' worth under load.
constexpr std::size_t kSentResponses = 512;

bool same_destination(const transport::Flow& a, const transport::Flow& b) {
  return a.protocol == b.protocol && a.remote == b.remote;
}

}  // namespace

void Worker::record_response(transaction::TransactionId id, const Peer& peer,
                             const std::shared_ptr<const std::string>& bytes) {
  if (sent_responses_.empty()) sent_responses_.resize(kSentResponses);
  SentResponse& slot = sent_responses_[next_sent_response_];
  next_sent_response_ = (next_sent_response_ + 1) % kSentResponses;
  slot.id = id;
  slot.flow = peer.flow;
  slot.bytes = bytes;
  // Under load, the response a slot releases left kSentResponses sends ago
  // and is in no cache any more: its reference count, and the slot itself,
  // are fetched now, ahead of the next two sends, so that those find them
  // in the cache instead of waiting for memory. (The bytes are made by
  // allocate_shared, which in libstdc++ puts the count just before them;
  // elsewhere the prefetch is merely useless.)
  const std::size_t next = next_sent_response_;
  __builtin_prefetch(&sent_responses_[(next + 1) % kSentResponses], 1);
  if (const std::string* released = sent_responses_[next].bytes.get())
    __builtin_prefetch(reinterpret_cast<const char*>(released) - sizeof(void*), 1);
}

std::size_t Worker::reroute_failed_response(const transport::Flow& flow, std::error_code error,
                                            Run& run) {
  if (sent_responses_.empty()) return 0;
  if (flow.connection != 0 && !connect_failure(error)) return 0;
  // The latest response sent there is the likeliest cause (one error per
  // datagram); the other sends of its transaction there are forgotten.
  for (std::size_t n = 0; n < kSentResponses; ++n) {
    const std::size_t i = (next_sent_response_ + kSentResponses - 1 - n) % kSentResponses;
    SentResponse& sent = sent_responses_[i];
    if (!sent.bytes || !same_destination(sent.flow, flow)) continue;
    const transaction::TransactionId id = sent.id;
    auto bytes = std::move(sent.bytes);
    for (SentResponse& other : sent_responses_)
      if (other.bytes && other.id == id && same_destination(other.flow, flow)) other.bytes.reset();
    // The transaction may have ended (a final response over TCP ends it
    // at once): the response still goes on, as a stateless one would.
    if (reroute_response(id, sent.flow, bytes, run)) return 1;
  }
  return 0;
}

bool Worker::reroute_response(transaction::TransactionId id, const transport::Flow& failed,
                              const std::shared_ptr<const std::string>& bytes, Run& run) {
  if (!bytes) return false;
  auto [found, inserted] = response_routes_.try_emplace(id);
  ResponseRoute& route = found->second;
  if (!inserted) {
    // An error for an address this response has left already, or one
    // while its sent-by is being located: nothing more to do.
    if (!route.peer || !same_destination(route.peer->flow, failed)) return true;
    route.bytes = bytes;
    route.failed.push_back(failed);
    send_next_response(id, route, run);
    return true;
  }
  route.bytes = bytes;
  route.failed.push_back(failed);
  route.started = now();
  // Routes of ended transactions are forgotten after 64·T1 (no Terminated
  // comes for them).
  const auto forget_before = route.started - 64 * stack_.config().timers.t1;
  for (auto it = response_routes_.begin(); it != response_routes_.end();) {
    if (it->second.started < forget_before && !layer_.state(it->first)) {
      it = response_routes_.erase(it);
    } else {
      ++it;
    }
  }
  found = response_routes_.find(id);
  if (!stack_.locate_sent_by) {
    response_routes_.erase(found);
    return false;
  }
  stack_.log(LogLevel::kInfo,
             "RFC 3263 §5: a response to %s failed; locating the sent-by of its Via",
             failed.remote.to_string().c_str());
  // Located off the lock: the resolver may answer inline from its cache.
  asio::post(io_, [this, id, bytes] {
    auto response = message::parse_message(*bytes);
    auto done = [this, id](std::vector<Peer> peers) {
      response_route_located(id, std::move(peers));
    };
    if (!response || !stack_.locate_sent_by(*response, done)) done({});
  });
  return true;
}

void Worker::response_route_located(transaction::TransactionId id, std::vector<Peer> peers) {
  with_layer([&](Run& run) {
    auto found = response_routes_.find(id);
    if (found == response_routes_.end()) return false;  // the transaction ended
    ResponseRoute& route = found->second;
    for (Peer& peer : peers) {
      const bool failed =
          std::any_of(route.failed.begin(), route.failed.end(),
                      [&](const transport::Flow& f) { return same_destination(f, peer.flow); });
      if (!failed) route.rest.push_back(std::move(peer));
    }
    send_next_response(id, route, run);
    return true;
  });
}

void Worker::send_next_response(transaction::TransactionId id, ResponseRoute& route, Run& run) {
  std::error_code error = std::make_error_code(std::errc::host_unreachable);
  while (!route.rest.empty()) {
    const Peer peer = route.rest.front();
    route.rest.erase(route.rest.begin());
    route.peer = peer;
    if (auto failed = send_bytes(peer, *route.bytes)) {
      stack_.shared_counters().transport_error(TransportErrorSource::kSend);
      route.failed.push_back(peer.flow);
      error = failed;
      continue;
    }
    stack_.log(LogLevel::kInfo, "RFC 3263 §5: the response goes to %s %s",
               std::string(transport::to_string(peer.flow.protocol)).c_str(),
               peer.flow.remote.to_string().c_str());
    hold_connection(id, peer);
    layer_counters_.sent.count(*route.bytes);
    record_response(id, peer, route.bytes);
    return;
  }
  stack_.log(LogLevel::kInfo, "%s", "RFC 3263 §5: no address left for a response");
  response_routes_.erase(id);  // `route` is gone
  if (layer_.state(id)) fail_transaction(id, error, run);
}

}  // namespace sippet::stack
