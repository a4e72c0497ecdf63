// Serialization (RFC 3261 §7): exact output for small messages, and
// parse → serialize → parse of the RFC 4475 valid messages, compared field
// by field and typed value by typed value.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "sippet/message/message.hpp"
#include "sippet/message/parser.hpp"

namespace sippet::message {
namespace {

std::string load(std::string_view file) {
  const std::string path = std::string(SIPPET_CORPUS_DIR "/rfc4475/") + std::string(file);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Message parse(std::string_view text) {
  auto r = parse_message(text);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().reason) << "\n" << text;
  if (!r.ok()) return Message();
  return std::move(r).value();
}

// LWS containing a line break (folding, §7.3.1) as one SP, as the serializer
// promises to write it.
std::string unfold(std::string_view v) {
  std::string out;
  for (std::size_t i = 0; i < v.size();) {
    if (v[i] != '\r' && v[i] != '\n') {
      out.push_back(v[i++]);
      continue;
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == '\t'))
      out.pop_back();
    while (i < v.size() && (v[i] == '\r' || v[i] == '\n' || v[i] == ' ' || v[i] == '\t'))
      ++i;
    out.push_back(' ');
  }
  return out;
}

// ---- Exact output ------------------------------------------------------------

TEST(Serialize, CanonicalNamesOneValuePerLineUnfoldedContentLengthLast) {
  Message m = parse(
      "OPTIONS sip:a@example.com SIP/2.0\r\n"
      "v: SIP/2.0/UDP h.example.com;branch=z9hG4bK1 ,SIP/2.0/UDP g.example.com\r\n"
      "l: 0\r\n"
      "i: abc@h\r\n"
      "X-Custom:   value  \r\n"
      "cseq: 1 OPTIONS\r\n"
      "Subject: a\r\n"
      "   b\r\n"
      "\r\n");
  EXPECT_EQ(m.to_string(),
            "OPTIONS sip:a@example.com SIP/2.0\r\n"
            "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
            "Via: SIP/2.0/UDP g.example.com\r\n"
            "Call-ID: abc@h\r\n"
            "X-Custom: value\r\n"
            "CSeq: 1 OPTIONS\r\n"
            "Subject: a b\r\n"
            "Content-Length: 0\r\n"
            "\r\n");
}

// Names of 14 octets and fewer are written from fixed-size slots, longer
// ones piece by piece; the output is sized exactly: a string with room for
// exactly the message keeps its storage.
TEST(Serialize, ShortAndLongNamesIntoAnExactSizeBuffer) {
  Message m = parse(
      "SIP/2.0 200 OK\r\n"
      "max-forwards: 70\r\n"
      "P-Asserted-Identity: <sip:a@example.com>\r\n"
      "content-disposition: session\r\n"
      "Content-Length: 2\r\n"
      "X-A-Rather-Long-Unknown-Header-Name: x\r\n"
      "Proxy-Authorization: Digest username=\"a\"\r\n"
      "Record-Route: <sip:p.example.com;lr>\r\n"
      "\r\n"
      "ok");
  const std::string expected =
      "SIP/2.0 200 OK\r\n"
      "Max-Forwards: 70\r\n"
      "P-Asserted-Identity: <sip:a@example.com>\r\n"
      "Content-Disposition: session\r\n"
      "X-A-Rather-Long-Unknown-Header-Name: x\r\n"
      "Proxy-Authorization: Digest username=\"a\"\r\n"
      "Record-Route: <sip:p.example.com;lr>\r\n"
      "Content-Length: 2\r\n"
      "\r\n"
      "ok";
  std::string out = "prefix";
  out.reserve(out.size() + expected.size());
  const char* const storage = out.data();
  m.append_to(out);
  EXPECT_EQ(out, "prefix" + expected);
  EXPECT_EQ(out.data(), storage);
}

TEST(Serialize, ResponseStartLine) {
  Message m = parse("SIP/2.0 100 \r\nCall-ID: x\r\n\r\n");
  EXPECT_EQ(m.to_string(), "SIP/2.0 100 \r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n");
  m.set_status(603, "Decline");
  EXPECT_EQ(m.to_string(), "SIP/2.0 603 Decline\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n");
}

TEST(Serialize, ContentLengthRewrittenToMatchTheBody) {
  Message m = parse(
      "MESSAGE sip:a@example.com SIP/2.0\r\n"
      "Content-Length: 5\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "hello");
  EXPECT_EQ(m.to_string(),
            "MESSAGE sip:a@example.com SIP/2.0\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: 5\r\n"
            "\r\n"
            "hello");
  m.set_body("a longer body\r\n");
  const std::string text = m.to_string();
  EXPECT_EQ(text,
            "MESSAGE sip:a@example.com SIP/2.0\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: 15\r\n"
            "\r\n"
            "a longer body\r\n");
  Message again = parse(text);
  EXPECT_EQ(again.body(), "a longer body\r\n");
  EXPECT_EQ(again.content_length(), 15u);
}

TEST(Serialize, MissingContentLengthIsWritten) {
  // Datagram without Content-Length: the body is the rest (§18.3).
  Message m = parse("MESSAGE sip:a@example.com SIP/2.0\r\nCall-ID: x\r\n\r\nabc");
  EXPECT_EQ(m.to_string(),
            "MESSAGE sip:a@example.com SIP/2.0\r\nCall-ID: x\r\nContent-Length: 3\r\n\r\nabc");
}

TEST(Serialize, AppendToKeepsWhatIsThere) {
  Message m = parse("OPTIONS sip:a@example.com SIP/2.0\r\n\r\n");
  std::string out = "prefix|";
  m.append_to(out);
  EXPECT_EQ(out, "prefix|OPTIONS sip:a@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n");
}

TEST(Serialize, EditsAreWritten) {
  Message m = parse(
      "INVITE sip:bob@example.com SIP/2.0\r\n"
      "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bKa\r\n"
      "To: <sip:bob@example.com>\r\n"
      "Content-Length: 0\r\n\r\n");
  ASSERT_TRUE(m.put_front(HeaderId::kVia, "SIP/2.0/TCP p.example.com;branch=z9hG4bKp").ok());
  ASSERT_TRUE(m.set_param(HeaderId::kVia, "received", "192.0.2.9", 1).ok());
  ASSERT_TRUE(m.set_param(HeaderId::kTo, "tag", "xyz").ok());
  ASSERT_TRUE(m.put("X-Note", "n").ok());
  EXPECT_EQ(m.to_string(),
            "INVITE sip:bob@example.com SIP/2.0\r\n"
            "Via: SIP/2.0/TCP p.example.com;branch=z9hG4bKp\r\n"
            "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bKa;received=192.0.2.9\r\n"
            "To: <sip:bob@example.com>;tag=xyz\r\n"
            "X-Note: n\r\n"
            "Content-Length: 0\r\n\r\n");
}

// ---- Round trip of RFC 4475 valid messages -------------------------------------

void expect_params_equal(const Params& a, const Params& b, const std::string& where) {
  std::vector<std::pair<std::string, std::string>> pa, pb;
  for (const Param& p : a)
    pa.emplace_back(unfold(p.name), p.has_value ? unfold(p.value) : "<none>");
  for (const Param& p : b)
    pb.emplace_back(unfold(p.name), p.has_value ? unfold(p.value) : "<none>");
  EXPECT_EQ(pa, pb) << where;
}

void expect_uri_equal(const Uri& a, const Uri& b, const std::string& where) {
  EXPECT_EQ(a.scheme, b.scheme) << where;
  EXPECT_EQ(a.text, b.text) << where;
  EXPECT_EQ(a.user, b.user) << where;
  EXPECT_EQ(a.password, b.password) << where;
  EXPECT_EQ(a.host, b.host) << where;
  EXPECT_EQ(a.port, b.port) << where;
  EXPECT_EQ(a.headers, b.headers) << where;
  EXPECT_EQ(a.opaque, b.opaque) << where;
  expect_params_equal(a.params, b.params, where + " uri params");
}

void expect_typed_equal(const HeaderValue& first, const HeaderValue& second,
                        const std::string& where) {
  ASSERT_EQ(first.index(), second.index()) << where;
  std::visit(
      [&](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        const T& b = std::get<T>(second);
        if constexpr (std::is_same_v<T, Text>) {
          EXPECT_EQ(unfold(a.text), b.text) << where;
        } else if constexpr (std::is_same_v<T, Integer>) {
          EXPECT_EQ(a.value, b.value) << where;
        } else if constexpr (std::is_same_v<T, CSeq>) {
          EXPECT_EQ(a.seq, b.seq) << where;
          EXPECT_EQ(a.method, b.method) << where;
          EXPECT_EQ(a.method_text, b.method_text) << where;
        } else if constexpr (std::is_same_v<T, Via>) {
          EXPECT_EQ(a.protocol_name, b.protocol_name) << where;
          EXPECT_EQ(a.protocol_version, b.protocol_version) << where;
          EXPECT_EQ(a.transport, b.transport) << where;
          EXPECT_EQ(a.host, b.host) << where;
          EXPECT_EQ(a.host_type, b.host_type) << where;
          EXPECT_EQ(a.port, b.port) << where;
          EXPECT_EQ(a.has_port, b.has_port) << where;
          EXPECT_EQ(a.branch, b.branch) << where;
          expect_params_equal(a.params, b.params, where);
        } else if constexpr (std::is_same_v<T, NameAddr>) {
          EXPECT_EQ(unfold(a.display_name), b.display_name) << where;
          EXPECT_EQ(a.angle_brackets, b.angle_brackets) << where;
          expect_uri_equal(a.uri, b.uri, where);
          expect_params_equal(a.params, b.params, where);
        } else if constexpr (std::is_same_v<T, UriParams>) {
          EXPECT_EQ(a.uri, b.uri) << where;
          expect_params_equal(a.params, b.params, where);
        } else if constexpr (std::is_same_v<T, Token>) {
          EXPECT_EQ(a.token, b.token) << where;
          expect_params_equal(a.params, b.params, where);
        } else if constexpr (std::is_same_v<T, MediaType>) {
          EXPECT_EQ(a.type, b.type) << where;
          EXPECT_EQ(a.subtype, b.subtype) << where;
          expect_params_equal(a.params, b.params, where);
        } else if constexpr (std::is_same_v<T, Auth>) {
          EXPECT_EQ(a.scheme, b.scheme) << where;
          expect_params_equal(a.params, b.params, where);
        } else if constexpr (std::is_same_v<T, Date>) {
          EXPECT_EQ(unfold(a.text), b.text) << where;
          EXPECT_EQ(a.year, b.year) << where;
          EXPECT_EQ(a.month, b.month) << where;
          EXPECT_EQ(a.day, b.day) << where;
          EXPECT_EQ(a.hour, b.hour) << where;
          EXPECT_EQ(a.minute, b.minute) << where;
          EXPECT_EQ(a.second, b.second) << where;
        } else if constexpr (std::is_same_v<T, RetryAfter>) {
          EXPECT_EQ(a.seconds, b.seconds) << where;
          EXPECT_EQ(unfold(a.comment), b.comment) << where;
          expect_params_equal(a.params, b.params, where);
        } else if constexpr (std::is_same_v<T, Warning>) {
          EXPECT_EQ(a.code, b.code) << where;
          EXPECT_EQ(a.agent, b.agent) << where;
          EXPECT_EQ(unfold(a.text), b.text) << where;
        } else if constexpr (std::is_same_v<T, Timestamp>) {
          EXPECT_EQ(a.time, b.time) << where;
          EXPECT_EQ(a.delay, b.delay) << where;
        } else if constexpr (std::is_same_v<T, MimeVersion>) {
          EXPECT_EQ(a.major, b.major) << where;
          EXPECT_EQ(a.minor, b.minor) << where;
        }
      },
      first);
}

std::vector<const Field*> without_content_length(const Message& m) {
  std::vector<const Field*> out;
  for (const Field& f : m.fields()) {
    if (f.id != HeaderId::kContentLength) out.push_back(&f);
  }
  return out;
}

void expect_round_trip(std::string_view file) {
  SCOPED_TRACE(std::string(file));
  const std::string raw = load(file);
  auto first_r = parse_message(raw);
  ASSERT_TRUE(first_r.ok()) << first_r.error().reason;
  const Message& first = first_r.value();
  const std::string text = first.to_string();
  auto second_r = parse_message(text);
  ASSERT_TRUE(second_r.ok()) << second_r.error().reason << "\n" << text;
  const Message& second = second_r.value();

  ASSERT_EQ(first.is_request(), second.is_request());
  if (first.is_request()) {
    EXPECT_EQ(first.request_line().method, second.request_line().method);
    EXPECT_EQ(first.request_line().method_text, second.request_line().method_text);
    expect_uri_equal(first.request_line().uri, second.request_line().uri, "request-uri");
    EXPECT_EQ(first.request_line().version, second.request_line().version);
  } else {
    EXPECT_EQ(first.status_line().code, second.status_line().code);
    EXPECT_EQ(first.status_line().reason, second.status_line().reason);
    EXPECT_EQ(first.status_line().version, second.status_line().version);
  }

  auto a = without_content_length(first);
  auto b = without_content_length(second);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string where = "field " + std::to_string(i) + " (" + std::string(a[i]->name) + ")";
    EXPECT_EQ(a[i]->id, b[i]->id) << where;
    if (a[i]->id == HeaderId::kUnknown) {
      EXPECT_EQ(a[i]->name, b[i]->name) << where;
    }
    EXPECT_EQ(unfold(a[i]->value), b[i]->value) << where;
    expect_typed_equal(a[i]->typed, b[i]->typed, where);
  }
  EXPECT_EQ(first.body(), second.body());
  EXPECT_EQ(second.content_length(), first.body().size());
  EXPECT_EQ(second.count(HeaderId::kContentLength), 1u);
  // Serializing is stable from then on.
  EXPECT_EQ(second.to_string(), text);
}

TEST(SerializeRoundTrip, Wsinv) {
  expect_round_trip("wsinv.dat");
}
TEST(SerializeRoundTrip, Intmeth) {
  expect_round_trip("intmeth.dat");
}
TEST(SerializeRoundTrip, Esc01) {
  expect_round_trip("esc01.dat");
}
TEST(SerializeRoundTrip, Escnull) {
  expect_round_trip("escnull.dat");
}
TEST(SerializeRoundTrip, Esc02) {
  expect_round_trip("esc02.dat");
}
TEST(SerializeRoundTrip, Lwsdisp) {
  expect_round_trip("lwsdisp.dat");
}
TEST(SerializeRoundTrip, Longreq) {
  expect_round_trip("longreq.dat");
}
TEST(SerializeRoundTrip, Dblreq) {
  expect_round_trip("dblreq.dat");
}
TEST(SerializeRoundTrip, Semiuri) {
  expect_round_trip("semiuri.dat");
}
TEST(SerializeRoundTrip, Transports) {
  expect_round_trip("transports.dat");
}
TEST(SerializeRoundTrip, Mpart01) {
  expect_round_trip("mpart01.dat");
}
TEST(SerializeRoundTrip, Unreason) {
  expect_round_trip("unreason.dat");
}
TEST(SerializeRoundTrip, Noreason) {
  expect_round_trip("noreason.dat");
}
TEST(SerializeRoundTrip, Inv2543) {
  expect_round_trip("inv2543.dat");
}
TEST(SerializeRoundTrip, Regaut01) {
  expect_round_trip("regaut01.dat");
}
TEST(SerializeRoundTrip, Cparam01) {
  expect_round_trip("cparam01.dat");
}
TEST(SerializeRoundTrip, Regescrt) {
  expect_round_trip("regescrt.dat");
}
TEST(SerializeRoundTrip, Bext01) {
  expect_round_trip("bext01.dat");
}
TEST(SerializeRoundTrip, Unksm2) {
  expect_round_trip("unksm2.dat");
}

TEST(SerializeRoundTrip, CloneEqualsTheOriginal) {
  for (const char* file : {"wsinv.dat", "mpart01.dat", "unreason.dat"}) {
    Message m = parse(load(file));
    Message copy = m.clone();
    EXPECT_EQ(copy.to_string(), m.to_string()) << file;
    EXPECT_EQ(copy.fields().size(), m.fields().size() + (m.content_length() ? 0 : 1)) << file;
  }
}

}  // namespace
}  // namespace sippet::message
