// RFC 3261 rules the stack keeps, on the in-memory network: §18.1.2
// (responses whose top Via is not ours are discarded), §8.1.1.7 / §18.1.1
// (the Via we add names the listener used), §8.1.2 (strict and loose
// routers), §9.1 (a CANCEL goes where its INVITE went, RFC 3263 §4: not
// resolved again), §17.1.1.2 (no retransmissions over a reliable transport).
#include <gtest/gtest.h>

#include <set>

#include "memory_peer.hpp"

namespace sippet::stack {
namespace {

using namespace std::chrono_literals;
using message::HeaderId;
using testing::at;
using testing::FakeResolver;
using testing::next_message;
using testing::outgoing;
using testing::request_text;
using transport::Flow;
using transport::MemoryPeer;
using transport::Protocol;

class ConformanceTest : public testing::MemoryStackTest {};

std::string response_text(std::string_view via, std::string_view call_id) {
  return "SIP/2.0 200 OK\r\nVia: " + std::string(via) +
         "\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\n"
         "Call-ID: " +
         std::string(call_id) + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
}

TEST_F(ConformanceTest, ResponseWhoseTopViaIsNotOursIsDiscarded) {
  start({"udp:10.0.0.1:5060"});
  auto server = peer(Protocol::kUdp, "10.0.0.2:5060");
  // §18.1.2: sent-by not ours (another host; our host at another port).
  ASSERT_FALSE(server->send(at("10.0.0.1:5060"),
                            response_text("SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bKf1", "a-1")));
  ASSERT_FALSE(server->send(at("10.0.0.1:5060"),
                            response_text("SIP/2.0/UDP 10.0.0.1:5999;branch=z9hG4bKf2", "a-1")));
  // Ours: with the port, and without (the transport's default, 5060).
  ASSERT_FALSE(server->send(at("10.0.0.1:5060"),
                            response_text("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKo1", "a-1")));
  ASSERT_FALSE(server->send(at("10.0.0.1:5060"),
                            response_text("SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKo2", "a-1")));
  ASSERT_TRUE(core_.wait_responses(2));  // (one Call-ID: in arrival order)
  settle();
  ASSERT_EQ(core_.response_count(), 2u);
  EXPECT_EQ(core_.response(0).message.top_via()->branch, "z9hG4bKo1");
  EXPECT_EQ(core_.response(1).message.top_via()->branch, "z9hG4bKo2");
  EXPECT_FALSE(core_.response(0).transaction.has_value());  // stray: no transaction
}

TEST_F(ConformanceTest, ViaNamesTheTransportAndSentByOfTheListenerUsed) {
  start({"udp:10.0.0.1:5060", "tcp:10.0.0.1:5070"});
  auto udp_server = peer(Protocol::kUdp, "10.0.0.2:5060");
  auto tcp_server = peer(Protocol::kTcp, "10.0.0.2:5060");
  ASSERT_TRUE(
      stack_->send_request(outgoing("OPTIONS", "sip:bob@10.0.0.2;transport=tcp", "v-1")).ok());
  ASSERT_TRUE(stack_->send_request(outgoing("OPTIONS", "sip:bob@10.0.0.2", "v-2")).ok());
  auto over_tcp = next_message(*tcp_server);
  auto over_udp = next_message(*udp_server);
  ASSERT_TRUE(over_tcp && over_udp);
  EXPECT_EQ(over_tcp->message.call_id(), "v-1");
  const message::Via* via = over_tcp->message.top_via();
  EXPECT_EQ(via->transport, "TCP");
  EXPECT_EQ(via->host, "10.0.0.1");
  EXPECT_EQ(via->port, 5070);
  EXPECT_TRUE(via->branch.starts_with("z9hG4bK"));
  EXPECT_TRUE(via->params.has("rport"));
  EXPECT_EQ(over_udp->message.call_id(), "v-2");
  via = over_udp->message.top_via();
  EXPECT_EQ(via->transport, "UDP");
  EXPECT_EQ(via->host, "10.0.0.1");
  EXPECT_EQ(via->port, 5060);
}

TEST_F(ConformanceTest, AddViaPushesOursAboveTheUpstreamOneWithTheGivenBranch) {
  start({"udp:10.0.0.1:5060", "tcp:10.0.0.1:5070"});
  auto server = peer(Protocol::kUdp, "10.0.0.2:5060");
  // A proxied request: the upstream hop's Via (TCP) says nothing about
  // the transport of the next hop (UDP: the target has no transport param).
  auto proxied = outgoing("OPTIONS", "sip:bob@10.0.0.2", "v-3");
  ASSERT_TRUE(proxied.put(HeaderId::kVia, "SIP/2.0/TCP 10.0.0.5:5060;branch=z9hG4bKupstream").ok());
  auto stateless = proxied.clone();
  SendOptions options;
  options.add_via = true;
  options.branch = "z9hG4bKmine1";
  ASSERT_TRUE(stack_->send_request(std::move(proxied), options).ok());
  auto got = next_message(*server);
  ASSERT_TRUE(got);
  auto vias = got->message.get_all(HeaderId::kVia);
  ASSERT_EQ(vias.size(), 2u);
  const auto* ours = vias[0]->as<message::Via>();
  const auto* upstream = vias[1]->as<message::Via>();
  EXPECT_EQ(ours->transport, "UDP");
  EXPECT_EQ(ours->host, "10.0.0.1");
  EXPECT_EQ(ours->port, 5060);
  EXPECT_EQ(ours->branch, "z9hG4bKmine1");
  EXPECT_EQ(upstream->branch, "z9hG4bKupstream");

  // The same statelessly (§16.11: the branch a stateless proxy computes).
  options.branch = "z9hG4bKmine2";
  ASSERT_TRUE(stack_->send_stateless(stateless, options).ok());
  got = next_message(*server);
  ASSERT_TRUE(got);
  vias = got->message.get_all(HeaderId::kVia);
  ASSERT_EQ(vias.size(), 2u);
  EXPECT_EQ(vias[0]->as<message::Via>()->branch, "z9hG4bKmine2");
  EXPECT_EQ(vias[1]->as<message::Via>()->branch, "z9hG4bKupstream");
}

TEST_F(ConformanceTest, WithoutAddViaAnExistingViaStaysAndGetsABranchWhenItHasNone) {
  start({"udp:10.0.0.1:5060"});
  auto server = peer(Protocol::kUdp, "10.0.0.2:5060");
  auto request = outgoing("OPTIONS", "sip:bob@10.0.0.2", "v-4");
  ASSERT_TRUE(request.put(HeaderId::kVia, "SIP/2.0/UDP 10.0.0.1:5060").ok());
  ASSERT_TRUE(stack_->send_request(std::move(request)).ok());
  auto got = next_message(*server);
  ASSERT_TRUE(got);
  auto vias = got->message.get_all(HeaderId::kVia);
  ASSERT_EQ(vias.size(), 1u);
  EXPECT_TRUE(vias[0]->as<message::Via>()->branch.starts_with("z9hG4bK"));
}

TEST_F(ConformanceTest, NextHopReportsTheListenersProtocolAndSentBy) {
  auto resolver = std::make_shared<FakeResolver>();
  start({"udp:10.0.0.1:5060", "tcp:10.0.0.1:5070"}, 1, resolver);
  auto tcp = stack_->next_hop(outgoing("OPTIONS", "sip:bob@10.0.0.2;transport=tcp", "n-1"));
  ASSERT_TRUE(tcp.ok()) << tcp.error().reason;
  EXPECT_EQ(tcp->protocol, Protocol::kTcp);
  EXPECT_EQ(tcp->sent_by, "10.0.0.1:5070");
  EXPECT_EQ(tcp->local, at("10.0.0.1:5070"));
  ASSERT_TRUE(tcp->flow);  // the target is known: the flow a stateless send takes
  EXPECT_EQ(tcp->flow->protocol, Protocol::kTcp);
  EXPECT_EQ(tcp->flow->remote, at("10.0.0.2:5060"));
  EXPECT_EQ(tcp->flow->local, at("10.0.0.1:5070"));
  auto udp = stack_->next_hop(outgoing("OPTIONS", "sip:bob@10.0.0.2", "n-2"));
  ASSERT_TRUE(udp.ok());
  EXPECT_EQ(udp->protocol, Protocol::kUdp);
  EXPECT_EQ(udp->sent_by, "10.0.0.1:5060");
  // A host name not resolved yet: the listener of its transport, no flow,
  // and its lookup started; once answered, the flow to its address.
  resolver->set("example.test", {at("10.0.0.3:0")});
  auto named = stack_->next_hop(outgoing("OPTIONS", "sip:bob@example.test;transport=tcp", "n-3"));
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->sent_by, "10.0.0.1:5070");
  EXPECT_FALSE(named->flow);
  EXPECT_EQ(resolver->lookups(), 1u);
  auto again = stack_->next_hop(outgoing("OPTIONS", "sip:bob@example.test;transport=tcp", "n-5"));
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->flow);
  EXPECT_EQ(again->flow->remote, at("10.0.0.3:5060"));
  EXPECT_EQ(resolver->lookups(), 1u);
  // No listener for the transport.
  auto tls = stack_->next_hop(outgoing("OPTIONS", "sips:bob@10.0.0.2", "n-4"));
  ASSERT_FALSE(tls.ok());
  EXPECT_EQ(tls.error().kind, message::ErrorKind::kNoRoute);
}

