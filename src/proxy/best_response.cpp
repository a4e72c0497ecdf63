// §16.7 steps 6 and 7: choosing and preparing the best final response.
#include "sippet/proxy/best_response.hpp"

#include <utility>

namespace sippet::proxy {

namespace {

// Lower is better: 6xx first (§16.7 step 6), then by class; within 4xx the
// codes whose answer lets the caller retry (401, 407, 415, 420, 484).
int rank(int code) {
  const int klass = code / 100;
  if (klass >= 6) return 0;
  const bool preferred = code == 401 || code == 407 || code == 415 || code == 420 || code == 484;
  return klass * 2 + (preferred ? 0 : 1);
}

void collect(const message::Message& response, message::HeaderId id,
             std::vector<std::string>& into) {
  for (const message::Field* field : response.get_all(id))
    into.emplace_back(field->value);
}

}  // namespace

void BestResponse::offer(message::Message&& response) {
  const int code = response.status_code();
  if (code == 401 || code == 407) {
    collect(response, message::HeaderId::kWwwAuthenticate, www_authenticate_);
    collect(response, message::HeaderId::kProxyAuthenticate, proxy_authenticate_);
  }
  if (!best_ || rank(code) < rank(best_->status_code())) best_ = std::move(response);
}

int BestResponse::status() const {
  return best_ ? best_->status_code() : 0;
}

message::Result<message::Message> BestResponse::take() {
  if (!best_)
    return message::Error{message::ErrorKind::kInvalidArgument, 0, 0, "no response to choose"};
  message::Message chosen = std::move(*best_);
  best_.reset();
  const int code = chosen.status_code();
  if (code == 503) chosen.set_status(500, "Server Internal Error");
  if (code == 401 || code == 407) {
    chosen.erase(message::HeaderId::kWwwAuthenticate);
    chosen.erase(message::HeaderId::kProxyAuthenticate);
    for (const auto& value : www_authenticate_)
      if (auto put = chosen.put_back(message::HeaderId::kWwwAuthenticate, value); !put)
        return put.error();
    for (const auto& value : proxy_authenticate_)
      if (auto put = chosen.put_back(message::HeaderId::kProxyAuthenticate, value); !put)
        return put.error();
  }
  www_authenticate_.clear();
  proxy_authenticate_.clear();
  return chosen;
}

}  // namespace sippet::proxy
