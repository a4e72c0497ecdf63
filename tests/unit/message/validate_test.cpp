// validate(): each rule of validate.hpp with the status a server answers
// (RFC 3261 §8.2, §16.3), and status 0 for responses.
#include "sippet/message/validate.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "sippet/message/parser.hpp"

namespace sippet::message {
namespace {

// A valid request; `extra` headers go before Content-Length, `body` after.
std::string request(std::string_view method = "INVITE",
                    std::string_view uri = "sip:bob@b.example.com", std::string_view extra = "",
                    std::string_view body = "", std::string_view cseq_method = "") {
  std::string s;
  s.append(method).append(" ").append(uri).append(" SIP/2.0\r\n");
  s.append("Via: SIP/2.0/UDP a.example.com;branch=z9hG4bKv1\r\n");
  s.append("Max-Forwards: 70\r\n");
  s.append("To: <sip:bob@b.example.com>\r\n");
  s.append("From: <sip:alice@a.example.com>;tag=t1\r\n");
  s.append("Call-ID: c1@a.example.com\r\n");
  s.append("CSeq: 1 ").append(cseq_method.empty() ? method : cseq_method).append("\r\n");
  s.append(extra);
  s.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
  s.append(body);
  return s;
}

std::string response(std::string_view extra = "") {
  std::string s =
      "SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bKv1\r\n"
      "To: <sip:bob@b.example.com>;tag=t2\r\n"
      "From: <sip:alice@a.example.com>;tag=t1\r\n"
      "Call-ID: c1@a.example.com\r\n"
      "CSeq: 1 INVITE\r\n";
  s.append(extra);
  s.append("Content-Length: 0\r\n\r\n");
  return s;
}

// Removes the line that starts with `name:`.
std::string without(std::string text, std::string_view name) {
  auto at = text.find("\r\n" + std::string(name) + ":");
  EXPECT_NE(at, std::string::npos) << name;
  auto end = text.find("\r\n", at + 2);
  text.erase(at, end - at);
  return text;
}

Message parse(const std::string& text) {
  auto r = parse_message(text);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().reason) << "\n" << text;
  if (!r.ok()) return Message();
  return std::move(r).value();
}

Error rejected(const std::string& text, const ValidateOptions& options = {}) {
  Message m = parse(text);
  auto v = validate(m, options);
  EXPECT_FALSE(v.ok()) << "accepted:\n" << text;
  if (v.ok()) return Error{};
  EXPECT_FALSE(v.error().reason.empty());
  return v.error();
}

void expect_valid(const std::string& text, const ValidateOptions& options = {}) {
  Message m = parse(text);
  auto v = validate(m, options);
  EXPECT_TRUE(v.ok()) << v.error().reason << "\n" << text;
}

TEST(Validate, ValidRequestAndResponse) {
  expect_valid(request());
  expect_valid(request("OPTIONS", "sips:bob@b.example.com"));
  expect_valid(request("INVITE", "tel:+1-201-555-0123"));
  expect_valid(response());
}

TEST(Validate, MissingHeadersAllNamedInOneError) {
  Error e = rejected(without(without(request(), "Call-ID"), "CSeq"));
  EXPECT_EQ(e.kind, ErrorKind::kMissingHeader);
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.reason, "missing headers: Call-ID, CSeq");

  Error one = rejected(without(request(), "Call-ID"));
  EXPECT_EQ(one.status, 400);
  EXPECT_EQ(one.reason, "missing header: Call-ID");

