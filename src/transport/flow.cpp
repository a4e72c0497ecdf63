#include "sippet/transport/flow.hpp"

namespace sippet::transport {

std::string Flow::to_string() const {
  std::string text(transport::to_string(protocol));
  text += ' ';
  text += local.to_string();
  text += " <-> ";
  text += remote.to_string();
  if (connection != 0) {
    text += " #";
    text += std::to_string(connection);
  }
  return text;
}

std::size_t FlowHash::operator()(const Flow& flow) const noexcept {
  std::size_t h = EndpointHash{}(flow.remote);
  h ^= EndpointHash{}(flow.local) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= std::hash<std::uint64_t>{}(flow.connection) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h ^ static_cast<std::size_t>(flow.protocol);
}

}  // namespace sippet::transport
