// Flows (RFC 5626 §3) through the stack, on the in-memory network: the Core
// reads the flow of what it receives; responses go back on the request's
// flow (RFC 3261 §18.2.2: the same connection, or for UDP received/rport);
// requests and stateless sends go on a flow the Core names.
#include <gtest/gtest.h>

#include <set>

#include "memory_peer.hpp"

namespace sippet::stack {
namespace {

using namespace std::chrono_literals;
using message::HeaderId;
using testing::at;
using testing::Incoming;
using testing::kWait;
using testing::next_message;
using testing::outgoing;
using testing::request_text;
using transport::Flow;
using transport::MemoryPeer;
using transport::Protocol;

class FlowTest : public testing::MemoryStackTest {};

TEST_F(FlowTest, CoreReadsTheFlowOfARequestOverUdpAndOverAConnection) {
  start({"udp:10.0.0.1:5060", "tcp:10.0.0.1:5060"});
  auto udp_phone = peer(Protocol::kUdp, "10.0.0.2:5070");
  auto tcp_phone = peer(Protocol::kTcp, "10.0.0.3:5071");
  ASSERT_FALSE(udp_phone->send(at("10.0.0.1:5060"),
                               request_text("OPTIONS", "sip:bob@10.0.0.1",
                                            "SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bKu1", "b-1")));
  ASSERT_TRUE(core_.wait_requests(1));
  ASSERT_FALSE(tcp_phone->send(at("10.0.0.1:5060"),
                               request_text("OPTIONS", "sip:bob@10.0.0.1;transport=tcp",
                                            "SIP/2.0/TCP 10.0.0.3:5071;branch=z9hG4bKt1", "b-2")));
  ASSERT_TRUE(core_.wait_requests(2));

  EXPECT_EQ(core_.request(0).flow,
            (Flow{Protocol::kUdp, at("10.0.0.1:5060"), at("10.0.0.2:5070"), 0}));
  const auto connection =
      network_->connection(Protocol::kTcp, at("10.0.0.3:5071"), at("10.0.0.1:5060"));
  ASSERT_TRUE(connection);
  EXPECT_EQ(core_.request(1).flow,
            (Flow{Protocol::kTcp, at("10.0.0.1:5060"), at("10.0.0.3:5071"), *connection}));
  EXPECT_TRUE(core_.request(1).transaction.has_value());
}

TEST_F(FlowTest, CoreReadsTheFlowOfAResponseOverUdpAndOverAConnection) {
  start({"udp:10.0.0.1:5060", "tcp:10.0.0.1:5070"});
  auto udp_server = peer(Protocol::kUdp, "10.0.0.2:5060");
  auto tcp_server = peer(Protocol::kTcp, "10.0.0.3:5061");

  auto udp_sent = stack_->send_request(outgoing("OPTIONS", "sip:bob@10.0.0.2", "b-3"));
  ASSERT_TRUE(udp_sent.ok()) << udp_sent.error().reason;
  auto request = next_message(*udp_server);
  ASSERT_TRUE(request);
  ASSERT_FALSE(
      udp_server->send(request->flow, message::build_response(request->message, 200)->to_string()));
  ASSERT_TRUE(core_.wait_responses(1));
  EXPECT_EQ(core_.response(0).flow,
            (Flow{Protocol::kUdp, at("10.0.0.1:5060"), at("10.0.0.2:5060"), 0}));
  EXPECT_EQ(core_.response(0).transaction, *udp_sent);

  auto tcp_sent =
      stack_->send_request(outgoing("OPTIONS", "sip:bob@10.0.0.3:5061;transport=tcp", "b-4"));
  ASSERT_TRUE(tcp_sent.ok()) << tcp_sent.error().reason;
  request = next_message(*tcp_server);
  ASSERT_TRUE(request);
  ASSERT_NE(request->flow.connection, 0u);
  ASSERT_FALSE(
      tcp_server->send(request->flow, message::build_response(request->message, 200)->to_string()));
  ASSERT_TRUE(core_.wait_responses(2));
  EXPECT_EQ(core_.response(1).flow, (Flow{Protocol::kTcp, at("10.0.0.1:5070"), at("10.0.0.3:5061"),
                                          request->flow.connection}));
  EXPECT_EQ(core_.response(1).transaction, *tcp_sent);
}

TEST_F(FlowTest, ResponseGoesBackOnTheRequestsConnectionWhateverItsViaSays) {
  start({"tcp:10.0.0.1:5060"});
  auto phone = peer(Protocol::kTcp, "10.0.0.3:5071");
  auto decoy = peer(Protocol::kTcp, "10.0.0.9:5999");  // the Via's sent-by
  ASSERT_FALSE(phone->send(at("10.0.0.1:5060"),
                           request_text("INVITE", "sip:bob@10.0.0.1;transport=tcp",
                                        "SIP/2.0/TCP 10.0.0.9:5999;branch=z9hG4bKc1", "c-1")));
  ASSERT_TRUE(core_.wait_requests(1));
  auto& invite = core_.request(0);
  for (int code : {180, 486}) {
    auto response = message::build_response(invite.message, code);
    ASSERT_TRUE(stack_->send_response(std::move(*response), invite.transaction).ok());
    auto got = next_message(*phone);
    ASSERT_TRUE(got) << code;
    EXPECT_EQ(got->message.status_code(), code);
    EXPECT_EQ(got->flow.connection, invite.flow.connection);  // the request's connection
  }
  EXPECT_FALSE(decoy->receive(0ms));
  EXPECT_FALSE(network_->connection(Protocol::kTcp, at("10.0.0.1:5060"), at("10.0.0.9:5999")));
}

TEST_F(FlowTest, UdpResponseGoesToTheSourceAtItsRportElseAtTheSentByPort) {
  // §18.2.2 and RFC 3581 §4: the source address (received), at the source
  // port when the Via asks for rport, else at the Via's sent-by port.
  start({"udp:10.0.0.1:5060"});
  auto phone = peer(Protocol::kUdp, "10.0.0.2:5070");
  auto sent_by = peer(Protocol::kUdp, "10.0.0.2:5999");
  const std::string via = "SIP/2.0/UDP client.example.com:5999;branch=z9hG4bK";
  ASSERT_FALSE(phone->send(at("10.0.0.1:5060"),
                           request_text("OPTIONS", "sip:bob@10.0.0.1", via + "rp;rport", "c-2")));
  ASSERT_FALSE(phone->send(at("10.0.0.1:5060"),
                           request_text("OPTIONS", "sip:bob@10.0.0.1", via + "norp", "c-3")));
  ASSERT_TRUE(core_.wait_requests(2));
  for (std::size_t i = 0; i < 2; ++i) {
    auto response = message::build_response(core_.request(i).message, 200);
    ASSERT_TRUE(stack_->send_response(std::move(*response), core_.request(i).transaction).ok());
  }
  auto with_rport = next_message(*phone);
  ASSERT_TRUE(with_rport);
  EXPECT_EQ(with_rport->message.call_id(), "c-2");
  EXPECT_EQ(with_rport->message.top_via()->params.get("rport"),
            std::optional<std::string_view>("5070"));
  EXPECT_EQ(with_rport->message.top_via()->params.get("received"),
            std::optional<std::string_view>("10.0.0.2"));
  auto without = next_message(*sent_by);
  ASSERT_TRUE(without);
  EXPECT_EQ(without->message.call_id(), "c-3");
  EXPECT_EQ(without->flow.remote, at("10.0.0.1:5060"));
  EXPECT_FALSE(phone->receive(0ms));
}

// A phone registers over a connection from behind a NAT: its Contact names
// an address nobody can reach; the flow is the way back (RFC 5626 §5.3).
TEST_F(FlowTest, SendRequestOnAFlowUsesThePhonesConnectionNotTheRequestUri) {
  start({"tcp:10.0.0.1:5060"});
  auto phone = peer(Protocol::kTcp, "10.0.0.3:5071");
  ASSERT_FALSE(phone->send(at("10.0.0.1:5060"),
                           request_text("REGISTER", "sip:10.0.0.1;transport=tcp",
                                        "SIP/2.0/TCP 192.168.1.10:5060;branch=z9hG4bKr1", "d-1")));
  ASSERT_TRUE(core_.wait_requests(1));
  const Flow registered = core_.request(0).flow;

  SendOptions options;
  options.flow = registered;
  auto sent = stack_->send_request(
      outgoing("OPTIONS", "sip:phone@192.168.1.10:5060;transport=tcp", "d-2"), options);
  ASSERT_TRUE(sent.ok()) << sent.error().reason;
  auto got = next_message(*phone);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->message.call_id(), "d-2");
  EXPECT_EQ(got->flow.connection, registered.connection);
  EXPECT_EQ(got->message.top_via()->transport, "TCP");
  EXPECT_EQ(got->message.top_via()->host, "10.0.0.1");

