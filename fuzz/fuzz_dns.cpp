// libFuzzer target: the DNS parts that are ours (src/dns). The input is
// either a raw DNS answer (first octet even), read by c-ares's parsers and
// our TTL reader, or NAPTR and SRV records as text lines (odd):
//   "N order preference flags service regexp replacement"
//   "S priority weight port target"
// Either way the records then go through RFC 3263's NAPTR filtering, SRV
// ordering and the whole algorithm (locate_step), answered from them.
// Invariants: the algorithm ends, every target uses a transport we have,
// a sips: lookup gives secure transports only, and no SRV is listed twice.
#include <ares.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "answer_ttl.hpp"
#include "parse_answer.hpp"
#include "sippet/dns/locate.hpp"

namespace sd = sippet::dns;
using sippet::transport::Protocol;

namespace {

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_dns invariant broken: %s\n", what);
  std::abort();
}

std::uint16_t number(const std::string& text) {
  return static_cast<std::uint16_t>(std::strtoul(text.c_str(), nullptr, 10));
}

void run(const sd::Answer& naptr, const sd::Answer& srv, bool secure,
         const std::vector<Protocol>& transports) {
  sd::Answer address;
  address.status = sd::Answer::Status::kRecords;
  address.ttl = 1;
  address.addresses.push_back(sippet::transport::Endpoint::loopback_v4(0));
  sd::Answer none;
  none.status = sd::Answer::Status::kNoRecords;
  sd::Lookup lookup = [&](std::string_view, sd::RecordType type) -> const sd::Answer* {
    switch (type) {
      case sd::RecordType::kNaptr:
        return &naptr;
      case sd::RecordType::kSrv:
        return &srv;
      case sd::RecordType::kA:
        return &address;
      case sd::RecordType::kAaaa:
        return &none;
    }
    return &none;
  };
  std::mt19937_64 random(1);
  sd::LocateQuery query;
  query.host = "example.com";
  query.secure = secure;
  query.transports = transports;
  query.records = true;
  sd::Step step = sd::locate_step(query, lookup, random);
  check(step.done.has_value(), "every answer is known, yet the algorithm asks for more");
  if (*step.done) {
    for (const auto& target : (*step.done)->targets) {
      check(transports.empty() ? target.protocol == Protocol::kUdp
                               : std::find(transports.begin(), transports.end(), target.protocol) !=
                                     transports.end(),
            "a target on a transport we do not have");
      check(!secure || sippet::transport::is_secure(target.protocol), "sips: on an insecure one");
    }
  }
  auto ordered = sd::order_srv(srv.srv, random);
  check(ordered.size() <= srv.srv.size(), "order_srv made up records");
  for (std::size_t i = 0; i < ordered.size(); ++i)
    for (std::size_t j = i + 1; j < ordered.size(); ++j)
      check(ordered[i] != ordered[j], "an SRV record listed twice");
  for (std::size_t i = 1; i < ordered.size(); ++i)
    check(ordered[i - 1]->priority <= ordered[i]->priority, "SRV priorities out of order");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool secure = (data[0] & 2) != 0;
  std::vector<Protocol> transports;
  for (Protocol p : sippet::transport::kAllProtocols)
    if (data[1] & (1u << static_cast<unsigned>(p))) transports.push_back(p);
  const std::uint8_t* body = data + 2;
  const std::size_t length = size - 2;
  sd::Answer naptr, srv;
  if ((data[0] & 1) == 0) {
    using namespace std::chrono_literals;
    const int n = static_cast<int>(length);
    (void)sd::answer_ttl(body, length);
    naptr = sd::parse_answer(sd::RecordType::kNaptr, ARES_SUCCESS, body, n, 86400s, 300s);
    srv = sd::parse_answer(sd::RecordType::kSrv, ARES_SUCCESS, body, n, 86400s, 300s);
    (void)sd::parse_answer(sd::RecordType::kA, ARES_SUCCESS, body, n, 86400s, 300s);
    (void)sd::parse_answer(sd::RecordType::kAaaa, ARES_ENOTFOUND, body, n, 86400s, 300s);
  } else {
    std::istringstream lines(std::string(reinterpret_cast<const char*>(body), length));
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      std::string kind, a, b, c, d, e, f;
      fields >> kind >> a >> b >> c >> d >> e >> f;
      if (kind == "N") {
        if (e == "-") e.clear();
        naptr.naptr.push_back(sd::Naptr{number(a), number(b), c, d, e, f});
      } else if (kind == "S") {
        srv.srv.push_back(sd::Srv{number(a), number(b), number(c), d == "." ? std::string() : d});
      }
    }
    naptr.status =
        naptr.naptr.empty() ? sd::Answer::Status::kNoRecords : sd::Answer::Status::kRecords;
    srv.status = srv.srv.empty() ? sd::Answer::Status::kNoRecords : sd::Answer::Status::kRecords;
  }
  run(naptr, srv, secure, transports);
  return 0;
}
