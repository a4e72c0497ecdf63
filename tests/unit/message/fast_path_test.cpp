// The parser's fast paths (src/message/fast_path.hpp) against its general
// §25.1 grammar: every message parsed both ways must give the same result,
// field for field and view for view, or the same error. The messages are
// the RFC 4475 corpus, the benchmark anchor and header values built to sit
// on each edge of what the fast paths take.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "../../support/message_dump.hpp"
#include "sippet/message/parser.hpp"

namespace sippet::message {
namespace {

struct Outcome {
  bool ok = false;
  std::string text;  // the dump, or the error
};

Outcome parse_with(std::string_view bytes, bool fast) {
  ParseOptions options;
  options.fast_paths = fast;
  auto r = parse_message(bytes, options);
  if (!r) {
    const Error& e = r.error();
    return {false, std::string(to_string(e.kind)) + " " + std::to_string(e.offset) + " " +
                       std::to_string(e.status) + " " + e.reason};
  }
  return {true, test::MessageDump(*r).str()};
}

// Parses both ways and compares; returns whether the message parsed.
bool expect_same(std::string_view bytes) {
  const Outcome general = parse_with(bytes, false);
  const Outcome fast = parse_with(bytes, true);
  EXPECT_EQ(general.ok, fast.ok) << bytes;
  EXPECT_EQ(general.text, fast.text) << bytes;
  return general.ok;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// An INVITE with `header` (a whole line without CRLF) among its headers.
std::string invite_with(std::string_view header) {
  std::string m =
      "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
      "Max-Forwards: 70\r\n"
      "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
      "CSeq: 314159 INVITE\r\n";
  m.append(header);
  m.append("\r\nContent-Length: 0\r\n\r\n");
  return m;
}

std::string request_with_uri(std::string_view uri) {
  std::string m = "OPTIONS ";
  m.append(uri);
  m.append(
      " SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nMax-Forwards: 70\r\n"
      "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n"
      "Content-Length: 0\r\n\r\n");
  return m;
}

TEST(FastPath, Rfc4475CorpusParsesTheSameBothWays) {
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SIPPET_CORPUS_DIR "/rfc4475")) {
    if (entry.path().extension() != ".dat") continue;
    SCOPED_TRACE(entry.path().filename().string());
    expect_same(read_file(entry.path()));
    ++files;
  }
  EXPECT_EQ(files, 49u);
}

TEST(FastPath, AnchorParsesTheSameBothWays) {
  EXPECT_TRUE(expect_same(read_file(SIPPET_CORPUS_DIR "/anchor/invite.sip")));
}

TEST(FastPath, ViaEdges) {
  const std::vector<std::string> vias = {
      "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport",
      "Via: SIP/2.0/UDP bigbox3.site3.atlanta.example.com;branch=z9hG4bK77ef4c2312983.1;"
      "received=192.0.2.1",
      "Via: sip/2.0/udp host;branch=z9hG4bKa",
      "Via: SIP/2.0/TCP 192.0.2.4:5061;branch=z9hG4bKb;received=192.0.2.9;rport=5070",
      "Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKc",
      "Via: SIP/2.0/UDP h ; branch=z9hG4bKd",
      "Via: SIP/2.0/UDP h;branch = z9hG4bKe",
      "Via: SIP/2.0/UDP h : 5060;branch=z9hG4bKf",
      "Via: SIP / 2.0 / UDP h;branch=z9hG4bKg",
      "Via: SIP/2.0/UDP  h;branch=z9hG4bKh",
      "Via: SIP/2.0/UDP\th;branch=z9hG4bKi",
      "Via: SIP/2.0/UDP sip-proxy.example.com;branch=z9hG4bKj",
      "Via: SIP/2.0/UDP host.example.com.;branch=z9hG4bKk",
      "Via: SIP/2.0/UDP host..example.com;branch=z9hG4bKl",
      "Via: SIP/2.0/UDP .host;branch=z9hG4bKm",
      "Via: SIP/2.0/UDP 1host.example.com;branch=z9hG4bKn",
      "Via: SIP/2.0/UDP host.123;branch=z9hG4bKo",
      "Via: SIP/2.0/UDP 192.0.2.300;branch=z9hG4bKp",
      "Via: SIP/2.0/UDP 192.0.2.1.5;branch=z9hG4bKq",
      "Via: SIP/2.0/UDP h:005060;branch=z9hG4bKr",
      "Via: SIP/2.0/UDP h:65536;branch=z9hG4bKs",
      "Via: SIP/2.0/UDP h:;branch=z9hG4bKt",
      "Via: SIP/2.0/UDP h;branch=",
      "Via: SIP/2.0/UDP h;branch=\"quoted\";x",
      "Via: SIP/2.0/UDP h;branch=z9hG4bKu;branch=z9hG4bKv",
      "Via: SIP/2.0/UDP h;BRANCH=z9hG4bKw",
      "Via: SIP/2.0/UDP h;branch",
      "Via: SIP/2.0/UDP h;;branch=z9hG4bKx",
      "Via: SIP/2.0/UDP h;branch=z9hG4bKy;",
      "Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2",
      "Via: SIP/2.0/UDP a;branch=z9hG4bK1,SIP/2.0/UDP b;branch=z9hG4bK2",
      "Via: SIP/2.0/UDP a;branch=z9hG4bK1 , SIP/2.0/UDP b;branch=z9hG4bK2",
      "Via: SIP/2.0/UDP a;branch=z9hG4bK1,",
      "Via: SIP/2.0/UDP a;branch=z9hG4bK1,\r\n SIP/2.0/UDP b;branch=z9hG4bK2",
      "Via: SIP/2.0/UDP a;branch=z9hG4bK1;received=::1",
      "Via: SIP/2.0/UDP a;branch=z9hG4bK1;received=[::1]",
      "Via: SIP/2.0/UDP a_b;branch=z9hG4bK1",
      "Via: SIP/2.0/UDP averyveryverylonghostnamelabel.anotherverylonglabel.example.com"
      ";branch=z9hG4bK1",
      "Via: SIP/2.0/UDP averyveryverylonghostnamelabel.anotherverylonglabel.example.com.com."
      "example.com;branch=z9hG4bK1",
      "Via: SIP/2.0/UDP",
      "Via: SIP/2.0/UDP h;branch=z9hG4bK1 ;rport",
      "v: SIP/2.0/UDP h;branch=z9hG4bK1",
  };
  for (const std::string& via : vias)
    expect_same(invite_with(via));
  // Host names around the block sizes of the fast path (16, 32, 48, 64).
  for (std::size_t n : {15, 16, 17, 31, 32, 33, 47, 48, 49, 62, 63, 64, 65, 80}) {
    std::string host(n, 'a');
    for (std::size_t i = 5; i + 1 < n; i += 6)
      host[i] = '.';
    expect_same(invite_with("Via: SIP/2.0/UDP " + host + ";branch=z9hG4bK1"));
    expect_same(invite_with("Via: SIP/2.0/UDP " + host));
    expect_same(invite_with("To: <sip:u@" + host + ">"));
    expect_same(request_with_uri("sip:" + host));
  }
}

TEST(FastPath, NameAddrEdges) {
  const std::vector<std::string> values = {
      "Bob <sip:bob@biloxi.example.com>",
      "Alice <sip:alice@atlanta.example.com>;tag=1928301774",
      "\"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=1",
      "\"A \\\"quoted\\\" name\" <sip:alice@atlanta.example.com>",
      "\"unterminated <sip:alice@atlanta.example.com>",
      "Alice  Liddell <sip:alice@a.example.com>",
      "<sip:alice@a.example.com>",
      "<SIP:alice@a.example.com>",
      "<sips:alice@a.example.com:5061;transport=tls>",
      "<sip:a.example.com>",
      "<sip:alice:secret@a.example.com>",
      "<sip:al%20ice@a.example.com>",
      "<sip:alice@a.example.com;maddr=239.255.255.1;ttl=15>",
      "<sip:alice@a.example.com;p=%41>",
      "<sip:alice@a.example.com?subject=x>",
      "<sip:alice@[2001:db8::9]:5060>",
      "<sip:alice@192.0.2.4:5060;lr>",
      "<tel:+1-201-555-0123>",
      "<mailto:alice@example.com>",
      "sip:alice@a.example.com;tag=1",
      "sip:alice@a.example.com",
      "sip:alice@a.example.com ;tag=1",
      "sip:alice@a.example.com;transport=tcp",
      "sip:a?b@a.example.com",
      "sip:alice@a.example.com?x=y",
      "sips:alice@a.example.com,x",
      "tel:+1-201-555-0123;tag=1",
      "SIP:alice@a.example.com:5060",
      "<sip:alice@a.example.com> ;tag=1",
      "<sip:alice@a.example.com>;tag = 1",
      "<sip:alice@a.example.com>;tag=",
      "<sip:alice@a.example.com",
      "Alice<sip:alice@a.example.com>",
      "<sip:alice@a.example.com>x",
      "<sip:@a.example.com>",
      "<sip:alice@>",
      "<sip:alice@a.example.com;>",
      "<sip:alice@a.example.com;=x>",
      "",
  };
  for (const std::string& v : values) {
    expect_same(invite_with("To: " + v));
    expect_same(invite_with("From: " + v));
  }
  const std::vector<std::string> lists = {
      "Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>",
      "Record-Route: <sip:p1.example.com;lr>,<sip:p2.example.com;lr>",
      "Record-Route: <sip:p1.example.com;lr> , <sip:p2.example.com;lr>",
      "Record-Route: <sip:p1.example.com;lr>,",
      "Record-Route: sip:p1.example.com;lr",
      "Route: <sip:p1.example.com;lr>, \"P2\" <sip:p2.example.com;lr>;x=y",
      "Contact: <sip:alice@pc33.atlanta.example.com;transport=udp>",
      "Contact: *",
      "Contact: <sip:a@b>;expires=3600;q=0.7, <sip:c@d>",
      "Contact: sip:alice@pc33.atlanta.example.com",
      "Contact: sip:sipp@127.0.0.1:5061",
      "Contact: sip:a@b;expires=60, sip:c@d",
      "Contact: sip:a@b,sip:c@d",
      "Route: sip:p1.example.com;lr",
      "m: <sip:a@b>",
      "P-Asserted-Identity: \"Cullen\" <sip:fluffy@example.com>, <tel:+14085264000>",
      "Reply-To: Bob <sip:bob@biloxi.example.com>",
  };
  for (const std::string& l : lists)
    expect_same(invite_with(l));
}

TEST(FastPath, TokenListEdges) {
  const std::vector<std::string> values = {
      "INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO",
      "INVITE,ACK",
      "INVITE , ACK",
      "INVITE,  ACK",
      "INVITE,\tACK",
      "INVITE;x=1, ACK",
      "INVITE,",
      ",INVITE",
      "100rel",
      "a.b!c%d*e_f+g`h'i~j",
      "INVITE,\r\n ACK",
      "",
  };
  for (const char* header :
       {"Allow: ", "Supported: ", "Require: ", "Proxy-Require: ", "Unsupported: ", "k: "}) {
    for (const std::string& v : values)
      expect_same(invite_with(header + v));
  }
}

// Values of the single-value headers with their own fast path, each on the
// base INVITE (which has Max-Forwards, Call-ID, CSeq and Content-Length: a
// second one makes a message that validation rejects, but parses).
TEST(FastPath, SingleValueEdges) {
  const std::vector<std::string> headers = {
      "Max-Forwards: 0",
      "Max-Forwards: 255",
      "Max-Forwards: 256",
      "Max-Forwards: 0070",
      "Max-Forwards: 7 0",
      "Max-Forwards: ",
      "Max-Forwards: x",
      "Expires: 4294967295",
      "Expires: 4294967296",
      "Expires: 999999999",
      "Expires: 1000000000",
      "Min-Expires: 60",
      "l: 0",
      "CSeq: 1 INVITE",
      "CSeq: 2147483647 INVITE",
      "CSeq: 2147483648 INVITE",
      "CSeq: 999999999 ACK",
      "CSeq: 1000000000 ACK",
      "CSeq: 1  BYE",
      "CSeq: 1\tBYE",
      "CSeq: 1BYE",
      "CSeq: 1 BYE x",
      "CSeq: 1 FOO-BAR.baz",
      "CSeq: 1 ",
      "CSeq: INVITE",
      "Call-ID: a84b4c76e66710@pc33.atlanta.example.com",
      "Call-ID: a@",
      "Call-ID: @b",
      "Call-ID: a@b@c",
      "Call-ID: a b",
      "i: f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com",
      "Call-ID: <weird>!(\"x\")",
      "Content-Type: application/sdp",
      "Content-Type: application/sdp;charset=utf-8",
      "Content-Type: multipart/mixed; boundary=x",
      "Content-Type: application / sdp",
      "Content-Type: application/",
      "c: text/plain",
      "User-Agent: Example UA 1.0",
      "User-Agent: ",
      "Server: \xc3\xa9t\xc3\xa9",
      "Subject: ",
      "Subject: lunch",
      "Organization: Example, Inc.",
  };
  for (const std::string& h : headers)
    expect_same(invite_with(h));
}

// Header names: case, compact forms, LWS before the colon, long and unknown
// names go through the one-step lookup or the general path alike.
TEST(FastPath, HeaderNameEdges) {
  const std::vector<std::string> headers = {
      "via: SIP/2.0/UDP h;branch=z9hG4bK1",
      "VIA: SIP/2.0/UDP h;branch=z9hG4bK1",
      "Via : SIP/2.0/UDP h;branch=z9hG4bK1",
      "Via\t: SIP/2.0/UDP h;branch=z9hG4bK1",
      "content-length: 0",
      "CONTENT-TYPE: application/sdp",
      "Accept-Encoding: gzip",
      "Accept-Language: en",
      "Content-Encoding: gzip",
      "Content-Language: en",
      "P-Asserted-Identity: <sip:a@b>",
      "Proxy-Authorization: Digest a=b",
      "X-Custom-Header: anything, at all",
      "Via-X: not a via",
      "Tox: not a to",
      "T: <sip:a@b>",
      "f: <sip:a@b>;tag=1",
      "e: gzip",
      "x: unknown compact",
      "Max_Forwards: 70",
  };
  for (const std::string& h : headers)
    expect_same(invite_with(h));
}

// The body is framed by the first Content-Length, whether its line took the
// parser's usual path (a known name, ':', a value the fast path takes) or
// the general one (LWS before the ':', compact form, folding the fast path
// declines), in either order.
TEST(FastPath, FirstContentLengthOnEitherPath) {
  const std::string head =
      "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
      "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nMax-Forwards: 70\r\n"
      "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n";
  const std::vector<std::pair<std::string, std::string>> lengths = {
      {"Content-Length : 4", "Content-Length: 0"},
      {"Content-Length: 4", "Content-Length : 0"},
      {"Content-Length:\r\n 4", "Content-Length: 0"},
      {"Content-Length: 4", "Content-Length:\r\n 0"},
      {"l: 4", "Content-Length: 0"},
      {"Content-Length: 4", "l: 0"},
  };
  for (const auto& [first, second] : lengths) {
    const std::string m = head + first + "\r\n" + second + "\r\n\r\nbody";
    SCOPED_TRACE(m);
    expect_same(m);
    for (bool fast : {true, false}) {
      ParseOptions options;
      options.fast_paths = fast;
      options.datagram = true;
      auto r = parse_message(m, options);
      ASSERT_TRUE(r.ok()) << r.error().reason;
      EXPECT_EQ(r->body(), "body");
      EXPECT_EQ(r->count(HeaderId::kContentLength), 2u);
      EXPECT_EQ(r->content_length(), 4u);
    }
  }
}

// The fast paths find the end of a value themselves: what follows a value
// (trailing LWS, folding, bare CR or LF, the end of the input) must be
// judged as the line splitter of the general parser judges it.
TEST(FastPath, LineEndEdges) {
  const std::vector<std::string> values = {
      "Via: SIP/2.0/UDP h;branch=z9hG4bK1",
      "To: <sip:a@b>",
      "To: \"A\" <sip:a@b>",
      "Allow: INVITE, ACK",
      "CSeq: 1 INVITE",
      "Call-ID: abc@def",
      "Content-Type: application/sdp",
      "User-Agent: x y",
      "Max-Forwards: 70",
  };
  const std::vector<std::string> tails = {
      " ",  "\t", " \r\n x", "\r\n x", "\r\n\tx", "\rx", "\nx",      "\n",
      "\r", "x",  ";",       ",",      ", ",      " ,",  "\r\n\r\n",
  };
  for (const std::string& v : values) {
    for (const std::string& t : tails) {
      const std::string line = v + t;
      expect_same(invite_with(line));
      // The same line last, with and without the empty line after it.
      std::string m = "OPTIONS sip:a@b SIP/2.0\r\n" + line;
      expect_same(m);
      expect_same(m + "\r\n");
      expect_same(m + "\r\n\r\n");
    }
  }
  // LWS between the colon and the value, as it comes.
  for (const std::string& v : values) {
    const std::size_t colon = v.find(':');
    for (const char* lws : {"", "  ", "\t", " \t", "\r\n ", " \r\n\t"}) {
      expect_same(invite_with(v.substr(0, colon + 1) + lws + v.substr(colon + 2)));
    }
  }
  // Quoted strings may not reach into the next line.
  expect_same(invite_with("To: \"A <sip:a@b>\r\nX: \" <sip:c@d>"));
  expect_same(invite_with("Via: SIP/2.0/UDP h;x=\"a\r\nY: b\";branch=z9hG4bK1"));
  expect_same(invite_with("To: \"A\r\n B\" <sip:a@b>"));
  expect_same(invite_with("To: <sip:a@b\r\nX: >"));
  expect_same(invite_with("User-Agent: a\x01b"));
  expect_same(invite_with("User-Agent: caf\xc3\xa9"));
  expect_same(invite_with("Call-ID: a\x00b"));
}

// Ports of every length from none to eight digits, on each side of 65535,
// with leading zeros, and followed by each delimiter a URI or Via puts after
// one (the fast path reads them eight octets at a time), in a Via, a
// name-addr, a bare Contact and a Request-URI (the end of its line).
TEST(FastPath, PortEdges) {
  const std::vector<std::string> ports = {"",       "0",      "7",       "05",       "5060",
                                          "65535",  "65536",  "99999",   "00000",    "000001",
                                          "123456", "005060", "1234567", "12345678", "123456789"};
  const std::vector<std::string> afters = {";lr", ">", "", " ", ",", "?x=1", ".", "a"};
  std::size_t parsed = 0;
  for (const std::string& port : ports) {
    for (const std::string& after : afters) {
      const std::string host = "192.0.2.1:" + port;
      const std::string name = "h.example.com:" + port;
      const std::string ps = after.empty() || after == " " || after == "," ? after : "";
      parsed += expect_same(invite_with("Via: SIP/2.0/UDP " + host + ps + ";branch=z9hG4bK1"));
      parsed += expect_same(invite_with("Via: SIP/2.0/UDP " + name + after + ";branch=z9hG4bK1"));
      parsed += expect_same(invite_with("Contact: <sip:a@" + host + after + ">"));
      parsed += expect_same(invite_with("Contact: sip:a@" + name + after));
      parsed += expect_same(request_with_uri("sip:a@" + host + after));
    }
  }
  EXPECT_GT(parsed, 0u);
  // What the fast path gives for the usual shapes.
  auto r = parse_message(invite_with("Via: SIP/2.0/UDP 192.0.2.1:65535;branch=z9hG4bK1"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->top_via()->port, 65535);
  EXPECT_TRUE(r->top_via()->has_port);
  r = parse_message(request_with_uri("sip:a@h.example.com:7"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->request_line().uri.port, 7);
  r = parse_message(invite_with("Contact: <sip:a@192.0.2.1:00000;lr>"));
  ASSERT_TRUE(r.ok());
  const auto* contact = r->get(HeaderId::kContact)->as<NameAddr>();
  ASSERT_NE(contact, nullptr);
  EXPECT_EQ(contact->uri.port, 0);
  EXPECT_TRUE(contact->uri.has_port);
  EXPECT_FALSE(parse_message(invite_with("Via: SIP/2.0/UDP 192.0.2.1:65536;branch=z9hG4bK1")).ok());
}

TEST(FastPath, RequestUriEdges) {
  const std::vector<std::string> uris = {
      "sip:bob@biloxi.example.com",
      "SIP:bob@biloxi.example.com",
      "sips:bob@biloxi.example.com:5061",
      "sip:biloxi.example.com",
      "sip:bob:pw@biloxi.example.com",
      "sip:b%6Fb@biloxi.example.com",
      "sip:bob@biloxi.example.com;transport=tcp;lr",
      "sip:bob@biloxi.example.com?x=y",
      "sip:bob@192.0.2.1",
      "sip:bob@[::1]",
      "sip:+1-212-555-1212:1234@gateway.com;user=phone",
      "tel:+12125551212",
      "sip:",
      "sip:bob@",
      "urn:service:sos",
  };
  for (const std::string& uri : uris)
    expect_same(request_with_uri(uri));
}

// Dotted quads in the Request-URI, the Via and a To: three-digit parts on
// either side of 255 in each place, and lengths that end the 16-octet step.
TEST(FastPath, Ipv4PartEdges) {
  std::vector<std::string> hosts;
  for (const char* part : {"255", "256", "250", "199", "260", "300", "099", "999", "25", "2"}) {
    const std::string x(part);
    for (const std::string& h : {x + ".0.0.1", "1." + x + ".0.1", "1.0." + x + ".1", "1.0.0." + x})
      hosts.push_back(h);
  }
  for (const char* h :
       {"255.255.255.255", "255.255.255.256", "100.200.255.254", "1.2.3.4", "1.2.3.4.5", "1.2.3",
        "1.2..3", "1.2.3.", "1234.1.1.1", "1.1.1.1234", "249.250.251.252"}) {
    hosts.emplace_back(h);
  }
  for (const std::string& host : hosts) {
    SCOPED_TRACE(host);
    for (const std::string& tail : {std::string(), std::string(":5080"), std::string(";lr")}) {
      expect_same(request_with_uri("sip:service@" + host + tail));
      expect_same(invite_with("Via: SIP/2.0/UDP " + host + tail + ";branch=z9hG4bK-1"));
      expect_same(invite_with("To: service <sip:service@" + host + tail + ">"));
    }
  }
}

// TEXT-UTF8-TRIM values with each octet TEXT does not hold (the controls but
// HT, and DEL) and the edges it does (HT, SP, 0x80, 0xff), before, at and
// after the 16th octet, and in values the line break ends in the same block.
TEST(FastPath, TextOctetEdges) {
  const std::string octets[] = {std::string(1, '\0'),
                                "\x01",
                                "\x08",
                                "\t",
                                "\x0b",
                                "\x0c",
                                "\x0e",
                                "\x1f",
                                " ",
                                "\x7f",
                                "\x80",
                                "\xff",
                                "~",
                                "!"};
  for (const std::string& octet : octets) {
    for (std::size_t at : {0u, 1u, 7u, 14u, 15u, 16u, 17u, 31u, 40u}) {
      std::string value = "Performance Test and a little more text to scan";
      value.insert(std::min(at, value.size()), octet);
      SCOPED_TRACE(testing::Message()
                   << "octet " << static_cast<int>(static_cast<unsigned char>(octet[0])) << " at "
                   << at);
      expect_same(invite_with("Subject: " + value));
      expect_same(invite_with("Subject: " + value.substr(0, 12 + at % 5)));
      expect_same(invite_with("Server: " + value + "\r\nUser-Agent: x"));
    }
  }
}

// Bare URIs (addr-spec, §20.10) in Contact, From and To: each octet that ends
// one, and the '?' that sends it to the general parser, before, at and after
// the 16th octet of the URI.
TEST(FastPath, AddrSpecEndEdges) {
  const std::string ends[] = {";",    ",",           " ",       "\t",   "?",
                              ";x=1", ", <sip:b@h>", " ;tag=1", "?a=b", "\t;x"};
  for (const std::string& end : ends) {
    for (std::size_t at : {8u, 14u, 15u, 16u, 17u, 23u, 31u, 32u, 33u}) {
      std::string uri = "sip:sipp@127.0.0.1:5061;transport=udp;lr;maddr=192.0.2.1";
      uri.resize(at);
      SCOPED_TRACE(testing::Message() << "'" << end << "' at " << at);
      expect_same(invite_with("Contact: " + uri + end));
      expect_same(invite_with("Contact: " + uri + end + "\r\nSubject: x"));
      expect_same(invite_with("From: " + uri + end));
      expect_same(invite_with("To: " + uri + end));
    }
  }
  // The URI runs to the end of the message (no line break after it).
  const std::string head = invite_with("X: y");
  expect_same(head.substr(0, head.size() - 2) + "Contact: sip:a@b");
}

// More fields than a pooled field list holds: each fast path declines when
// the list is full (the general parser then grows it), at every kind of
// header and in the middle of a list header, and the message is the same.
TEST(FastPath, FieldListGrowsOnTheGeneralPath) {
  const std::string kinds[] = {
      "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1, SIP/2.0/TCP h;branch=z9hG4bK-2",
      "Contact: sip:sipp@127.0.0.1:5061, <sip:b@h>;q=0.5",
      "Route: <sip:p1@h;lr>, <sip:p2@h;lr>",
      "From: sipp <sip:sipp@127.0.0.1:5061>;tag=1",
      "Allow: INVITE, ACK, BYE",
      "Expires: 60",
      "Subject: Performance Test",
      "Call-ID: 1-123@127.0.0.1",
      "Content-Type: application/sdp",
  };
  for (const std::string& kind : kinds) {
    for (std::size_t skip = 0; skip < 3; ++skip) {
      SCOPED_TRACE(testing::Message() << kind << " after " << skip);
      std::string headers;
      for (std::size_t i = 0; i < skip; ++i)
        headers += "Max-Forwards: 70\r\n";
      for (int i = 0; i < 150; ++i)  // past any pooled list (at most 128 fields)
        headers += kind + "\r\n";
      headers.resize(headers.size() - 2);
      expect_same(invite_with(headers));
    }
  }
}

}  // namespace
}  // namespace sippet::message
