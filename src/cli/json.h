// A small JSON value for the CLI's --format json output and for reading the
// admin API's answers. Objects keep their keys in insertion order, so output
// reads in the order it was built. Numbers are int64 or double.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "cli/outcome.h"

namespace runnel::cli {

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() = default;                                  // null
  Json(std::nullptr_t) {}                            // NOLINT(google-explicit-constructor)
  Json(bool b) : v_(b) {}                            // NOLINT(google-explicit-constructor)
  Json(int v) : v_(static_cast<int64_t>(v)) {}       // NOLINT(google-explicit-constructor)
  Json(int64_t v) : v_(v) {}                         // NOLINT(google-explicit-constructor)
  Json(unsigned v) : v_(static_cast<int64_t>(v)) {}  // NOLINT(google-explicit-constructor)
  Json(uint64_t v) : v_(static_cast<int64_t>(v)) {}  // NOLINT(google-explicit-constructor)
  Json(double v) : v_(v) {}                          // NOLINT(google-explicit-constructor)
  Json(std::string s) : v_(std::move(s)) {}          // NOLINT(google-explicit-constructor)
  Json(std::string_view s) : v_(std::string(s)) {}   // NOLINT(google-explicit-constructor)
  Json(const char* s) : v_(std::string(s)) {}        // NOLINT(google-explicit-constructor)
  Json(Array a) : v_(std::move(a)) {}                // NOLINT(google-explicit-constructor)
  Json(Object o) : v_(std::move(o)) {}               // NOLINT(google-explicit-constructor)

  static Json array() { return Json(Array{}); }
  static Json object() { return Json(Object{}); }

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_int() const { return std::holds_alternative<int64_t>(v_); }
  bool is_number() const { return is_int() || std::holds_alternative<double>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_array() const { return std::holds_alternative<Array>(v_); }
  bool is_object() const { return std::holds_alternative<Object>(v_); }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const;  // doubles truncate
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }

  // Object member by key; nullptr if absent or not an object.
  const Json* find(std::string_view key) const;
  // Appends (or replaces) an object member; turns a null into an object.
  Json& set(std::string key, Json value);
  // Appends to an array; turns a null into an array.
  Json& push(Json value);

  // Compact, one line; strings escaped so any bytes give valid JSON (invalid
  // UTF-8 bytes become U+FFFD).
  std::string dump() const;
  void dump_to(std::string& out) const;

  static Outcome<Json> parse(std::string_view text);

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, Array, Object> v_;
};

// Appends s as a JSON string literal (quotes included).
void append_json_string(std::string& out, std::string_view s);

}  // namespace runnel::cli
