// Error responses for requests that do not parse.
#include "../../../src/stack/raw_answer.hpp"

#include <gtest/gtest.h>

#include "sippet/message/parser.hpp"

namespace sippet::stack {
namespace {

const std::string kBadVersion =
    "OPTIONS sip:t.watson@192.0.2.1 SIP/7.0\r\n"
    "Via:     SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw\r\n"
    "v: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK2\r\n"
    "Max-Forwards:     70\r\n"
    "From:    A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe\r\n"
    "t:      T. Watson\r\n"
    "  <sip:t.watson@example.org>\r\n"
    "i:       1234abcd@example.com\r\n"
    "CSeq:    1 OPTIONS\r\n"
    "Content-Length: 0\r\n\r\n";

TEST(RawAnswer, CopiesViasFromToCallIdCSeqAndAddsToTag) {
  auto answer = raw_error_response(kBadVersion, 505, "Version Not Supported");
  ASSERT_TRUE(answer.has_value());
  auto parsed = message::parse_message(*answer);
  ASSERT_TRUE(parsed.ok()) << parsed.error().reason << "\n" << *answer;
  EXPECT_EQ(parsed->status_code(), 505);
  EXPECT_EQ(parsed->status_line().reason, "Version Not Supported");
  ASSERT_EQ(parsed->count(message::HeaderId::kVia), 2u);
  EXPECT_EQ(parsed->top_via()->branch, "z9hG4bKkdjuw");
  EXPECT_EQ(parsed->call_id(), "1234abcd@example.com");
  EXPECT_EQ(parsed->cseq()->seq, 1u);
  EXPECT_EQ(parsed->from()->tag(), "qweoiqpe");
  EXPECT_FALSE(parsed->to()->tag().empty());                      // §8.2.6.2
  EXPECT_EQ(parsed->to()->uri.text, "sip:t.watson@example.org");  // folded line joined
}

TEST(RawAnswer, NothingForAckResponsesOrMissingLines) {
  std::string ack = kBadVersion;
  ack.replace(0, 7, "ACK");
  EXPECT_FALSE(raw_error_response(ack, 400, "Bad Request").has_value());
  EXPECT_FALSE(
      raw_error_response("SIP/2.0 200 OK\r\nVia: x\r\n\r\n", 400, "Bad Request").has_value());
  std::string no_call_id = kBadVersion;
  no_call_id.erase(no_call_id.find("i:"), no_call_id.find("CSeq") - no_call_id.find("i:"));
  EXPECT_FALSE(raw_error_response(no_call_id, 400, "Bad Request").has_value());
  EXPECT_FALSE(raw_error_response(kBadVersion, 0, "").has_value());  // no status: drop
}

TEST(RawAnswer, ReasonStaysOnOneLine) {
  auto answer = raw_error_response(kBadVersion, 400, "bad\r\nInjected: yes");
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->find("\r\nInjected"), std::string::npos);
}

}  // namespace
}  // namespace sippet::stack
