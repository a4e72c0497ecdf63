// MemoryUsers: HA1 per user, realm and hash function (RFC 7616 §3.4.2) and
// the userhash index (§3.4.4).
#include "sippet/auth/users.hpp"

#include <vector>

#include "sippet/message/text.hpp"

namespace sippet::auth {
namespace {

constexpr Algorithm kBases[] = {Algorithm::kMd5, Algorithm::kSha256, Algorithm::kSha512_256};

}  // namespace

std::optional<std::string> UserStore::user_of_hash(std::string_view, std::string_view,
                                                   Algorithm) const {
  return std::nullopt;
}

void MemoryUsers::add_password(std::string_view user, std::string_view realm,
                               std::string_view password) {
  for (Algorithm a : kBases)
    add_ha1(user, realm, a, compute_ha1(a, user, realm, password));
}

void MemoryUsers::add_ha1(std::string_view user, std::string_view realm, Algorithm algorithm,
                          std::string_view ha1) {
  const Algorithm base = base_of(algorithm);
  std::string hash = compute_userhash(base, user, realm);
  std::lock_guard lock(mutex_);
  // HA1 is hashed as text (RFC 7616 §3.4.1): lower-case hex, as computed.
  std::string lower(ha1);
  for (char& c : lower)
    c = message::ascii_lower(c);
  ha1_[Key(std::string(user), std::string(realm), static_cast<int>(base))] = std::move(lower);
  users_by_hash_[Key(std::move(hash), std::string(realm), static_cast<int>(base))] =
      std::string(user);
}

std::optional<std::string> MemoryUsers::ha1(std::string_view user, std::string_view realm,
                                            Algorithm algorithm) const {
  std::lock_guard lock(mutex_);
  auto it =
      ha1_.find(Key(std::string(user), std::string(realm), static_cast<int>(base_of(algorithm))));
  if (it == ha1_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> MemoryUsers::user_of_hash(std::string_view userhash,
                                                     std::string_view realm,
                                                     Algorithm algorithm) const {
  std::string lower(userhash);
  for (char& c : lower)
    c = message::ascii_lower(c);
  std::lock_guard lock(mutex_);
  auto it = users_by_hash_.find(
      Key(std::move(lower), std::string(realm), static_cast<int>(base_of(algorithm))));
  if (it == users_by_hash_.end()) return std::nullopt;
  return it->second;
}

message::Result<void> load_users(std::string_view text, std::string_view realm,
                                 MemoryUsers& users) {
  std::size_t start = 0;
  for (std::size_t number = 1; start < text.size(); ++number) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::vector<std::string_view> fields;
    for (std::size_t i = 0; i < line.size();) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
        ++i;
      const std::size_t from = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t')
        ++i;
      if (i > from) fields.push_back(line.substr(from, i - from));
    }
    auto error = [&](std::string why) {
      return message::Error{message::ErrorKind::kInvalidArgument, start, 0,
                            "users file line " + std::to_string(number) + ": " + why};
    };
    if (fields.empty() || fields[0].front() == '#') {
      // blank or comment
    } else if (fields.size() == 2) {
      users.add_password(fields[0], realm, fields[1]);
    } else if (fields.size() == 4) {
      auto algorithm = parse_algorithm(fields[2]);
      if (!algorithm) return error("unknown algorithm " + std::string(fields[2]));
      const std::string_view ha1 = fields[3];
      bool hex = ha1.size() == hex_size(*algorithm);
      for (char c : ha1)
        hex = hex && ((c >= '0' && c <= '9') ||
                      (message::ascii_lower(c) >= 'a' && message::ascii_lower(c) <= 'f'));
      if (!hex) return error("HA1 is not a hash of " + std::string(to_string(*algorithm)));
      users.add_ha1(fields[0], fields[1], *algorithm, ha1);
    } else {
      return error("expected `user password` or `user realm algorithm HA1`");
    }
    start = end + 1;
  }
  return {};
}

std::string users_file_line(std::string_view user, std::string_view realm, Algorithm algorithm,
                            std::string_view password) {
  const Algorithm base = base_of(algorithm);
  return std::string(user) + " " + std::string(realm) + " " + std::string(to_string(base)) + " " +
         compute_ha1(base, user, realm, password);
}

}  // namespace sippet::auth
