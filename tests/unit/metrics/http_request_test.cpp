// The strict request-head reading of the metrics server, without sockets.
#include "../../../src/metrics/http_request.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sippet::metrics {
namespace {

HeadStatus scan_all(std::string_view text) {
  HeadScanner scanner;
  return scanner.scan(text);
}

TEST(HeadScanner, CompleteHeadEndsAfterTheBlankLine) {
  const std::string text = "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\nextra";
  HeadScanner scanner;
  EXPECT_EQ(scanner.scan(text), HeadStatus::kComplete);
  EXPECT_EQ(scanner.length(), text.size() - 5);
}

TEST(HeadScanner, OctetByOctetGivesTheSameAnswer) {
  const std::string text = "GET /metrics HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n";
  HeadScanner scanner;
  for (std::size_t n = 1; n < text.size(); ++n)
    ASSERT_EQ(scanner.scan(std::string_view(text).substr(0, n)), HeadStatus::kIncomplete) << n;
  EXPECT_EQ(scanner.scan(text), HeadStatus::kComplete);
  EXPECT_EQ(scanner.length(), text.size());
}

TEST(HeadScanner, GarbageIsSeenBeforeTheHeadEnds) {
  EXPECT_EQ(scan_all("\x16\x03\x01"), HeadStatus::kGarbage);                       // TLS
  EXPECT_EQ(scan_all("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), HeadStatus::kComplete);  // a 505 later
  EXPECT_EQ(scan_all(" GET"), HeadStatus::kGarbage);                               // leading space
  EXPECT_EQ(scan_all("G(T /"), HeadStatus::kGarbage);                              // not a token
  EXPECT_EQ(scan_all("GET /a\tb"), HeadStatus::kGarbage);           // tab in the request line
  EXPECT_EQ(scan_all("GET /\x80"), HeadStatus::kGarbage);           // not ASCII
  EXPECT_EQ(scan_all("GET / HTTP/1.1\n"), HeadStatus::kGarbage);    // bare LF
  EXPECT_EQ(scan_all("GET / HTTP/1.1\rX"), HeadStatus::kGarbage);   // bare CR
  EXPECT_EQ(scan_all("\r\n"), HeadStatus::kGarbage);                // empty request line
  EXPECT_EQ(scan_all(std::string(33, 'G')), HeadStatus::kGarbage);  // a 33-octet method
  EXPECT_EQ(scan_all(std::string("GET / HTTP/1.1\r\nA: \x01")), HeadStatus::kGarbage);
  EXPECT_EQ(scan_all("GET / HTTP/1.1\r\nA: \t\xe9t\xe9"), HeadStatus::kIncomplete);  // obs-text
}

Request parse(std::string_view head) {
  return parse_head(head);
}

TEST(ParseHead, WellFormedRequests) {
  auto r = parse("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/metrics");
  r = parse("HEAD http://example.com:9090/metrics HTTP/1.1\r\nhOsT:a\r\n\r\n");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.path, "/metrics");
  r = parse("GET http://example.com HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.path, "/");
  r = parse("DELETE / HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(r.status, 0);  // 405 is the caller's
  EXPECT_EQ(r.method, "DELETE");
}

TEST(ParseHead, Errors) {
  EXPECT_EQ(parse("GET /metrics\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET /metrics HTTP/1.1 x\r\nHost: a\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET * HTTP/1.1\r\nHost: a\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\n  b\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / HTTP/11\r\nHost: a\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / FTP/1.1\r\nHost: a\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n").status, 505);
  EXPECT_EQ(parse("GET / HTTP/0.9\r\nHost: a\r\n\r\n").status, 505);
}

}  // namespace
}  // namespace sippet::metrics
