// Whole-message parsing (RFC 3261 §7, §18.3, §25.1) and the RFC 4475
// torture messages, checked against the values the RFC describes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sippet/message/parser.hpp"

namespace sippet::message {
namespace {

const std::string kInvite =
    "INVITE sip:bob@biloxi.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.com>\r\n"
    "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.com>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";

std::string with_header(const std::string& header) {
  return "OPTIONS sip:a@example.com SIP/2.0\r\n" + header + "\r\nContent-Length: 0\r\n\r\n";
}

std::string read_corpus(const std::string& name) {
  std::ifstream in(std::string(SIPPET_CORPUS_DIR) + "/rfc4475/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ParseMessage, Request) {
  auto r = parse_message(kInvite);
  ASSERT_TRUE(r.ok()) << r.error().reason;
  const Message& m = *r;
  EXPECT_TRUE(m.is_request());
  EXPECT_EQ(m.request_line().method, Method::kInvite);
  EXPECT_EQ(m.request_line().method_text, "INVITE");
  EXPECT_EQ(m.request_line().uri.host, "biloxi.com");
  EXPECT_EQ(m.request_line().uri.user, "bob");
  EXPECT_EQ(m.request_line().version, "SIP/2.0");
  ASSERT_EQ(m.fields().size(), 9u);
  EXPECT_EQ(m.fields()[0].id, HeaderId::kVia);
  EXPECT_EQ(m.fields()[0].as<Via>()->branch, "z9hG4bK776asdhds");
  EXPECT_EQ(m.fields()[1].as<Integer>()->value, 70u);
  EXPECT_EQ(m.fields()[3].as<NameAddr>()->tag(), "1928301774");
  EXPECT_EQ(m.fields()[4].as<Text>()->text, "a84b4c76e66710@pc33.atlanta.com");
  EXPECT_EQ(m.fields()[5].as<CSeq>()->seq, 314159u);
  EXPECT_EQ(m.fields()[7].as<MediaType>()->subtype, "sdp");
  EXPECT_EQ(m.body(), "v=0\n");
  EXPECT_EQ(m.bytes(), kInvite);
  // Views point into the message's own copy, not into the input.
  EXPECT_GE(m.fields()[0].value.data(), m.bytes().data());
  EXPECT_LT(m.fields()[0].value.data(), m.bytes().data() + m.bytes().size());
}

TEST(ParseMessage, ViewsSurviveMovesAndTheInputGoingAway) {
  Message moved;
  {
    std::string input = kInvite;
    auto r = parse_message(input);
    ASSERT_TRUE(r.ok());
    moved = std::move(r.value());
    input.assign(input.size(), 'x');
  }
  EXPECT_EQ(moved.request_line().uri.host, "biloxi.com");
  EXPECT_EQ(moved.fields()[2].as<NameAddr>()->display_name, "Bob");
  EXPECT_EQ(moved.body(), "v=0\n");
}

TEST(ParseMessage, Response) {
  auto r = parse_message(
      "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_TRUE(r->is_response());
  EXPECT_EQ(r->status_line().code, 180);
  EXPECT_EQ(r->status_line().reason, "Ringing");
  EXPECT_EQ(r->status_line().version, "SIP/2.0");
  auto lower = parse_message("sip/2.0 200 OK\r\nl: 0\r\n\r\n");
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(lower->status_line().code, 200);
}

TEST(ParseMessage, StatusLineRules) {
  EXPECT_TRUE(parse_message("SIP/2.0 100 \r\n\r\n").ok());
  EXPECT_EQ(parse_message("SIP/2.0 100 \r\n\r\n")->status_line().reason, "");
  EXPECT_EQ(parse_message("SIP/2.0 699 x y\tz\r\n\r\n")->status_line().reason, "x y\tz");
  const char* bad[] = {
      "SIP/2.0 99 Low\r\n\r\n",  "SIP/2.0 700 High\r\n\r\n",   "SIP/2.0 2000 OK\r\n\r\n",
      "SIP/2.0 20 OK\r\n\r\n",   "SIP/2.0 abc OK\r\n\r\n",     "SIP/2.0 200OK\r\n\r\n",
      "SIP/2.0  200 OK\r\n\r\n", "SIP/2.0 200 O\x01K\r\n\r\n", "SIP/2.0\r\n\r\n"};
  for (const char* text : bad) {
    auto r = parse_message(text);
    EXPECT_FALSE(r.ok()) << text;
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind, ErrorKind::kMalformedStartLine) << text;
      EXPECT_EQ(r.error().status, 0) << "responses are never answered: " << text;
    }
  }
  auto v = parse_message("SIP/3.0 200 OK\r\n\r\n");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().kind, ErrorKind::kBadVersion);
  EXPECT_EQ(v.error().status, 0);
}

TEST(ParseMessage, RequestLineRules) {
  struct Case {
    const char* line;
    ErrorKind kind;
    int status;
    std::size_t offset;
  };
  const Case cases[] = {
      {"OPTIONS sip:a@b SIP/7.0", ErrorKind::kBadVersion, 505, 16},
      {"OPTIONS sip:a@b SIP/2.00", ErrorKind::kBadVersion, 505, 16},
      {"OPTIONS sip:a@b HTTP/1.1", ErrorKind::kMalformedStartLine, 400, 16},
      {"OPTIONS sip:a@b SIP/2.0 ", ErrorKind::kMalformedStartLine, 400, 16},
      {"OPTIONS  sip:a@b SIP/2.0", ErrorKind::kMalformedStartLine, 400, 8},
      {"OPTIONS sip:a@b  SIP/2.0", ErrorKind::kMalformedStartLine, 400, 16},
      {"OPTIONS <sip:a@b> SIP/2.0", ErrorKind::kMalformedUri, 400, 8},
      {"OPTIONS sip:a@b?x=y SIP/2.0", ErrorKind::kMalformedUri, 400, 15},
      {"OPTIONS sip:a@b", ErrorKind::kMalformedStartLine, 400, 15},
      {"OPT:IONS sip:a@b SIP/2.0", ErrorKind::kMalformedStartLine, 400, 3},
      {" OPTIONS sip:a@b SIP/2.0", ErrorKind::kMalformedStartLine, 400, 0},
      {"OPTIONS\tsip:a@b SIP/2.0", ErrorKind::kMalformedStartLine, 400, 7},
  };
  for (const Case& c : cases) {
    auto r = parse_message(std::string(c.line) + "\r\nContent-Length: 0\r\n\r\n");
    ASSERT_FALSE(r.ok()) << c.line;
    EXPECT_EQ(r.error().kind, c.kind) << c.line << ": " << r.error().reason;
    EXPECT_EQ(r.error().status, c.status) << c.line;
    EXPECT_EQ(r.error().offset, c.offset) << c.line << ": " << r.error().reason;
    EXPECT_FALSE(r.error().reason.empty());
  }
  auto ok = parse_message("FOO.bar-1 tel:+1-555;ext=2 sip/2.0\r\n\r\n");
  ASSERT_TRUE(ok.ok()) << ok.error().reason;
  EXPECT_EQ(ok->request_line().method, Method::kExtension);
  EXPECT_EQ(ok->request_line().method_text, "FOO.bar-1");
  EXPECT_EQ(ok->request_line().uri.scheme, UriScheme::kTel);
}

TEST(ParseMessage, HeaderNamesFoldingAndCompactForms) {
  std::string text =
      "REGISTER sip:example.com SIP/2.0\r\n"
      "v: SIP/2.0/UDP a.example.com\r\n"
      "VIA  :  SIP/2.0/UDP b.example.com\r\n"
      "t:\r\n <sip:user@example.com>\r\n"
      "f: <sip:user@example.com>;tag=1\r\n"
      "i: abc@def\r\n"
      "m: <sip:user@host>\r\n"
      "k: 100rel\r\n"
      "c: text/plain\r\n"
      "e: gzip\r\n"
      "s: hello\r\n"
      "o: presence\r\n"
      "X-Folded: one\r\n\ttwo\r\n  three\r\n"
      "l: 2\r\n"
      "\r\n"
      "ok";
  auto r = parse_message(text);
  ASSERT_TRUE(r.ok()) << r.error().reason;
  auto f = r->fields();
  ASSERT_EQ(f.size(), 13u);
  const HeaderId ids[] = {
      HeaderId::kVia,          HeaderId::kVia,         HeaderId::kTo,
      HeaderId::kFrom,         HeaderId::kCallId,      HeaderId::kContact,
      HeaderId::kSupported,    HeaderId::kContentType, HeaderId::kContentEncoding,
      HeaderId::kSubject,      HeaderId::kUnknown,     HeaderId::kUnknown,
      HeaderId::kContentLength};
  for (std::size_t i = 0; i < std::size(ids); ++i)
    EXPECT_EQ(f[i].id, ids[i]) << i;
  EXPECT_EQ(f[0].name, "v");
  EXPECT_EQ(f[1].name, "VIA");
  EXPECT_EQ(f[1].as<Via>()->host, "b.example.com");
  EXPECT_EQ(f[2].value, "<sip:user@example.com>");
  EXPECT_EQ(f[10].name, "o");
  EXPECT_EQ(f[10].as<Text>()->text, "presence");
  EXPECT_EQ(f[11].name, "X-Folded");
  EXPECT_EQ(f[11].value, "one\r\n\ttwo\r\n  three");
  EXPECT_EQ(f[12].as<Integer>()->value, 2u);
  EXPECT_EQ(r->body(), "ok");
}

TEST(ParseMessage, EmptyListHeadersGiveNoFields) {
  auto r = parse_message(with_header("Supported:"));
  ASSERT_TRUE(r.ok()) << r.error().reason;
  ASSERT_EQ(r->fields().size(), 1u);
  EXPECT_EQ(r->fields()[0].id, HeaderId::kContentLength);
  auto s = parse_message(with_header("Subject:   "));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->fields()[0].id, HeaderId::kSubject);
  EXPECT_EQ(s->fields()[0].value, "");
  auto v = parse_message(with_header("Via:"));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().kind, ErrorKind::kMalformedHeader);
  EXPECT_FALSE(parse_message(with_header("Call-ID:")).ok());
  EXPECT_FALSE(parse_message(with_header("Max-Forwards: ")).ok());
}

