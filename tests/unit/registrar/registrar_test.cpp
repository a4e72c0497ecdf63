// REGISTER processing, RFC 3261 §10.3 step by step, on a clock the test
// moves (the time is an argument) and bindings in memory.
#include "sippet/registrar/registrar.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "sippet/message/parser.hpp"

namespace sippet::registrar {
namespace {

using message::HeaderId;
using message::Message;

constexpr UnixSeconds kT0 = 1'800'000'000;  // Fri, 15 Jan 2027 08:00:00 GMT

// A REGISTER for alice@example.com; `extra` is more header lines, each ending in CRLF.
std::string register_text(const std::string& extra, std::uint32_t cseq = 1,
                          const std::string& call_id = "call-1",
                          const std::string& to = "<sip:alice@example.com>") {
  return "REGISTER sip:example.com SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK" +
         std::to_string(cseq) +
         "\r\n"
         "Max-Forwards: 70\r\n"
         "To: " +
         to +
         "\r\n"
         "From: <sip:alice@example.com>;tag=f1\r\n"
         "Call-ID: " +
         call_id +
         "\r\n"
         "CSeq: " +
         std::to_string(cseq) + " REGISTER\r\n" + extra + "Content-Length: 0\r\n\r\n";
}

Message parse(const std::string& text) {
  auto m = message::parse_message(text);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().reason);
  return std::move(*m);
}

transport::Flow udp_flow() {
  transport::Flow flow;
  flow.local = *transport::Endpoint::from_ip("192.0.2.1", 5060);
  flow.remote = *transport::Endpoint::from_ip("198.51.100.7", 40000);
  return flow;
}

class RegistrarTest : public ::testing::Test {
 protected:
  RegistrarTest() : storage_(make_memory_storage()) {}

  Registrar& registrar() {
    if (!registrar_) registrar_.emplace(*storage_, options_);
    return *registrar_;
  }
  Message handle(const std::string& text, UnixSeconds now = kT0) {
    Outcome outcome = registrar().handle(parse(text), udp_flow(), now);
    EXPECT_FALSE(outcome.proxy);
    EXPECT_TRUE(outcome.response.has_value());
    return std::move(*outcome.response);
  }
  std::vector<Binding> bindings(UnixSeconds now = kT0) {
    auto r = registrar().lookup("sip:alice@example.com", now);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::vector<Binding>{};
  }
  static std::vector<std::string> contacts(const Message& response) {
    std::vector<std::string> out;
    for (const auto* f : response.get_all(HeaderId::kContact))
      out.emplace_back(f->value);
    return out;
  }

  RegistrarOptions options_;
  std::unique_ptr<Storage> storage_;
  std::optional<Registrar> registrar_;
};

TEST_F(RegistrarTest, AddsABindingAndListsItWithExpiresAndDate) {
  Message r =
      handle(register_text("Contact: <sip:alice@192.0.2.10:5060>;q=0.7\r\nExpires: 600\r\n"));
  EXPECT_EQ(r.status_code(), 200);
  EXPECT_EQ(contacts(r), std::vector<std::string>{"<sip:alice@192.0.2.10:5060>;q=0.7;expires=600"});
  ASSERT_NE(r.get(HeaderId::kDate), nullptr);
  EXPECT_EQ(r.get(HeaderId::kDate)->value, "Fri, 15 Jan 2027 08:00:00 GMT");
  auto b = bindings();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].aor, "sip:alice@example.com");
  EXPECT_EQ(b[0].q, 700);
  EXPECT_EQ(b[0].expires_at, kT0 + 600);
  EXPECT_EQ(b[0].flow, udp_flow());
}

TEST_F(RegistrarTest, QueryWithoutContactListsRemainingTime) {
  (void)handle(register_text("Contact: <sip:alice@192.0.2.10>\r\nExpires: 600\r\n"));
  Message r = handle(register_text("", 2), kT0 + 100);
  EXPECT_EQ(r.status_code(), 200);
  EXPECT_EQ(contacts(r), std::vector<std::string>{"<sip:alice@192.0.2.10>;expires=500"});
  EXPECT_EQ(r.get(HeaderId::kDate)->value, "Fri, 15 Jan 2027 08:01:40 GMT");
}