TEST_F(ConformanceTest, StrictRouterRequestGoesToTheRequestUriLooseRouterToTheRoute) {
  start({"udp:10.0.0.1:5060"});
  auto target = peer(Protocol::kUdp, "10.0.0.2:5060");
  auto router = peer(Protocol::kUdp, "10.0.0.3:5060");
  // §8.1.2 / §12.2.1.1: with a strict router (no lr) the Core already put
  // it in the Request-URI; the Route holds the remote target.
  auto strict = outgoing("OPTIONS", "sip:bob@10.0.0.2:5060", "f-1");
  ASSERT_TRUE(strict.put(HeaderId::kRoute, "<sip:10.0.0.3:5060>").ok());
  ASSERT_TRUE(stack_->send_request(std::move(strict)).ok());
  auto got = next_message(*target);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->message.call_id(), "f-1");
  EXPECT_FALSE(router->receive(0ms));

  auto loose = outgoing("OPTIONS", "sip:bob@10.0.0.2:5060", "f-2");
  ASSERT_TRUE(loose.put(HeaderId::kRoute, "<sip:10.0.0.3:5060;lr>").ok());
  ASSERT_TRUE(stack_->send_request(std::move(loose)).ok());
  got = next_message(*router);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->message.call_id(), "f-2");
  EXPECT_FALSE(target->receive(0ms));
}

