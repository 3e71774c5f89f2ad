#include "protocol/kafka/wire.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>

#include "base/varint.h"

namespace runnel::kafka {
namespace {

constexpr size_t kMaxStringLength = 0x7fff;

// Reads a string/bytes length: returns -1 for null, -2 after failing the reader.
int64_t read_length(ByteReader& r, bool flexible, bool sixteen_bit) {
  int64_t len;
  if (flexible) {
    len = static_cast<int64_t>(r.read_uvarint()) - 1;
  } else {
    len = sixteen_bit ? r.read_i16() : r.read_i32();
  }
  if (!r.ok()) return -2;
  if (len < -1) {
    r.fail(Errc::kNegativeLength, "length below -1");
    return -2;
  }
  if (len > static_cast<int64_t>(r.remaining())) {
    r.fail(Errc::kTruncated, "length runs past the end of the input");
    return -2;
  }
  return len;
}

int64_t read_nonnull_length(ByteReader& r, bool flexible, bool sixteen_bit) {
  int64_t len = read_length(r, flexible, sixteen_bit);
  if (len == -1) {
    r.fail(Errc::kNegativeLength, "null where the field is not nullable");
    return -2;
  }
  return len;
}

void write_length(ByteWriter& w, bool flexible, bool sixteen_bit, int64_t len) {
  if (flexible) {
    w.write_uvarint(static_cast<uint64_t>(len + 1));
  } else if (sixteen_bit) {
    w.write_i16(static_cast<int16_t>(len));
  } else {
    w.write_i32(static_cast<int32_t>(len));
  }
}

size_t length_size(bool flexible, bool sixteen_bit, int64_t len) {
  if (flexible) return uvarint_size(static_cast<uint64_t>(len + 1));
  return sixteen_bit ? 2 : 4;
}

bool read_string_body(ByteReader& r, bool flexible, int64_t len, std::string* out) {
  if (len > static_cast<int64_t>(kMaxStringLength)) {
    r.fail(Errc::kTooLarge, "string longer than 0x7fff bytes");
    return false;
  }
  std::string_view sv = r.read_string_view(static_cast<size_t>(len));
  out->assign(sv.data(), sv.size());
  return r.ok();
}

template <typename T>
T read_element(ByteReader& r, bool flexible);
template <>
int8_t read_element<int8_t>(ByteReader& r, bool) {
  return r.read_i8();
}
template <>
int32_t read_element<int32_t>(ByteReader& r, bool) {
  return r.read_i32();
}
template <>
int64_t read_element<int64_t>(ByteReader& r, bool) {
  return r.read_i64();
}
template <>
Uuid read_element<Uuid>(ByteReader& r, bool) {
  return r.read_uuid();
}
template <>
std::string read_element<std::string>(ByteReader& r, bool flexible) {
  std::string s;
  read_string(r, flexible, &s);
  return s;
}

void write_element(ByteWriter& w, bool, int8_t v) {
  w.write_i8(v);
}
void write_element(ByteWriter& w, bool, int32_t v) {
  w.write_i32(v);
}
void write_element(ByteWriter& w, bool, int64_t v) {
  w.write_i64(v);
}
void write_element(ByteWriter& w, bool, const Uuid& v) {
  w.write_uuid(v);
}
void write_element(ByteWriter& w, bool flexible, const std::string& v) {
  write_string(w, flexible, v);
}

// The smallest wire size of one element: bounds a count before anything is allocated.
template <typename T>
size_t min_element_size() {
  if constexpr (std::is_same_v<T, std::string>) {
    return 1;
  } else if constexpr (std::is_same_v<T, Uuid>) {
    return 16;
  } else {
    return sizeof(T);
  }
}

template <typename T>
void read_elements(ByteReader& r, bool flexible, int32_t count, std::vector<T>* out) {
  out->clear();
  if (static_cast<size_t>(count) > r.remaining() / min_element_size<T>()) {
    r.fail(Errc::kTooLarge, "array count larger than the input");
    return;
  }
  out->reserve(static_cast<size_t>(count));
  for (int32_t i = 0; i < count && r.ok(); ++i) out->push_back(read_element<T>(r, flexible));
}

template <typename T>
void read_array_impl(ByteReader& r, bool flexible, std::vector<T>* out) {
  int32_t count;
  if (read_array_length(r, flexible, false, &count)) read_elements(r, flexible, count, out);
}

template <typename T>
void read_nullable_array_impl(ByteReader& r, bool flexible, bool nullable,
                              std::optional<std::vector<T>>* out) {
  int32_t count;
  if (!read_array_length(r, flexible, nullable, &count)) return;
  if (count < 0) {
    out->reset();
    return;
  }
  read_elements(r, flexible, count, &out->emplace());
}

template <typename T>
void write_array_impl(ByteWriter& w, bool flexible, const std::vector<T>& v) {
  write_array_length(w, flexible, static_cast<int64_t>(v.size()));
  for (const T& e : v) write_element(w, flexible, e);
}

template <typename T>
void write_nullable_array_impl(ByteWriter& w, bool flexible, bool nullable,
                               const std::optional<std::vector<T>>& v) {
  if (v) {
    write_array_impl(w, flexible, *v);
  } else if (nullable) {
    write_array_length(w, flexible, -1);
  } else {
    fail_not_nullable(w);
  }
}

template <typename T>
size_t fixed_array_size(bool flexible, const std::vector<T>& v) {
  return array_length_size(flexible, static_cast<int64_t>(v.size())) + v.size() * min_element_size<T>();
}

}  // namespace

bool RecordsView::operator==(const RecordsView& other) const {
  return spliced == other.spliced && bytes.size() == other.bytes.size() &&
         (bytes.empty() || std::memcmp(bytes.data(), other.bytes.data(), bytes.size()) == 0);
}

void read_string(ByteReader& r, bool flexible, std::string* out) {
  int64_t len = read_nonnull_length(r, flexible, true);
  if (len >= 0) read_string_body(r, flexible, len, out);
}

void read_string(ByteReader& r, bool flexible, bool nullable, std::optional<std::string>* out) {
  int64_t len = nullable ? read_length(r, flexible, true) : read_nonnull_length(r, flexible, true);
  if (len == -1) {
    out->reset();
  } else if (len >= 0) {
    read_string_body(r, flexible, len, &out->emplace());
  }
}

void write_string(ByteWriter& w, bool flexible, const std::string& s) {
  if (s.size() > kMaxStringLength) {
    w.fail(Errc::kTooLarge, "string longer than 0x7fff bytes");
    return;
  }
  write_length(w, flexible, true, static_cast<int64_t>(s.size()));
  w.write_string(s);
}

void write_string(ByteWriter& w, bool flexible, bool nullable, const std::optional<std::string>& s) {
  if (s) {
    write_string(w, flexible, *s);
  } else if (nullable) {
    write_length(w, flexible, true, -1);
  } else {
    fail_not_nullable(w);
  }
}

size_t string_size(bool flexible, const std::string& s) {
  return length_size(flexible, true, static_cast<int64_t>(s.size())) + s.size();
}

size_t string_size(bool flexible, const std::optional<std::string>& s) {
  return s ? string_size(flexible, *s) : length_size(flexible, true, -1);
}

void read_bytes_field(ByteReader& r, bool flexible, std::vector<uint8_t>* out) {
  int64_t len = read_nonnull_length(r, flexible, false);
  if (len < 0) return;
  auto b = r.read_bytes(static_cast<size_t>(len));
  out->assign(b.begin(), b.end());
}

void read_bytes_field(ByteReader& r, bool flexible, bool nullable, std::optional<std::vector<uint8_t>>* out) {
  int64_t len = nullable ? read_length(r, flexible, false) : read_nonnull_length(r, flexible, false);
  if (len == -1) {
    out->reset();
  } else if (len >= 0) {
    auto b = r.read_bytes(static_cast<size_t>(len));
    out->emplace(b.begin(), b.end());
  }
}

void write_bytes_field(ByteWriter& w, bool flexible, std::span<const uint8_t> b) {
  if (b.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max() - 1)) {
    w.fail(Errc::kTooLarge, "bytes field longer than an int32 length allows");
    return;
  }
  write_length(w, flexible, false, static_cast<int64_t>(b.size()));
  w.write_bytes(b);
}