TEST_F(RegistrarTest, ExpiryFromParamThenHeaderThenDefault) {
  options_.default_expires = 1800;
  Message r = handle(register_text(
      "Contact: <sip:a@192.0.2.10>;expires=120, <sip:b@192.0.2.10>\r\nExpires: 300\r\n"));
  EXPECT_EQ(contacts(r), (std::vector<std::string>{"<sip:a@192.0.2.10>;expires=120",
                                                   "<sip:b@192.0.2.10>;expires=300"}));
  r = handle(register_text("Contact: <sip:c@192.0.2.10>\r\n", 2));
  EXPECT_EQ(contacts(r).back(), "<sip:c@192.0.2.10>;expires=1800");
}

TEST_F(RegistrarTest, RefreshUpdatesTheSameContactByUriEquality) {
  (void)handle(register_text("Contact: <sip:alice@192.0.2.10>\r\nExpires: 600\r\n"));
  // §19.1.4: host case-insensitive, so this is the same contact.
  Message r =
      handle(register_text("Contact: <sip:alice@192.0.2.10>\r\nExpires: 900\r\n", 2), kT0 + 500);
  EXPECT_EQ(r.status_code(), 200);
  auto b = bindings(kT0 + 500);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].expires_at, kT0 + 500 + 900);
  EXPECT_EQ(b[0].cseq, 2u);
}

TEST_F(RegistrarTest, RemovesWithExpiresZero) {
  (void)handle(register_text("Contact: <sip:a@192.0.2.10>, <sip:b@192.0.2.10>\r\n"));
  Message r = handle(register_text("Contact: <sip:a@192.0.2.10>;expires=0\r\n", 2));
  EXPECT_EQ(r.status_code(), 200);
  EXPECT_EQ(contacts(r), std::vector<std::string>{"<sip:b@192.0.2.10>;expires=3600"});
}

TEST_F(RegistrarTest, StarWithExpiresZeroRemovesAll) {
  (void)handle(register_text("Contact: <sip:a@192.0.2.10>, <sip:b@192.0.2.10>\r\n"));
  Message r = handle(register_text("Contact: *\r\nExpires: 0\r\n", 2));
  EXPECT_EQ(r.status_code(), 200);
  EXPECT_TRUE(contacts(r).empty());
  EXPECT_TRUE(bindings().empty());
}

TEST_F(RegistrarTest, StarMisusedIs400AndChangesNothing) {
  (void)handle(register_text("Contact: <sip:a@192.0.2.10>\r\n"));
  EXPECT_EQ(handle(register_text("Contact: *\r\n", 2)).status_code(), 400);
  EXPECT_EQ(handle(register_text("Contact: *\r\nExpires: 30\r\n", 3)).status_code(), 400);
  EXPECT_EQ(
      handle(register_text("Contact: *\r\nContact: <sip:b@h>\r\nExpires: 0\r\n", 4)).status_code(),
      400);
  EXPECT_EQ(bindings().size(), 1u);
}

TEST_F(RegistrarTest, MinExpiresIs423WithMinExpiresHeader) {
  options_.min_expires = 300;
  Message r = handle(register_text("Contact: <sip:a@192.0.2.10>;expires=299\r\n"));
  EXPECT_EQ(r.status_code(), 423);
  ASSERT_NE(r.get(HeaderId::kMinExpires), nullptr);
  EXPECT_EQ(r.get(HeaderId::kMinExpires)->value, "300");
  EXPECT_TRUE(bindings().empty());
  // 0 is a removal, never too brief.
  EXPECT_EQ(handle(register_text("Contact: <sip:a@192.0.2.10>;expires=0\r\n", 2)).status_code(),
            200);
}

TEST_F(RegistrarTest, MaxExpiresClamps) {
  options_.max_expires = 7200;
  Message r = handle(register_text("Contact: <sip:a@192.0.2.10>;expires=4294967295\r\n"));
  EXPECT_EQ(r.status_code(), 200);
  EXPECT_EQ(contacts(r), std::vector<std::string>{"<sip:a@192.0.2.10>;expires=7200"});
}

TEST_F(RegistrarTest, ExpiresOf2To32Is400) {
  // In a Contact param the registrar rejects it; in the Expires header the parser does.
  EXPECT_EQ(
      handle(register_text("Contact: <sip:a@192.0.2.10>;expires=4294967296\r\n")).status_code(),
      400);
  auto parsed = message::parse_message(
      register_text("Contact: <sip:a@192.0.2.10>\r\nExpires: 4294967296\r\n"));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().status, 400);
  EXPECT_TRUE(bindings().empty());
}

