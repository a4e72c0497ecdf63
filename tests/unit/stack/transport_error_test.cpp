// Transport errors (RFC 3261 §18.4, §17.1.1.2, §17.1.2.2) on the in-memory
// network: an error for a destination, or a closed connection, fails the
// client transactions still waiting for a response there, once each, with
// the error code; those already answered are not told.
#include <gtest/gtest.h>

#include "memory_peer.hpp"

namespace sippet::stack {
namespace {

using namespace std::chrono_literals;
using testing::next_message;
using testing::outgoing;
using transport::Flow;
using transport::MemoryPeer;
using transport::Protocol;

class TransportErrorTest : public testing::MemoryStackTest {};

TEST_F(TransportErrorTest, LateIcmpErrorFailsOnlyTheTransactionStillWaitingForAResponse) {
  start({"udp:10.0.0.1:5060"});
  auto server = peer(Protocol::kUdp, "10.0.0.2:5060");
  auto answered = stack_->send_request(outgoing("OPTIONS", "sip:bob@10.0.0.2", "h-1"));
  ASSERT_TRUE(answered.ok());
  auto got = next_message(*server);
  ASSERT_TRUE(got);
  ASSERT_FALSE(server->send(got->flow, message::build_response(got->message, 200)->to_string()));
  ASSERT_TRUE(core_.wait_responses(1));  // Completed: Timer K (T4) runs over UDP

  auto waiting = stack_->send_request(outgoing("OPTIONS", "sip:bob@10.0.0.2", "h-2"));
  ASSERT_TRUE(waiting.ok());
  ASSERT_TRUE(next_message(*server));  // Trying: never answered
  server->close();                     // port unreachable from now on
  advance(500ms);                      // Timer E: the retransmission is refused
  ASSERT_TRUE(core_.wait_errors(1));
  settle();
  for (int i = 0; i < 70; ++i)  // past Timers K and F
    advance(500ms);
  settle();
  ASSERT_EQ(core_.error_count(), 1u);
  const auto& failed = core_.error(0);
  EXPECT_EQ(failed.transaction, *waiting);
  EXPECT_EQ(failed.error.reason, transaction::ErrorReason::kTransportError);
  EXPECT_EQ(failed.error.transport_error, std::errc::connection_refused);
  EXPECT_EQ(core_.response_count(), 1u);
}

TEST_F(TransportErrorTest, ClosedConnectionFailsOnlyTheTransactionsWaitingOnIt) {
  start({"tcp:10.0.0.1:5060"});
  auto server = peer(Protocol::kTcp, "10.0.0.2:5060");
  // An INVITE answered 2xx (Accepted, RFC 6026), then an OPTIONS waiting,
  // both sent to the server's address: the stack opens one connection.
  auto accepted = stack_->send_request(outgoing("INVITE", "sip:bob@10.0.0.2;transport=tcp", "h-3"));
  ASSERT_TRUE(accepted.ok());
  auto invite = next_message(*server);
  ASSERT_TRUE(invite);
  auto ok = message::build_response(invite->message, 200);
  ASSERT_TRUE(ok->put(message::HeaderId::kContact, "<sip:bob@10.0.0.2;transport=tcp>").ok());
  ASSERT_FALSE(server->send(invite->flow, ok->to_string()));
  ASSERT_TRUE(core_.wait_responses(1));
  auto waiting = stack_->send_request(outgoing("OPTIONS", "sip:bob@10.0.0.2;transport=tcp", "h-4"));
  ASSERT_TRUE(waiting.ok());
  auto options = next_message(*server);
  ASSERT_TRUE(options);
  ASSERT_EQ(options->flow.connection, invite->flow.connection);

  ASSERT_TRUE(network_->close_connection(options->flow.connection));
  ASSERT_TRUE(core_.wait_errors(1));
  settle();
  ASSERT_EQ(core_.error_count(), 1u);
  EXPECT_EQ(core_.error(0).transaction, *waiting);
  EXPECT_EQ(core_.error(0).error.reason, transaction::ErrorReason::kTransportError);
  EXPECT_EQ(core_.error(0).error.transport_error, std::errc::connection_reset);
}

TEST_F(TransportErrorTest, ClosedConnectionFailsATransactionSentOnItsFlow) {
  start({"tcp:10.0.0.1:5060"});
  auto phone = peer(Protocol::kTcp, "10.0.0.3:5071");
  ASSERT_FALSE(
      phone->send(testing::at("10.0.0.1:5060"),
                  testing::request_text("REGISTER", "sip:10.0.0.1;transport=tcp",
                                        "SIP/2.0/TCP 10.0.0.3:5071;branch=z9hG4bKreg", "h-5")));
  ASSERT_TRUE(core_.wait_requests(1));
  SendOptions on_flow;
  on_flow.flow = core_.request(0).flow;
  auto sent = stack_->send_request(outgoing("OPTIONS", "sip:phone@192.168.1.10", "h-6"), on_flow);
  ASSERT_TRUE(sent.ok()) << sent.error().reason;
  ASSERT_TRUE(next_message(*phone));
  ASSERT_TRUE(network_->close_connection(on_flow.flow->connection));
  ASSERT_TRUE(core_.wait_errors(1));
  settle();
  ASSERT_EQ(core_.error_count(), 1u);
  EXPECT_EQ(core_.error(0).transaction, *sent);
  EXPECT_EQ(core_.error(0).error.transport_error, std::errc::connection_reset);
}

TEST_F(TransportErrorTest, RefusedDestinationFailsEachWaitingTransactionOnceOverSeveralWorkers) {
  // Transactions of several Call-IDs (several workers) to one address
  // nobody listens on: each fails once, whichever worker's transport got
  // the error.
  start({"udp:10.0.0.1:5060"}, 4);
  std::vector<Transaction> sent;
  for (int i = 0; i < 16; ++i) {
    auto t = stack_->send_request(
        outgoing("OPTIONS", "sip:bob@10.0.0.99", "h-many-" + std::to_string(i)));
    ASSERT_TRUE(t.ok());
    sent.push_back(*t);
  }
  ASSERT_TRUE(core_.wait_errors(sent.size()));
  settle();
  ASSERT_EQ(core_.error_count(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(core_.error(i).error.transport_error, std::errc::connection_refused);
    EXPECT_NE(std::find(sent.begin(), sent.end(), core_.error(i).transaction), sent.end());
    for (std::size_t j = 0; j < i; ++j)
      EXPECT_NE(core_.error(i).transaction, core_.error(j).transaction);
  }
}

}  // namespace
}  // namespace sippet::stack
