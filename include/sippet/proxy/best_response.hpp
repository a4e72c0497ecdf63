#pragma once
// The choice of the response a stateful proxy forwards when every branch of
// a response context has ended without a 2xx (RFC 3261 §16.7 steps 6, 7).
#include <optional>
#include <string>
#include <vector>

#include "sippet/message/message.hpp"
#include "sippet/message/result.hpp"

namespace sippet::proxy {

class BestResponse {
 public:
  // A final non-2xx response of a branch (3xx to 6xx), its top Via
  // (ours) already removed, or one the proxy made for a branch (408 when it
  // timed out, 503 on a transport error, §16.9).
  void offer(message::Message&& response);

  bool empty() const { return !best_.has_value(); }
  // The status of the best response so far (as received); 0 when empty.
  int status() const;
  bool has_6xx() const { return status() >= 600; }

  // The response to forward: the best one, a 6xx before all, else the
  // lowest class (among 4xx, 401, 407, 415, 420 and 484 first; else the
  // first received); a 503 becomes 500 (§16.7 step 6); a 401 or 407
  // carries every WWW-Authenticate and Proxy-Authenticate value of all the
  // 401 and 407 responses received (step 7). Error kInvalidArgument when
  // empty. Empties it.
  message::Result<message::Message> take();

 private:
  std::optional<message::Message> best_;
  std::vector<std::string> www_authenticate_;
  std::vector<std::string> proxy_authenticate_;
};

}  // namespace sippet::proxy
