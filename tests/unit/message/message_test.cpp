// The Sippet.Message header API, typed shortcuts, start-line edits and the
// lifetime guarantees of Message (views survive moves, clones are independent).
#include "sippet/message/message.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "../../../src/message/arena.hpp"
#include "sippet/message/parser.hpp"

namespace sippet::message {
namespace {

constexpr std::string_view kInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
    "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1, SIP/2.0/TCP p2.example.com:5061"
    ";branch=z9hG4bKp2\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "X-First: one\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    "x-first: two\r\n"
    "X-Second: three\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

Message parse(std::string_view text) {
  auto r = parse_message(text);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().reason);
  if (!r.ok()) return Message();
  return std::move(r).value();
}

// The header names of every field, in order (canonical for typed ones).
std::vector<std::string> names(const Message& m) {
  std::vector<std::string> out;
  for (const Field& f : m.fields()) {
    out.emplace_back(f.id == HeaderId::kUnknown ? f.name : canonical_name(f.id));
  }
  return out;
}

std::vector<std::string> via_hosts(const Message& m) {
  std::vector<std::string> out;
  for (const Field* f : m.get_all(HeaderId::kVia)) {
    const Via* via = f->as<Via>();
    out.emplace_back(via ? via->host : "?");
  }
  return out;
}

std::size_t index_of(const Message& m, const Field* field) {
  return static_cast<std::size_t>(field - m.fields().data());
}

using Names = std::vector<std::string>;

// ---- get / fetch / get_all / count ----------------------------------------

TEST(MessageGet, ByIdNameAndCompactForm) {
  Message m = parse(kInvite);
  const Field* via = m.get(HeaderId::kVia);
  ASSERT_NE(via, nullptr);
  EXPECT_EQ(m.get("Via"), via);
  EXPECT_EQ(m.get("VIA"), via);
  EXPECT_EQ(m.get("v"), via);
  EXPECT_EQ(m.get("i"), m.get(HeaderId::kCallId));
  EXPECT_EQ(m.get("m"), m.get(HeaderId::kContact));
  EXPECT_EQ(m.get(HeaderId::kSubject), nullptr);
  EXPECT_EQ(m.get("Subject"), nullptr);
  EXPECT_TRUE(m.has(HeaderId::kContact));
  EXPECT_FALSE(m.has(HeaderId::kRoute));
}

TEST(MessageGet, UnknownHeadersByNameCaseInsensitiveInOrder) {
  Message m = parse(kInvite);
  const Field* first = m.get("x-FIRST");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->id, HeaderId::kUnknown);
  EXPECT_EQ(first->name, "X-First");
  EXPECT_EQ(first->value, "one");
  auto all = m.get_all("X-First");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]->value, "one");
  EXPECT_EQ(all[1]->value, "two");
  EXPECT_EQ(all[1]->name, "x-first");
  EXPECT_EQ(m.get_all("X-Second").size(), 1u);
  EXPECT_TRUE(m.get_all("X-Third").empty());
}

TEST(MessageGet, ListValuesAreSeparateFields) {
  Message m = parse(kInvite);
  EXPECT_EQ(m.count(HeaderId::kVia), 3u);
  EXPECT_EQ(via_hosts(m), (Names{"pc33.atlanta.example.com", "p1.example.com", "p2.example.com"}));
  EXPECT_EQ(m.get_all("v").size(), 3u);
  EXPECT_EQ(m.count(HeaderId::kRoute), 0u);
}

