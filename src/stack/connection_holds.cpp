// RFC 3261 §18: a connection carrying a transaction stays open while the
// transaction lasts, however long it is silent (an INVITE ringing for
// minutes). Each transaction on a stream connection holds it in the
// transport (Transport::hold) from its first message until Terminated;
// the transport's idle timeout counts only connections held by none.
#include "stack_state.hpp"
#include "worker.hpp"

namespace sippet::stack {

void Worker::hold_connection(transaction::TransactionId id, const Peer& peer) {
  if (!transport::facts(peer.flow.protocol).stream || held_.contains(id)) return;
  const transport::ConnectionId connection = transports_[peer.listener]->hold(peer.flow);
  if (connection != 0) held_.emplace(id, HeldConnection{peer.listener, connection});
}

void Worker::release_connection(transaction::TransactionId id) {
  if (held_.empty()) return;
  auto found = held_.find(id);
  if (found == held_.end()) return;
  transports_[found->second.listener]->release(found->second.connection);
  held_.erase(found);
}

}  // namespace sippet::stack
