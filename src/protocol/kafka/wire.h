// Wire helpers shared by the generated Kafka messages: classic and compact (flexible-version)
// strings, bytes, records views, array lengths and tagged fields. Readers fail the ByteReader
// on bad input and never allocate more than the remaining input can justify; writers fail the
// ByteWriter when a value cannot be expressed in the version being written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "base/uuid.h"

namespace runnel::kafka {

// A tagged field this build does not know (a newer client's, or one outside the version that
// defines it). Kept verbatim so that proxying or re-encoding a message loses nothing.
struct RawTaggedField {
  uint32_t tag = 0;
  std::vector<uint8_t> data;
  bool operator==(const RawTaggedField&) const = default;
};

// A `records` field: a view into the frame the message was decoded from, never a copy, because
// produce and fetch move megabytes through these. A decoded message must not outlive its frame
// buffer. Equality compares the bytes, not the addresses, so round-trip checks work.
//
// `spliced` > 0 instead says the records are not in memory at all: the
// encoder writes their length and leaves a gap of that size
// (ByteWriter::leave_gap) for the sender to fill, e.g. with sendfile.
struct RecordsView {
  std::span<const uint8_t> bytes;
  size_t spliced = 0;
  bool operator==(const RecordsView& other) const;
  size_t size() const { return spliced > 0 ? spliced : bytes.size(); }
};

// Strings. The nullable overloads take `nullable`: whether this version allows null; -1 (or
// compact 0) where it does not fails with kNegativeLength on decode, and a null value fails the
// writer on encode. Strings longer than 0x7fff fail both ways, as Kafka's Java does.
void read_string(ByteReader& r, bool flexible, std::string* out);
void read_string(ByteReader& r, bool flexible, bool nullable, std::optional<std::string>* out);
void write_string(ByteWriter& w, bool flexible, const std::string& s);
void write_string(ByteWriter& w, bool flexible, bool nullable, const std::optional<std::string>& s);
size_t string_size(bool flexible, const std::string& s);
size_t string_size(bool flexible, const std::optional<std::string>& s);

// Byte strings: int32 length (classic) or unsigned varint length+1 (compact).
void read_bytes_field(ByteReader& r, bool flexible, std::vector<uint8_t>* out);
void read_bytes_field(ByteReader& r, bool flexible, bool nullable, std::optional<std::vector<uint8_t>>* out);
void write_bytes_field(ByteWriter& w, bool flexible, std::span<const uint8_t> b);
void write_bytes_field(ByteWriter& w, bool flexible, bool nullable,
                       const std::optional<std::vector<uint8_t>>& b);
size_t bytes_field_size(bool flexible, size_t n);
size_t bytes_field_size(bool flexible, const std::optional<std::vector<uint8_t>>& b);

// Records: encoded like bytes, decoded as a view.
void read_records(ByteReader& r, bool flexible, RecordsView* out);
void read_records(ByteReader& r, bool flexible, bool nullable, std::optional<RecordsView>* out);
void write_records(ByteWriter& w, bool flexible, const RecordsView& v);
void write_records(ByteWriter& w, bool flexible, bool nullable, const std::optional<RecordsView>& v);
size_t records_size(bool flexible, const RecordsView& v);
size_t records_size(bool flexible, const std::optional<RecordsView>& v);

// Array lengths. Returns false (reader failed) on a negative count below -1, a null where not
// allowed, or a count larger than the bytes left: every element takes at least one byte in
// practice, so that bound keeps a lying count from sizing an allocation.
bool read_array_length(ByteReader& r, bool flexible, bool nullable, int32_t* count);
// count == -1 writes null.
void write_array_length(ByteWriter& w, bool flexible, int64_t count);
size_t array_length_size(bool flexible, int64_t count);
// The writer failure for a null in a version where the field is not nullable.
void fail_not_nullable(ByteWriter& w);

// Arrays of primitives (the element types Kafka's schemas use).
void read_array(ByteReader& r, bool flexible, std::vector<int8_t>* out);
void read_array(ByteReader& r, bool flexible, std::vector<int32_t>* out);
void read_array(ByteReader& r, bool flexible, std::vector<int64_t>* out);
void read_array(ByteReader& r, bool flexible, std::vector<Uuid>* out);
void read_array(ByteReader& r, bool flexible, std::vector<std::string>* out);
void read_array(ByteReader& r, bool flexible, bool nullable, std::optional<std::vector<int8_t>>* out);
void read_array(ByteReader& r, bool flexible, bool nullable, std::optional<std::vector<int32_t>>* out);
void read_array(ByteReader& r, bool flexible, bool nullable, std::optional<std::vector<int64_t>>* out);
void read_array(ByteReader& r, bool flexible, bool nullable, std::optional<std::vector<Uuid>>* out);
void read_array(ByteReader& r, bool flexible, bool nullable, std::optional<std::vector<std::string>>* out);
void write_array(ByteWriter& w, bool flexible, const std::vector<int8_t>& v);
void write_array(ByteWriter& w, bool flexible, const std::vector<int32_t>& v);
void write_array(ByteWriter& w, bool flexible, const std::vector<int64_t>& v);
void write_array(ByteWriter& w, bool flexible, const std::vector<Uuid>& v);
void write_array(ByteWriter& w, bool flexible, const std::vector<std::string>& v);
void write_array(ByteWriter& w, bool flexible, bool nullable, const std::optional<std::vector<int8_t>>& v);
void write_array(ByteWriter& w, bool flexible, bool nullable, const std::optional<std::vector<int32_t>>& v);
void write_array(ByteWriter& w, bool flexible, bool nullable, const std::optional<std::vector<int64_t>>& v);
void write_array(ByteWriter& w, bool flexible, bool nullable, const std::optional<std::vector<Uuid>>& v);
void write_array(ByteWriter& w, bool flexible, bool nullable,
                 const std::optional<std::vector<std::string>>& v);
size_t array_size(bool flexible, const std::vector<int8_t>& v);
size_t array_size(bool flexible, const std::vector<int32_t>& v);
size_t array_size(bool flexible, const std::vector<int64_t>& v);
size_t array_size(bool flexible, const std::vector<Uuid>& v);
size_t array_size(bool flexible, const std::vector<std::string>& v);
template <typename T>
size_t array_size(bool flexible, const std::optional<std::vector<T>>& v) {
  return v ? array_size(flexible, *v) : array_length_size(flexible, -1);
}

// Tagged fields. Decoders read the count, then call read_tagged_field per field: it insists on
// strictly ascending tags (Kafka writes them that way, and it makes re-encoding canonical) and
// returns the field's bytes. A known field is decoded from a sub-reader over those bytes and
// finish_tagged_field checks it used them exactly.
uint32_t read_tagged_field_count(ByteReader& r);
bool read_tagged_field(ByteReader& r, int64_t* last_tag, uint32_t* tag, std::span<const uint8_t>* data);
void finish_tagged_field(ByteReader& r, const ByteReader& sub);
void keep_unknown_tagged_field(std::vector<RawTaggedField>* unknown, uint32_t tag,
                               std::span<const uint8_t> data);
// Writes the unknown fields (sorted by tag) from *next whose tag is below `below`, so known and
// unknown fields interleave in ascending tag order.
void write_unknown_tagged_fields(ByteWriter& w, const std::vector<RawTaggedField>& unknown, size_t* next,
                                 uint64_t below);
size_t unknown_tagged_fields_size(const std::vector<RawTaggedField>& unknown);
// The failure for unknown tagged fields set on a message encoded at a non-flexible version.
void fail_tagged_in_classic(ByteWriter& w);

}  // namespace runnel::kafka