TEST_F(RegistrarTest, MalformedContactOrExpiresIs400) {
  EXPECT_EQ(handle(register_text("Contact: <sip:a@192.0.2.10>;expires=soon\r\n")).status_code(),
            400);
  EXPECT_EQ(handle(register_text("Contact: <sip:a@192.0.2.10>;q=1.5\r\n")).status_code(), 400);
  EXPECT_EQ(handle(register_text("Contact: <sip:a@192.0.2.10>;expires=-1\r\n")).status_code(), 400);
  for (const char* bad : {"Contact: <sip:a@192.0.2.10\r\n", "Expires: ten\r\n"}) {
    auto parsed = message::parse_message(register_text(bad));
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().status, 400);
  }
  EXPECT_TRUE(bindings().empty());
}

TEST_F(RegistrarTest, TelToIs404) {
  Message r = handle(register_text("Contact: <sip:a@192.0.2.10>\r\n", 1, "c", "<tel:+15551234>"));
  EXPECT_EQ(r.status_code(), 404);
  auto all = storage_->all();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_F(RegistrarTest, AorIsCanonical) {
  (void)handle(register_text("Contact: <sip:a@192.0.2.10>\r\n", 1, "c",
                             "\"Alice\" <sip:%61lice@EXAMPLE.com:5070;user=phone>"));
  EXPECT_EQ(bindings().size(), 1u);
  auto uri = message::parse_uri("sips:Bob@Example.ORG;transport=tcp");
  ASSERT_TRUE(uri.ok());
  EXPECT_EQ(*canonical_aor(*uri), "sips:Bob@example.org");
}

TEST_F(RegistrarTest, DomainCheck) {
  options_.domains = {"Example.COM"};
  EXPECT_EQ(handle(register_text("Contact: <sip:a@192.0.2.10>\r\n")).status_code(), 200);
  std::string other = register_text("Contact: <sip:a@192.0.2.10>\r\n", 2);
  other.replace(other.find("sip:example.com SIP"), 15, "sip:example.net");
  EXPECT_EQ(handle(other).status_code(), 403);
  // An address of record of another domain through our Request-URI: 404.
  EXPECT_EQ(handle(register_text("Contact: <sip:a@h>\r\n", 3, "c", "<sip:bob@example.net>"))
                .status_code(),
            404);
  RegistrarOptions proxying = options_;
  proxying.proxy_other_domains = true;
  Registrar forwarding(*storage_, proxying);
  Outcome outcome = forwarding.handle(parse(other), udp_flow(), kT0);
  EXPECT_TRUE(outcome.proxy);
  EXPECT_FALSE(outcome.response.has_value());
}

TEST_F(RegistrarTest, UnsupportedRequireIs420) {
  Message r = handle(register_text("Require: foo, path\r\nContact: <sip:a@192.0.2.10>\r\n"));
  EXPECT_EQ(r.status_code(), 420);
  ASSERT_NE(r.get(HeaderId::kUnsupported), nullptr);
  EXPECT_EQ(r.get(HeaderId::kUnsupported)->value, "foo");
  EXPECT_TRUE(bindings().empty());
}

TEST_F(RegistrarTest, CallIdCSeqOrdering) {
  (void)handle(register_text("Contact: <sip:a@192.0.2.10>\r\nExpires: 600\r\n", 5));
  // Same Call-ID, CSeq not higher: fails and changes nothing.
  Message r = handle(register_text("Contact: <sip:a@192.0.2.10>;expires=0\r\n", 5), kT0 + 1);
  EXPECT_EQ(r.status_code(), 500);
  r = handle(register_text("Contact: <sip:a@192.0.2.10>\r\nExpires: 900\r\n", 4), kT0 + 1);
  EXPECT_EQ(r.status_code(), 500);
  ASSERT_EQ(bindings().size(), 1u);
  EXPECT_EQ(bindings()[0].expires_at, kT0 + 600);
  // Another Call-ID (the phone restarted) may use any CSeq.
  r = handle(register_text("Contact: <sip:a@192.0.2.10>\r\nExpires: 900\r\n", 1, "call-2"),
             kT0 + 1);
  EXPECT_EQ(r.status_code(), 200);
  EXPECT_EQ(bindings()[0].expires_at, kT0 + 901);
}

TEST_F(RegistrarTest, BindingsExpireOnTheSweep) {
  (void)handle(register_text("Contact: <sip:a@192.0.2.10>;expires=60, <sip:b@192.0.2.10>\r\n"));
  EXPECT_EQ(bindings(kT0 + 59).size(), 2u);
  EXPECT_EQ(bindings(kT0 + 60).size(), 1u);  // lookup filters by time
  auto swept = registrar().sweep(kT0 + 59);
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 0u);
  swept = registrar().sweep(kT0 + 60);
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 1u);
  auto all = storage_->all();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].contact, "sip:b@192.0.2.10");
}

