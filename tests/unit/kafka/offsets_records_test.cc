#include "kafka/group/offsets_records.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace runnel::kafka {
namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, int v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put32(Bytes& b, int64_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}
void put64(Bytes& b, int64_t v) {
  for (int s = 56; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}
void put_string(Bytes& b, const std::string& s) {
  put16(b, static_cast<int>(s.size()));
  b.insert(b.end(), s.begin(), s.end());
}

TEST(OffsetsRecords, OffsetCommitKeyAndValueHaveKafkasLayout) {
  OffsetCommitKey key{"g", "orders", 3};
  Bytes want_key;
  put16(want_key, 1);
  put_string(want_key, "g");
  put_string(want_key, "orders");
  put32(want_key, 3);
  EXPECT_EQ(encode_offsets_key(key), want_key);

  OffsetCommitValue value;
  value.offset = 42;
  value.leader_epoch = 0;
  value.metadata = "m";
  value.commit_timestamp = 1700000000000;
  Bytes want_value;
  put16(want_value, 3);
  put64(want_value, 42);
  put32(want_value, 0);
  put_string(want_value, "m");
  put64(want_value, 1700000000000);
  EXPECT_EQ(encode_offsets_value(value), want_value);

  // An explicit expiry needs value version 1, which has no leader epoch.
  value.expire_timestamp = 1700000600000;
  Bytes want_v1;
  put16(want_v1, 1);
  put64(want_v1, 42);
  put_string(want_v1, "m");
  put64(want_v1, 1700000000000);
  put64(want_v1, 1700000600000);
  EXPECT_EQ(encode_offsets_value(value), want_v1);
}

TEST(OffsetsRecords, EveryRecordRoundTrips) {
  OffsetCommitKey key{"group-1", "t", 0};
  OffsetCommitValue value;
  value.offset = 7;
  value.leader_epoch = 2;
  value.metadata = "";
  value.commit_timestamp = 5;
  Bytes k = encode_offsets_key(key);
  Bytes v = encode_offsets_value(value);
  auto back = decode_offsets_record(k, std::span<const uint8_t>(v));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->kind, OffsetsRecord::Kind::kOffsetCommit);
  EXPECT_EQ(back->offset_key, key);
  ASSERT_TRUE(back->offset_value.has_value());
  EXPECT_EQ(back->offset_value->offset, 7);
  EXPECT_EQ(back->offset_value->leader_epoch, 2);

  GroupMetadataValue group;
  group.protocol_type = "consumer";
  group.generation = 4;
  group.protocol = "range";
  group.leader = "m-1";
  group.current_state_timestamp = 99;
  auto& member = group.members.emplace_back();
  member.member_id = "m-1";
  member.group_instance_id = "instance-a";
  member.client_id = "c";
  member.client_host = "/127.0.0.1";
  member.rebalance_timeout = 300000;
  member.session_timeout = 45000;
  member.subscription = {1, 2, 3};
  member.assignment = {4, 5};
  Bytes gk = encode_offsets_key(GroupMetadataKey{"group-1"});
  Bytes gv = encode_offsets_value(group);
  auto decoded = decode_offsets_record(gk, std::span<const uint8_t>(gv));
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->kind, OffsetsRecord::Kind::kGroupMetadata);
  EXPECT_EQ(decoded->group_key.group, "group-1");
  ASSERT_TRUE(decoded->group_value.has_value());
  EXPECT_EQ(*decoded->group_value, group);
}

TEST(OffsetsRecords, ANullValueIsATombstone) {
  Bytes k = encode_offsets_key(OffsetCommitKey{"g", "t", 1});
  auto back = decode_offsets_record(k, std::nullopt);
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->offset_value.has_value());
}

TEST(OffsetsRecords, UnknownVersionsAndDamageAreErrorsNotCrashes) {
  Bytes newer_key;
  put16(newer_key, 11);  // a newer group protocol's record type
  put_string(newer_key, "g");
  EXPECT_EQ(decode_offsets_record(newer_key, std::nullopt).status().code(), Errc::kUnsupportedVersion);

  Bytes k = encode_offsets_key(OffsetCommitKey{"g", "t", 1});
  Bytes v = encode_offsets_value(OffsetCommitValue{});
  for (size_t cut = 0; cut < k.size(); ++cut) {
    EXPECT_FALSE(decode_offsets_record(std::span<const uint8_t>(k.data(), cut), std::nullopt).ok()) << cut;
  }
  for (size_t cut = 0; cut < v.size(); ++cut) {
    EXPECT_FALSE(decode_offsets_record(k, std::span<const uint8_t>(v.data(), cut)).ok()) << cut;
  }
  Bytes longer = v;
  longer.push_back(0);
  EXPECT_EQ(decode_offsets_record(k, std::span<const uint8_t>(longer)).status().code(), Errc::kTrailingBytes);
  Bytes bad_value_version = v;
  bad_value_version[1] = 9;
  EXPECT_EQ(decode_offsets_record(k, std::span<const uint8_t>(bad_value_version)).status().code(),
            Errc::kUnsupportedVersion);
}

}  // namespace
}  // namespace runnel::kafka
