// Method names (§7.1; RFC 3262, 3265, 3311, 3428, 3515, 3903, 6086).
#include "sippet/message/method.hpp"

namespace sippet::message {

Method method_from_string(std::string_view text) {
  // Method names are case-sensitive (§7.1): switch on length, then compare.
  switch (text.size()) {
    case 3:
      if (text == "ACK") return Method::kAck;
      if (text == "BYE") return Method::kBye;
      break;
    case 4:
      if (text == "INFO") return Method::kInfo;
      break;
    case 5:
      if (text == "PRACK") return Method::kPrack;
      if (text == "REFER") return Method::kRefer;
      break;
    case 6:
      if (text == "INVITE") return Method::kInvite;
      if (text == "CANCEL") return Method::kCancel;
      if (text == "UPDATE") return Method::kUpdate;
      if (text == "NOTIFY") return Method::kNotify;
      break;
    case 7:
      if (text == "OPTIONS") return Method::kOptions;
      if (text == "MESSAGE") return Method::kMessage;
      if (text == "PUBLISH") return Method::kPublish;
      break;
    case 8:
      if (text == "REGISTER") return Method::kRegister;
      break;
    case 9:
      if (text == "SUBSCRIBE") return Method::kSubscribe;
      break;
    default:
      break;
  }
  return Method::kExtension;
}

std::string_view to_string(Method method) {
  switch (method) {
    case Method::kInvite:
      return "INVITE";
    case Method::kAck:
      return "ACK";
    case Method::kBye:
      return "BYE";
    case Method::kCancel:
      return "CANCEL";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kRegister:
      return "REGISTER";
    case Method::kInfo:
      return "INFO";
    case Method::kMessage:
      return "MESSAGE";
    case Method::kPrack:
      return "PRACK";
    case Method::kUpdate:
      return "UPDATE";
    case Method::kSubscribe:
      return "SUBSCRIBE";
    case Method::kNotify:
      return "NOTIFY";
    case Method::kRefer:
      return "REFER";
    case Method::kPublish:
      return "PUBLISH";
    case Method::kExtension:
      break;
  }
  return "";
}

}  // namespace sippet::message