  Error all = rejected("OPTIONS sip:a@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(all.reason, "missing headers: Via, From, To, Call-ID, CSeq");
}

// §8.1.1.6 asks the UAC to insert Max-Forwards; neither a UAS (§8.2) nor a
// proxy (§16.3; §16.6 step 3 adds one) rejects a request without it.
TEST(Validate, MaxForwardsNotRequired) {
  for (std::string_view method : {"INVITE", "ACK", "OPTIONS", "BYE", "REGISTER"}) {
    SCOPED_TRACE(method);
    const std::string r = without(request(method), "Max-Forwards");
    expect_valid(r);
    ValidateOptions proxy;
    proxy.proxy = true;
    expect_valid(r, proxy);
  }
  // Nor from RFC 2543 senders (no magic cookie in the branch, RFC 4475 §3.4.1).
  std::string old = without(request(), "Max-Forwards");
  auto at = old.find(";branch=z9hG4bKv1");
  old.erase(at, std::string_view(";branch=z9hG4bKv1").size());
  expect_valid(old);
}

// A Max-Forwards that is not 1*DIGIT (§20.22) is refused by the parser with 400.
TEST(Validate, MalformedMaxForwardsIsAParseError) {
  std::string bad = request();
  bad.replace(bad.find("Max-Forwards: 70"), 16, "Max-Forwards: ten");
  auto r = parse_message(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 400);
  EXPECT_NE(r.error().reason.find("Max-Forwards"), std::string::npos) << r.error().reason;
}

TEST(Validate, ResponsesAreNeverAnswered) {
  Error e = rejected(without(response(), "Call-ID"));
  EXPECT_EQ(e.kind, ErrorKind::kMissingHeader);
  EXPECT_EQ(e.status, 0);
  EXPECT_EQ(e.reason, "missing header: Call-ID");
  Error twice = rejected(response("CSeq: 2 INVITE\r\n"));
  EXPECT_EQ(twice.kind, ErrorKind::kMultipleValues);
  EXPECT_EQ(twice.status, 0);
}

TEST(Validate, SingleValueHeadersRepeated) {
  for (std::string_view extra :
       {"From: <sip:eve@e.example.com>;tag=t3\r\n", "To: <sip:eve@e.example.com>\r\n",
        "Call-ID: other@x\r\n", "CSeq: 2 INVITE\r\n", "Max-Forwards: 10\r\n",
        "Content-Type: text/plain\r\nContent-Type: text/html\r\n"}) {
    Error e = rejected(request("INVITE", "sip:bob@b.example.com", extra));
    EXPECT_EQ(e.kind, ErrorKind::kMultipleValues) << extra;
    EXPECT_EQ(e.status, 400) << extra;
  }
  Error named = rejected(request("INVITE", "sip:bob@b.example.com", "Call-ID: other@x\r\n"));
  EXPECT_NE(named.reason.find("Call-ID"), std::string::npos) << named.reason;
  // List headers may repeat.
  expect_valid(request("INVITE", "sip:bob@b.example.com",
                       "Via: SIP/2.0/UDP b.example.com;branch=z9hG4bKv2\r\n"
                       "Route: <sip:p1.example.com;lr>\r\nRoute: <sip:p2.example.com;lr>\r\n"));
}

TEST(Validate, CSeqMethodMustMatch) {
  Error e = rejected(request("OPTIONS", "sip:bob@b.example.com", "", "", "INVITE"));
  EXPECT_EQ(e.kind, ErrorKind::kMethodMismatch);
  EXPECT_EQ(e.status, 400);
  EXPECT_NE(e.reason.find("OPTIONS"), std::string::npos) << e.reason;
  EXPECT_NE(e.reason.find("INVITE"), std::string::npos) << e.reason;
  // Method names are case-sensitive (§7.1).
  EXPECT_EQ(rejected(request("INVITE", "sip:bob@b.example.com", "", "", "invite")).status, 400);
}

TEST(Validate, ContentLengthMustMatchTheBody) {
  Message m = parse(request());
  ASSERT_TRUE(m.put(HeaderId::kContentLength, "10").ok());
  auto v = validate(m);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().kind, ErrorKind::kBadContentLength);
  EXPECT_EQ(v.error().status, 400);
  m.set_body("0123456789");
  EXPECT_TRUE(validate(m).ok());
}

TEST(Validate, Version) {
  // The version is compared case-insensitively (§7.1) ...
  std::string lower = request();
  lower.replace(lower.find("SIP/2.0\r\n"), 7, "sip/2.0");
  auto parsed = parse_message(lower);
  if (parsed.ok()) {
    EXPECT_TRUE(validate(*parsed).ok()) << validate(*parsed).error().reason;
  }
  // ... and anything but 2.0 is answered 505, by the parser or by validate.
  std::string v3 = request();
  v3.replace(v3.find("SIP/2.0\r\n"), 7, "SIP/3.0");
  auto r = parse_message(v3);
  if (!r.ok()) {
    EXPECT_EQ(r.error().status, 505);
  } else {
    auto v = validate(*r);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().kind, ErrorKind::kBadVersion);
    EXPECT_EQ(v.error().status, 505);
  }
}

TEST(Validate, RequestUriScheme) {
  Error e = rejected(request("INVITE", "http://www.example.com/"));
  EXPECT_EQ(e.kind, ErrorKind::kUnsupportedScheme);
  EXPECT_EQ(e.status, 416);
  EXPECT_NE(e.reason.find("http"), std::string::npos) << e.reason;
  // In To/From any scheme is fine (RFC 4475 unksm2).
  std::string r = request();
  r.replace(r.find("To: <sip:bob@b.example.com>"), 27, "To: <urn:service:sos>");
  expect_valid(r);
}

