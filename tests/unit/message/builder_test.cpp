// build_request, build_response (RFC 3261 §8.2.6.1), reason phrases (§21)
// and the random identifiers (§8.1.1.7, §19.3).
#include "sippet/message/builder.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sippet/message/parser.hpp"

namespace sippet::message {
namespace {

constexpr std::string_view kRequest =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1;received=192.0.2.3\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com:5062;branch=z9hG4bK776asdhds;rport=5062\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: \"Alice A\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Timestamp: 54.3 0.1\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    "Subject: call\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";

Message parse(std::string_view text) {
  auto r = parse_message(text);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().reason);
  if (!r.ok()) return Message();
  return std::move(r).value();
}

std::vector<HeaderId> ids(const Message& m) {
  std::vector<HeaderId> out;
  for (const Field& f : m.fields())
    out.push_back(f.id);
  return out;
}

// ---- build_request -------------------------------------------------------------

TEST(BuildRequest, RequestLineOnly) {
  auto r = build_request("OPTIONS", "sip:carol@chicago.example.com;transport=tcp");
  ASSERT_TRUE(r.ok()) << r.error().reason;
  const Message& m = *r;
  EXPECT_TRUE(m.is_request());
  EXPECT_EQ(m.request_line().method, Method::kOptions);
  EXPECT_EQ(m.request_line().method_text, "OPTIONS");
  EXPECT_EQ(m.request_line().version, "SIP/2.0");
  EXPECT_EQ(m.request_line().uri.scheme, UriScheme::kSip);
  EXPECT_EQ(m.request_line().uri.host, "chicago.example.com");
  EXPECT_EQ(m.request_line().uri.transport(), "tcp");
  EXPECT_TRUE(m.fields().empty());
  EXPECT_TRUE(m.body().empty());
  EXPECT_EQ(m.to_string(),
            "OPTIONS sip:carol@chicago.example.com;transport=tcp SIP/2.0\r\n"
            "Content-Length: 0\r\n\r\n");
}

TEST(BuildRequest, ExtensionMethodAndHeadersAdded) {
  auto r = build_request("FOO", "tel:+1-201-555-0123");
  ASSERT_TRUE(r.ok()) << r.error().reason;
  Message m = std::move(r).value();
  EXPECT_EQ(m.method(), Method::kExtension);
  EXPECT_EQ(m.method_text(), "FOO");
  EXPECT_EQ(m.request_line().uri.scheme, UriScheme::kTel);
  ASSERT_TRUE(m.put(HeaderId::kVia, "SIP/2.0/UDP h;branch=" + create_branch()).ok());
  ASSERT_TRUE(m.put(HeaderId::kCSeq, "1 FOO").ok());
  EXPECT_EQ(m.cseq()->method_text, "FOO");
  auto again = parse_message(m.to_string());
  ASSERT_TRUE(again.ok()) << again.error().reason;
  EXPECT_EQ(again->method_text(), "FOO");
}

TEST(BuildRequest, BadUriOrMethodIsAnError) {
  EXPECT_FALSE(build_request("INVITE", "sip:").ok());
  EXPECT_FALSE(build_request("INVITE", "").ok());
  EXPECT_FALSE(build_request("INVITE", "<sip:a@b>").ok());
  EXPECT_FALSE(build_request("", "sip:a@b").ok());
  EXPECT_FALSE(build_request("IN VITE", "sip:a@b").ok());
  EXPECT_FALSE(build_request("INVITE\r\n", "sip:a@b").ok());
  auto r = build_request("INVITE", "sip:");
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(r.error().reason.empty());
}

// ---- build_response (§8.2.6.1) ----------------------------------------------------

TEST(BuildResponse, CopiesViaFromToCallIdCSeqAndTagsTheTo) {
  auto request = std::make_unique<Message>(parse(kRequest));
  auto r = build_response(*request, 200, {}, "a6c85cf");
  ASSERT_TRUE(r.ok()) << r.error().reason;
  Message m = std::move(r).value();
  request.reset();  // the response owns everything it shows

  EXPECT_TRUE(m.is_response());
  EXPECT_EQ(m.status_code(), 200);
  EXPECT_EQ(m.status_line().reason, "OK");
  EXPECT_EQ(m.status_line().version, "SIP/2.0");
  EXPECT_EQ(ids(m), (std::vector<HeaderId>{HeaderId::kVia, HeaderId::kVia, HeaderId::kFrom,
                                           HeaderId::kTo, HeaderId::kCallId, HeaderId::kCSeq}));
  auto vias = m.get_all(HeaderId::kVia);
  EXPECT_EQ(vias[0]->value, "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1;received=192.0.2.3");
  EXPECT_EQ(vias[1]->value,
            "SIP/2.0/UDP pc33.atlanta.example.com:5062;branch=z9hG4bK776asdhds;rport=5062");
  EXPECT_EQ(vias[1]->as<Via>()->port, 5062);
  EXPECT_EQ(m.top_via()->branch, "z9hG4bKp1");
  EXPECT_EQ(m.get(HeaderId::kFrom)->value,
            "\"Alice A\" <sip:alice@atlanta.example.com>;tag=1928301774");
  EXPECT_EQ(m.from()->tag(), "1928301774");
  EXPECT_EQ(m.to()->tag(), "a6c85cf");
  EXPECT_EQ(m.to()->display_name, "Bob");
  EXPECT_EQ(m.to()->uri.user, "bob");
  EXPECT_EQ(m.call_id(), "a84b4c76e66710@pc33.atlanta.example.com");
  EXPECT_EQ(m.cseq()->seq, 314159u);
  EXPECT_EQ(m.cseq()->method, Method::kInvite);
  EXPECT_EQ(m.method(), Method::kInvite);
  EXPECT_TRUE(m.body().empty());
  EXPECT_EQ(m.to_string(),
            "SIP/2.0 200 OK\r\n"
            "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1;received=192.0.2.3\r\n"
            "Via: SIP/2.0/UDP pc33.atlanta.example.com:5062;branch=z9hG4bK776asdhds;rport=5062\r\n"
            "From: \"Alice A\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
            "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
            "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
            "CSeq: 314159 INVITE\r\n"
            "Content-Length: 0\r\n\r\n");
}

TEST(BuildResponse, RandomTagWhenNoneGiven) {
  Message request = parse(kRequest);
  auto a = build_response(request, 486);
  auto b = build_response(request, 486);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->status_line().reason, "Busy Here");
  EXPECT_GE(a->to()->tag().size(), 8u);
  EXPECT_NE(a->to()->tag(), b->to()->tag());
}

