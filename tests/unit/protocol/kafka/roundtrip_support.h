// Test support for the generated round-trip property tests: a seeded generator of field values
// (which also owns the buffers that records views point into) and the round-trip checks that the
// generated randomize() overloads feed.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "base/uuid.h"
#include "protocol/kafka/generated/any_message.h"
#include "protocol/kafka/wire.h"

namespace runnel::kafka {

inline constexpr uint64_t kRoundtripSeeds[] = {1, 2, 3, 0x5eed, 0xdecafbad};

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}

  bool one_in(int n) { return gen_() % static_cast<uint64_t>(n) == 0; }
  bool boolean() { return (gen_() & 1) != 0; }
  // 0-3 elements: enough to exercise counts and nesting without blowing up nested arrays.
  size_t count() { return gen_() % 4; }

  // Edge values (0, -1, extremes) as often as arbitrary ones, since those are where encodings
  // (and defaults) go wrong.
  template <typename T>
  T integer() {
    switch (gen_() % 5) {
      case 0:
        return 0;
      case 1:
        return static_cast<T>(-1);
      case 2:
        return (gen_() & 1) ? std::numeric_limits<T>::min() : std::numeric_limits<T>::max();
      default:
        return static_cast<T>(gen_());
    }
  }
  double f64() {
    // Finite values only: NaN != NaN would make equal messages compare unequal.
    return static_cast<double>(static_cast<int64_t>(gen_() % 2000001) - 1000000) / 64.0;
  }
  Uuid uuid() {
    Uuid id;
    if (one_in(4)) return id;
    for (auto& b : id.bytes) b = static_cast<uint8_t>(gen_());
    return id;
  }
  std::string string() {
    std::string s(gen_() % 9, ' ');
    for (char& c : s) c = static_cast<char>('a' + gen_() % 26);
    return s;
  }
  std::vector<uint8_t> bytes() {
    std::vector<uint8_t> b(gen_() % 9);
    for (uint8_t& x : b) x = static_cast<uint8_t>(gen_());
    return b;
  }
  RecordsView records() {
    std::vector<uint8_t>& buf = buffers_.emplace_back(bytes());
    return RecordsView{std::span<const uint8_t>(buf)};
  }
  std::optional<std::string> maybe_string(bool nullable) {
    if (nullable && one_in(4)) return std::nullopt;
    return string();
  }
  std::optional<std::vector<uint8_t>> maybe_bytes(bool nullable) {
    if (nullable && one_in(4)) return std::nullopt;
    return bytes();
  }
  std::optional<RecordsView> maybe_records(bool nullable) {
    if (nullable && one_in(4)) return std::nullopt;
    return records();
  }

  template <typename T>
  T element() {
    if constexpr (std::is_same_v<T, std::string>) {
      return string();
    } else if constexpr (std::is_same_v<T, Uuid>) {
      return uuid();
    } else {
      return integer<T>();
    }
  }
  template <typename T>
  std::vector<T> array() {
    std::vector<T> v(count());
    for (T& e : v) e = element<T>();
    return v;
  }
  template <typename T>
  std::optional<std::vector<T>> maybe_array(bool nullable) {
    if (nullable && one_in(4)) return std::nullopt;
    return array<T>();
  }

  // 0-2 tagged fields with tags the struct does not know (small ones next to the known tags,
  // and a multi-byte varint tag), sorted as the encoder expects.
  std::vector<RawTaggedField> unknown_tagged_fields(std::initializer_list<uint32_t> known) {
    std::set<uint32_t> tags;
    size_t n = gen_() % 3;
    for (size_t i = 0; i < n; ++i) {
      uint32_t tag =
          one_in(3) ? static_cast<uint32_t>(200 + gen_() % 100000) : static_cast<uint32_t>(gen_() % 12);
      bool clash = false;
      for (uint32_t k : known) clash = clash || k == tag;
      if (!clash) tags.insert(tag);
    }
    std::vector<RawTaggedField> out;
    for (uint32_t tag : tags) out.push_back(RawTaggedField{tag, bytes()});
    return out;
  }

 private:
  std::mt19937_64 gen_;
  std::deque<std::vector<uint8_t>> buffers_;  // records views point here; deque keeps them put
};

// Encodes a randomised M at `version`, checks the size prediction, decodes, compares and
// re-encodes byte-for-byte. Returns the encoding for callers that check more.
template <typename M>
std::vector<uint8_t> check_message(int16_t version, uint64_t seed) {
  SCOPED_TRACE(::testing::Message() << typeid(M).name() << " v" << version << " seed " << seed);
  Rng rng(seed);
  M m;
  randomize(m, rng, version);
  std::vector<uint8_t> bytes;
  ByteWriter w(&bytes);
  m.encode(w, version);
  EXPECT_TRUE(w.ok()) << w.status().to_string();
  EXPECT_EQ(bytes.size(), m.encoded_size(version));

  ByteReader r(bytes);
  M decoded;
  decoded.decode(r, version);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_TRUE(decoded == m);

  std::vector<uint8_t> again;
  ByteWriter w2(&again);
  decoded.encode(w2, version);
  EXPECT_TRUE(w2.ok());
  EXPECT_EQ(again, bytes);
  return bytes;
}

// Also drives the type-erased entry points with the same bytes.
template <typename M>
void check_request(int16_t version, uint64_t seed) {
  std::vector<uint8_t> bytes = check_message<M>(version, seed);
  std::vector<uint8_t> out;
  Status s = roundtrip_request(M::kApiKey, version, bytes, &out);
  EXPECT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(out, bytes);
  bool consistent = false;
  EXPECT_TRUE(check_request_consistency(M::kApiKey, version, bytes, &consistent).ok());
  EXPECT_TRUE(consistent);
}

template <typename M>
void check_response(int16_t version, uint64_t seed) {
  std::vector<uint8_t> bytes = check_message<M>(version, seed);
  std::vector<uint8_t> out;
  Status s = roundtrip_response(M::kApiKey, version, bytes, &out);
  EXPECT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(out, bytes);
  bool consistent = false;
  EXPECT_TRUE(check_response_consistency(M::kApiKey, version, bytes, &consistent).ok());
  EXPECT_TRUE(consistent);
}

}  // namespace runnel::kafka