TEST(ParseMessage, HeaderErrorsCarryOffsetAndReason) {
  std::string text = with_header("Via: SIP/2.0/UDP host:99999");
  auto r = parse_message(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kMalformedHeader);
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(r.error().offset, text.find("99999"));
  EXPECT_NE(
      r.error().reason.find("malformed Via header at offset " + std::to_string(text.find("99999"))),
      std::string::npos)
      << r.error().reason;
  const char* bad_lines[] = {"Via SIP/2.0/UDP h",  // no colon
                             ": value",            // no name
                             "Bad Name: x",        // space inside the name
                             "X: a\nY: b",         // bare LF
                             "X: a\rY: b"};        // bare CR
  for (const char* line : bad_lines) {
    auto e = parse_message(with_header(line));
    EXPECT_FALSE(e.ok()) << line;
    if (!e.ok()) {
      EXPECT_EQ(e.error().kind, ErrorKind::kMalformedHeader) << line;
    }
  }
  auto unknown = parse_message(with_header("X-Bad: a\x01z"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().reason.find("X-Bad"), std::string::npos) << unknown.error().reason;
}

TEST(ParseMessage, DatagramBodyFraming) {
  const std::string head = "MESSAGE sip:a@b SIP/2.0\r\n";
  // Content-Length governs; trailing octets are ignored (RFC 4475 dblreq).
  auto r = parse_message(head + "Content-Length: 3\r\n\r\nabcdef");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body(), "abc");
  // No Content-Length: the rest of the datagram.
  auto n = parse_message(head + "Subject: x\r\n\r\nabcdef");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->body(), "abcdef");
  // Larger than what is left: 400 (RFC 4475 clerr).
  std::string big = head + "Content-Length: 7\r\n\r\nabcdef";
  auto b = parse_message(big);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().kind, ErrorKind::kBadContentLength);
  EXPECT_EQ(b.error().status, 400);
  EXPECT_EQ(b.error().offset, big.find('7'));
  // The first of several Content-Length values frames the body.
  auto two = parse_message(head + "Content-Length: 2\r\nl: 5\r\n\r\nabcdef");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->body(), "ab");
  // Headers must end with an empty line.
  auto inc = parse_message(head + "Content-Length: 0\r\n");
  ASSERT_FALSE(inc.ok());
  EXPECT_EQ(inc.error().kind, ErrorKind::kIncomplete);
  EXPECT_FALSE(parse_message(head + "Content-Length: 0").ok());
  EXPECT_FALSE(parse_message("").ok());
  EXPECT_FALSE(parse_message("INVITE").ok());
}

