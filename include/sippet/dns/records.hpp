#pragma once
// DNS records as RFC 3263 uses them, and what one query gave: the records,
// "no such records" (NXDOMAIN or NODATA, cached per RFC 2308), or a failure
// (timeout, SERVFAIL, refused: not cached).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sippet/transport/endpoint.hpp"

namespace sippet::dns {

enum class RecordType : std::uint8_t { kA, kAaaa, kSrv, kNaptr };

std::string_view to_string(RecordType type);  // "A", "AAAA", "SRV", "NAPTR"

// RFC 3403 §4.1.
struct Naptr {
  std::uint16_t order = 0;
  std::uint16_t preference = 0;
  std::string flags;
  std::string service;
  std::string regexp;
  std::string replacement;  // a domain name, without the trailing dot
};

// RFC 2782.
struct Srv {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  // without the trailing dot; "." (no service) is ""
};

struct Answer {
  enum class Status : std::uint8_t {
    kRecords,    // at least one record of the type asked
    kNoRecords,  // NXDOMAIN or NODATA (negative, RFC 2308)
    kFailed,     // timeout, SERVFAIL, refused, a malformed answer
  };
  Status status = Status::kFailed;
  std::string error;                           // kFailed: why
  std::vector<Naptr> naptr;                    // kNaptr
  std::vector<Srv> srv;                        // kSrv
  std::vector<transport::Endpoint> addresses;  // kA, kAaaa: port 0
  std::uint32_t ttl = 0;                       // seconds this answer may be kept
  bool from_hosts_file = false;

  bool has_records() const { return status == Status::kRecords; }
};

// One line per record, as `sippet resolve` prints them:
// "NAPTR example.com 10 50 \"s\" \"SIP+D2U\" \"\" _sip._udp.example.com (ttl 60)".
std::string describe(std::string_view name, const Naptr& record, std::uint32_t ttl);
std::string describe(std::string_view name, const Srv& record, std::uint32_t ttl);
std::string describe(std::string_view name, RecordType type, const transport::Endpoint& address,
                     std::uint32_t ttl, bool from_hosts_file);

}  // namespace sippet::dns
