// §16.7 steps 6 and 7: the best final response of a response context.
#include "sippet/proxy/best_response.hpp"

#include <gtest/gtest.h>

#include "sippet/message/builder.hpp"

namespace sippet::proxy {
namespace {

using message::HeaderId;

message::Message response(int code) {
  auto request = message::build_request("INVITE", "sip:bob@example.com").value();
  (void)request.put(HeaderId::kVia, "SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1");
  (void)request.put(HeaderId::kFrom, "<sip:alice@example.com>;tag=1");
  (void)request.put(HeaderId::kTo, "<sip:bob@example.com>");
  (void)request.put(HeaderId::kCallId, "best-1");
  (void)request.put(HeaderId::kCSeq, "1 INVITE");
  return message::build_response(request, code).value();
}

int chosen(std::initializer_list<int> codes) {
  BestResponse best;
  for (int code : codes)
    best.offer(response(code));
  auto taken = best.take();
  EXPECT_TRUE(taken.ok());
  return taken ? taken->status_code() : 0;
}

TEST(BestResponseTest, LowestClassWinsAndA6xxBeatsEverything) {
  EXPECT_EQ(chosen({500, 486, 302}), 302);
  EXPECT_EQ(chosen({500, 486}), 486);
  EXPECT_EQ(chosen({486, 500}), 486);
  EXPECT_EQ(chosen({486, 603, 302}), 603);
  EXPECT_EQ(chosen({302, 404, 600}), 600);
  EXPECT_EQ(chosen({480, 404}), 480);  // same class: the first received
}

TEST(BestResponseTest, Among4xxTheOnesACallerCanActOnArePreferred) {
  EXPECT_EQ(chosen({486, 401}), 401);
  EXPECT_EQ(chosen({404, 407, 486}), 407);
  EXPECT_EQ(chosen({480, 484}), 484);
  EXPECT_EQ(chosen({404, 420}), 420);
  EXPECT_EQ(chosen({404, 415}), 415);
}

TEST(BestResponseTest, A503IsForwardedAs500) {
  EXPECT_EQ(chosen({503}), 500);
  EXPECT_EQ(chosen({503, 504}), 500);  // the first 5xx, then rewritten
  EXPECT_EQ(chosen({504, 503}), 504);
}

TEST(BestResponseTest, EveryChallengeOf401And407IsMerged) {
  BestResponse best;
  auto www = response(401);
  (void)www.put(HeaderId::kWwwAuthenticate, "Digest realm=\"a.example.com\", nonce=\"1\"");
  auto proxy = response(407);
  (void)proxy.put(HeaderId::kProxyAuthenticate, "Digest realm=\"b.example.com\", nonce=\"2\"");
  auto www2 = response(401);
  (void)www2.put(HeaderId::kWwwAuthenticate, "Digest realm=\"c.example.com\", nonce=\"3\"");
  best.offer(response(486));
  best.offer(std::move(www));
  best.offer(std::move(proxy));
  best.offer(std::move(www2));
  auto taken = best.take();
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->status_code(), 401);
  auto challenges = taken->get_all(HeaderId::kWwwAuthenticate);
  ASSERT_EQ(challenges.size(), 2u);
  EXPECT_NE(challenges[0]->value.find("a.example.com"), std::string_view::npos);
  EXPECT_NE(challenges[1]->value.find("c.example.com"), std::string_view::npos);
  auto proxies = taken->get_all(HeaderId::kProxyAuthenticate);
  ASSERT_EQ(proxies.size(), 1u);
  EXPECT_NE(proxies[0]->value.find("b.example.com"), std::string_view::npos);
}

TEST(BestResponseTest, EmptyHasNothingToTake) {
  BestResponse best;
  EXPECT_TRUE(best.empty());
  EXPECT_EQ(best.status(), 0);
  EXPECT_FALSE(best.take().ok());
  best.offer(response(404));
  EXPECT_EQ(best.status(), 404);
  EXPECT_FALSE(best.has_6xx());
  ASSERT_TRUE(best.take().ok());
  EXPECT_TRUE(best.empty());
}

}  // namespace
}  // namespace sippet::proxy