TEST(BuildResponse, HundredHasNoTagAndCopiesTimestamp) {
  Message request = parse(kRequest);
  auto r = build_response(request, 100);
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_EQ(r->status_line().reason, "Trying");
  EXPECT_EQ(r->to()->tag(), "");
  EXPECT_FALSE(r->to()->params.has("tag"));
  const Field* ts = r->get(HeaderId::kTimestamp);
  ASSERT_NE(ts, nullptr);
  ASSERT_NE(ts->as<Timestamp>(), nullptr);
  EXPECT_EQ(ts->as<Timestamp>()->time, "54.3");
  EXPECT_EQ(ts->as<Timestamp>()->delay, "0.1");
  EXPECT_EQ(r->count(HeaderId::kVia), 2u);
}

TEST(BuildResponse, TimestampOnlyInTheHundred) {
  Message request = parse(kRequest);
  for (int code : {180, 200, 404}) {
    auto r = build_response(request, code);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->get(HeaderId::kTimestamp), nullptr) << code;
    EXPECT_EQ(r->get(HeaderId::kContact), nullptr) << code;
    EXPECT_EQ(r->get(HeaderId::kMaxForwards), nullptr) << code;
    EXPECT_EQ(r->get(HeaderId::kSubject), nullptr) << code;
  }
}

TEST(BuildResponse, ExistingToTagIsKept) {
  Message request = parse(kRequest);
  ASSERT_TRUE(request.set_param(HeaderId::kTo, "tag", "dialog1").ok());
  auto r = build_response(request, 200, {}, "other");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->to()->tag(), "dialog1");
  EXPECT_EQ(r->to()->params.size(), 1u);
}