TEST(MessageGet, FetchNamesTheMissingHeader) {
  Message m = parse(kInvite);
  auto cseq = m.fetch(HeaderId::kCSeq);
  ASSERT_TRUE(cseq.ok());
  EXPECT_EQ(*cseq, m.get(HeaderId::kCSeq));
  auto subject = m.fetch(HeaderId::kSubject);
  ASSERT_FALSE(subject.ok());
  EXPECT_EQ(subject.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(subject.error().reason.find("Subject"), std::string::npos) << subject.error().reason;
}

// ---- put ---------------------------------------------------------------------

TEST(MessagePut, SingleValueReplacedInPlace) {
  Message m = parse(kInvite);
  std::size_t at = index_of(m, m.get(HeaderId::kMaxForwards));
  ASSERT_TRUE(m.put(HeaderId::kMaxForwards, "10").ok());
  EXPECT_EQ(m.max_forwards(), 10u);
  EXPECT_EQ(m.count(HeaderId::kMaxForwards), 1u);
  EXPECT_EQ(index_of(m, m.get(HeaderId::kMaxForwards)), at);
  EXPECT_EQ(m.fields().size(), 13u);
}

TEST(MessagePut, ListReplacesAllValuesAtTheFirstPlace) {
  Message m = parse(kInvite);
  ASSERT_TRUE(m.put(HeaderId::kVia,
                    "SIP/2.0/TCP a.example.com;branch=z9hG4bKa, "
                    "SIP/2.0/TCP b.example.com;branch=z9hG4bKb")
                  .ok());
  EXPECT_EQ(via_hosts(m), (Names{"a.example.com", "b.example.com"}));
  EXPECT_EQ(index_of(m, m.get(HeaderId::kVia)), 0u);
  EXPECT_EQ(names(m), (Names{"Via", "Via", "Max-Forwards", "To", "From", "Call-ID", "CSeq",
                             "X-First", "Contact", "x-first", "X-Second", "Content-Length"}));
  EXPECT_EQ(m.top_via()->transport, "TCP");
  EXPECT_EQ(m.top_via()->branch, "z9hG4bKa");
}

TEST(MessagePut, AbsentHeaderIsAppended) {
  Message m = parse(kInvite);
  ASSERT_TRUE(m.put(HeaderId::kSubject, "lunch?").ok());
  ASSERT_FALSE(m.fields().empty());
  EXPECT_EQ(m.fields().back().id, HeaderId::kSubject);
  EXPECT_EQ(m.fields().back().value, "lunch?");
  ASSERT_NE(m.fields().back().as<Text>(), nullptr);
  EXPECT_EQ(m.fields().back().as<Text>()->text, "lunch?");
}

TEST(MessagePut, UnknownByNameReplacesEverySpellingAtTheFirstPlace) {
  Message m = parse(kInvite);
  ASSERT_TRUE(m.put("x-first", "new").ok());
  auto all = m.get_all("X-First");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]->value, "new");
  EXPECT_EQ(all[0]->id, HeaderId::kUnknown);
  EXPECT_EQ(names(m), (Names{"Via", "Via", "Via", "Max-Forwards", "To", "From", "Call-ID", "CSeq",
                             "x-first", "Contact", "X-Second", "Content-Length"}));
}

TEST(MessagePut, ByNameOfTypedAndCompactHeader) {
  Message m = parse(kInvite);
  ASSERT_TRUE(m.put("m", "<sip:carol@chicago.example.com>").ok());
  ASSERT_EQ(m.count(HeaderId::kContact), 1u);
  const NameAddr* contact = m.get(HeaderId::kContact)->as<NameAddr>();
  ASSERT_NE(contact, nullptr);
  EXPECT_EQ(contact->uri.user, "carol");
  ASSERT_TRUE(m.put("v", "SIP/2.0/UDP only.example.com;branch=z9hG4bKonly").ok());
  EXPECT_EQ(via_hosts(m), (Names{"only.example.com"}));
  ASSERT_TRUE(m.put("call-id", "abc@def").ok());
  EXPECT_EQ(m.call_id(), "abc@def");
}

TEST(MessagePut, NewUnknownHeaderKeepsItsName) {
  Message m = parse(kInvite);
  ASSERT_TRUE(m.put("P-Custom", "a, b").ok());
  auto all = m.get_all("p-custom");
  ASSERT_EQ(all.size(), 1u);  // unknown headers are opaque: one value
  EXPECT_EQ(all[0]->name, "P-Custom");
  EXPECT_EQ(all[0]->value, "a, b");
}

