// Trace formatting (trace.hpp) of MessageEvents.
#include "sippet/capture/trace.hpp"

#include <gtest/gtest.h>

#include "event_support.hpp"

namespace sippet::capture {
namespace {

using test::fixed_time;
using test::kInvite;
using test::udp_flow;

TEST(TraceFormat, TimeIsIsoUtcWithMicroseconds) {
  std::string out;
  append_time(fixed_time(), out);
  EXPECT_EQ(out, "2026-12-01T10:20:30.012345Z");
}

TEST(TraceFormat, TextBlockOfAReceivedMessage) {
  const auto flow = udp_flow();
  const stack::MessageEvent event{stack::Direction::kReceived, flow, kInvite, fixed_time()};
  std::string out;
  format_trace(event, TraceFormat::kText, out);
  EXPECT_EQ(out,
            "--- 2026-12-01T10:20:30.012345Z received 256 bytes over UDP 127.0.0.1:5060 <- "
            "192.0.2.7:40000\n"
            "INVITE sip:bob@127.0.0.1:5060 SIP/2.0\n"
            "Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK-1\n"
            "From: <sip:alice@127.0.0.1>;tag=a\n"
            "To: <sip:bob@127.0.0.1>\n"
            "Call-ID: call-1@127.0.0.1\n"
            "CSeq: 1 INVITE\n"
            "Content-Type: application/sdp\n"
            "Content-Length: 10\n"
            "\n"
            "v=0\n"
            "o=- x\n"
            "\n");
  EXPECT_EQ(kInvite.size(), 256u);
}

TEST(TraceFormat, TextOfASentMessageOnAConnectionWithABinaryBody) {
  auto flow = udp_flow();
  flow.protocol = transport::Protocol::kTcp;
  flow.connection = 12;
  const std::string bytes = std::string("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 3\r\n\r\n") +
                            std::string("\x00\x01\xff", 3);
  const stack::MessageEvent event{stack::Direction::kSent, flow, bytes, fixed_time()};
  std::string out;
  format_trace(event, TraceFormat::kText, out);
  EXPECT_EQ(out,
            "--- 2026-12-01T10:20:30.012345Z sent 49 bytes over TCP 127.0.0.1:5060 -> "
            "192.0.2.7:40000 #12\n"
            "MESSAGE sip:a@b SIP/2.0\n"
            "Content-Length: 3\n"
            "\n"
            "[3 bytes of binary body]\n"
            "\n");
}

TEST(TraceFormat, TextOfARefusedMessageEscapesControlOctets) {
  const auto flow = udp_flow();
  const message::Error error{message::ErrorKind::kMalformedStartLine, 3, 400, "bad start line"};
  const std::string bytes(
      "GAR\x01\xfe"
      "BAGE\r\n",
      11);
  const stack::MessageEvent event{stack::Direction::kReceived, flow, bytes, fixed_time(), &error};
  std::string out;
  format_trace(event, TraceFormat::kText, out);
  EXPECT_EQ(out,
            "--- 2026-12-01T10:20:30.012345Z received 11 bytes over UDP 127.0.0.1:5060 <- "
            "192.0.2.7:40000\n"
            "refused: bad start line (offset 3)\n"
            "GAR\\x01\\xfeBAGE\n"
            "\n\n");
}

TEST(TraceFormat, JsonLine) {
  const auto flow = udp_flow();
  const std::string bytes = "OPTIONS sip:a@b SIP/2.0\r\nX: \"q\\\" \xc3\xa9\r\n\r\n";
  const stack::MessageEvent event{stack::Direction::kSent, flow, bytes, fixed_time()};
  std::string out;
  format_trace(event, TraceFormat::kJson, out);
  EXPECT_EQ(out,
            "{\"time\":\"2026-12-01T10:20:30.012345Z\",\"direction\":\"out\",\"transport\":\"UDP\","
            "\"local\":\"127.0.0.1:5060\",\"remote\":\"192.0.2.7:40000\",\"connection\":0,"
            "\"size\":39,\"message\":\"OPTIONS sip:a@b SIP/2.0\\r\\nX: \\\"q\\\\\\\" \xc3\xa9\\r\\n"
            "\\r\\n\"}\n");
  EXPECT_EQ(bytes.size(), 39u);
}

TEST(TraceFormat, JsonOfARefusedBinaryMessage) {
  auto flow = udp_flow();
  flow.local = *transport::Endpoint::from_ip("::1", 5060);
  flow.remote = *transport::Endpoint::from_ip("::1", 5070);
  const message::Error error{message::ErrorKind::kMalformedStartLine, 0, 400, "not \"SIP\"\n"};
  const std::string bytes("\xff\x00\x10zz", 5);
  const stack::MessageEvent event{stack::Direction::kReceived, flow, bytes, fixed_time(), &error};
  std::string out;
  format_trace(event, TraceFormat::kJson, out);
  EXPECT_EQ(out,
            "{\"time\":\"2026-12-01T10:20:30.012345Z\",\"direction\":\"in\",\"transport\":\"UDP\","
            "\"local\":\"[::1]:5060\",\"remote\":\"[::1]:5070\",\"connection\":0,\"size\":5,"
            "\"error\":\"not \\\"SIP\\\"\\n\",\"message_base64\":\"/wAQeno=\"}\n");
}

TEST(TraceFormat, ParsesItsNames) {
  TraceFormat format = TraceFormat::kText;
  EXPECT_TRUE(parse_trace_format("json", format));
  EXPECT_EQ(format, TraceFormat::kJson);
  EXPECT_TRUE(parse_trace_format("text", format));
  EXPECT_EQ(format, TraceFormat::kText);
  EXPECT_FALSE(parse_trace_format("xml", format));
}

}  // namespace
}  // namespace sippet::capture