// An INVITE to a host name, answered 180 by the server there.
class CancelTest : public testing::MemoryStackTest {
 protected:
  void SetUp() override {
    resolver_->set("example.test", {at("10.0.0.2:0")});
    start({"udp:10.0.0.1:5060"}, 1, resolver_);
    first_ = peer(Protocol::kUdp, "10.0.0.2:5060");
    second_ = peer(Protocol::kUdp, "10.0.0.3:5060");
  }

  std::shared_ptr<FakeResolver> resolver_ = std::make_shared<FakeResolver>();
  std::unique_ptr<MemoryPeer> first_, second_;
};

TEST_F(CancelTest, CancelGoesWhereItsInviteWentWithoutAnotherLookup) {
  auto invite = stack_->send_request(outgoing("INVITE", "sip:bob@example.test", "g-1"));
  ASSERT_TRUE(invite.ok()) << invite.error().reason;
  auto got = next_message(*first_);
  ASSERT_TRUE(got);
  ASSERT_FALSE(first_->send(got->flow, message::build_response(got->message, 180)->to_string()));
  ASSERT_TRUE(core_.wait_responses(1));
  EXPECT_EQ(resolver_->lookups(), 1u);
  const std::size_t queries = resolver_->queries();

  // The name now points elsewhere: a new resolution would follow it.
  resolver_->set("example.test", {at("10.0.0.3:0")});
  auto cancel = stack_->build_cancel(*invite);
  ASSERT_TRUE(cancel.ok()) << cancel.error().reason;
  auto sent = stack_->send_request(std::move(*cancel));
  ASSERT_TRUE(sent.ok()) << sent.error().reason;
  got = next_message(*first_);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->message.method(), message::Method::kCancel);
  EXPECT_EQ(got->message.top_via()->branch,
            core_.response(0).message.top_via()->branch);  // §9.1
  EXPECT_FALSE(second_->receive(0ms));
  EXPECT_EQ(resolver_->lookups(), 1u);
  EXPECT_EQ(resolver_->queries(), queries);
}