TEST(ParseMessage, StreamBodyFraming) {
  const ParseOptions stream{.datagram = false};
  const std::string head = "MESSAGE sip:a@b SIP/2.0\r\n";
  auto ok = parse_message(head + "l: 3\r\n\r\nabc", stream);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->body(), "abc");
  auto shortr = parse_message(head + "l: 4\r\n\r\nabc", stream);
  ASSERT_FALSE(shortr.ok());
  EXPECT_EQ(shortr.error().kind, ErrorKind::kIncomplete);
  auto extra = parse_message(head + "l: 2\r\n\r\nabc", stream);
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.error().kind, ErrorKind::kBadContentLength);
  auto missing = parse_message(head + "Subject: x\r\n\r\n", stream);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kBadContentLength);
  // Leading CRLFs on a stream are ignored (§7.5).
  auto lead = parse_message("\r\n\r\n" + head + "l: 0\r\n\r\n", stream);
  ASSERT_TRUE(lead.ok()) << lead.error().reason;
  EXPECT_EQ(lead->request_line().method, Method::kMessage);
}

TEST(ParseMessage, SizeLimit) {
  std::string text = kInvite;
  auto r = parse_message(text, ParseOptions{.max_size = text.size() - 1});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTooLarge);
  EXPECT_EQ(r.error().status, 513);
  EXPECT_TRUE(parse_message(text, ParseOptions{.max_size = text.size()}).ok());
  auto response = parse_message("SIP/2.0 200 OK\r\nl: 0\r\n\r\n", ParseOptions{.max_size = 10});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, ErrorKind::kTooLarge);
  EXPECT_EQ(response.error().status, 0);
}

