// The layer matches messages by views into them (detail::KeyView): each view
// must hash and compare like the owned TransactionKey built from the same
// message (key.hpp), or a retransmission, an ACK or a response would miss
// its transaction (RFC 3261 §17.1.3, §17.2.3).
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "../../../src/transaction/key_internal.hpp"
#include "sippet/message/parser.hpp"
#include "sippet/transaction/key.hpp"

namespace sippet::transaction::detail {
namespace {

std::string message_text(const std::string& start, const std::string& via,
                         const std::string& cseq) {
  return start + "\r\nVia: " + via +
         "\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n"
         "Call-ID: kv@example.com\r\nCSeq: " +
         cseq + "\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
}

TEST(KeyView, ServerViewHashesAndMatchesLikeItsKey) {
  const std::string vias[] = {
      "SIP/2.0/UDP Host.Example.COM:5060;branch=z9hG4bK-abc",
      "SIP/2.0/TCP [2001:DB8::1];branch=z9hG4bKx;received=192.0.2.9",
      "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1;rport",
      // Sent-bys taken as written (lower-case host, port digits), or not:
      // a port after spaces, with a leading zero, an upper-case letter in
      // a host of 8 octets or more, in its overlapping last 8, or in a short one.
      "SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-w1",
      "SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-w2",
      "SIP/2.0/UDP 127.0.0.1 : 5061;branch=z9hG4bK-w3",
      "SIP/2.0/UDP 127.0.0.1:05061;branch=z9hG4bK-w4",
      "SIP/2.0/UDP host.example.coM:9;branch=z9hG4bK-w5",
      "SIP/2.0/UDP hosT.example.com:65535;branch=z9hG4bK-w6",
      "SIP/2.0/UDP a.B:1000;branch=z9hG4bK-w7",
      "SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bK-w8",
  };
  for (const auto& via : vias) {
    for (const char* method : {"INVITE", "ACK", "OPTIONS"}) {
      SCOPED_TRACE(via + " " + method);
      auto request = message::parse_message(message_text(
          std::string(method) + " sip:b@example.com SIP/2.0", via, std::string("1 ") + method));
      ASSERT_TRUE(request) << request.error().reason;
      auto key = server_key(*request);
      ASSERT_TRUE(key);
      char sent_by[kSentBySize];
      auto view = server_key_view(*request, sent_by);
      ASSERT_TRUE(view);
      EXPECT_EQ(view->hash(), TransactionKeyHash{}(*key));
      EXPECT_TRUE(view->matches(*key));
      EXPECT_EQ(KeyView::of(*key).hash(), view->hash());
      // §17.2.3: the sent-by compares with its host lower-cased.
      for (char c : view->sent_by)
        EXPECT_FALSE(c >= 'A' && c <= 'Z') << view->sent_by;
    }
  }
}

TEST(KeyView, SentByIsTheHostLowerCasedAndThePort) {
  const std::pair<std::string, std::string> cases[] = {
      {"SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-s1", "127.0.0.1:5061"},
      {"SIP/2.0/UDP 127.0.0.1 : 5061;branch=z9hG4bK-s2", "127.0.0.1:5061"},
      {"SIP/2.0/UDP 127.0.0.1:05061;branch=z9hG4bK-s3", "127.0.0.1:5061"},
      {"SIP/2.0/UDP Host.Example.COM:7;branch=z9hG4bK-s4", "host.example.com:7"},
      {"SIP/2.0/UDP host.example.com;branch=z9hG4bK-s5", "host.example.com"},
      {"SIP/2.0/UDP a.B:1000;branch=z9hG4bK-s6", "a.b:1000"},
  };
  for (const auto& [via, sent_by] : cases) {
    SCOPED_TRACE(via);
    auto request =
        message::parse_message(message_text("OPTIONS sip:b@example.com SIP/2.0", via, "1 OPTIONS"));
    ASSERT_TRUE(request) << request.error().reason;
    char buffer[kSentBySize];
    auto view = server_key_view(*request, buffer);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->sent_by, sent_by);
  }
}

TEST(KeyView, ClientViewHashesAndMatchesLikeItsKey) {
  for (const char* cseq : {"1 INVITE", "2 BYE"}) {
    SCOPED_TRACE(cseq);
    auto response = message::parse_message(
        message_text("SIP/2.0 200 OK", "SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK-c1", cseq));
    ASSERT_TRUE(response) << response.error().reason;
    auto key = client_key(*response);
    ASSERT_TRUE(key);
    auto view = client_key_view(*response);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->hash(), TransactionKeyHash{}(*key));
    EXPECT_TRUE(view->matches(*key));
  }
  // Another branch is another transaction.
  auto other = message::parse_message(
      message_text("SIP/2.0 200 OK", "SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK-c2", "1 INVITE"));
  auto first = message::parse_message(
      message_text("SIP/2.0 200 OK", "SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK-c1", "1 INVITE"));
  ASSERT_TRUE(other && first);
  EXPECT_FALSE(client_key_view(*other)->matches(*client_key(*first)));
}

}  // namespace
}  // namespace sippet::transaction::detail
