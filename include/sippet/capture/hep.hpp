#pragma once
// HEP version 3 (the Homer encapsulation protocol): a copy of each message
// with its addresses, ports, time and a capture agent id, sent to a capture
// server (Homer, heplify-server, Wireshark's `hep` dissector).
//
// A packet is "HEP3", its total length (16 bits), then chunks: vendor id
// (0, generic), chunk type, chunk length (6 plus the value), value; every
// number in network byte order. docs/observability.md lists the chunks.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sippet/capture/writer.hpp"
#include "sippet/message/result.hpp"
#include "sippet/stack/observer.hpp"

namespace sippet::capture {

enum class HepChunk : std::uint16_t {
  kIpFamily = 1,    // uint8: 2 IPv4, 10 IPv6
  kIpProtocol = 2,  // uint8: 17 UDP, 6 TCP
  kIpv4Source = 3,  // 4 octets
  kIpv4Destination = 4,
  kIpv6Source = 5,  // 16 octets
  kIpv6Destination = 6,
  kSourcePort = 7,  // uint16
  kDestinationPort = 8,
  kSeconds = 9,         // uint32, since the epoch
  kMicroseconds = 10,   // uint32, added to the seconds
  kProtocolType = 11,   // uint8: 1 SIP
  kCaptureId = 12,      // uint32: the capture agent
  kPayload = 15,        // the message
  kCorrelationId = 17,  // string: the Call-ID
};

// Appends one HEP3 packet for `event` to `out`. The correlation id is the
// message's Call-ID when one is found in its headers. A message too long
// for a HEP packet (65535 octets in all) is cut to fit.
void encode_hep3(const stack::MessageEvent& event, std::uint32_t capture_id, std::string& out);

// The value of the Call-ID header (or its compact form "i") in the header
// lines of a raw message; empty when there is none.
std::string_view find_call_id(std::string_view bytes);

// Sends HEP3 packets over UDP to a capture server.
class HepSink final : public Sink {
 public:
  // `target`: "udp:HOST:PORT" (HOST an IP address, [IPv6] or a name).
  static message::Result<std::unique_ptr<HepSink>> open(std::string_view target,
                                                        std::uint32_t capture_id);
  ~HepSink() override;
  void write(const stack::MessageEvent& event) override;
  // Sends that failed (e.g. nothing listens at the target).
  std::uint64_t send_errors() const { return send_errors_.load(std::memory_order_relaxed); }

 private:
  HepSink(int fd, std::uint32_t capture_id) : fd_(fd), capture_id_(capture_id) {}
  int fd_;
  std::uint32_t capture_id_;
  std::string buffer_;
  std::atomic<std::uint64_t> send_errors_{0};
};

}  // namespace sippet::capture
