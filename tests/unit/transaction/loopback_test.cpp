// A client layer and a server layer wired back to back through their
// SendMessage bytes (parsed again, as a transport would), on one manual
// clock, with datagrams dropped on purpose: the retransmission rules of both
// sides must make the exchange complete.
#include <gtest/gtest.h>

#include <deque>
#include <functional>

#include "harness.hpp"
#include "sippet/message/builder.hpp"

namespace sippet::transaction::testing {
namespace {

class Loopback : public ::testing::Test {
 protected:
  // Moves what a driver emitted into its side's queue (the driver clears
  // `out` on every call, so it must be emptied before the next one).
  static void collect(Driver& d, std::deque<Action>& queue) {
    for (Action& a : d.out)
      queue.push_back(std::move(a));
    d.out.clear();
  }
  // Carries every SendMessage to the other side, unless `drop` says so, and
  // collects what each side delivers to its Core, until both queues are empty.
  void pump() {
    collect(client, client_queue);
    collect(server, server_queue);
    while (!client_queue.empty() || !server_queue.empty()) {
      const bool from_client = !client_queue.empty();
      std::deque<Action>& queue = from_client ? client_queue : server_queue;
      Action a = std::move(queue.front());
      queue.pop_front();
      if (auto* s = std::get_if<SendMessage>(&a)) {
        ++sent;
        if (drop && drop(*s)) continue;
        Driver& peer = from_client ? server : client;
        message::Message m = parse(*s->bytes);
        if (m.is_request()) {
          ASSERT_TRUE(peer.receive_request(std::move(m)).ok());
        } else {
          ASSERT_TRUE(peer.receive_response(std::move(m)).ok());
        }
        collect(peer, from_client ? server_queue : client_queue);
      } else if (auto* r = std::get_if<DeliverRequest>(&a)) {
        server_core.push_back(std::move(r->request));
        server_ids.push_back(r->id);
      } else if (auto* r = std::get_if<DeliverResponse>(&a)) {
        client_core.push_back(r->response.status_code());
      } else if (auto* e = std::get_if<DeliverError>(&a)) {
        errors.push_back(e->reason);
      }
    }
  }
  // Both layers share the clock: advance each, then carry what they sent.
  void advance(std::int64_t ms) {
    client.advance(ms);
    collect(client, client_queue);
    server.advance(ms);
    collect(server, server_queue);
    pump();
  }

  Driver client, server;
  std::deque<Action> client_queue, server_queue;
  std::function<bool(const SendMessage&)> drop;
  std::vector<message::Message> server_core;
  std::vector<std::optional<TransactionId>> server_ids;
  std::vector<int> client_core;
  std::vector<ErrorReason> errors;
  int sent = 0;
};

TEST_F(Loopback, RejectedInviteWithLostResponseAndAck) {
  Fixture f;
  ASSERT_TRUE(client.send_request(request(f)).ok());
  pump();
  ASSERT_EQ(server_core.size(), 1u);
  ASSERT_TRUE(server_ids[0].has_value());
  const TransactionId uas = *server_ids[0];

  // The first 486 and the first ACK are lost.
  int responses = 0, acks = 0;
  drop = [&](const SendMessage& s) {
    if (s.bytes->starts_with("SIP/2.0 486")) return ++responses == 1;
    if (s.bytes->starts_with("ACK ")) return ++acks == 1;
    return false;
  };
  auto busy = message::build_response(server_core[0], 486);
  ASSERT_TRUE(busy.ok());
  ASSERT_TRUE(server.send_response(std::move(*busy), uas).ok());
  pump();
  EXPECT_TRUE(client_core.empty());
  // At 500 ms client Timer A resends the INVITE and server Timer G resends
  // the 486. The client delivers the first 486 it gets and ACKs it (lost);
  // the second 486 (the server's answer to the retransmitted INVITE) is
  // absorbed by the Completed client, which re-sends the ACK; that ACK
  // matches the server INVITE transaction and confirms it.
  advance(499);
  EXPECT_TRUE(client_core.empty());
  advance(1);
  EXPECT_EQ(client_core, std::vector<int>{486});  // once: retransmissions never reach the Core
  EXPECT_EQ(responses, 3);
  EXPECT_EQ(acks, 2);
  EXPECT_EQ(server.layer.state(uas), State::kConfirmed);
  EXPECT_EQ(server_core.size(), 1u);  // nor do the INVITE and ACK retransmissions
  EXPECT_TRUE(errors.empty());
  // Confirmed absorbs a late ACK; Timer G no longer fires.
  advance(4000);
  EXPECT_EQ(responses, 3);
  // Timers I (5 s) and D (32 s) end both sides.
  advance(32000);
  EXPECT_EQ(client.layer.size(), 0u);
  EXPECT_EQ(server.layer.size(), 0u);
}

TEST_F(Loopback, NonInviteLostRequestThenTimeout) {
  Fixture f;
  f.method = "OPTIONS";
  drop = [](const SendMessage&) { return true; };  // a dead peer
  ASSERT_TRUE(client.send_request(request(f)).ok());
  pump();
  // E fires at 0.5, 1.5, 3.5, 7.5, then every 4 s until F at 32 s: 11 sends.
  advance(32000);
  EXPECT_EQ(sent, 11);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], ErrorReason::kTimeout);
  EXPECT_EQ(client.layer.size(), 0u);
}

}  // namespace
}  // namespace sippet::transaction::testing