  ASSERT_FALSE(phone->send(got->flow, message::build_response(got->message, 200)->to_string()));
  ASSERT_TRUE(core_.wait_responses(1));
  EXPECT_EQ(core_.response(0).transaction, *sent);
  settle();
  EXPECT_EQ(core_.error_count(), 0u);  // nothing went to 192.168.1.10
}

TEST_F(FlowTest, SendRequestOnAUdpFlowGoesToTheFlowsRemote) {
  start({"udp:10.0.0.1:5060"});
  auto phone = peer(Protocol::kUdp, "10.0.0.2:40123");  // its NAT binding
  ASSERT_FALSE(phone->send(at("10.0.0.1:5060"),
                           request_text("REGISTER", "sip:10.0.0.1",
                                        "SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bKr2", "d-3")));
  ASSERT_TRUE(core_.wait_requests(1));
  SendOptions options;
  options.flow = core_.request(0).flow;
  auto sent =
      stack_->send_request(outgoing("OPTIONS", "sip:phone@192.168.1.10:5060", "d-4"), options);
  ASSERT_TRUE(sent.ok()) << sent.error().reason;
  auto got = next_message(*phone);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->message.call_id(), "d-4");
  settle();
  EXPECT_EQ(core_.error_count(), 0u);
}

TEST_F(FlowTest, SendStatelessOnAFlow) {
  start({"udp:10.0.0.1:5060", "tcp:10.0.0.1:5060"});
  auto tcp_phone = peer(Protocol::kTcp, "10.0.0.3:5071");
  auto udp_phone = peer(Protocol::kUdp, "10.0.0.2:40123");
  auto sent_by = peer(Protocol::kUdp, "10.0.0.2:5060");  // where §18.2.2 alone would answer
  ASSERT_FALSE(tcp_phone->send(at("10.0.0.1:5060"),
                               request_text("REGISTER", "sip:10.0.0.1;transport=tcp",
                                            "SIP/2.0/TCP 192.168.1.10;branch=z9hG4bKr3", "e-1")));
  ASSERT_FALSE(udp_phone->send(
      at("10.0.0.1:5060"),
      request_text("MESSAGE", "sip:10.0.0.1", "SIP/2.0/UDP 192.168.1.10;branch=z9hG4bKm1", "e-2")));
  ASSERT_TRUE(core_.wait_requests(2));
  const Incoming* registration = &core_.request(0);
  const Incoming* message = &core_.request(1);
  if (registration->flow.protocol != Protocol::kTcp) std::swap(registration, message);

  // A request (e.g. a stateless proxy's) on the registered connection.
  SendOptions on_tcp;
  on_tcp.flow = registration->flow;
  on_tcp.add_via = true;
  ASSERT_TRUE(stack_
                  ->send_stateless(
                      outgoing("MESSAGE", "sip:phone@192.168.1.10;transport=tcp", "e-3"), on_tcp)
                  .ok());
  auto request = next_message(*tcp_phone);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->message.call_id(), "e-3");
  EXPECT_EQ(request->flow.connection, registration->flow.connection);

  // A response on the flow its request came on, not where its Via says.
  SendOptions on_udp;
  on_udp.flow = message->flow;
  ASSERT_TRUE(stack_->send_stateless(*message::build_response(message->message, 202), on_udp).ok());
  auto response = next_message(*udp_phone);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->message.status_code(), 202);
  EXPECT_FALSE(sent_by->receive(0ms));
}