void write_bytes_field(ByteWriter& w, bool flexible, bool nullable,
                       const std::optional<std::vector<uint8_t>>& b) {
  if (b) {
    write_bytes_field(w, flexible, std::span<const uint8_t>(*b));
  } else if (nullable) {
    write_length(w, flexible, false, -1);
  } else {
    fail_not_nullable(w);
  }
}

size_t bytes_field_size(bool flexible, size_t n) {
  return length_size(flexible, false, static_cast<int64_t>(n)) + n;
}

size_t bytes_field_size(bool flexible, const std::optional<std::vector<uint8_t>>& b) {
  return b ? bytes_field_size(flexible, b->size()) : length_size(flexible, false, -1);
}

void read_records(ByteReader& r, bool flexible, RecordsView* out) {
  int64_t len = read_nonnull_length(r, flexible, false);
  if (len >= 0) out->bytes = r.read_bytes(static_cast<size_t>(len));
}

void read_records(ByteReader& r, bool flexible, bool nullable, std::optional<RecordsView>* out) {
  int64_t len = nullable ? read_length(r, flexible, false) : read_nonnull_length(r, flexible, false);
  if (len == -1) {
    out->reset();
  } else if (len >= 0) {
    out->emplace().bytes = r.read_bytes(static_cast<size_t>(len));
  }
}

