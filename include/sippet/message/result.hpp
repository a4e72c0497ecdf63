#pragma once
// Results instead of exceptions on the data path: every layer's errors are
// values of one type, told apart by their kind (never by their text).
#include <cstddef>
#include <string>
#include <utility>
#include <variant>

namespace sippet::message {

enum class ErrorKind {
  kMalformedStartLine,  // request or status line does not follow §25.1
  kBadVersion,          // SIP-Version other than SIP/2.0 (505)
  kMalformedHeader,     // header line or typed value does not parse
  kMalformedUri,        // a URI does not parse
  kBadContentLength,    // negative, overlarge or larger than the body
  kIncomplete,          // the bytes end before the message does
  kTooLarge,            // the message is bigger than the allowed maximum
  kMissingHeader,       // a mandatory header is absent (validation)
  kMultipleValues,      // a single-value header has several values
  kMethodMismatch,      // CSeq method differs from the request method
  kUnsupportedScheme,   // Request-URI scheme the element cannot handle (416)
  kTooManyHops,         // Max-Forwards reached 0 (483)
  kHeaderTooLarge,      // a scalar value is out of range
  kNotFound,            // a header asked for is absent (fetch)
  kInvalidArgument,     // misuse of a call (a builder's, the stack's: e.g. sending an ACK
                        // through a transaction)
  // Transactions and the stack.
  kNoTransaction,      // no live transaction matches or has that name
  kTransactionExists,  // a request whose client transaction already exists
  kWrongState,         // the transaction cannot do that now (a second final response)
  kNoRoute,            // no listener or address reaches the target
  kResolveFailed,      // the target host name has no usable address
  kTransportError,     // the transport refused the message at once (send, bind)
  // The registrar's storage.
  kStorageError,  // the database cannot be opened, read or written, or has another schema
};

// What went wrong, where (byte offset into the input), and the status code a
// server should answer with (0 when no response should be sent, e.g. for an
// invalid response).
struct Error {
  ErrorKind kind{};
  std::size_t offset = 0;
  int status = 400;
  std::string reason;  // human-readable, e.g. "missing header: Call-ID"
};

const char* to_string(ErrorKind kind);

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  // A value built in place (no move of T).
  template <class... Args>
  explicit Result(std::in_place_t, Args&&... args)
      : v_(std::in_place_index<0>, std::forward<Args>(args)...) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace sippet::message