TEST(MessagePut, BadValueIsRefusedAndLeavesTheMessageAlone) {
  Message m = parse(kInvite);
  const std::string before = m.to_string();
  EXPECT_FALSE(m.put(HeaderId::kCSeq, "not a cseq").ok());
  EXPECT_FALSE(m.put(HeaderId::kMaxForwards, "many").ok());
  EXPECT_FALSE(m.put(HeaderId::kVia, "SIP/2.0/UDP h\r\nInjected: 1").ok());
  EXPECT_FALSE(m.put("X-Bad", "a\r\nInjected: 1").ok());
  EXPECT_FALSE(m.put("Bad Name", "x").ok());
  EXPECT_FALSE(m.put("X-Colon:", "x").ok());
  EXPECT_EQ(m.to_string(), before);
}

TEST(MessagePut, FoldedValueIsAccepted) {
  Message m = parse(kInvite);
  ASSERT_TRUE(m.put(HeaderId::kSubject, "first\r\n second").ok());
  EXPECT_NE(m.to_string().find("Subject: first second\r\n"), std::string::npos) << m.to_string();
}

TEST(MessagePutNew, OnlyWhenAbsent) {
  Message m = parse(kInvite);
  auto r = m.put_new(HeaderId::kMaxForwards, "1");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_EQ(m.max_forwards(), 70u);
  auto s = m.put_new(HeaderId::kExpires, "300");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(*s);
  ASSERT_NE(m.get(HeaderId::kExpires), nullptr);
  ASSERT_NE(m.get(HeaderId::kExpires)->as<Integer>(), nullptr);
  EXPECT_EQ(m.get(HeaderId::kExpires)->as<Integer>()->value, 300u);
  EXPECT_FALSE(m.put_new(HeaderId::kAccept, "not/a/type/").ok());
}

// ---- put_front / put_back ------------------------------------------------------

TEST(MessagePutFront, ViaGoesOnTop) {
  Message m = parse(kInvite);
  ASSERT_TRUE(m.put_front(HeaderId::kVia, "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKnew").ok());
  EXPECT_EQ(via_hosts(m), (Names{"proxy.example.com", "pc33.atlanta.example.com", "p1.example.com",
                                 "p2.example.com"}));
  EXPECT_EQ(index_of(m, m.get(HeaderId::kVia)), 0u);
  EXPECT_EQ(m.top_via()->branch, "z9hG4bKnew");
}

TEST(MessagePutFront, ListOfValuesKeepsItsOrder) {
  Message m = parse(kInvite);
  ASSERT_TRUE(
      m.put_front(HeaderId::kVia, "SIP/2.0/UDP a;branch=z9hG4bKa, SIP/2.0/UDP b;branch=z9hG4bKb")
          .ok());
  EXPECT_EQ(via_hosts(m),
            (Names{"a", "b", "pc33.atlanta.example.com", "p1.example.com", "p2.example.com"}));
}

TEST(MessagePutFront, RouteAbsentIsAdded) {
  Message m = parse(kInvite);
  ASSERT_TRUE(m.put_front(HeaderId::kRoute, "<sip:p1.example.com;lr>").ok());
  ASSERT_TRUE(m.put_front(HeaderId::kRoute, "<sip:p0.example.com;lr>").ok());
  auto routes = m.get_all(HeaderId::kRoute);
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0]->as<NameAddr>()->uri.host, "p0.example.com");
  EXPECT_EQ(routes[1]->as<NameAddr>()->uri.host, "p1.example.com");
  EXPECT_TRUE(routes[0]->as<NameAddr>()->uri.params.has("lr"));
}

TEST(MessagePutBack, AfterTheLastValue) {
  Message m = parse(kInvite);
  ASSERT_TRUE(m.put_back(HeaderId::kVia, "SIP/2.0/UDP last.example.com;branch=z9hG4bKz").ok());
  EXPECT_EQ(via_hosts(m), (Names{"pc33.atlanta.example.com", "p1.example.com", "p2.example.com",
                                 "last.example.com"}));
  EXPECT_EQ(m.fields()[3].id, HeaderId::kVia);
  EXPECT_EQ(m.fields()[4].id, HeaderId::kMaxForwards);
  ASSERT_TRUE(m.put_back(HeaderId::kRecordRoute, "<sip:rr.example.com;lr>").ok());
  EXPECT_EQ(m.fields().back().id, HeaderId::kRecordRoute);
}

