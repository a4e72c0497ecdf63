#include "parse_answer.hpp"

#include <ares.h>
#include <arpa/nameser.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include "answer_ttl.hpp"
#include "sippet/dns/locate.hpp"

namespace sippet::dns {

namespace {

Answer negative(const unsigned char* data, int length, std::chrono::seconds cap) {
  Answer answer;
  answer.status = Answer::Status::kNoRecords;
  const auto capped = static_cast<std::uint32_t>(cap.count());
  std::uint32_t ttl = capped;
  if (data != nullptr && length > 0) {
    if (auto soa = answer_ttl(data, static_cast<std::size_t>(length)).negative)
      ttl = std::min(*soa, capped);
  }
  answer.ttl = ttl;
  return answer;
}

Answer failure(std::string reason) {
  Answer answer;
  answer.status = Answer::Status::kFailed;
  answer.error = std::move(reason);
  return answer;
}

std::string text(const unsigned char* s) {
  return s == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(s));
}

// A name from c-ares: "." and "" are the root; no trailing dot kept.
std::string name(const char* s) {
  std::string out = s == nullptr ? std::string() : std::string(s);
  while (!out.empty() && out.back() == '.')
    out.pop_back();
  return out;
}

template <class AddrTtl>
void add_addresses(Answer& answer, const AddrTtl* records, int count) {
  std::uint32_t ttl = UINT32_MAX;
  for (int i = 0; i < count; ++i) {
    sockaddr_storage storage{};
    std::size_t size = 0;
    if constexpr (std::is_same_v<AddrTtl, ares_addrttl>) {
      auto* in = reinterpret_cast<sockaddr_in*>(&storage);
      in->sin_family = AF_INET;
      in->sin_addr = records[i].ipaddr;
      size = sizeof *in;
    } else {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
      in6->sin6_family = AF_INET6;
      std::memcpy(&in6->sin6_addr, &records[i].ip6addr, sizeof in6->sin6_addr);
      size = sizeof *in6;
    }
    auto endpoint = transport::Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), size);
    if (!endpoint) continue;
    if (std::find(answer.addresses.begin(), answer.addresses.end(), *endpoint) ==
        answer.addresses.end())
      answer.addresses.push_back(*endpoint);
    ttl = std::min<std::uint32_t>(ttl, static_cast<std::uint32_t>(std::max(0, records[i].ttl)));
  }
  answer.ttl = ttl == UINT32_MAX ? 0 : ttl;
}

}  // namespace

Answer parse_answer(RecordType type, int status, const unsigned char* data, int length,
                    std::chrono::seconds max_ttl, std::chrono::seconds max_negative_ttl) {
  if (status == ARES_ENODATA || status == ARES_ENOTFOUND)
    return negative(data, length, max_negative_ttl);
  if (status != ARES_SUCCESS) return failure(ares_strerror(status));
  if (data == nullptr || length <= 0) return failure("empty answer");
  Answer answer;
  int parsed = ARES_SUCCESS;
  switch (type) {
    case RecordType::kA: {
      ares_addrttl records[64];
      int count = 64;
      parsed = ares_parse_a_reply(data, length, nullptr, records, &count);
      if (parsed == ARES_SUCCESS) add_addresses(answer, records, count);
      break;
    }
    case RecordType::kAaaa: {
      ares_addr6ttl records[64];
      int count = 64;
      parsed = ares_parse_aaaa_reply(data, length, nullptr, records, &count);
      if (parsed == ARES_SUCCESS) add_addresses(answer, records, count);
      break;
    }
    case RecordType::kSrv: {
      ares_srv_reply* list = nullptr;
      parsed = ares_parse_srv_reply(data, length, &list);
      for (auto* r = list; parsed == ARES_SUCCESS && r != nullptr; r = r->next)
        answer.srv.push_back(Srv{r->priority, r->weight, r->port, name(r->host)});
      if (list != nullptr) ares_free_data(list);
      answer.ttl = answer_ttl(data, static_cast<std::size_t>(length)).answer.value_or(0);
      break;
    }
    case RecordType::kNaptr: {
      ares_naptr_reply* list = nullptr;
      parsed = ares_parse_naptr_reply(data, length, &list);
      for (auto* r = list; parsed == ARES_SUCCESS && r != nullptr; r = r->next)
        answer.naptr.push_back(Naptr{r->order, r->preference, text(r->flags), text(r->service),
                                     text(r->regexp), name(r->replacement)});
      if (list != nullptr) ares_free_data(list);
      answer.ttl = answer_ttl(data, static_cast<std::size_t>(length)).answer.value_or(0);
      break;
    }
  }
  if (parsed == ARES_ENODATA) return negative(data, length, max_negative_ttl);
  if (parsed != ARES_SUCCESS)
    return failure(std::string("malformed answer: ") + ares_strerror(parsed));
  if (answer.addresses.empty() && answer.srv.empty() && answer.naptr.empty())
    return negative(data, length, max_negative_ttl);
  answer.status = Answer::Status::kRecords;
  answer.ttl = std::min<std::uint32_t>(answer.ttl, static_cast<std::uint32_t>(max_ttl.count()));
  return answer;
}

}  // namespace sippet::dns