void write_records(ByteWriter& w, bool flexible, const RecordsView& v) {
  if (v.spliced == 0) {
    write_bytes_field(w, flexible, v.bytes);
    return;
  }
  if (v.spliced > static_cast<size_t>(std::numeric_limits<int32_t>::max() - 1)) {
    w.fail(Errc::kTooLarge, "records longer than an int32 length allows");
    return;
  }
  write_length(w, flexible, false, static_cast<int64_t>(v.spliced));
  w.leave_gap(v.spliced);
}

void write_records(ByteWriter& w, bool flexible, bool nullable, const std::optional<RecordsView>& v) {
  if (v) {
    write_records(w, flexible, *v);
  } else if (nullable) {
    write_length(w, flexible, false, -1);
  } else {
    fail_not_nullable(w);
  }
}

size_t records_size(bool flexible, const RecordsView& v) {
  // Spliced bytes are not in the encoded buffer, only their length.
  return v.spliced > 0 ? length_size(flexible, false, static_cast<int64_t>(v.spliced))
                       : bytes_field_size(flexible, v.bytes.size());
}

size_t records_size(bool flexible, const std::optional<RecordsView>& v) {
  return v ? records_size(flexible, *v) : length_size(flexible, false, -1);
}

bool read_array_length(ByteReader& r, bool flexible, bool nullable, int32_t* count) {
  int64_t n;
  if (flexible) {
    n = static_cast<int64_t>(r.read_uvarint()) - 1;
  } else {
    n = r.read_i32();
  }
  if (!r.ok()) return false;
  if (n < -1) {
    r.fail(Errc::kNegativeLength, "array count below -1");
    return false;
  }
  if (n == -1 && !nullable) {
    r.fail(Errc::kNegativeLength, "null array where the field is not nullable");
    return false;
  }
  if (n > static_cast<int64_t>(r.remaining())) {
    r.fail(Errc::kTooLarge, "array count larger than the input");
    return false;
  }
  *count = static_cast<int32_t>(n);
  return true;
}

void write_array_length(ByteWriter& w, bool flexible, int64_t count) {
  if (count > std::numeric_limits<int32_t>::max() - 1) {
    w.fail(Errc::kTooLarge, "array longer than an int32 count allows");
    return;
  }
  write_length(w, flexible, false, count);
}

size_t array_length_size(bool flexible, int64_t count) {
  return length_size(flexible, false, count);
}

void fail_not_nullable(ByteWriter& w) {
  w.fail(Errc::kNegativeLength, "null value in a version where the field is not nullable");
}

void read_array(ByteReader& r, bool flexible, std::vector<int8_t>* out) {
  read_array_impl(r, flexible, out);
}
void read_array(ByteReader& r, bool flexible, std::vector<int32_t>* out) {
  read_array_impl(r, flexible, out);
}
void read_array(ByteReader& r, bool flexible, std::vector<int64_t>* out) {
  read_array_impl(r, flexible, out);
}
void read_array(ByteReader& r, bool flexible, std::vector<Uuid>* out) {
  read_array_impl(r, flexible, out);
}
void read_array(ByteReader& r, bool flexible, std::vector<std::string>* out) {
  read_array_impl(r, flexible, out);
}
void read_array(ByteReader& r, bool flexible, bool nullable, std::optional<std::vector<int8_t>>* out) {
  read_nullable_array_impl(r, flexible, nullable, out);
}
void read_array(ByteReader& r, bool flexible, bool nullable, std::optional<std::vector<int32_t>>* out) {
  read_nullable_array_impl(r, flexible, nullable, out);
}
void read_array(ByteReader& r, bool flexible, bool nullable, std::optional<std::vector<int64_t>>* out) {
  read_nullable_array_impl(r, flexible, nullable, out);
}
void read_array(ByteReader& r, bool flexible, bool nullable, std::optional<std::vector<Uuid>>* out) {
  read_nullable_array_impl(r, flexible, nullable, out);
}
void read_array(ByteReader& r, bool flexible, bool nullable, std::optional<std::vector<std::string>>* out) {
  read_nullable_array_impl(r, flexible, nullable, out);
}

