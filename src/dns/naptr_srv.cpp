// The pure parts of RFC 3263: which NAPTR records a client uses (§4.1) and
// the order of SRV records (§4.2, RFC 2782). No I/O: unit-tested and fuzzed.
#include <algorithm>
#include <cctype>

#include "sippet/dns/locate.hpp"
#include "sippet/message/text.hpp"

namespace sippet::dns {

namespace {

bool has(const std::vector<transport::Protocol>& transports, transport::Protocol protocol) {
  if (transports.empty()) return protocol == transport::Protocol::kUdp;
  return std::find(transports.begin(), transports.end(), protocol) != transports.end();
}

}  // namespace

std::optional<std::string> normalize_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return std::nullopt;
  std::string out;
  out.reserve(name.size());
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return std::nullopt;
      label = 0;
      out += c;
      continue;
    }
    // ASCII only (no locale: this runs for every name of every lookup).
    const bool lower = c >= 'a' && c <= 'z';
    const bool upper = c >= 'A' && c <= 'Z';
    const bool digit = c >= '0' && c <= '9';
    if (!lower && !upper && !digit && c != '-' && c != '_') return std::nullopt;
    if (++label > 63) return std::nullopt;
    out += upper ? static_cast<char>(c - 'A' + 'a') : c;
  }
  if (label == 0) return std::nullopt;
  return out;
}

std::optional<transport::Protocol> naptr_service(std::string_view service) {
  using transport::Protocol;
  if (message::iequals(service, "SIP+D2U")) return Protocol::kUdp;
  if (message::iequals(service, "SIP+D2T")) return Protocol::kTcp;
  if (message::iequals(service, "SIPS+D2T")) return Protocol::kTls;
  if (message::iequals(service, "SIP+D2W")) return Protocol::kWs;
  if (message::iequals(service, "SIPS+D2W")) return Protocol::kWss;
  return std::nullopt;
}

std::vector<NaptrChoice> usable_naptr(const std::vector<Naptr>& records, bool secure,
                                      const std::vector<transport::Protocol>& transports,
                                      std::vector<std::string>* skipped) {
  std::vector<NaptrChoice> out;
  auto skip = [&](const Naptr& record, std::string_view why) {
    if (skipped == nullptr) return;
    std::string service = record.service;
    for (char& c : service)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
    skipped->push_back("NAPTR " + std::to_string(record.order) + ' ' +
                       std::to_string(record.preference) + " \"" + service +
                       "\" skipped: " + std::string(why));
  };
  for (const Naptr& record : records) {
    const auto protocol = naptr_service(record.service);
    if (!protocol) {
      skip(record, "not a SIP service");
      continue;
    }
    // §4.1: SIP uses the "s" flag: the replacement is an SRV name. A
    // terminal rule with another flag, or a regexp (RFC 3403 §4.1: regexp
    // and replacement are exclusive; §4.1 of RFC 3263 uses replacement
    // only), is not ours to follow.
    if (!message::iequals(record.flags, "s")) {
      skip(record, "flags are not \"s\"");
      continue;
    }
    if (!record.regexp.empty()) {
      skip(record, "a regexp instead of a replacement");
      continue;
    }
    if (!normalize_name(record.replacement)) {
      skip(record, "the replacement is not a domain name");
      continue;
    }
    if (secure && !transport::is_secure(*protocol)) {
      skip(record, "not secure, and the URI is sips:");
      continue;
    }
    if (!has(transports, *protocol)) {
      skip(record, "a transport we do not have");
      continue;
    }
    out.push_back(NaptrChoice{*protocol, &record});
  }
  std::stable_sort(out.begin(), out.end(), [](const NaptrChoice& a, const NaptrChoice& b) {
    if (a.record->order != b.record->order) return a.record->order < b.record->order;
    return a.record->preference < b.record->preference;
  });
  return out;
}

std::vector<const Srv*> order_srv(const std::vector<Srv>& records, Random& random) {
  std::vector<const Srv*> out;
  // RFC 2782: a single record whose target is "." says there is no service.
  if (records.size() == 1 && records.front().target.empty()) return out;
  std::vector<const Srv*> sorted;
  for (const Srv& record : records)
    if (!record.target.empty()) sorted.push_back(&record);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Srv* a, const Srv* b) { return a->priority < b->priority; });
  std::size_t begin = 0;
  while (begin < sorted.size()) {
    std::size_t end = begin;
    while (end < sorted.size() && sorted[end]->priority == sorted[begin]->priority)
      ++end;
    // Zero weights first, then the others in the order received.
    std::vector<const Srv*> group(sorted.begin() + static_cast<std::ptrdiff_t>(begin),
                                  sorted.begin() + static_cast<std::ptrdiff_t>(end));
    std::stable_partition(group.begin(), group.end(), [](const Srv* s) { return s->weight == 0; });
    while (!group.empty()) {
      std::uint64_t sum = 0;
      for (const Srv* s : group)
        sum += s->weight;
      const std::uint64_t pick = std::uniform_int_distribution<std::uint64_t>(0, sum)(random);
      std::uint64_t running = 0;
      std::size_t chosen = group.size() - 1;
      for (std::size_t i = 0; i < group.size(); ++i) {
        running += group[i]->weight;
        if (running >= pick) {
          chosen = i;
          break;
        }
      }
      out.push_back(group[chosen]);
      group.erase(group.begin() + static_cast<std::ptrdiff_t>(chosen));
    }
    begin = end;
  }
  return out;
}

std::optional<std::string> srv_name(transport::Protocol protocol, std::string_view domain) {
  using transport::Protocol;
  switch (protocol) {
    case Protocol::kUdp:
      return "_sip._udp." + std::string(domain);
    case Protocol::kTcp:
      return "_sip._tcp." + std::string(domain);
    case Protocol::kTls:
      return "_sips._tcp." + std::string(domain);
    case Protocol::kWs:
    case Protocol::kWss:
      return std::nullopt;  // RFC 7118 defines no SRV name: NAPTR or A/AAAA
  }
  return std::nullopt;
}

}  // namespace sippet::dns