TEST(BuildResponse, ReasonGivenOrDefault) {
  Message request = parse(kRequest);
  auto custom = build_response(request, 404, "Nobody Here");
  ASSERT_TRUE(custom.ok());
  EXPECT_EQ(custom->status_line().reason, "Nobody Here");
  auto unknown = build_response(request, 499);
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status_code(), 499);
  EXPECT_EQ(unknown->status_line().reason, "");
  EXPECT_EQ(unknown->to_string().rfind("SIP/2.0 499 \r\n", 0), 0u);
}

TEST(BuildResponse, Misuse) {
  Message request = parse(kRequest);
  EXPECT_FALSE(build_response(request, 99).ok());
  EXPECT_FALSE(build_response(request, 700).ok());
  auto response = build_response(request, 200);
  ASSERT_TRUE(response.ok());
  auto r = build_response(*response, 200);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
}

TEST(BuildResponse, MissingHeadersAreSkipped) {
  // An invalid request (RFC 4475 insuf) still gets its 400.
  Message request = parse(
      "INVITE sip:user@example.com SIP/2.0\r\n"
      "CSeq: 193942 INVITE\r\n"
      "Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf\r\n"
      "\r\n");
  auto r = build_response(request, 400, "missing headers: To, From, Call-ID");
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_EQ(ids(*r), (std::vector<HeaderId>{HeaderId::kVia, HeaderId::kCSeq}));
  EXPECT_EQ(r->status_line().reason, "missing headers: To, From, Call-ID");
}

// ---- default_reason (§21) -------------------------------------------------------------

TEST(DefaultReason, EveryRfc3261Code) {
  const std::pair<int, std::string_view> table[] = {
      {100, "Trying"},
      {180, "Ringing"},
      {181, "Call Is Being Forwarded"},
      {182, "Queued"},
      {183, "Session Progress"},
      {200, "OK"},
      {300, "Multiple Choices"},
      {301, "Moved Permanently"},
      {302, "Moved Temporarily"},
      {305, "Use Proxy"},
      {380, "Alternative Service"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {402, "Payment Required"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {406, "Not Acceptable"},
      {407, "Proxy Authentication Required"},
      {408, "Request Timeout"},
      {410, "Gone"},
      {413, "Request Entity Too Large"},
      {414, "Request-URI Too Long"},
      {415, "Unsupported Media Type"},
      {416, "Unsupported URI Scheme"},
      {420, "Bad Extension"},
      {421, "Extension Required"},
      {423, "Interval Too Brief"},
      {480, "Temporarily Unavailable"},
      {481, "Call/Transaction Does Not Exist"},
      {482, "Loop Detected"},
      {483, "Too Many Hops"},
      {484, "Address Incomplete"},
      {485, "Ambiguous"},
      {486, "Busy Here"},
      {487, "Request Terminated"},
      {488, "Not Acceptable Here"},
      {491, "Request Pending"},
      {493, "Undecipherable"},
      {500, "Server Internal Error"},
      {501, "Not Implemented"},
      {502, "Bad Gateway"},
      {503, "Service Unavailable"},
      {504, "Server Time-out"},
      {505, "Version Not Supported"},
      {513, "Message Too Large"},
      {600, "Busy Everywhere"},
      {603, "Decline"},
      {604, "Does Not Exist Anywhere"},
      {606, "Not Acceptable"},
  };
  for (const auto& [code, reason] : table)
    EXPECT_EQ(default_reason(code), reason) << code;
}

TEST(DefaultReason, CommonExtensionsAndUnknown) {
  EXPECT_EQ(default_reason(202), "Accepted");
  EXPECT_EQ(default_reason(204), "No Notification");
  EXPECT_EQ(default_reason(412), "Conditional Request Failed");
  EXPECT_EQ(default_reason(422), "Session Interval Too Small");
  EXPECT_EQ(default_reason(489), "Bad Event");
  EXPECT_EQ(default_reason(494), "Security Agreement Required");
  EXPECT_EQ(default_reason(580), "Precondition Failure");
  EXPECT_EQ(default_reason(199), "Early Dialog Terminated");
  EXPECT_EQ(default_reason(0), "");
  EXPECT_EQ(default_reason(299), "");
  EXPECT_EQ(default_reason(1000), "");
}

// ---- Random identifiers --------------------------------------------------------------

bool token_chars(std::string_view s) {
  for (char c : s) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("-.!%*_+`'~").find(c) == std::string_view::npos) return false;
  }
  return !s.empty();
}

