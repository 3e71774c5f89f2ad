// Status and Result<T>: errors as values on every path a client can trigger.
// A Status carries a code and a static detail string (never allocated), so
// failing is as cheap as succeeding on hot decode paths.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace runnel {

enum class Errc : uint8_t {
  kOk = 0,
  kTruncated,           // fewer bytes than a length, count or fixed field needs
  kNegativeLength,      // a length or count below -1, or -1 where null is not allowed
  kVarintOverflow,      // a varint longer than its type allows
  kUnsupportedVersion,  // a version the message does not define
  kTooLarge,            // a count or size beyond the frame or a configured limit
  kTrailingBytes,       // bytes left over after a complete message
  kInvalidValue,        // readable but semantically wrong (bad enum, bad UTF-8 ...)
  kCorrupt,             // checksum mismatch
  kUnsupportedMagic,    // a record batch format other than magic 2
  kCompression,         // a codec failed or its output exceeded the limit
  kIo,                  // an operating-system call failed
};

// A short stable name for the code, e.g. "truncated".
std::string_view errc_name(Errc code);

class [[nodiscard]] Status {
 public:
  constexpr Status() = default;
  constexpr Status(Errc code, std::string_view detail) : code_(code), detail_(detail) {}

  static constexpr Status ok_status() { return Status(); }

  constexpr bool ok() const { return code_ == Errc::kOk; }
  constexpr Errc code() const { return code_; }
  // Points at a string literal (or other static storage); never owned.
  constexpr std::string_view detail() const { return detail_; }
  // "truncated: record batch header"
  std::string to_string() const;

  friend constexpr bool operator==(const Status& a, const Status& b) { return a.code_ == b.code_; }

 private:
  Errc code_ = Errc::kOk;
  std::string_view detail_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(status) {}     // NOLINT(google-explicit-constructor)

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace runnel
