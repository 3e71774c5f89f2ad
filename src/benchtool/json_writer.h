// JsonWriter: appends compact JSON to a string, inserting commas itself.
// Only what the bench report needs: objects, arrays, strings, numbers, bools,
// null. Non-finite doubles become null (JSON has no NaN).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace runnel::benchtool {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(const std::string& k);
  JsonWriter& value(const std::string& s);
  JsonWriter& value(const char* s) { return value(std::string(s)); }
  JsonWriter& value(double d);
  JsonWriter& value(std::int64_t i);
  JsonWriter& value(std::uint64_t u);
  JsonWriter& value(int i) { return value(static_cast<std::int64_t>(i)); }
  JsonWriter& value(bool b);
  JsonWriter& null();

  const std::string& str() const { return out_; }

  static std::string quote(const std::string& s);

 private:
  void before_value();
  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace runnel::benchtool
