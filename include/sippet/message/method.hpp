#pragma once
#include <string_view>

namespace sippet::message {

// Methods known to the library; anything else is kExtension with its text kept.
enum class Method {
  kInvite,
  kAck,
  kBye,
  kCancel,
  kOptions,
  kRegister,
  kInfo,
  kMessage,
  kPrack,
  kUpdate,
  kSubscribe,
  kNotify,
  kRefer,
  kPublish,
  kExtension,
};

// Case-sensitive, as method names are (§7.1).
Method method_from_string(std::string_view text);
std::string_view to_string(Method method);  // "" for kExtension

}  // namespace sippet::message