TEST_F(RegistrarTest, QValuesKeptAndLookupOrdersByQ) {
  Message r =
      handle(register_text("Contact: <sip:low@192.0.2.10>;q=0.1, <sip:high@192.0.2.10>;q=1.0, "
                           "<sip:none@192.0.2.10>\r\n"));
  EXPECT_EQ(contacts(r)[1], "<sip:high@192.0.2.10>;q=1.0;expires=3600");
  auto b = bindings();
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].contact, "sip:high@192.0.2.10");
  EXPECT_EQ(b[1].contact, "sip:low@192.0.2.10");
  EXPECT_EQ(b[2].q, -1);
}

TEST_F(RegistrarTest, CapPerAorStoresNothingBeyondIt) {
  options_.max_contacts = 3;
  (void)handle(register_text("Contact: <sip:a@192.0.2.10>, <sip:b@192.0.2.10>\r\n"));
  Message r = handle(register_text("Contact: <sip:c@192.0.2.10>, <sip:d@192.0.2.10>\r\n", 2));
  EXPECT_EQ(r.status_code(), 403);
  EXPECT_EQ(bindings().size(), 2u);
  options_.over_cap_status = 503;
  registrar_.reset();
  r = handle(register_text("Contact: <sip:c@192.0.2.10>, <sip:d@192.0.2.10>\r\n", 3));
  EXPECT_EQ(r.status_code(), 503);
  // Removing one while adding two ends at the cap: accepted.
  r = handle(register_text(
      "Contact: <sip:c@192.0.2.10>, <sip:d@192.0.2.10>, <sip:a@192.0.2.10>;expires=0\r\n", 4));
  EXPECT_EQ(r.status_code(), 200);
  EXPECT_EQ(bindings().size(), 3u);
}

TEST_F(RegistrarTest, TenThousandContactsHitTheCap) {
  std::string list = "Contact: ";
  for (int i = 0; i < 10000; ++i)
    list += (i ? ", <sip:u" : "<sip:u") + std::to_string(i) + "@192.0.2.10>";
  list += "\r\n";
  auto parsed =
      message::parse_message(register_text(list), message::ParseOptions{true, 1 << 20, true});
  ASSERT_TRUE(parsed.ok()) << parsed.error().reason;
  Outcome outcome = registrar().handle(*parsed, udp_flow(), kT0);
  ASSERT_TRUE(outcome.response.has_value());
  EXPECT_EQ(outcome.response->status_code(), 403);
  auto all = storage_->all();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_F(RegistrarTest, OutboundAndPath) {
  // RFC 5626 §6 and RFC 3327 §5.3: instance and reg-id kept, Require:
  // outbound in the 200, the Path stored and echoed when the UA supports it.
  std::string text = register_text(
      "Supported: outbound, path\r\n"
      "Path: <sip:edge.example.com;lr;ob>\r\n"
      "Contact: <sip:alice@10.0.0.5:5060;transport=tcp>;reg-id=1;"
      "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\"\r\n");
  Message r = handle(text);
  ASSERT_EQ(r.status_code(), 200);
  ASSERT_NE(r.get(HeaderId::kRequire), nullptr);
  EXPECT_EQ(r.get(HeaderId::kRequire)->value, "outbound");
  ASSERT_NE(r.get("Path"), nullptr);
  EXPECT_EQ(r.get("Path")->value, "<sip:edge.example.com;lr;ob>");
  auto b = bindings();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].instance, "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>");
  EXPECT_EQ(b[0].reg_id, 1u);
  EXPECT_EQ(b[0].path, std::vector<std::string>{"<sip:edge.example.com;lr;ob>"});
  // The same instance and reg-id from a new address replaces the binding.
  std::string moved = register_text(
      "Supported: outbound, path\r\n"
      "Path: <sip:edge.example.com;lr;ob>\r\n"
      "Contact: <sip:alice@10.0.0.99:5060;transport=tcp>;reg-id=1;"
      "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\"\r\n",
      2);
  EXPECT_EQ(handle(moved).status_code(), 200);
  b = bindings();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].contact, "sip:alice@10.0.0.99:5060;transport=tcp");
}

