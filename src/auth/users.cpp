// MemoryUsers: HA1 per user, realm and hash function (RFC 7616 §3.4.2) and
// the userhash index (§3.4.4).
#include "sippet/auth/users.hpp"

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

}  // namespace sippet::auth