TEST(Validate, ProxyRefusesMaxForwardsZero) {
  std::string zero = request();
  zero.replace(zero.find("Max-Forwards: 70"), 16, "Max-Forwards: 0");
  expect_valid(zero);  // a UAS may answer it
  ValidateOptions proxy;
  proxy.proxy = true;
  Error e = rejected(zero, proxy);
  EXPECT_EQ(e.kind, ErrorKind::kTooManyHops);
  EXPECT_EQ(e.status, 483);
  expect_valid(request(), proxy);
}

TEST(Validate, RequireWithUnknownOptionTags) {
  std::string r =
      request("INVITE", "sip:bob@b.example.com", "Require: 100rel, foo\r\nRequire: bar\r\n");
  expect_valid(r);  // only checked when asked
  ValidateOptions options;
  options.check_require = true;
  options.supported = {"100rel", "timer"};
  Error e = rejected(r, options);
  EXPECT_EQ(e.status, 420);
  EXPECT_NE(e.reason.find("foo"), std::string::npos) << e.reason;
  EXPECT_NE(e.reason.find("bar"), std::string::npos) << e.reason;
  EXPECT_EQ(e.reason.find("100rel"), std::string::npos) << e.reason;

  options.supported = {"100rel", "foo", "BAR"};  // option tags compare case-insensitively
  expect_valid(r, options);
}

TEST(Validate, RequireIgnoredInCancelAndAck) {
  ValidateOptions options;
  options.check_require = true;
  expect_valid(request("CANCEL", "sip:bob@b.example.com", "Require: foo\r\n"), options);
  expect_valid(request("ACK", "sip:bob@b.example.com", "Require: foo\r\n"), options);
}

TEST(Validate, ProxyChecksProxyRequireNotRequire) {
  ValidateOptions options;
  options.check_require = true;
  options.proxy = true;
  expect_valid(request("INVITE", "sip:bob@b.example.com", "Require: foo\r\n"), options);
  Error e = rejected(request("INVITE", "sip:bob@b.example.com", "Proxy-Require: foo\r\n"), options);
  EXPECT_EQ(e.status, 420);
  EXPECT_NE(e.reason.find("foo"), std::string::npos);
}

TEST(Validate, UnsupportedContentType) {
  ValidateOptions options;
  options.accepted_content_types = {"application/sdp", "text/plain"};
  std::string html =
      request("MESSAGE", "sip:bob@b.example.com", "Content-Type: text/html\r\n", "<p>hi</p>");
  expect_valid(html);
  Error e = rejected(html, options);
  EXPECT_EQ(e.status, 415);
  EXPECT_NE(e.reason.find("application/sdp"), std::string::npos) << e.reason;
  EXPECT_NE(e.reason.find("text/plain"), std::string::npos) << e.reason;
  expect_valid(request("MESSAGE", "sip:bob@b.example.com", "Content-Type: Text/PLAIN\r\n", "hi"),
               options);
  // No body: nothing to refuse.
  expect_valid(request("MESSAGE", "sip:bob@b.example.com", "Content-Type: text/html\r\n"), options);
  // A body without a Content-Type cannot be understood.
  EXPECT_EQ(rejected(request("MESSAGE", "sip:bob@b.example.com", "", "hi"), options).status, 415);
}

TEST(Validate, AcceptAdmitsNothingWeProduce) {
  ValidateOptions options;
  options.producible_content_types = {"application/sdp"};
  expect_valid(request(), options);  // no Accept: anything goes
  Error e = rejected(request("INVITE", "sip:bob@b.example.com", "Accept: text/plain\r\n"), options);
  EXPECT_EQ(e.status, 406);
  EXPECT_NE(e.reason.find("application/sdp"), std::string::npos) << e.reason;
  expect_valid(
      request("INVITE", "sip:bob@b.example.com", "Accept: text/plain, application/SDP\r\n"),
      options);
  expect_valid(request("INVITE", "sip:bob@b.example.com", "Accept: application/*\r\n"), options);
  expect_valid(request("INVITE", "sip:bob@b.example.com", "Accept: */*\r\n"), options);
  EXPECT_EQ(rejected(request("INVITE", "sip:bob@b.example.com", "Accept: application/sdp;q=0\r\n"),
                     options)
                .status,
            406);
}

TEST(Validate, MessageTooLarge) {
  ValidateOptions options;
  options.max_message_size = 100;
  Error e = rejected(request(), options);
  EXPECT_EQ(e.kind, ErrorKind::kTooLarge);
  EXPECT_EQ(e.status, 513);
  EXPECT_EQ(rejected(response(), options).status, 0);
  options.max_message_size = 4096;
  expect_valid(request(), options);
}

}  // namespace
}  // namespace sippet::message
