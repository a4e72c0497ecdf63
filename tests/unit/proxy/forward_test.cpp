// prepare_request / forward_request (§16.6 steps 2 to 7) through a proxy on
// the in-memory network: Max-Forwards, pushed routes, strict routers.
#include "proxy_test_support.hpp"

namespace sippet::proxy::testing {
namespace {

class ForwardTest : public ProxyTest {};

TEST_F(ForwardTest, MaxForwardsAbsentBecomes70) {
  start();
  std::string request = caller_request("OPTIONS", "fw-1");
  request.erase(request.find("Max-Forwards: 70\r\n"), 18);
  send(*caller_, request);
  auto forwarded = next(*a_);
  ASSERT_TRUE(forwarded.has_value());
  EXPECT_EQ(forwarded->message.max_forwards(), 70u);
}

TEST_F(ForwardTest, APushedLooseRouteIsFollowedAndKept) {
  Target via_b = target(kA);
  via_b.routes = {"sip:10.0.0.4:5060;lr"};
  targets_ = {via_b};
  start();
  send(*caller_, caller_request("OPTIONS", "fw-2"));
  auto forwarded = next(*b_);
  ASSERT_TRUE(forwarded.has_value());
  EXPECT_EQ(forwarded->message.request_line().uri.text, kA);
  auto routes = forwarded->message.get_all(HeaderId::kRoute);
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0]->value, "<sip:10.0.0.4:5060;lr>");
}

TEST_F(ForwardTest, AStrictRouterGetsTheRequestUriAndTheTargetGoesLast) {
  Target via_b = target(kA);
  via_b.routes = {"sip:10.0.0.4:5060"};  // no lr: a strict router (§16.6 step 7)
  targets_ = {via_b};
  start();
  send(*caller_, caller_request("OPTIONS", "fw-3"));
  auto forwarded = next(*b_);
  ASSERT_TRUE(forwarded.has_value());
  EXPECT_EQ(forwarded->message.request_line().uri.text, "sip:10.0.0.4:5060");
  auto routes = forwarded->message.get_all(HeaderId::kRoute);
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0]->value, "<sip:bob@10.0.0.3:5060>");
}

TEST_F(ForwardTest, ATargetFlowOverridesTheRequestUri) {
  Target on_flow = target("sip:bob@example.com");
  on_flow.flow = transport::Flow{Protocol::kUdp, at(kProxy), at("10.0.0.4:5060"), 0};
  targets_ = {on_flow};
  ProxyConfig config;
  config.record_route = true;
  start(config);
  send(*caller_, caller_request("INVITE", "fw-4"));
  auto forwarded = next(*b_);
  ASSERT_TRUE(forwarded.has_value());
  EXPECT_EQ(forwarded->message.request_line().uri.text, "sip:bob@example.com");
  EXPECT_EQ(forwarded->message.count(HeaderId::kRecordRoute), 1u);
  EXPECT_EQ(forwarded->message.top_via()->host, "10.0.0.1");
}

// §16.6 step 7, a local policy: a target's destination (`--to`'s domain)
// is where the request goes, before its Request-URI, and nothing about it
// is written into the request; a stateless proxy sends the same way.
class DestinationTest : public ProxyTest, public ::testing::WithParamInterface<bool> {};

TEST_P(DestinationTest, IsFollowedAndWrittenNowhere) {
  Target elsewhere = target(kA);
  elsewhere.destination = "sip:10.0.0.4:5060";
  targets_ = {elsewhere};
  ProxyConfig config;
  config.record_route = true;
  config.stateless = GetParam();
  start(config);
  send(*caller_, caller_request("INVITE", "fw-d"));
  auto forwarded = next(*b_);
  ASSERT_TRUE(forwarded.has_value());
  EXPECT_EQ(forwarded->message.request_line().uri.text, kA);
  EXPECT_EQ(forwarded->message.count(HeaderId::kRoute), 0u);
  EXPECT_EQ(forwarded->message.count(HeaderId::kRecordRoute), 1u);
  EXPECT_EQ(forwarded->message.to_string().find("10.0.0.4"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(StatefulAndStateless, DestinationTest, ::testing::Bool());

TEST_F(ForwardTest, AStatelessForwardThatCannotLeaveIsAnswered503OnTheCallersVia) {
  // A flow from an address that is not ours: no listener can send on it.
  Target unreachable = target(kA);
  unreachable.flow = transport::Flow{Protocol::kUdp, at("10.0.0.9:5060"), at("10.0.0.3:5060"), 0};
  targets_ = {unreachable};
  ProxyConfig config;
  config.stateless = true;
  start(config, 1, false);
  send(*caller_, caller_request("OPTIONS", "fw-5"));
  // §16.9: answered from the request the forward edited in place, whose
  // top Via is the caller's again (ours came off when the send failed).
  auto answer = next(*caller_);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->message.status_code(), 503);
  EXPECT_EQ(answer->message.count(HeaderId::kVia), 1u);
  EXPECT_EQ(answer->message.top_via()->branch, "z9hG4bKcaller1");
  EXPECT_EQ(answer->message.call_id(), "fw-5");
  EXPECT_TRUE(silent(*a_));
}

}  // namespace
}  // namespace sippet::proxy::testing