TEST(MessagePutFrontBack, RefuseBadValues) {
  Message m = parse(kInvite);
  EXPECT_FALSE(m.put_front(HeaderId::kVia, "garbage").ok());
  EXPECT_FALSE(m.put_back(HeaderId::kVia, "garbage").ok());
  EXPECT_EQ(m.count(HeaderId::kVia), 3u);
}

// ---- erase / pop_front / update ------------------------------------------------

TEST(MessageErase, ReturnsHowManyWereRemoved) {
  Message m = parse(kInvite);
  EXPECT_EQ(m.erase(HeaderId::kVia), 3u);
  EXPECT_EQ(m.top_via(), nullptr);
  EXPECT_EQ(m.erase(HeaderId::kVia), 0u);
  EXPECT_EQ(m.erase("X-FIRST"), 2u);
  EXPECT_EQ(m.erase("x-nothing"), 0u);
  EXPECT_EQ(m.erase("i"), 1u);
  EXPECT_EQ(m.call_id(), "");
  EXPECT_EQ(names(m),
            (Names{"Max-Forwards", "To", "From", "CSeq", "Contact", "X-Second", "Content-Length"}));
}

TEST(MessagePopFront, RemovesTheTopValueOnly) {
  Message m = parse(kInvite);
  EXPECT_TRUE(m.pop_front(HeaderId::kVia));
  EXPECT_EQ(via_hosts(m), (Names{"p1.example.com", "p2.example.com"}));
  EXPECT_TRUE(m.pop_front(HeaderId::kVia));
  EXPECT_TRUE(m.pop_front(HeaderId::kVia));
  EXPECT_FALSE(m.pop_front(HeaderId::kVia));
  EXPECT_FALSE(m.pop_front(HeaderId::kSubject));
  EXPECT_EQ(m.fields().size(), 10u);
}