void write_array(ByteWriter& w, bool flexible, const std::vector<int8_t>& v) {
  write_array_impl(w, flexible, v);
}
void write_array(ByteWriter& w, bool flexible, const std::vector<int32_t>& v) {
  write_array_impl(w, flexible, v);
}
void write_array(ByteWriter& w, bool flexible, const std::vector<int64_t>& v) {
  write_array_impl(w, flexible, v);
}
void write_array(ByteWriter& w, bool flexible, const std::vector<Uuid>& v) {
  write_array_impl(w, flexible, v);
}
void write_array(ByteWriter& w, bool flexible, const std::vector<std::string>& v) {
  write_array_impl(w, flexible, v);
}
void write_array(ByteWriter& w, bool flexible, bool nullable, const std::optional<std::vector<int8_t>>& v) {
  write_nullable_array_impl(w, flexible, nullable, v);
}
void write_array(ByteWriter& w, bool flexible, bool nullable, const std::optional<std::vector<int32_t>>& v) {
  write_nullable_array_impl(w, flexible, nullable, v);
}
void write_array(ByteWriter& w, bool flexible, bool nullable, const std::optional<std::vector<int64_t>>& v) {
  write_nullable_array_impl(w, flexible, nullable, v);
}
void write_array(ByteWriter& w, bool flexible, bool nullable, const std::optional<std::vector<Uuid>>& v) {
  write_nullable_array_impl(w, flexible, nullable, v);
}
void write_array(ByteWriter& w, bool flexible, bool nullable,
                 const std::optional<std::vector<std::string>>& v) {
  write_nullable_array_impl(w, flexible, nullable, v);
}

size_t array_size(bool flexible, const std::vector<int8_t>& v) {
  return fixed_array_size(flexible, v);
}
size_t array_size(bool flexible, const std::vector<int32_t>& v) {
  return fixed_array_size(flexible, v);
}
size_t array_size(bool flexible, const std::vector<int64_t>& v) {
  return fixed_array_size(flexible, v);
}
size_t array_size(bool flexible, const std::vector<Uuid>& v) {
  return fixed_array_size(flexible, v);
}
size_t array_size(bool flexible, const std::vector<std::string>& v) {
  size_t n = array_length_size(flexible, static_cast<int64_t>(v.size()));
  for (const std::string& s : v) n += string_size(flexible, s);
  return n;
}

uint32_t read_tagged_field_count(ByteReader& r) {
  uint32_t n = r.read_uvarint();
  // A tagged field is at least two bytes (tag and size), so more fields than bytes is a lie.
  if (r.ok() && n > r.remaining()) {
    r.fail(Errc::kTooLarge, "tagged field count larger than the input");
    return 0;
  }
  return n;
}

bool read_tagged_field(ByteReader& r, int64_t* last_tag, uint32_t* tag, std::span<const uint8_t>* data) {
  *tag = r.read_uvarint();
  uint32_t size = r.read_uvarint();
  if (!r.ok()) return false;
  if (static_cast<int64_t>(*tag) <= *last_tag) {
    r.fail(Errc::kInvalidValue, "tagged fields out of order or repeated");
    return false;
  }
  *last_tag = *tag;
  *data = r.read_bytes(size);
  return r.ok();
}

void finish_tagged_field(ByteReader& r, const ByteReader& sub) {
  if (!sub.ok()) {
    r.fail(sub.status().code(), sub.status().detail());
  } else if (sub.remaining() != 0) {
    r.fail(Errc::kInvalidValue, "tagged field size does not match its contents");
  }
}

void keep_unknown_tagged_field(std::vector<RawTaggedField>* unknown, uint32_t tag,
                               std::span<const uint8_t> data) {
  RawTaggedField& f = unknown->emplace_back();
  f.tag = tag;
  f.data.assign(data.begin(), data.end());
}

void write_unknown_tagged_fields(ByteWriter& w, const std::vector<RawTaggedField>& unknown, size_t* next,
                                 uint64_t below) {
  while (*next < unknown.size() && unknown[*next].tag < below) {
    const RawTaggedField& f = unknown[*next];
    w.write_uvarint(f.tag);
    w.write_uvarint(f.data.size());
    w.write_bytes(f.data);
    ++*next;
  }
}

size_t unknown_tagged_fields_size(const std::vector<RawTaggedField>& unknown) {
  size_t n = 0;
  for (const RawTaggedField& f : unknown)
    n += uvarint_size(f.tag) + uvarint_size(f.data.size()) + f.data.size();
  return n;
}

void fail_tagged_in_classic(ByteWriter& w) {
  w.fail(Errc::kUnsupportedVersion, "tagged fields set on a message encoded at a non-flexible version");
}

}  // namespace runnel::kafka
