// Names of record types and the lines `sippet resolve` prints for records.
#include "sippet/dns/records.hpp"

namespace sippet::dns {

std::string_view to_string(RecordType type) {
  switch (type) {
    case RecordType::kA:
      return "A";
    case RecordType::kAaaa:
      return "AAAA";
    case RecordType::kSrv:
      return "SRV";
    case RecordType::kNaptr:
      return "NAPTR";
  }
  return "?";
}

namespace {

std::string ttl_suffix(std::uint32_t ttl) {
  return " (ttl " + std::to_string(ttl) + ")";
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
      out += '?';
      continue;
    }
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

std::string describe(std::string_view name, const Naptr& record, std::uint32_t ttl) {
  std::string line = "NAPTR " + std::string(name) + ' ' + std::to_string(record.order) + ' ' +
                     std::to_string(record.preference) + ' ' + quoted(record.flags) + ' ' +
                     quoted(record.service) + ' ' + quoted(record.regexp) + ' ' +
                     (record.replacement.empty() ? std::string(".") : record.replacement);
  return line + ttl_suffix(ttl);
}

std::string describe(std::string_view name, const Srv& record, std::uint32_t ttl) {
  std::string line = "SRV " + std::string(name) + ' ' + std::to_string(record.priority) + ' ' +
                     std::to_string(record.weight) + ' ' + std::to_string(record.port) + ' ' +
                     (record.target.empty() ? std::string(".") : record.target);
  return line + ttl_suffix(ttl);
}

std::string describe(std::string_view name, RecordType type, const transport::Endpoint& address,
                     std::uint32_t ttl, bool from_hosts_file) {
  std::string line =
      std::string(to_string(type)) + ' ' + std::string(name) + ' ' + address.address_string();
  return line + (from_hosts_file ? std::string(" (hosts file)") : ttl_suffix(ttl));
}

}  // namespace sippet::dns