TEST(MessageUpdate, ReplacesTheFirstValueWithFnOfIt) {
  Message m = parse(kInvite);
  std::string seen;
  auto r = m.update(HeaderId::kCSeq, [&](std::string_view old) {
    seen = std::string(old);
    return std::string("314160 INVITE");
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(seen, "314159 INVITE");
  ASSERT_NE(m.cseq(), nullptr);
  EXPECT_EQ(m.cseq()->seq, 314160u);
  EXPECT_EQ(m.cseq()->method, Method::kInvite);

  // Only the top Via changes.
  ASSERT_TRUE(m.update(HeaderId::kVia, [](std::string_view old) {
                 return std::string(old) + ";received=192.0.2.7";
               }).ok());
  EXPECT_EQ(m.count(HeaderId::kVia), 3u);
  EXPECT_EQ(m.top_via()->params.get("received"), "192.0.2.7");
  EXPECT_FALSE(m.get_all(HeaderId::kVia)[1]->as<Via>()->params.has("received"));
}

TEST(MessageUpdate, AbsentOrBadResultIsAnError) {
  Message m = parse(kInvite);
  auto absent = m.update(HeaderId::kSubject, [](std::string_view) { return std::string("x"); });
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error().kind, ErrorKind::kNotFound);
  auto bad = m.update(HeaderId::kCSeq, [](std::string_view) { return std::string("x y z"); });
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(m.cseq()->seq, 314159u);
}

// ---- set_param -----------------------------------------------------------------

TEST(MessageSetParam, AddsReceivedAndRportToTheTopVia) {
  Message m = parse(kInvite);
  ASSERT_TRUE(m.set_param(HeaderId::kVia, "received", "192.0.2.1").ok());
  ASSERT_TRUE(m.set_param(HeaderId::kVia, "rport", "5062").ok());
  const Via* via = m.top_via();
  ASSERT_NE(via, nullptr);
  EXPECT_EQ(via->host, "pc33.atlanta.example.com");
  EXPECT_EQ(via->branch, "z9hG4bK776asdhds");
  EXPECT_EQ(via->params.get("received"), "192.0.2.1");
  EXPECT_EQ(via->params.get("rport"), "5062");
  EXPECT_EQ(via->params.size(), 3u);
  EXPECT_EQ(m.count(HeaderId::kVia), 3u);
  EXPECT_EQ(index_of(m, m.get(HeaderId::kVia)), 0u);
}

TEST(MessageSetParam, ReplacesAnExistingParam) {
  Message m = parse(kInvite);
  ASSERT_TRUE(m.set_param(HeaderId::kVia, "rport", std::nullopt).ok());
  EXPECT_EQ(m.top_via()->params.get("rport"), "");
  ASSERT_TRUE(m.set_param(HeaderId::kVia, "RPORT", "5060").ok());
  EXPECT_EQ(m.top_via()->params.size(), 2u);
  EXPECT_EQ(m.top_via()->params.get("rport"), "5060");
  ASSERT_TRUE(m.set_param(HeaderId::kFrom, "tag", "newtag").ok());
  EXPECT_EQ(m.from()->tag(), "newtag");
  EXPECT_EQ(m.from()->params.size(), 1u);
  EXPECT_EQ(m.from()->display_name, "Alice");
  EXPECT_EQ(m.from()->uri.user, "alice");
}

TEST(MessageSetParam, BranchReplacedKeepsOtherParams) {
  Message m = parse(
      "OPTIONS sip:a@b SIP/2.0\r\n"
      "Via: SIP/2.0/UDP h;rport ; branch=z9hG4bKold ;x=1\r\n"
      "Content-Length: 0\r\n\r\n");
  ASSERT_TRUE(m.set_param(HeaderId::kVia, "branch", "z9hG4bKnew").ok());
  EXPECT_EQ(m.top_via()->branch, "z9hG4bKnew");
  EXPECT_TRUE(m.top_via()->params.has("rport"));
  EXPECT_EQ(m.top_via()->params.get("x"), "1");
  EXPECT_EQ(m.top_via()->params.size(), 3u);
}

TEST(MessageSetParam, AddsTheToTagAndTargetsTheIndexthValue) {
  Message m = parse(kInvite);
  ASSERT_TRUE(m.set_param(HeaderId::kTo, "tag", "a6c85cf").ok());
  EXPECT_EQ(m.to()->tag(), "a6c85cf");
  EXPECT_TRUE(m.to()->angle_brackets);
  ASSERT_TRUE(m.set_param(HeaderId::kVia, "received", "10.0.0.2", 2).ok());
  auto vias = m.get_all(HeaderId::kVia);
  EXPECT_FALSE(vias[0]->as<Via>()->params.has("received"));
  EXPECT_FALSE(vias[1]->as<Via>()->params.has("received"));
  EXPECT_EQ(vias[2]->as<Via>()->params.get("received"), "10.0.0.2");
  EXPECT_EQ(vias[2]->as<Via>()->port, 5061);
}

TEST(MessageSetParam, AuthParamsUseCommas) {
  Message m = parse(
      "REGISTER sip:example.com SIP/2.0\r\n"
      "Authorization: Digest username=\"bob\", realm=\"example.com\"\r\n"
      "Content-Length: 0\r\n\r\n");
  ASSERT_TRUE(m.set_param(HeaderId::kAuthorization, "nonce", "\"abc\"").ok());
  const Auth* auth = m.get(HeaderId::kAuthorization)->as<Auth>();
  ASSERT_NE(auth, nullptr);
  EXPECT_EQ(auth->scheme, "Digest");
  EXPECT_EQ(auth->params.get("nonce"), "\"abc\"");
  EXPECT_EQ(auth->params.get("realm"), "\"example.com\"");
  ASSERT_TRUE(m.set_param(HeaderId::kAuthorization, "username", "\"alice\"").ok());
  auth = m.get(HeaderId::kAuthorization)->as<Auth>();
  EXPECT_EQ(auth->scheme, "Digest");
  EXPECT_EQ(auth->params.get("username"), "\"alice\"");
  EXPECT_EQ(auth->params.size(), 3u);
}

TEST(MessageSetParam, Errors) {
  Message m = parse(kInvite);
  auto no_params = m.set_param(HeaderId::kCallId, "x", "1");
  ASSERT_FALSE(no_params.ok());
  EXPECT_EQ(no_params.error().kind, ErrorKind::kInvalidArgument);
  auto out_of_range = m.set_param(HeaderId::kVia, "x", "1", 3);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_EQ(out_of_range.error().kind, ErrorKind::kNotFound);
  EXPECT_FALSE(m.set_param(HeaderId::kRoute, "lr", std::nullopt).ok());
  EXPECT_FALSE(m.set_param(HeaderId::kVia, "x", "a b").ok());  // not a token
  EXPECT_EQ(m.top_via()->params.size(), 1u);
}

// ---- typed shortcuts and start line -----------------------------------------

TEST(MessageShortcuts, TypedValues) {
  Message m = parse(kInvite);
  EXPECT_TRUE(m.is_request());
  EXPECT_EQ(m.method(), Method::kInvite);
  EXPECT_EQ(m.method_text(), "INVITE");
  EXPECT_EQ(m.status_code(), 0);
  ASSERT_NE(m.top_via(), nullptr);
  EXPECT_EQ(m.top_via()->host, "pc33.atlanta.example.com");
  EXPECT_FALSE(m.top_via()->has_port);
  ASSERT_NE(m.from(), nullptr);
  EXPECT_EQ(m.from()->tag(), "1928301774");
  ASSERT_NE(m.to(), nullptr);
  EXPECT_EQ(m.to()->tag(), "");
  EXPECT_EQ(m.to()->uri.host, "biloxi.example.com");
  EXPECT_EQ(m.call_id(), "a84b4c76e66710@pc33.atlanta.example.com");
  ASSERT_NE(m.cseq(), nullptr);
  EXPECT_EQ(m.cseq()->seq, 314159u);
  EXPECT_EQ(m.cseq()->method_text, "INVITE");
  EXPECT_EQ(m.max_forwards(), 70u);
  EXPECT_EQ(m.content_length(), 0u);
}

TEST(MessageShortcuts, AbsentHeaders) {
  Message m = parse("OPTIONS sip:a@b SIP/2.0\r\n\r\n");
  EXPECT_EQ(m.top_via(), nullptr);
  EXPECT_EQ(m.from(), nullptr);
  EXPECT_EQ(m.to(), nullptr);
  EXPECT_EQ(m.call_id(), "");
  EXPECT_EQ(m.cseq(), nullptr);
  EXPECT_FALSE(m.max_forwards().has_value());
  EXPECT_FALSE(m.content_length().has_value());
}

TEST(MessageShortcuts, ResponseMethodIsTheCSeqMethod) {
  Message m = parse(
      "SIP/2.0 180 Ringing\r\n"
      "CSeq: 7 BYE\r\n"
      "Content-Length: 0\r\n\r\n");
  EXPECT_TRUE(m.is_response());
  EXPECT_EQ(m.status_code(), 180);
  EXPECT_EQ(m.status_line().reason, "Ringing");
  EXPECT_EQ(m.method(), Method::kBye);
  EXPECT_EQ(m.method_text(), "BYE");
}

TEST(MessageStartLine, SetRequestUri) {
  Message m = parse(kInvite);
  ASSERT_TRUE(m.set_request_uri("sips:carol@chicago.example.com:5061;transport=tcp").ok());
  EXPECT_EQ(m.request_line().uri.scheme, UriScheme::kSips);
  EXPECT_EQ(m.request_line().uri.user, "carol");
  EXPECT_EQ(m.request_line().uri.port, 5061);
  EXPECT_EQ(m.to_string().rfind(
                "INVITE sips:carol@chicago.example.com:5061;transport=tcp SIP/2.0\r\n", 0),
            0u);
  EXPECT_FALSE(m.set_request_uri("sip:").ok());
  EXPECT_EQ(m.request_line().uri.user, "carol");
}

TEST(MessageStartLine, SetStatus) {
  Message m = parse("SIP/2.0 180 Ringing\r\nContent-Length: 0\r\n\r\n");
  m.set_status(486, "Busy Here");
  EXPECT_EQ(m.status_code(), 486);
  EXPECT_EQ(m.status_line().reason, "Busy Here");
  EXPECT_EQ(m.to_string().rfind("SIP/2.0 486 Busy Here\r\n", 0), 0u);
}

TEST(MessageBody, SetBodyRewritesContentLength) {
  Message m = parse(kInvite);
  m.set_body("v=0\r\n");
  EXPECT_EQ(m.body(), "v=0\r\n");
  EXPECT_EQ(m.content_length(), 5u);
  EXPECT_EQ(m.count(HeaderId::kContentLength), 1u);
  m.set_body("");
  EXPECT_EQ(m.content_length(), 0u);
}

// ---- lifetime ------------------------------------------------------------------

TEST(MessageLifetime, MovesKeepViewsValid) {
  std::vector<Message> messages;
  for (int i = 0; i < 20; ++i) {
    Message m = parse(kInvite);
    ASSERT_TRUE(m.set_param(HeaderId::kVia, "received", "192.0.2." + std::to_string(i)).ok());
    ASSERT_TRUE(m.put("X-Index", std::to_string(i)).ok());
    messages.push_back(std::move(m));  // the vector reallocates: more moves
  }
  for (int i = 0; i < 20; ++i) {
    Message moved = std::move(messages[static_cast<std::size_t>(i)]);
    EXPECT_EQ(moved.top_via()->params.get("received"), "192.0.2." + std::to_string(i));
    EXPECT_EQ(moved.get("x-index")->value, std::to_string(i));
    EXPECT_EQ(moved.call_id(), "a84b4c76e66710@pc33.atlanta.example.com");
    EXPECT_EQ(moved.request_line().uri.host, "biloxi.example.com");
  }
}

TEST(MessageLifetime, MoveAssignmentAndMovedFromEdits) {
  Message a = parse(kInvite);
  ASSERT_TRUE(a.put("X-A", "first").ok());  // a has copied text of its own
  Message b = parse(kInvite);
  ASSERT_TRUE(b.put("X-B", "second").ok());
  a = std::move(b);  // a's own copies go, b's stay valid in a
  EXPECT_EQ(a.get("x-b")->value, "second");
  EXPECT_EQ(a.get("x-a"), nullptr);
  // The moved-from message copies new text into storage of its own.
  ASSERT_TRUE(b.put("X-C", "third").ok());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(b.get("x-c")->value, "third");
  EXPECT_EQ(a.get("x-c"), nullptr);
  // A long value: more than the first chunk of the arena.
  const std::string long_value(5000, 'v');
  ASSERT_TRUE(a.put("X-Long", long_value).ok());
  Message c = std::move(a);
  EXPECT_EQ(c.get("x-long")->value, long_value);
  EXPECT_EQ(c.get("x-b")->value, "second");
}

TEST(MessageLifetime, CloneIsIndependent) {
  auto original = std::make_unique<Message>(parse(kInvite));
  ASSERT_TRUE(original->put(HeaderId::kSubject, "edited").ok());
  original->set_body("hello");
  Message copy = original->clone();
  const std::string text = original->to_string();
  ASSERT_TRUE(original->put(HeaderId::kSubject, "changed after the clone").ok());
  original.reset();
  EXPECT_EQ(copy.to_string(), text);
  EXPECT_EQ(copy.get(HeaderId::kSubject)->value, "edited");
  EXPECT_EQ(copy.body(), "hello");
  EXPECT_EQ(copy.count(HeaderId::kVia), 3u);
}

TEST(MessageArena, InternCopiesAndNeverMoves) {
  std::unique_ptr<detail::Arena, detail::ArenaRelease> owned(detail::Arena::create());
  detail::Arena& arena = *owned;
  std::vector<std::string_view> views;
  std::vector<std::string> texts;
  for (int i = 0; i < 500; ++i) {
    texts.push_back(
        std::string(static_cast<std::size_t>(i % 97) * 7 + 1, static_cast<char>('a' + i % 26)));
  }
  texts.push_back(std::string(100000, 'z'));  // larger than a chunk
  for (const std::string& t : texts)
    views.push_back(arena.intern(t));
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(views[i], texts[i]);
    EXPECT_NE(views[i].data(), texts[i].data());
  }
}

}  // namespace
}  // namespace sippet::message