// Bits of randomness a string of `n` characters can carry when drawn from
// the characters seen over many draws (an upper bound the test checks).
double bits(std::size_t n, std::size_t alphabet) {
  return static_cast<double>(n) * std::log2(static_cast<double>(alphabet));
}

TEST(RandomIds, BranchHasTheCookieAndAtLeast72Bits) {
  std::set<std::string> seen;
  std::set<char> alphabet;
  for (int i = 0; i < 10000; ++i) {
    std::string b = create_branch();
    ASSERT_EQ(b.rfind("z9hG4bK", 0), 0u) << b;
    std::string_view random = std::string_view(b).substr(7);
    ASSERT_TRUE(token_chars(random)) << b;
    EXPECT_GE(bits(random.size(), 36), 72.0) << b;
    alphabet.insert(random.begin(), random.end());
    seen.insert(b);
  }
  EXPECT_EQ(seen.size(), 10000u);
  // Every character is drawn: the bits above are real.
  EXPECT_EQ(alphabet.size(), 36u);
}

TEST(RandomIds, TagAndCallId) {
  std::set<std::string> tags, call_ids;
  for (int i = 0; i < 10000; ++i) {
    std::string tag = create_tag();
    std::string id = create_call_id();
    ASSERT_TRUE(token_chars(tag)) << tag;
    ASSERT_TRUE(token_chars(id)) << id;
    EXPECT_GE(bits(tag.size(), 36), 64.0);
    EXPECT_GE(bits(id.size(), 36), 120.0);
    tags.insert(tag);
    call_ids.insert(id);
  }
  EXPECT_EQ(tags.size(), 10000u);
  EXPECT_EQ(call_ids.size(), 10000u);
}

// Several characters come from each random draw: every position of a tag
// and of a Call-ID (more than one draw each) still takes every character, so
// no position is fixed or narrowed by the way draws are split.
TEST(RandomIds, EveryPositionTakesEveryCharacter) {
  std::vector<std::set<char>> tag_positions(16), id_positions(24);
  for (int i = 0; i < 3000; ++i) {
    std::string tag = create_tag();
    std::string id = create_call_id();
    ASSERT_EQ(tag.size(), tag_positions.size());
    ASSERT_EQ(id.size(), id_positions.size());
    for (std::size_t k = 0; k < tag.size(); ++k)
      tag_positions[k].insert(tag[k]);
    for (std::size_t k = 0; k < id.size(); ++k)
      id_positions[k].insert(id[k]);
  }
  // 3000 draws of 36 equally likely characters: one missing at a position
  // has a chance of about 36 * (35/36)^3000, under 1e-35.
  for (std::size_t k = 0; k < tag_positions.size(); ++k)
    EXPECT_EQ(tag_positions[k].size(), 36u) << "tag position " << k;
  for (std::size_t k = 0; k < id_positions.size(); ++k)
    EXPECT_EQ(id_positions[k].size(), 36u) << "Call-ID position " << k;
}

TEST(RandomIds, ThreadsDrawDifferentValues) {
  std::vector<std::string> a, b;
  std::thread ta([&] {
    for (int i = 0; i < 1000; ++i)
      a.push_back(create_branch());
  });
  std::thread tb([&] {
    for (int i = 0; i < 1000; ++i)
      b.push_back(create_branch());
  });
  ta.join();
  tb.join();
  std::set<std::string> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  all.insert(create_branch());
  EXPECT_EQ(all.size(), 2001u);
}

}  // namespace
}  // namespace sippet::message
