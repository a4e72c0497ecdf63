#pragma once
// Shared by the auth tests: requests to authenticate, and the typed value of
// a header text parsed by the message layer.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "sippet/message/builder.hpp"
#include "sippet/message/message.hpp"

namespace sippet::auth::test {

// A REGISTER (§10.2) with every mandatory header and a Via.
inline message::Message make_request(std::string_view method = "REGISTER",
                                     std::string_view uri = "sip:example.com",
                                     std::string_view body = {}) {
  auto request = message::build_request(method, uri).value();
  EXPECT_TRUE(request.put(message::HeaderId::kVia,
                          "SIP/2.0/UDP 192.0.2.10:5060;branch=" + message::create_branch()));
  EXPECT_TRUE(request.put(message::HeaderId::kFrom, "<sip:alice@example.com>;tag=a1"));
  EXPECT_TRUE(request.put(message::HeaderId::kTo, "<sip:alice@example.com>"));
  EXPECT_TRUE(request.put(message::HeaderId::kCallId, "call-1@192.0.2.10"));
  EXPECT_TRUE(request.put(message::HeaderId::kCSeq, "1 " + std::string(method)));
  EXPECT_TRUE(request.put(message::HeaderId::kMaxForwards, "70"));
  if (!body.empty()) {
    EXPECT_TRUE(request.put(message::HeaderId::kContentType, "application/sdp"));
    request.set_body(body);
  }
  return request;
}

// A carrier of one header: the typed value lives as long as the message.
struct HeaderHolder {
  message::Message message = message::build_request("OPTIONS", "sip:x@example.com").value();
  const message::Auth* auth = nullptr;
  bool ok = false;
  HeaderHolder(message::HeaderId id, std::string_view text) {
    ok = message.put(id, text).ok();
    if (ok) auth = message.get(id)->as<message::Auth>();
    ok = ok && auth != nullptr;
  }
};

}  // namespace sippet::auth::test
