// RFC 3261 §18: a connection carrying a transaction stays open while the
// transaction lasts, however long it is silent (an INVITE ringing for
// minutes). Each transaction on a stream connection holds it in the
// transport (Transport::hold) from its first message until Terminated;
// the transport's idle timeout counts only connections held by none.
#include "stack_state.hpp"
#include "worker.hpp"

namespace sippet::stack {

void Worker::hold_connection(transaction::TransactionId id, const Peer& peer) {
  if (!transport::facts(peer.flow.protocol).stream) return;
  if (id.slot >= held_.size()) held_.resize(id.slot + 1);
  HeldConnection& held = held_[id.slot];
  if (held.connection != 0 && held.generation == id.generation) return;  // held already
  const transport::ConnectionId connection = transports_[peer.listener]->hold(peer.flow);
  if (connection != 0) held = HeldConnection{id.generation, peer.listener, connection};
}

void Worker::release_connection(transaction::TransactionId id) {
  if (id.slot >= held_.size()) return;
  HeldConnection& held = held_[id.slot];
  if (held.connection == 0 || held.generation != id.generation) return;
  transports_[held.listener]->release(held.connection);
  held.connection = 0;
}

}  // namespace sippet::stack
