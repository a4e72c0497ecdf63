// Lazy param lists (§25.1 generic-param, auth-param) and their lookups.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sippet/message/headers.hpp"
#include "sippet/message/params.hpp"

namespace sippet::message {
namespace {

std::vector<std::string> names(const Params& params) {
  std::vector<std::string> out;
  for (const Param& p : params)
    out.emplace_back(p.name);
  return out;
}

TEST(Params, IteratesNamesValuesAndFlags) {
  Params params("branch=z9hG4bK77;rport;received=192.0.2.1", ';');
  std::vector<Param> all;
  for (const Param& p : params)
    all.push_back(p);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "branch");
  EXPECT_EQ(all[0].value, "z9hG4bK77");
  EXPECT_TRUE(all[0].has_value);
  EXPECT_EQ(all[1].name, "rport");
  EXPECT_FALSE(all[1].has_value);
  EXPECT_EQ(all[1].value, "");
  EXPECT_EQ(all[2].name, "received");
  EXPECT_EQ(all[2].value, "192.0.2.1");
  EXPECT_EQ(params.size(), 3u);
  EXPECT_FALSE(params.empty());
  EXPECT_EQ(params.separator(), ';');
}

TEST(Params, EmptyList) {
  Params params;
  EXPECT_TRUE(params.empty());
  EXPECT_EQ(params.size(), 0u);
  EXPECT_TRUE(params.begin() == params.end());
  EXPECT_FALSE(params.find("x").has_value());
}

TEST(Params, LinearWhitespaceAndFoldingAreTrimmed) {
  // As in RFC 4475 wsinv: "tag    = 1918181833n", "branch=\r\n z9hG4bK30239".
  Params params("  tag    = 1918181833n ;\r\n  branch =\r\n z9hG4bK30239", ';');
  EXPECT_EQ(names(params), (std::vector<std::string>{"tag", "branch"}));
  EXPECT_EQ(params.get("tag"), "1918181833n");
  EXPECT_EQ(params.get("branch"), "z9hG4bK30239");
}

TEST(Params, QuotedValuesKeepSeparatorsAndQuotes) {
  Params params("text=\"a;b,c \\\"q\\\"\";cause=200", ';');
  auto text = params.find("text");
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(text->value, "\"a;b,c \\\"q\\\"\"");
  EXPECT_TRUE(text->quoted());
  EXPECT_EQ(text->text(), "a;b,c \"q\"");
  EXPECT_EQ(params.get("cause"), "200");
  EXPECT_EQ(params.size(), 2u);
}

TEST(Params, CommaSeparatedAuthParams) {
  Params params(
      R"(realm="atlanta, example.com", nonce="84a4cc6f",qop="auth,auth-int", algorithm=MD5)", ',');
  EXPECT_EQ(names(params), (std::vector<std::string>{"realm", "nonce", "qop", "algorithm"}));
  EXPECT_EQ(params.find("realm")->text(), "atlanta, example.com");
  EXPECT_EQ(params.find("qop")->text(), "auth,auth-int");
  EXPECT_EQ(params.get("algorithm"), "MD5");
  EXPECT_FALSE(params.find("algorithm")->quoted());
}

TEST(Params, LookupIsCaseInsensitiveOnNames) {
  Params params("Transport=TCP;LR", ';');
  EXPECT_EQ(params.get("transport"), "TCP");
  EXPECT_TRUE(params.has("lr"));
  EXPECT_EQ(params.get("lr"), "");
  EXPECT_FALSE(params.get("maddr").has_value());
}

TEST(Params, FirstOfRepeatedNamesWins) {
  Params params("tag=a;tag=b", ';');
  EXPECT_EQ(params.get("tag"), "a");
  EXPECT_EQ(params.size(), 2u);
}

TEST(Params, UnquotedTextIsTheValue) {
  Param p{"expires", "3600", true};
  EXPECT_EQ(p.text(), "3600");
  EXPECT_FALSE(p.quoted());
  Param q{"x", "\"\"", true};
  EXPECT_TRUE(q.quoted());
  EXPECT_EQ(q.text(), "");
}

TEST(Params, IteratorEquality) {
  Params params("a;b", ';');
  auto it = params.begin();
  auto again = params.begin();
  EXPECT_TRUE(it == again);
  ++it;
  EXPECT_FALSE(it == again);
  EXPECT_EQ(it->name, "b");
  ++it;
  EXPECT_TRUE(it == params.end());
}

TEST(NameAddrTag, ReadsTheTagParam) {
  NameAddr addr;
  EXPECT_EQ(addr.tag(), "");
  addr.params = Params("foo=1;Tag=1928301774", ';');
  EXPECT_EQ(addr.tag(), "1928301774");
}

}  // namespace
}  // namespace sippet::message
