// What a proxy must refuse or survive (RFC 3261 §16.3, §16.4, §16.7,
// §16.9, §16.10): each case of the list on the in-memory network.
#include "proxy_test_support.hpp"
#include "sippet/transaction/layer.hpp"

namespace sippet::proxy::testing {
namespace {

using std::chrono::milliseconds;

class BadInputTest : public ProxyTest {};

TEST_F(BadInputTest, MaxForwardsZeroIs483) {
  start();
  std::string request = caller_request("INVITE", "bad-1");
  request.replace(request.find("Max-Forwards: 70"), 16, "Max-Forwards: 0");
  send(*caller_, request);
  auto answer = next(*caller_);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->message.status_code(), 483);
  EXPECT_TRUE(silent(*a_));
  EXPECT_EQ(core_->contexts(), 0u);
}

TEST_F(BadInputTest, OptionsForUsWithMaxForwardsZeroIsAnswered) {
  start();
  std::string request = caller_request("OPTIONS", "bad-2", {}, "sip:10.0.0.1:5060");
  request.replace(request.find("Max-Forwards: 70"), 16, "Max-Forwards: 0");
  send(*caller_, request);
  auto answer = next(*caller_);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->message.status_code(), 200);
  EXPECT_TRUE(answer->message.has(HeaderId::kAllow));
}

TEST_F(BadInputTest, ALoopIs482) {
  start();
  // What we would have forwarded, back with another proxy's Via on top.
  auto first = message::parse_message(caller_request("INVITE", "bad-3")).value();
  const std::string ours = "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK" + loop_hash(first) + ".1234";
  std::string looped = caller_request("INVITE", "bad-3");
  looped.replace(looped.find("Via: "), 5,
                 "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKhop2\r\nVia: " + ours + "\r\nVia: ");
  send(*caller_, looped);
  auto answer = next(*caller_);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->message.status_code(), 482);
  EXPECT_TRUE(silent(*a_));
}

TEST_F(BadInputTest, UnknownProxyRequireIs420WithUnsupported) {
  start();
  send(*caller_, caller_request("INVITE", "bad-4", "Proxy-Require: com.example.foo\r\n"));
  auto answer = next(*caller_);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->message.status_code(), 420);
  ASSERT_TRUE(answer->message.has(HeaderId::kUnsupported));
  EXPECT_EQ(answer->message.get(HeaderId::kUnsupported)->value, "com.example.foo");
  EXPECT_TRUE(silent(*a_));
}

TEST_F(BadInputTest, ARouteToOurselvesOnlyIsRemovedAndTheRequestRoutedByItsUri) {
  start();
  send(*caller_, caller_request("INVITE", "bad-5", "Route: <sip:10.0.0.1:5060;lr>\r\n"));
  auto invite = next(*a_);
  ASSERT_TRUE(invite.has_value());
  EXPECT_FALSE(invite->message.has(HeaderId::kRoute));
  EXPECT_EQ(invite->message.request_line().uri.text, kA);
  EXPECT_EQ(invite->message.count(HeaderId::kVia), 2u);  // once through us, no loop
  reply(*a_, *invite, 486);
  auto answer = next(*caller_);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->message.status_code(), 486);
}

TEST_F(BadInputTest, ARequestForOurDomainWithNoKnownUserIs404) {
  start();
  send(*caller_, caller_request("INVITE", "bad-6", {}, "sip:carol@10.0.0.1:5060"));
  auto answer = next(*caller_);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->message.status_code(), 404);
  EXPECT_TRUE(silent(*a_));
}

TEST_F(BadInputTest, AResponseForATransactionWeNeverHadGoesByItsVia) {
  start();
  // Our Via on top, a branch we never sent: forwarded statelessly (§16.7).
  const std::string response =
      "SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKnever\r\n"
      "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKcaller9\r\n"
      "From: <sip:alice@example.com>;tag=1\r\n"
      "To: <sip:bob@example.com>;tag=2\r\n"
      "Call-ID: bad-7\r\n"
      "CSeq: 1 INVITE\r\n"
      "Content-Length: 0\r\n\r\n";
  send(*a_, response);
  auto got = next(*caller_);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->message.status_code(), 200);
  EXPECT_EQ(got->message.count(HeaderId::kVia), 1u);
  // Only our Via: it was for us, nobody gets it; one not ours is dropped.
  std::string for_us = response;
  for_us.erase(for_us.find("Via: SIP/2.0/UDP 10.0.0.2"),
               std::string_view("Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKcaller9\r\n").size());
  send(*a_, for_us);
  std::string not_ours = response;
  not_ours.replace(not_ours.find("10.0.0.1:5060"), 13, "10.0.0.5:5060");
  send(*a_, not_ours);
  EXPECT_TRUE(silent(*caller_));
  EXPECT_TRUE(silent(*a_));
  EXPECT_EQ(core_->contexts(), 0u);
}

TEST_F(BadInputTest, ACancelForNothingIs481) {
  start();
  send(*caller_, caller_request("CANCEL", "bad-8"));
  auto answer = next(*caller_);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->message.status_code(), 481);
  EXPECT_TRUE(silent(*a_));
}

TEST_F(BadInputTest, ASilentNextHopGets408Within64T1AndNothingLeaks) {
  start();
  send(*caller_, caller_request("INVITE", "bad-9"));
  auto invite = next(*a_);
  ASSERT_TRUE(invite.has_value());
  settle();  // the proxy has armed Timer B at time 0
  // 64·T1 = 32 s of the manual clock, in T1 steps (Timer A retransmits).
  for (int i = 0; i < 64; ++i)
    advance(milliseconds(500));
  auto answer = next(*caller_);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->message.status_code(), 408);
  settle();
  EXPECT_EQ(core_->contexts(), 0u);
  EXPECT_EQ(core_->branches(), 0u);
  EXPECT_EQ(stack_->metrics().alive(transaction::Kind::kClientInvite), 0u);
}

TEST_F(BadInputTest, AnUnreachableNextHopGetsAnErrorAtOnce) {
  targets_ = {target("sip:bob@10.0.0.99:5060")};  // nobody there: "ICMP" unreachable
  start();
  send(*caller_, caller_request("INVITE", "bad-10"));
  // No clock advance: the transport error ends the branch (§16.9: as a 503,
  // which is forwarded as 500, §16.7 step 6).
  auto answer = next(*caller_);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->message.status_code(), 500);
  settle();
  EXPECT_EQ(core_->contexts(), 0u);
  EXPECT_EQ(core_->branches(), 0u);
}

}  // namespace
}  // namespace sippet::proxy::testing
