// Stream framing (RFC 3261 §18.3) and keep-alives (RFC 5626 §3.5.1).
#include <gtest/gtest.h>

#include <string>

#include "sippet/message/parser.hpp"

namespace sippet::message {
namespace {

const std::string kFirst =
    "INVITE sip:bob@biloxi.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
    "Content-Length: 5\r\n"
    "\r\n"
    "hello";
const std::string kSecond =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/TCP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
    "l: 0\r\n"
    "\r\n";

TEST(FrameStream, WholeMessages) {
  Frame f = frame_stream(kFirst + kSecond);
  EXPECT_EQ(f.status, Frame::Status::kMessage);
  EXPECT_EQ(f.size, kFirst.size());
  Frame g = frame_stream(kSecond);
  EXPECT_EQ(g.status, Frame::Status::kMessage);
  EXPECT_EQ(g.size, kSecond.size());
}

TEST(FrameStream, IncompleteAtEverySplitPoint) {
  const std::string stream = kFirst + kSecond;
  for (std::size_t n = 0; n < stream.size(); ++n) {
    std::string prefix = stream.substr(0, n);
    Frame f = frame_stream(prefix);
    if (n < kFirst.size()) {
      EXPECT_EQ(f.status, Frame::Status::kIncomplete) << n;
    } else {
      EXPECT_EQ(f.status, Frame::Status::kMessage) << n;
      EXPECT_EQ(f.size, kFirst.size()) << n;
      Frame rest = frame_stream(prefix.substr(kFirst.size()));
      EXPECT_EQ(rest.status,
                n == stream.size() ? Frame::Status::kMessage : Frame::Status::kIncomplete)
          << n;
    }
  }
  // Consuming frames one by one yields both messages, and each parses.
  std::string_view rest = stream;
  int messages = 0;
  while (!rest.empty()) {
    Frame f = frame_stream(rest);
    ASSERT_EQ(f.status, Frame::Status::kMessage);
    auto m = parse_message(rest.substr(0, f.size), ParseOptions{.datagram = false});
    ASSERT_TRUE(m.ok()) << m.error().reason;
    ++messages;
    rest.remove_prefix(f.size);
  }
  EXPECT_EQ(messages, 2);
}

TEST(FrameStream, Keepalives) {
  Frame f = frame_stream("\r\n\r\n" + kFirst);
  EXPECT_EQ(f.status, Frame::Status::kKeepalive);
  EXPECT_EQ(f.size, 4u);
  Frame g = frame_stream("\r\n");
  EXPECT_EQ(g.status, Frame::Status::kKeepalive);
  EXPECT_EQ(g.size, 2u);
  Frame h = frame_stream("\r");
  EXPECT_EQ(h.status, Frame::Status::kIncomplete);
  Frame empty = frame_stream("");
  EXPECT_EQ(empty.status, Frame::Status::kIncomplete);
}

TEST(FrameStream, ContentLengthRequiredAndValid) {
  Frame missing = frame_stream("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n");
  EXPECT_EQ(missing.status, Frame::Status::kMalformed);
  EXPECT_EQ(missing.error.status, 400);
  EXPECT_FALSE(missing.error.reason.empty());
  Frame negative = frame_stream("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n");
  EXPECT_EQ(negative.status, Frame::Status::kMalformed);
  Frame huge = frame_stream("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 99999999999\r\n\r\n");
  EXPECT_EQ(huge.status, Frame::Status::kMalformed);
  Frame conflict = frame_stream("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\nab");
  EXPECT_EQ(conflict.status, Frame::Status::kMalformed);
  Frame folded = frame_stream("OPTIONS sip:a@b SIP/2.0\r\nCONTENT-LENGTH :\r\n 2\r\n\r\nab");
  EXPECT_EQ(folded.status, Frame::Status::kMessage);
  EXPECT_EQ(folded.size, 51u);
  // A header whose name only ends in "content-length" is not it.
  Frame other = frame_stream("OPTIONS sip:a@b SIP/2.0\r\nX-Content-Length: 2\r\nl: 0\r\n\r\nab");
  EXPECT_EQ(other.status, Frame::Status::kMessage);
  EXPECT_EQ(other.size, 54u);
}

TEST(FrameStream, TooLarge) {
  std::string big = "OPTIONS sip:a@b SIP/2.0\r\nX: " + std::string(300, 'x') + "\r\nl: 0\r\n\r\n";
  Frame f = frame_stream(big, 200);
  EXPECT_EQ(f.status, Frame::Status::kMalformed);
  EXPECT_EQ(f.error.status, 513);
  // Header section still incomplete but already over the limit.
  Frame g = frame_stream(big.substr(0, 250), 200);
  EXPECT_EQ(g.status, Frame::Status::kMalformed);
  // Header fits, header + body does not.
  Frame h = frame_stream("OPTIONS sip:a@b SIP/2.0\r\nl: 500\r\n\r\n", 200);
  EXPECT_EQ(h.status, Frame::Status::kMalformed);
  EXPECT_EQ(h.error.status, 513);
  // Exactly at the limit is fine.
  Frame exact = frame_stream(kFirst, kFirst.size());
  EXPECT_EQ(exact.status, Frame::Status::kMessage);
}

}  // namespace
}  // namespace sippet::message
