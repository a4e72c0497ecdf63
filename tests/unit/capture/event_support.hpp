#pragma once
// A MessageEvent for the capture tests: a fixed time and flow.
#include <chrono>
#include <string_view>

#include "sippet/stack/observer.hpp"
#include "sippet/transport/flow.hpp"

namespace sippet::capture::test {

inline constexpr std::string_view kInvite =
    "INVITE sip:bob@127.0.0.1:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK-1\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a\r\n"
    "To: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: call-1@127.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 10\r\n"
    "\r\n"
    "v=0\r\no=- x";

// 2026-12-01T10:20:30.012345Z
inline std::chrono::system_clock::time_point fixed_time() {
  using namespace std::chrono;
  return system_clock::time_point(seconds(1796120430) + microseconds(12345));
}

inline transport::Flow udp_flow() {
  transport::Flow flow;
  flow.protocol = transport::Protocol::kUdp;
  flow.local = *transport::Endpoint::from_ip("127.0.0.1", 5060);
  flow.remote = *transport::Endpoint::from_ip("192.0.2.7", 40000);
  return flow;
}

}  // namespace sippet::capture::test