TEST(ParseMessage, NoReadPastTheInputAtAnyLength) {
  // Every prefix of a message is rejected or parsed without touching bytes
  // past its end (the sanitizer build checks the latter).
  for (std::size_t n = 0; n < kInvite.size(); ++n) {
    std::string prefix = kInvite.substr(0, n);
    auto r = parse_message(prefix);
    auto s = parse_message(prefix, ParseOptions{.datagram = false});
    EXPECT_FALSE(s.ok()) << n;
    if (r.ok()) {
      EXPECT_EQ(r->bytes().size(), n);
    }
  }
}

// ---- RFC 4475 ---------------------------------------------------------------

TEST(ParseRfc4475, ValidMessagesParse) {
  const char* files[] = {"wsinv.dat",    "intmeth.dat",    "esc01.dat",      "escnull.dat",
                         "esc02.dat",    "lwsdisp.dat",    "longreq.dat",    "dblreq.dat",
                         "semiuri.dat",  "transports.dat", "mpart01.dat",    "unreason.dat",
                         "noreason.dat", "badbranch.dat",  "insuf.dat",      "unkscm.dat",
                         "novelsc.dat",  "unksm2.dat",     "bext01.dat",     "invut.dat",
                         "regaut01.dat", "multi01.dat",    "mcl01.dat",      "bcast.dat",
                         "zeromf.dat",   "cparam01.dat",   "cparam02.dat",   "regescrt.dat",
                         "sdp01.dat",    "inv2543.dat",    "mismatch01.dat", "mismatch02.dat"};
  for (const char* file : files) {
    std::string bytes = read_corpus(file);
    ASSERT_FALSE(bytes.empty()) << file;
    auto r = parse_message(bytes);
    EXPECT_TRUE(r.ok()) << file << ": " << (r.ok() ? "" : r.error().reason);
  }
}