TEST_F(CancelTest, CancelOfAnInviteStillBeingResolvedWaitsAndFollowsIt) {
  resolver_->hold();
  auto invite = stack_->send_request(outgoing("INVITE", "sip:bob@example.test", "g-2"));
  ASSERT_TRUE(invite.ok()) << invite.error().reason;
  ASSERT_TRUE(resolver_->wait_held(1));
  auto cancel = stack_->build_cancel(*invite);
  ASSERT_TRUE(cancel.ok()) << cancel.error().reason;
  ASSERT_TRUE(stack_->send_request(std::move(*cancel)).ok());
  EXPECT_FALSE(first_->receive(0ms));  // both wait for the answer
  EXPECT_EQ(resolver_->release(), 1u);

  auto got = next_message(*first_);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->message.method(), message::Method::kInvite);
  got = next_message(*first_);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->message.method(), message::Method::kCancel);
  EXPECT_FALSE(second_->receive(0ms));
  EXPECT_EQ(resolver_->lookups(), 1u);
}

TEST_F(ConformanceTest, CancelOfAnInviteSentOnAFlowGoesOnItsConnection) {
  start({"tcp:10.0.0.1:5060"});
  auto phone = peer(Protocol::kTcp, "10.0.0.3:5071");
  ASSERT_FALSE(phone->send(at("10.0.0.1:5060"),
                           request_text("REGISTER", "sip:10.0.0.1;transport=tcp",
                                        "SIP/2.0/TCP 10.0.0.3:5071;branch=z9hG4bKreg", "g-3")));
  ASSERT_TRUE(core_.wait_requests(1));
  SendOptions on_flow;
  on_flow.flow = core_.request(0).flow;
  auto invite = stack_->send_request(
      outgoing("INVITE", "sip:phone@192.168.1.10;transport=tcp", "g-4"), on_flow);
  ASSERT_TRUE(invite.ok()) << invite.error().reason;
  auto got = next_message(*phone);
  ASSERT_TRUE(got);
  ASSERT_FALSE(phone->send(got->flow, message::build_response(got->message, 180)->to_string()));
  ASSERT_TRUE(core_.wait_responses(1));
  auto cancel = stack_->build_cancel(*invite);
  ASSERT_TRUE(cancel.ok());
  ASSERT_TRUE(stack_->send_request(std::move(*cancel)).ok());  // no flow named: its INVITE's
  got = next_message(*phone);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->message.method(), message::Method::kCancel);
  EXPECT_EQ(got->flow.connection, on_flow.flow->connection);
  settle();
  EXPECT_EQ(core_.error_count(), 0u);  // nothing went to 192.168.1.10
}

TEST_F(ConformanceTest, RequestToAHostNameOverAReliableTransportIsNotRetransmitted) {
  // §17.1.1.2 / §17.1.2.2: Timers A and E only for an unreliable transport,
  // whether the target is an address or a name resolved later (and a
  // CANCEL waiting with its INVITE for the answer).
  auto resolver = std::make_shared<FakeResolver>();
  resolver->set("example.test", {at("10.0.0.2:0")});
  resolver->hold();
  start({"tcp:10.0.0.1:5060"}, 1, resolver);
  auto server = peer(Protocol::kTcp, "10.0.0.2:5060");
  auto named =
      stack_->send_request(outgoing("INVITE", "sip:bob@example.test;transport=tcp", "r-1"));
  ASSERT_TRUE(named.ok());
  ASSERT_TRUE(
      stack_->send_request(outgoing("INVITE", "sip:bob@10.0.0.2;transport=tcp", "r-2")).ok());
  ASSERT_TRUE(resolver->wait_held(1));
  auto cancel = stack_->build_cancel(*named);
  ASSERT_TRUE(cancel.ok());
  ASSERT_TRUE(stack_->send_request(std::move(*cancel)).ok());
  resolver->release();
  std::multiset<std::string> sent;
  for (int i = 0; i < 3; ++i) {
    auto got = next_message(*server);
    ASSERT_TRUE(got);
    sent.insert(std::string(got->message.call_id()) + " " +
                std::string(got->message.method_text()));
  }
  EXPECT_EQ(sent, (std::multiset<std::string>{"r-1 INVITE", "r-1 CANCEL", "r-2 INVITE"}));
  for (int i = 0; i < 8; ++i)
    advance(500ms);  // T1, 2·T1, 4·T1: Timers A and E would have retransmitted
  EXPECT_FALSE(server->receive(0ms));
}

}  // namespace
}  // namespace sippet::stack
