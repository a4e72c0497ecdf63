#pragma once
// Locating SIP servers (RFC 3263 §4), without I/O: given what DNS answered
// so far, either the ordered list of (transport, address, port) to try, or
// the queries still needed. The c-ares resolver (resolver.hpp) runs it
// against its cache, sends the queries it asks for, and runs it again.
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sippet/dns/records.hpp"
#include "sippet/message/result.hpp"
#include "sippet/transport/endpoint.hpp"
#include "sippet/transport/protocol.hpp"

namespace sippet::dns {

// What is known of the target of a request (RFC 3263 §4: the first Route's
// URI or the Request-URI, maddr aside).
struct LocateQuery {
  std::string host;                   // without brackets: "example.com", "192.0.2.1", "::1"
  std::optional<std::uint16_t> port;  // the URI's explicit port
  std::optional<transport::Protocol> protocol;  // the URI's transport param
  bool secure = false;                          // sips:
  // The transports the client can use (those it listens on), in no
  // particular order; empty means UDP only.
  std::vector<transport::Protocol> transports;
  // Fill Location::records (`sippet resolve`); the stack does without
  // (they cost a string per record on every lookup).
  bool records = false;
  // When set, the weighted order among SRV records of one priority (RFC
  // 2782) is drawn from a generator seeded with it instead of the
  // resolver's: the same key over the same answers gives the same order.
  // A stateless proxy needs it (RFC 3261 §16.11: a retransmission goes
  // where the request went; RFC 3263 §4.4).
  std::optional<std::uint64_t> order_key;
};

// One place to try.
struct Target {
  transport::Protocol protocol = transport::Protocol::kUdp;
  transport::Endpoint address;  // with its port
  std::string host;             // the name the address belongs to ("" for a numeric target)
  friend bool operator==(const Target&, const Target&) = default;
};

struct Location {
  std::vector<Target> targets;       // in the order to try them (§4.3)
  std::vector<std::string> records;  // the records that led to them (records.hpp: describe)
};

// Errors are kResolveFailed with the reason (no records, a DNS failure).
using Located = message::Result<Location>;

// The random source of the SRV weighted choice (RFC 2782): a shared
// generator (the resolver's), or one of its own seeded with a key
// (LocateQuery::order_key; splitmix64, as seeding a Mersenne Twister for
// each lookup would cost more than the lookup).
class Random {
 public:
  using result_type = std::uint64_t;
  Random(std::mt19937_64& shared) : shared_(&shared) {}  // NOLINT(google-explicit-constructor)
  static Random keyed(std::uint64_t key) {
    Random random;
    random.state_ = key;
    return random;
  }
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() {
    if (shared_ != nullptr) return (*shared_)();
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  Random() = default;
  std::mt19937_64* shared_ = nullptr;
  std::uint64_t state_ = 0;
};

// A query the algorithm needs answered.
struct Need {
  std::string name;
  RecordType type;
  friend bool operator==(const Need&, const Need&) = default;
};

// What a run gives: `done`, or the queries to make before running again.
struct Step {
  std::optional<Located> done;
  std::vector<Need> needs;
};

// The answer known for (name, type), or nullptr when it must be queried.
using Lookup = std::function<const Answer*(std::string_view name, RecordType type)>;

struct LocateOptions {
  bool naptr = true;  // false: start at SRV (§4.1 lets a client skip NAPTR)
};

// §4.1 (transport), §4.2 (port and address). Numeric hosts need no query.
Step locate_step(const LocateQuery& query, const Lookup& lookup, Random random,
                 const LocateOptions& options = {});

// ---- The pure parts, exposed for tests and fuzzing.

// The transport a NAPTR service field names (RFC 3263 §4.1, RFC 7118 §5 for
// WebSocket): "SIP+D2U" UDP, "SIP+D2T" TCP, "SIPS+D2T" TLS, "SIP+D2W" WS,
// "SIPS+D2W" WSS; case-insensitive; nullopt for anything else.
std::optional<transport::Protocol> naptr_service(std::string_view service);

// The NAPTR records a client uses (§4.1): flag "s", a known service whose
// transport is in `transports` (and secure when `secure`), an empty regexp
// and a replacement that is a domain name; sorted by order, then
// preference (RFC 3403 §4.1). `skipped` (when given) gets a line per
// record left out, saying why.
struct NaptrChoice {
  transport::Protocol protocol;
  const Naptr* record;
};
std::vector<NaptrChoice> usable_naptr(const std::vector<Naptr>& records, bool secure,
                                      const std::vector<transport::Protocol>& transports,
                                      std::vector<std::string>* skipped = nullptr);

// RFC 2782: by priority, lowest first; within one priority a weighted
// random order (weight 0 records first in the running sum, so they are
// picked rarely). A single record with target "." (empty) means "no
// service": the result is empty.
std::vector<const Srv*> order_srv(const std::vector<Srv>& records, Random& random);
inline std::vector<const Srv*> order_srv(const std::vector<Srv>& records, std::mt19937_64& random) {
  Random shared(random);
  return order_srv(records, shared);
}

// The SRV name of a transport: "_sip._udp.", "_sip._tcp.", "_sips._tcp."
// (TLS), "_sip._ws."/"_sips._ws." (RFC 7118 none; not queried); the
// `secure` flavour of TCP is TLS.
std::optional<std::string> srv_name(transport::Protocol protocol, std::string_view domain);

// A domain name as this module keeps it: lower case, no trailing dot;
// nullopt for something that is not a host name (empty labels, bad
// characters, over 253 octets).
std::optional<std::string> normalize_name(std::string_view name);

}  // namespace sippet::dns