TEST_F(RegistrarTest, RegIdWithoutSupportedOutboundIsNotOutbound) {
  // RFC 5626 §4.2.1: a UA using outbound says Supported: outbound; a
  // response's Require names only what the request supports (RFC 3261
  // §20.32). Without it the reg-id is ignored and no Require is sent.
  Message r = handle(
      register_text("Contact: <sip:alice@10.0.0.5>;reg-id=1;+sip.instance=\"<urn:uuid:1>\"\r\n"));
  ASSERT_EQ(r.status_code(), 200);
  EXPECT_EQ(r.get(HeaderId::kRequire), nullptr);
  auto b = bindings();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].reg_id, 0u);
  EXPECT_EQ(b[0].instance, "<urn:uuid:1>");
}

TEST_F(RegistrarTest, TwoRegIdsOfOneInstanceAreTwoFlows) {
  // RFC 5626 §6: one instance, two reg-ids: two bindings; a re-REGISTER of
  // one reg-id replaces that one only.
  auto text = [](const char* host, int reg_id, std::uint32_t cseq) {
    return register_text(std::string("Supported: outbound\r\nContact: <sip:alice@") + host +
                             ";ob>;reg-id=" + std::to_string(reg_id) +
                             ";+sip.instance=\"<urn:uuid:1>\"\r\n",
                         cseq);
  };
  EXPECT_EQ(handle(text("10.0.0.5:5060", 1, 1)).status_code(), 200);
  EXPECT_EQ(handle(text("10.0.0.5:5062", 2, 2)).status_code(), 200);
  EXPECT_EQ(bindings().size(), 2u);
  EXPECT_EQ(handle(text("10.0.0.7:5060", 1, 3)).status_code(), 200);
  auto b = bindings();
  ASSERT_EQ(b.size(), 2u);
  std::vector<std::string> contacts{b[0].contact, b[1].contact};
  std::sort(contacts.begin(), contacts.end());
  EXPECT_EQ(contacts,
            (std::vector<std::string>{"sip:alice@10.0.0.5:5062;ob", "sip:alice@10.0.0.7:5060;ob"}));
}

TEST_F(RegistrarTest, OutboundThroughAnEdgeWithoutObIs439) {
  Message r = handle(
      register_text("Supported: outbound\r\nPath: <sip:edge.example.com;lr>\r\n"
                    "Contact: <sip:alice@10.0.0.5>;reg-id=1;+sip.instance=\"<urn:uuid:1>\"\r\n"));
  EXPECT_EQ(r.status_code(), 439);
  EXPECT_TRUE(bindings().empty());
}

TEST_F(RegistrarTest, PathNotEchoedWithoutSupportedPath) {
  Message r =
      handle(register_text("Path: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
                           "Contact: <sip:alice@10.0.0.5>\r\n"));
  EXPECT_EQ(r.status_code(), 200);
  EXPECT_EQ(r.get("Path"), nullptr);
  EXPECT_EQ(bindings()[0].path,
            (std::vector<std::string>{"<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"}));
}

class FailingStorage final : public Storage {
 public:
  message::Result<std::vector<Binding>> lookup(std::string_view) override {
    return std::vector<Binding>{};
  }
  message::Result<void> replace(std::string_view, const std::vector<Binding>&) override {
    return message::Error{message::ErrorKind::kStorageError, 0, 500, "disk I/O error"};
  }
  message::Result<std::size_t> remove_expired(UnixSeconds) override { return std::size_t{0}; }
  message::Result<std::vector<Binding>> all() override { return std::vector<Binding>{}; }
};

TEST(RegistrarStorageError, AnswersServerErrorWithTheReason) {
  FailingStorage storage;
  Registrar registrar(storage, {});
  Outcome outcome =
      registrar.handle(parse(register_text("Contact: <sip:a@192.0.2.10>\r\n")), udp_flow(), kT0);
  ASSERT_TRUE(outcome.response.has_value());
  EXPECT_EQ(outcome.response->status_code(), 500);
  EXPECT_EQ(outcome.error, "disk I/O error");
}

}  // namespace
}  // namespace sippet::registrar