TEST(ParseRfc4475, InvalidMessagesAreRejected) {
  struct Case {
    const char* file;
    ErrorKind kind;
    int status;
  };
  const Case cases[] = {
      {"badinv01.dat", ErrorKind::kMalformedHeader, 400},
      {"clerr.dat", ErrorKind::kBadContentLength, 400},
      {"ncl.dat", ErrorKind::kBadContentLength, 400},
      {"scalar02.dat", ErrorKind::kHeaderTooLarge, 400},
      {"scalarlg.dat", ErrorKind::kHeaderTooLarge, 0},
      {"quotbal.dat", ErrorKind::kMalformedHeader, 400},
      {"ltgtruri.dat", ErrorKind::kMalformedUri, 400},
      {"lwsruri.dat", ErrorKind::kMalformedUri, 400},
      {"lwsstart.dat", ErrorKind::kMalformedStartLine, 400},
      {"trws.dat", ErrorKind::kMalformedStartLine, 400},
      {"escruri.dat", ErrorKind::kMalformedUri, 400},
      {"baddate.dat", ErrorKind::kMalformedHeader, 400},
      {"regbadct.dat", ErrorKind::kMalformedHeader, 400},
      {"badaspec.dat", ErrorKind::kMalformedUri, 400},
      {"baddn.dat", ErrorKind::kMalformedHeader, 400},
      {"badvers.dat", ErrorKind::kBadVersion, 505},
      {"bigcode.dat", ErrorKind::kMalformedStartLine, 0},
  };
  for (const Case& c : cases) {
    std::string bytes = read_corpus(c.file);
    ASSERT_FALSE(bytes.empty()) << c.file;
    auto r = parse_message(bytes);
    ASSERT_FALSE(r.ok()) << c.file;
    EXPECT_EQ(r.error().kind, c.kind) << c.file << ": " << r.error().reason;
    EXPECT_EQ(r.error().status, c.status) << c.file;
    EXPECT_LT(r.error().offset, bytes.size()) << c.file;
  }
}

TEST(ParseRfc4475, WsinvValues) {
  auto r = parse_message(read_corpus("wsinv.dat"));
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_EQ(r->to()->tag(), "1918181833n");
  EXPECT_EQ(r->from()->tag(), "98asjd8");
  EXPECT_EQ(r->from()->display_name, R"("J Rosenberg \\\"")");
  EXPECT_EQ(r->cseq()->seq, 9u);
  EXPECT_EQ(r->cseq()->method, Method::kInvite);
  EXPECT_EQ(r->max_forwards(), 68u);
  EXPECT_EQ(r->count(HeaderId::kVia), 3u);
  EXPECT_EQ(r->body().size(), 150u);
  EXPECT_EQ(r->request_line().uri.params.raw(), "unknownparam");
  const Field* unusual = r->get("UnknownHeaderWithUnusualValue");
  ASSERT_NE(unusual, nullptr);
  EXPECT_EQ(unusual->value, ";;,,;;,;");
}

TEST(ParseRfc4475, EscapesAndUnusualCharacters) {
  auto esc = parse_message(read_corpus("esc01.dat"));
  ASSERT_TRUE(esc.ok());
  EXPECT_EQ(unescape(esc->to()->uri.user), "user");
  auto null = parse_message(read_corpus("escnull.dat"));
  ASSERT_TRUE(null.ok());
  EXPECT_EQ(unescape(null->to()->uri.user), std::string("null-\0-null", 11));
  auto intmeth = parse_message(read_corpus("intmeth.dat"));
  ASSERT_TRUE(intmeth.ok());
  EXPECT_EQ(intmeth->request_line().method_text, "!interesting-Method0123456789_*+`.%indeed'~");
  EXPECT_EQ(intmeth->cseq()->method_text, intmeth->request_line().method_text);
  auto esc02 = parse_message(read_corpus("esc02.dat"));
  ASSERT_TRUE(esc02.ok());
  EXPECT_EQ(esc02->request_line().method_text, "RE%47IST%45R");
  EXPECT_EQ(esc02->count(HeaderId::kContact), 2u);
  EXPECT_NE(esc02->get("C%6Fntact"), nullptr);
}

