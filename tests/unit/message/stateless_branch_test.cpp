// RFC 3261 §16.11: the branch a stateless proxy derives from the request it
// forwards.
#include <gtest/gtest.h>

#include <string>

#include "sippet/message/builder.hpp"
#include "sippet/message/parser.hpp"

namespace sippet::message {
namespace {

std::string request(std::string_view method, std::string_view branch, std::string_view cseq = "1",
                    std::string_view to_tag = "", std::string_view uri = "sip:bob@example.com") {
  std::string text = std::string(method) + " " + std::string(uri) + " SIP/2.0\r\n";
  text += "Via: SIP/2.0/UDP pc33.example.com:5060;branch=" + std::string(branch) + "\r\n";
  text += "Max-Forwards: 70\r\n";
  text += "From: <sip:alice@example.com>;tag=1928301774\r\n";
  text += "To: <sip:bob@example.com>";
  if (!to_tag.empty()) text += ";tag=" + std::string(to_tag);
  text += "\r\nCall-ID: a84b4c76e66710\r\n";
  text += "CSeq: " + std::string(cseq) + " " + std::string(method) + "\r\n";
  text += "Content-Length: 0\r\n\r\n";
  return text;
}

std::string branch_of(const std::string& text) {
  auto parsed = parse_message(text);
  EXPECT_TRUE(parsed.ok());
  auto branch = stateless_branch(*parsed);
  EXPECT_TRUE(branch.ok());
  return branch.ok() ? *branch : std::string();
}

TEST(StatelessBranch, IsACookieBranchOfFixedLength) {
  const std::string branch = branch_of(request("INVITE", "z9hG4bK776asdhds"));
  EXPECT_EQ(branch.substr(0, 7), "z9hG4bK");
  EXPECT_EQ(branch.size(), 7u + 24u);
  EXPECT_NE(branch, "z9hG4bK776asdhds");  // not the received one: we are a new hop
}

TEST(StatelessBranch, RetransmissionCancelAndAckOfNonTwoHundredShareIt) {
  const std::string invite = branch_of(request("INVITE", "z9hG4bK776asdhds"));
  EXPECT_EQ(branch_of(request("INVITE", "z9hG4bK776asdhds")), invite);
  EXPECT_EQ(branch_of(request("CANCEL", "z9hG4bK776asdhds")), invite);
  EXPECT_EQ(branch_of(request("ACK", "z9hG4bK776asdhds", "1", "a6c85cf")), invite);
}

TEST(StatelessBranch, DiffersBetweenTransactions) {
  EXPECT_NE(branch_of(request("INVITE", "z9hG4bK776asdhds")),
            branch_of(request("INVITE", "z9hG4bK776asdhdt")));
}

TEST(StatelessBranch, Rfc2543RequestHashesItsFields) {
  // No magic cookie: the top Via, tags, Call-ID, CSeq number and
  // Request-URI decide (§16.11); the CSeq method does not.
  const std::string invite = branch_of(request("INVITE", "old1"));
  EXPECT_EQ(branch_of(request("INVITE", "old1")), invite);
  EXPECT_EQ(branch_of(request("CANCEL", "old1")), invite);
  EXPECT_NE(branch_of(request("INVITE", "old1", "2")), invite);
  EXPECT_NE(branch_of(request("INVITE", "old1", "1", "", "sip:carol@example.com")), invite);
  EXPECT_NE(branch_of(request("INVITE", "old2")), invite);
}

TEST(StatelessBranch, RequestWithoutViaIsAnError) {
  auto parsed =
      parse_message("OPTIONS sip:bob@example.com SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n");
  ASSERT_TRUE(parsed.ok());
  auto branch = stateless_branch(*parsed);
  ASSERT_FALSE(branch.ok());
  EXPECT_EQ(branch.error().kind, ErrorKind::kMissingHeader);
}

}  // namespace
}  // namespace sippet::message
