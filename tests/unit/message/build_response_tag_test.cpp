// build_response adds a To tag unless the request's To has one (§8.2.6.2).
// The test looks at param names only (after ';' and LWS) and leaves texts
// with quoted values to Params: all must decide as Params would.
#include <gtest/gtest.h>

#include <string>

#include "sippet/message/builder.hpp"
#include "sippet/message/parser.hpp"

namespace sippet::message {
namespace {

Message request_with_to(std::string_view to) {
  std::string text =
      "OPTIONS sip:x@example.com SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK1\r\n"
      "From: <sip:y@example.com>;tag=1\r\n"
      "To: " +
      std::string(to) +
      "\r\n"
      "Call-ID: c1\r\n"
      "CSeq: 1 OPTIONS\r\n"
      "Content-Length: 0\r\n\r\n";
  auto parsed = parse_message(text);
  EXPECT_TRUE(parsed.ok()) << to;
  return std::move(parsed).value();
}

TEST(BuildResponseTag, AddedOnlyWhenToHasNoTagParam) {
  struct Case {
    std::string_view to;
    bool has_tag;
  };
  for (const Case& c :
       {Case{"<sip:x@example.com>", false}, Case{"<sip:x@example.com>;tag=abc", true},
        Case{"<sip:x@example.com> ; TAG = abc", true}, Case{"<sip:x@example.com>;x=1;tag", true},
        Case{"<sip:x@example.com>;xtag=1", false}, Case{"<sip:x@example.com>;tags=1", false},
        Case{"<sip:x@example.com>;x=tag", false}, Case{"<sip:x@example.com>;x=\"a;tag=b\"", false},
        Case{"<sip:x@example.com>;x=\"a\";tag=b", true}}) {
    Message request = request_with_to(c.to);
    ASSERT_EQ(request.to()->params.has("tag"), c.has_tag) << c.to;
    auto response = build_response(request, 200, {}, "mytag");
    ASSERT_TRUE(response.ok()) << c.to;
    if (c.has_tag) {
      EXPECT_NE(response->to()->tag(), "mytag") << c.to;
    } else {
      EXPECT_EQ(response->to()->tag(), "mytag") << c.to;
    }
  }
}

}  // namespace
}  // namespace sippet::message
