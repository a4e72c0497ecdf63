#include "sippet/registrar/binding.hpp"

#include <charconv>

#include "sippet/transport/endpoint.hpp"
#include "sippet/transport/protocol.hpp"

namespace sippet::registrar {

using message::Error;
using message::ErrorKind;

std::string flow_to_text(const transport::Flow& flow) {
  std::string out(transport::to_string(flow.protocol));
  out += '|';
  out += flow.local.to_string();
  out += '|';
  out += flow.remote.to_string();
  out += '|';
  out += std::to_string(flow.connection);
  return out;
}

message::Result<transport::Flow> flow_from_text(std::string_view text) {
  auto bad = [&] {
    return Error{ErrorKind::kStorageError, 0, 500,
                 "stored flow is malformed: " + std::string(text)};
  };
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t bar = text.find('|', start);
    parts.push_back(text.substr(start, bar == std::string_view::npos ? bar : bar - start));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  if (parts.size() != 4) return bad();
  transport::Flow flow;
  auto protocol = transport::parse_protocol(parts[0]);
  auto local = transport::Endpoint::parse(parts[1]);
  auto remote = transport::Endpoint::parse(parts[2]);
  if (!protocol || !local || !remote) return bad();
  auto [end, ec] =
      std::from_chars(parts[3].data(), parts[3].data() + parts[3].size(), flow.connection);
  if (ec != std::errc() || end != parts[3].data() + parts[3].size()) return bad();
  flow.protocol = *protocol;
  flow.local = *local;
  flow.remote = *remote;
  return flow;
}

std::string join_path(const std::vector<std::string>& path) {
  std::string out;
  for (const auto& value : path) {
    if (!out.empty()) out += '\n';
    out += value;
  }
  return out;
}

std::vector<std::string> split_path(std::string_view text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    std::size_t nl = text.find('\n', start);
    out.emplace_back(text.substr(start, nl == std::string_view::npos ? nl : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

}  // namespace sippet::registrar
