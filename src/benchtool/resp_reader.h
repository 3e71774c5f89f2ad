// RESP2 for the Redis baseline: encoding commands as arrays of bulk strings
// and an incremental reader that turns received bytes into replies. Only the
// harness's side of the protocol (simple strings, errors, integers, bulk
// strings, arrays, nulls); malformed input is an error, never a crash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runnel::benchtool {

struct RespValue {
  enum class Type { kSimple, kError, kInteger, kBulk, kArray, kNull };
  Type type = Type::kNull;
  std::string str;  // simple, error, bulk
  std::int64_t integer = 0;
  std::vector<RespValue> elems;  // array
};

// Appends one command ("XADD", "s", "*", ...) in RESP form to `out`.
void resp_encode(std::string& out, const std::vector<std::string_view>& args);

class RespReader {
 public:
  void feed(const char* data, std::size_t n) { buf_.append(data, n); }
  // The next complete reply, or nullopt if more bytes are needed (or the
  // input is malformed: then error() is non-empty).
  std::optional<RespValue> next();
  const std::string& error() const { return error_; }
  std::size_t buffered() const { return buf_.size() - pos_; }

 private:
  // 1: parsed into v and advanced p; 0: incomplete; -1: malformed.
  int parse(std::size_t& p, RespValue& v, int depth);
  std::string buf_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace runnel::benchtool
