// Host scanning (RFC 3261 §25.1 host / hostname / IPv4address) where the URI
// is long enough for the 16-octet block scan, and dotted quads: the fast
// paths must accept and reject exactly what the label-by-label grammar does.
#include <gtest/gtest.h>

#include <string>

#include "sippet/message/uri.hpp"

namespace sippet::message {
namespace {

// A long tail after the host so that at least 16 octets are always readable.
const std::string kTail = ";transport=tcp;maddr=x";

struct HostCase {
  std::string host;
  bool valid;
  HostType type;
};

TEST(HostScan, LongHostsMatchTheGrammar) {
  const HostCase cases[] = {
      {"pc33.atlanta.example.com", true, HostType::kName},
      {"biloxi.example.com.", true, HostType::kName},  // trailing '.'
      {"a", true, HostType::kName},
      {"123.example.com", true, HostType::kName},  // digits in a domainlabel
      {"a-b.example-1.com", true, HostType::kName},
      {"192.0.2.101", true, HostType::kIPv4},
      {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com", true,
       HostType::kName},  // longer than the 64-octet window
      {"a..example.com", false, HostType::kNone},
      {".example.com", false, HostType::kNone},
      {"-a.example.com", false, HostType::kNone},
      {"a-.example.com", false, HostType::kNone},
      {"example.1com", false, HostType::kNone},  // toplabel must start with ALPHA
      {"256.0.2.1", false, HostType::kNone},
      {"192.0.2", false, HostType::kNone},
      // The dotted-quad fast path must agree with the grammar too.
      {"127.0.0.1", true, HostType::kIPv4},
      {"0.0.0.0", true, HostType::kIPv4},
      {"255.255.255.255", true, HostType::kIPv4},
      {"001.02.3.004", true, HostType::kIPv4},  // 1*3DIGIT allows leading zeros
      {"127.0.0.1.", false, HostType::kNone},   // a trailing '.' after a digit toplabel
      {"127.0.0.1.2", false, HostType::kNone},
      {"1.2.3.4-a", false, HostType::kNone},
      {"1.2.3.4a", false, HostType::kNone},
      {"1.2.3.256", false, HostType::kNone},
      {"1.2.3.1000", false, HostType::kNone},
      {"1..3.4", false, HostType::kNone},
      {"10.0.0.example.com", true, HostType::kName},
      {"1.2.3.4.example", true, HostType::kName},
  };
  for (const HostCase& c : cases) {
    for (const std::string& tail : {kTail, std::string(), std::string(":5060") + kTail}) {
      std::string text = "sip:user@" + c.host + tail;
      auto r = parse_uri(text);
      ASSERT_EQ(r.ok(), c.valid) << text;
      if (!c.valid) continue;
      EXPECT_EQ(r->host, c.host) << text;
      EXPECT_EQ(r->host_type, c.type) << text;
    }
  }
}

TEST(HostScan, HostEndsAtTheFirstNonHostCharacter) {
  // '_' and '~' are not host characters: the host stops there and the rest
  // of the URI must then be valid on its own (here it is not).
  EXPECT_FALSE(parse_uri("sip:user@atlanta.example_com.example.org" + kTail).ok());
  auto r = parse_uri("sip:atlanta.example.com.example.org?subject=a-long-header-value");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->host, "atlanta.example.com.example.org");
  EXPECT_EQ(r->headers, "subject=a-long-header-value");
}

TEST(HostScan, PortsUpToFiveDigitsInlineLongerOnesExactly) {
  struct PortCase {
    std::string text;
    bool valid;
    std::uint16_t port;
  };
  const PortCase cases[] = {
      {"5060", true, 5060}, {"0", true, 0},       {"65535", true, 65535},  {"65536", false, 0},
      {"99999", false, 0},  {"123456", false, 0}, {"0005060", true, 5060},  // 1*DIGIT: leading
                                                                            // zeros are digits too
  };
  for (const PortCase& c : cases) {
    for (const std::string& tail : {std::string(), kTail}) {
      std::string text = "sip:user@127.0.0.1:" + c.text + tail;
      auto r = parse_uri(text);
      ASSERT_EQ(r.ok(), c.valid) << text;
      if (!c.valid) continue;
      EXPECT_EQ(r->port, c.port) << text;
      EXPECT_TRUE(r->has_port) << text;
    }
  }
}

}  // namespace
}  // namespace sippet::message
