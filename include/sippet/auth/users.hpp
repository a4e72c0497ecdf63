#pragma once
// Where a server finds what it checks credentials against: for a user and a
// realm, HA1 = H(user:realm:password) of each hash function (RFC 7616
// §3.4.2). A plain password is never needed on the server.
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "sippet/auth/digest.hpp"
#include "sippet/message/result.hpp"

namespace sippet::auth {

// The lookup a Server calls. `algorithm` is always a base algorithm (MD5,
// SHA-256 or SHA-512-256): the "-sess" variants use the same HA1.
// Implementations must be safe to call from several threads at once.
class UserStore {
 public:
  virtual ~UserStore() = default;
  // HA1 in hex, or nullopt when the user is unknown in that realm (or has
  // no HA1 for that hash function).
  virtual std::optional<std::string> ha1(std::string_view user, std::string_view realm,
                                         Algorithm algorithm) const = 0;
  // userhash (§3.4.4): the user whose H(user:realm) is `userhash`, or
  // nullopt. The default knows none.
  virtual std::optional<std::string> user_of_hash(std::string_view userhash, std::string_view realm,
                                                  Algorithm algorithm) const;
};

// A UserStore in memory, e.g. read from a users file. add_password keeps
// only the HA1 of every hash function and the userhashes, not the password.
class MemoryUsers final : public UserStore {
 public:
  void add_password(std::string_view user, std::string_view realm, std::string_view password);
  // A pre-computed HA1 for one hash function (algorithm's base is used).
  void add_ha1(std::string_view user, std::string_view realm, Algorithm algorithm,
               std::string_view ha1);
  std::optional<std::string> ha1(std::string_view user, std::string_view realm,
                                 Algorithm algorithm) const override;
  std::optional<std::string> user_of_hash(std::string_view userhash, std::string_view realm,
                                          Algorithm algorithm) const override;

 private:
  using Key = std::tuple<std::string, std::string, int>;  // user or userhash, realm, base
  mutable std::mutex mutex_;
  std::map<Key, std::string, std::less<>> ha1_;
  std::map<Key, std::string, std::less<>> users_by_hash_;
};

// A users file, one user a line: `user password` (for `realm`; only the
// HA1s are kept) or `user realm algorithm HA1` (a pre-computed HA1, as
// users_file_line() writes it). Blank lines and lines starting with '#'
// are skipped; fields are separated by spaces or tabs. An error names the
// line (kInvalidArgument, offset = the line's first octet) and nothing
// after it is read.
message::Result<void> load_users(std::string_view text, std::string_view realm, MemoryUsers& users);

// `user realm algorithm HA1`: a users file line that keeps no password.
std::string users_file_line(std::string_view user, std::string_view realm, Algorithm algorithm,
                            std::string_view password);

}  // namespace sippet::auth
