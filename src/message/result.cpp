// Names of error kinds, for logs and error reasons.
#include "sippet/message/result.hpp"

namespace sippet::message {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kMalformedStartLine:
      return "malformed start line";
    case ErrorKind::kBadVersion:
      return "unsupported SIP version";
    case ErrorKind::kMalformedHeader:
      return "malformed header";
    case ErrorKind::kMalformedUri:
      return "malformed URI";
    case ErrorKind::kBadContentLength:
      return "bad Content-Length";
    case ErrorKind::kIncomplete:
      return "incomplete message";
    case ErrorKind::kTooLarge:
      return "message too large";
    case ErrorKind::kMissingHeader:
      return "missing header";
    case ErrorKind::kMultipleValues:
      return "multiple values in a single-value header";
    case ErrorKind::kMethodMismatch:
      return "CSeq method differs from the request method";
    case ErrorKind::kUnsupportedScheme:
      return "unsupported URI scheme";
    case ErrorKind::kTooManyHops:
      return "too many hops";
    case ErrorKind::kHeaderTooLarge:
      return "header value out of range";
    case ErrorKind::kNotFound:
      return "header not found";
    case ErrorKind::kInvalidArgument:
      return "invalid argument";
    case ErrorKind::kNoTransaction:
      return "no transaction";
    case ErrorKind::kTransactionExists:
      return "transaction already exists";
    case ErrorKind::kWrongState:
      return "wrong transaction state";
    case ErrorKind::kNoRoute:
      return "no route";
    case ErrorKind::kResolveFailed:
      return "cannot resolve";
    case ErrorKind::kTransportError:
      return "transport error";
    case ErrorKind::kStorageError:
      return "storage error";
  }
  return "unknown error";
}

}  // namespace sippet::message