TEST_F(FlowTest, EachResponseGoesBackOnItsConnectionWithSeveralWorkers) {
  // Four workers share each listener (one transport per worker): whichever
  // worker a connection is delivered to and whichever owns the Call-ID,
  // the answer leaves on the request's connection.
  core_.on_request = [this](const message::Message& request, std::optional<Transaction> t,
                            const Flow&) {
    auto response = message::build_response(request, 200);
    ASSERT_TRUE(stack_->send_response(std::move(*response), t).ok());
  };
  start({"tcp:10.0.0.1:5060", "udp:10.0.0.1:5060"}, 4);
  constexpr int kPhones = 12, kEach = 3;
  std::vector<std::unique_ptr<MemoryPeer>> phones;
  for (int p = 0; p < kPhones; ++p) {
    const Protocol protocol = p % 2 == 0 ? Protocol::kTcp : Protocol::kUdp;
    const std::string address = "10.0.1." + std::to_string(p + 1) + ":5070";
    phones.push_back(peer(protocol, address));
    for (int n = 0; n < kEach; ++n) {
      const std::string call_id = "w-" + std::to_string(p) + "-" + std::to_string(n);
      const std::string via = "SIP/2.0/" + std::string(transport::to_string(protocol)) +
                              " 10.0.9.9:5060;rport;branch=z9hG4bK" + call_id;
      ASSERT_FALSE(phones.back()->send(at("10.0.0.1:5060"),
                                       request_text("OPTIONS", "sip:bob@10.0.0.1", via, call_id)));
    }
  }
  for (int p = 0; p < kPhones; ++p) {
    std::set<std::string> answered;
    for (int n = 0; n < kEach; ++n) {
      auto got = next_message(*phones[p]);
      ASSERT_TRUE(got) << p;
      EXPECT_EQ(got->message.status_code(), 200);
      answered.insert(std::string(got->message.call_id()));
      if (p % 2 == 0) {
        EXPECT_EQ(got->flow.connection,
                  network_->connection(Protocol::kTcp, phones[p]->address(), at("10.0.0.1:5060")));
      }
    }
    EXPECT_EQ(answered.size(), static_cast<std::size_t>(kEach));
  }
  // (The callback answers before it returns and the request is counted.)
  EXPECT_TRUE(core_.wait_requests(kPhones * kEach));
}

TEST_F(FlowTest, FlowOfNoListenerIsRefused) {
  start({"udp:10.0.0.1:5060"});
  SendOptions options;
  options.flow = Flow{Protocol::kTcp, at("10.0.0.1:5060"), at("10.0.0.2:5060"), 7};
  auto request = outgoing("OPTIONS", "sip:bob@10.0.0.2", "e-4");
  auto sent = stack_->send_request(std::move(request), options);
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().kind, message::ErrorKind::kNoRoute);
  EXPECT_EQ(request.call_id(), "e-4");  // left as it was
}

}  // namespace
}  // namespace sippet::stack