TEST(ParseRfc4475, AddrSpecAndUserPartRules) {
  auto semi = parse_message(read_corpus("semiuri.dat"));
  ASSERT_TRUE(semi.ok());
  EXPECT_EQ(semi->request_line().uri.user, "user;par=u%40example.net");
  EXPECT_TRUE(semi->request_line().uri.params.empty());
  EXPECT_EQ(semi->count(HeaderId::kAccept), 6u);
  auto c1 = parse_message(read_corpus("cparam01.dat"));
  ASSERT_TRUE(c1.ok());
  const NameAddr* contact = c1->get(HeaderId::kContact)->as<NameAddr>();
  EXPECT_TRUE(contact->params.has("unknownparam"));
  EXPECT_FALSE(contact->uri.params.has("unknownparam"));
  auto c2 = parse_message(read_corpus("cparam02.dat"));
  ASSERT_TRUE(c2.ok());
  contact = c2->get(HeaderId::kContact)->as<NameAddr>();
  EXPECT_FALSE(contact->params.has("unknownparam"));
  EXPECT_TRUE(contact->uri.params.has("unknownparam"));
  auto regescrt = parse_message(read_corpus("regescrt.dat"));
  ASSERT_TRUE(regescrt.ok());
  EXPECT_EQ(regescrt->get(HeaderId::kContact)->as<NameAddr>()->uri.headers,
            "Route=%3Csip:sip.example.com%3E");
}

TEST(ParseRfc4475, TransportsReasonsAndDatagrams) {
  auto t = parse_message(read_corpus("transports.dat"));
  ASSERT_TRUE(t.ok());
  auto vias = t->get_all(HeaderId::kVia);
  ASSERT_EQ(vias.size(), 5u);
  EXPECT_EQ(vias[1]->as<Via>()->transport, "SCTP");
  EXPECT_EQ(vias[3]->as<Via>()->transport, "UNKNOWN");
  auto unreason = read_corpus("unreason.dat");
  auto u = parse_message(unreason);
  ASSERT_TRUE(u.ok());
  std::string first_line = unreason.substr(0, unreason.find("\r\n"));
  EXPECT_EQ(u->status_line().reason, first_line.substr(12));
  auto noreason = parse_message(read_corpus("noreason.dat"));
  ASSERT_TRUE(noreason.ok());
  EXPECT_EQ(noreason->status_line().reason, "");
  auto dbl = parse_message(read_corpus("dblreq.dat"));
  ASSERT_TRUE(dbl.ok());
  EXPECT_EQ(dbl->request_line().method, Method::kRegister);
  EXPECT_EQ(dbl->body(), "");
  auto badbranch = parse_message(read_corpus("badbranch.dat"));
  ASSERT_TRUE(badbranch.ok());
  EXPECT_EQ(badbranch->top_via()->branch, "z9hG4bK");
  auto mpart = read_corpus("mpart01.dat");
  auto mp = parse_message(mpart);
  ASSERT_TRUE(mp.ok());
  EXPECT_EQ(mp->body(), std::string_view(mpart).substr(mpart.find("\r\n\r\n") + 4));
}

TEST(ParseRfc4475, EveryPrefixOfEveryFileIsSafe) {
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(SIPPET_CORPUS_DIR) + "/rfc4475")) {
    if (entry.path().extension() != ".dat") continue;
    std::string bytes = read_corpus(entry.path().filename().string());
    for (std::size_t n = 0; n <= bytes.size(); n += 7) {
      auto r = parse_message(std::string_view(bytes).substr(0, n));
      if (r.ok()) {
        EXPECT_LE(r->body().size(), n);
      }
    }
  }
}

}  // namespace
}  // namespace sippet::message
