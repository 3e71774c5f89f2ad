// ProducerStateTable: Kafka's sequence rules (duplicates of the last five
// batches, gaps, epoch bumps, wrap at INT32_MAX, producers without state),
// replay, expiry, and snapshots that survive intact or are refused whole.
#include "kafka/producer_state.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "base/crc32c.h"
#include "../storage/temp_dir.h"

namespace runnel::kafka {
namespace {

constexpr int32_t kMaxSeq = std::numeric_limits<int32_t>::max();

// Appends batches of one producer the way the partition does: check, then
// record at the next offsets.
class Producing {
 public:
  explicit Producing(ProducerStateTable& table) : table_(table) {}

  SequenceCheck send(int64_t pid, int16_t epoch, int32_t base_seq, int32_t count, int64_t now_ms = 1000) {
    SequenceCheck c = table_.check(pid, epoch, base_seq, count);
    if (c.verdict == SequenceVerdict::kAppend) {
      ProducerBatchInfo info{pid, epoch, base_seq, count, next_offset_, next_offset_ + count - 1, 100 + next_offset_};
      table_.record(info, now_ms);
      c.first_offset = info.first_offset;
      c.last_offset = info.last_offset;
      c.timestamp = info.max_timestamp;
      next_offset_ += count;
    }
    return c;
  }
  int64_t next_offset() const { return next_offset_; }

 private:
  ProducerStateTable& table_;
  int64_t next_offset_ = 0;
};

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Rewrites the CRC field (bytes 6..9) over the body (from byte 10), so a
// test can reach the checks behind it.
void fix_crc(std::vector<uint8_t>& bytes) {
  uint32_t crc = crc32c(bytes.data() + 10, bytes.size() - 10);
  for (int i = 0; i < 4; ++i) bytes[6 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
}

void put_u32(std::vector<uint8_t>& bytes, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

TEST(ProducerState, InSequenceBatchesAppend) {
  ProducerStateTable table;
  Producing p(table);
  EXPECT_EQ(p.send(7, 0, 0, 3).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(p.send(7, 0, 3, 1).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(p.send(7, 0, 4, 10).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(table.check(7, 0, 14, 1).verdict, SequenceVerdict::kAppend);
  ASSERT_EQ(table.size(), 1u);
  auto views = table.producers();
  EXPECT_EQ(views[0].producer_id, 7);
  EXPECT_EQ(views[0].epoch, 0);
  EXPECT_EQ(views[0].last_sequence, 13);
  EXPECT_EQ(views[0].last_timestamp, 100 + 4);
  EXPECT_EQ(views[0].last_update_ms, 1000);
}

TEST(ProducerState, EachOfTheLastFiveBatchesIsADuplicateWithItsOriginalOffsets) {
  ProducerStateTable table;
  Producing p(table);
  std::vector<SequenceCheck> sent;
  int32_t seq = 0;
  for (int i = 0; i < 7; ++i) {
    int32_t count = i + 1;
    sent.push_back(p.send(42, 3, seq, count));
    ASSERT_EQ(sent.back().verdict, SequenceVerdict::kAppend);
    seq += count;
  }
  // Batches 2..6 are the last five.
  seq = 0;
  for (int i = 0; i < 7; ++i) {
    int32_t count = i + 1;
    SequenceCheck c = table.check(42, 3, seq, count);
    if (i < 2) {
      EXPECT_EQ(c.verdict, SequenceVerdict::kOutOfOrderSequence) << "batch " << i;
    } else {
      ASSERT_EQ(c.verdict, SequenceVerdict::kDuplicate) << "batch " << i;
      EXPECT_EQ(c.first_offset, sent[i].first_offset);
      EXPECT_EQ(c.last_offset, sent[i].last_offset);
      EXPECT_EQ(c.timestamp, sent[i].timestamp);
    }
    seq += count;
  }
}

TEST(ProducerState, ARetryWithTheSameBaseButAnotherCountIsNotADuplicate) {
  ProducerStateTable table;
  Producing p(table);
  ASSERT_EQ(p.send(1, 0, 0, 5).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(table.check(1, 0, 0, 5).verdict, SequenceVerdict::kDuplicate);
  EXPECT_EQ(table.check(1, 0, 0, 4).verdict, SequenceVerdict::kOutOfOrderSequence);
  EXPECT_EQ(table.check(1, 0, 1, 4).verdict, SequenceVerdict::kOutOfOrderSequence);
}

TEST(ProducerState, AGapIsOutOfOrder) {
  ProducerStateTable table;
  Producing p(table);
  ASSERT_EQ(p.send(1, 0, 0, 2).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(table.check(1, 0, 3, 1).verdict, SequenceVerdict::kOutOfOrderSequence);
  EXPECT_EQ(table.check(1, 0, 1000, 1).verdict, SequenceVerdict::kOutOfOrderSequence);
  EXPECT_EQ(table.check(1, 0, 1, 1).verdict, SequenceVerdict::kOutOfOrderSequence);  // overlaps batch 0
  EXPECT_EQ(table.check(1, 0, 2, 1).verdict, SequenceVerdict::kAppend);
  // Nothing was recorded by the refusals.
  EXPECT_EQ(table.producers()[0].last_sequence, 1);
}

TEST(ProducerState, ANewEpochMustStartAtSequenceZero) {
  ProducerStateTable table;
  Producing p(table);
  ASSERT_EQ(p.send(5, 0, 0, 10).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(table.check(5, 1, 10, 1).verdict, SequenceVerdict::kOutOfOrderSequence);
  EXPECT_EQ(table.check(5, 1, 5, 1).verdict, SequenceVerdict::kOutOfOrderSequence);
  EXPECT_EQ(table.check(5, 7, 0, 3).verdict, SequenceVerdict::kAppend);
  ASSERT_EQ(p.send(5, 1, 0, 3).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(table.producers()[0].epoch, 1);
  EXPECT_EQ(table.producers()[0].last_sequence, 2);
  // The bump cleared the old epoch's window: its batches are fenced, not
  // duplicates, even when their sequence range matches a new batch.
  EXPECT_EQ(table.check(5, 0, 0, 10).verdict, SequenceVerdict::kInvalidProducerEpoch);
  EXPECT_EQ(table.check(5, 0, 0, 3).verdict, SequenceVerdict::kInvalidProducerEpoch);
  EXPECT_EQ(table.check(5, 1, 0, 3).verdict, SequenceVerdict::kDuplicate);
  EXPECT_EQ(table.check(5, 1, 3, 1).verdict, SequenceVerdict::kAppend);
}

TEST(ProducerState, ALowerEpochIsInvalidWhateverItsSequence) {
  ProducerStateTable table;
  Producing p(table);
  ASSERT_EQ(p.send(9, 4, 0, 1).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(table.check(9, 3, 1, 1).verdict, SequenceVerdict::kInvalidProducerEpoch);
  EXPECT_EQ(table.check(9, 3, 0, 1).verdict, SequenceVerdict::kInvalidProducerEpoch);
  EXPECT_EQ(table.check(9, 0, 77, 1).verdict, SequenceVerdict::kInvalidProducerEpoch);
  EXPECT_EQ(table.check(9, -1, 1, 1).verdict, SequenceVerdict::kInvalidProducerEpoch);
}

TEST(ProducerState, SequencesWrapAtInt32Max) {
  ProducerStateTable table;
  // No state: any first sequence is accepted, so start just below the wrap.
  Producing p(table);
  ASSERT_EQ(p.send(3, 0, kMaxSeq - 2, 3).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(table.producers()[0].last_sequence, kMaxSeq);
  EXPECT_EQ(table.check(3, 0, 1, 1).verdict, SequenceVerdict::kOutOfOrderSequence);
  ASSERT_EQ(p.send(3, 0, 0, 2).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(table.check(3, 0, kMaxSeq - 2, 3).verdict, SequenceVerdict::kDuplicate);
  EXPECT_EQ(table.check(3, 0, 2, 1).verdict, SequenceVerdict::kAppend);

  // A batch that itself straddles the wrap ends at (count - 1) past 0.
  ProducerStateTable straddle;
  Producing q(straddle);
  ASSERT_EQ(q.send(4, 0, kMaxSeq - 1, 4).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(straddle.producers()[0].last_sequence, 1);
  EXPECT_EQ(straddle.check(4, 0, kMaxSeq - 1, 4).verdict, SequenceVerdict::kDuplicate);
  EXPECT_EQ(straddle.check(4, 0, 2, 5).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(straddle.check(4, 0, 0, 1).verdict, SequenceVerdict::kOutOfOrderSequence);
}

TEST(ProducerState, AProducerWithoutStateIsAcceptedAtAnySequence) {
  ProducerStateTable table;
  // Kafka 2.5+: no state (new, expired, or its records deleted) -> append,
  // not UNKNOWN_PRODUCER_ID, whether the sequence is 0 or not.
  EXPECT_EQ(table.check(11, 0, 0, 1).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(table.check(11, 0, 12345, 1).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(table.check(11, 5, 12345, 1).verdict, SequenceVerdict::kAppend);
  Producing p(table);
  ASSERT_EQ(p.send(12, 2, 500, 5).verdict, SequenceVerdict::kAppend);
  // From then on the producer is held to its sequence.
  EXPECT_EQ(table.check(12, 2, 505, 1).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(table.check(12, 2, 0, 1).verdict, SequenceVerdict::kOutOfOrderSequence);
  // Other producers are unaffected.
  EXPECT_EQ(table.check(13, 0, 9, 1).verdict, SequenceVerdict::kAppend);
}

TEST(ProducerState, BatchesThatFitNoSequenceAreRefusedAndNotRecorded) {
  ProducerStateTable table;
  EXPECT_EQ(table.check(1, 0, -1, 1).verdict, SequenceVerdict::kOutOfOrderSequence);
  EXPECT_EQ(table.check(1, 0, 0, 0).verdict, SequenceVerdict::kOutOfOrderSequence);
  EXPECT_EQ(table.check(1, 0, 0, -5).verdict, SequenceVerdict::kOutOfOrderSequence);
  table.record(ProducerBatchInfo{1, 0, -1, 1, 0, 0, 0}, 1);
  table.record(ProducerBatchInfo{1, 0, 0, 0, 0, 0, 0}, 1);
  table.record(ProducerBatchInfo{-1, 0, 0, 1, 0, 0, 0}, 1);
  EXPECT_EQ(table.size(), 0u);
}

TEST(ProducerState, ReplayTrustsTheLogAndIgnoresBatchesAlreadyKnown) {
  ProducerStateTable table;
  std::vector<ProducerBatchInfo> log = {
      {1, 0, 0, 2, 0, 1, 10},   {2, 0, 50, 1, 2, 2, 11},  {1, 0, 2, 2, 3, 4, 12},
      {1, 1, 0, 1, 5, 5, 13},   // an epoch bump
      {1, 0, 4, 1, 6, 6, 14},   // a lower epoch after it: the log is the authority
      {2, 0, 60, 1, 7, 7, 15},  // a gap: recorded all the same
  };
  for (const auto& b : log) table.record(b, 500);
  // Replaying an overlapping range (or the whole log) again changes nothing.
  for (const auto& b : log) table.record(b, 600);
  auto views = table.producers();
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views[0].producer_id, 1);
  EXPECT_EQ(views[0].epoch, 0);
  EXPECT_EQ(views[0].last_sequence, 4);
  EXPECT_EQ(views[0].last_update_ms, 500);
  EXPECT_EQ(views[1].producer_id, 2);
  EXPECT_EQ(views[1].last_sequence, 60);
  EXPECT_EQ(views[1].last_timestamp, 15);
  // Only the batch after the lower-epoch switch is in producer 1's window.
  EXPECT_EQ(table.check(1, 0, 4, 1).verdict, SequenceVerdict::kDuplicate);
  EXPECT_EQ(table.check(1, 0, 0, 2).verdict, SequenceVerdict::kOutOfOrderSequence);
  EXPECT_EQ(table.check(1, 0, 5, 1).verdict, SequenceVerdict::kAppend);
  SequenceCheck dup = table.check(2, 0, 50, 1);
  ASSERT_EQ(dup.verdict, SequenceVerdict::kDuplicate);
  EXPECT_EQ(dup.first_offset, 2);
  EXPECT_EQ(dup.timestamp, 11);
}

TEST(ProducerState, LastUpdateNeverMovesBackwards) {
  ProducerStateTable table;
  table.record(ProducerBatchInfo{1, 0, 0, 1, 0, 0, 0}, 2000);
  table.record(ProducerBatchInfo{1, 0, 1, 1, 1, 1, 0}, 1500);
  EXPECT_EQ(table.producers()[0].last_update_ms, 2000);
}

TEST(ProducerState, ExpiryForgetsIdleProducersOnly) {
  ProducerStateTable table;
  Producing p(table);
  ASSERT_EQ(p.send(1, 0, 0, 1, /*now_ms=*/1000).verdict, SequenceVerdict::kAppend);
  ASSERT_EQ(p.send(2, 0, 0, 1, /*now_ms=*/5000).verdict, SequenceVerdict::kAppend);
  table.expire(/*now_ms=*/4999, /*expiration_ms=*/4000);
  EXPECT_EQ(table.size(), 2u);
  table.expire(5000, 4000);  // producer 1 idle for exactly the expiration
  ASSERT_EQ(table.size(), 1u);
  EXPECT_EQ(table.producers()[0].producer_id, 2);
  // An expired producer comes back as one without state.
  EXPECT_EQ(table.check(1, 0, 1, 1).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(table.check(1, 0, 0, 1).verdict, SequenceVerdict::kAppend);
  table.expire(5000 + kDefaultProducerIdExpirationMs - 1, kDefaultProducerIdExpirationMs);
  EXPECT_EQ(table.size(), 1u);
  table.expire(5000 + kDefaultProducerIdExpirationMs, kDefaultProducerIdExpirationMs);
  EXPECT_EQ(table.size(), 0u);
}

TEST(ProducerState, SnapshotRoundTripKeepsEveryVerdict) {
  storage::TempDir dir;
  std::string path = dir.path() + "/producer-state";
  ProducerStateTable table;
  Producing p(table);
  for (int64_t pid = 0; pid < 20; ++pid) {
    int32_t seq = pid % 3 == 0 ? kMaxSeq - 3 : 0;
    for (int i = 0; i < static_cast<int>(pid % 8); ++i) {
      ASSERT_EQ(p.send(pid, static_cast<int16_t>(pid % 4), seq, 2, 1000 + pid).verdict, SequenceVerdict::kAppend);
      seq = static_cast<int32_t>((static_cast<int64_t>(seq) + 2) % (int64_t{kMaxSeq} + 1));
    }
  }
  ASSERT_TRUE(table.save_snapshot(path, p.next_offset()).ok());
  auto loaded = ProducerStateTable::load_snapshot(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  const ProducerStateTable& copy = loaded->first;
  EXPECT_EQ(loaded->second, p.next_offset());
  ASSERT_EQ(copy.size(), table.size());
  auto a = table.producers();
  auto b = copy.producers();
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].producer_id, b[i].producer_id);
    EXPECT_EQ(a[i].epoch, b[i].epoch);
    EXPECT_EQ(a[i].last_sequence, b[i].last_sequence);
    EXPECT_EQ(a[i].last_timestamp, b[i].last_timestamp);
    EXPECT_EQ(a[i].last_update_ms, b[i].last_update_ms);
  }
  for (int64_t pid = 0; pid < 22; ++pid) {
    for (int16_t epoch = -1; epoch < 5; ++epoch) {
      for (int32_t seq : {0, 1, 2, 4, 6, 8, 10, 12, kMaxSeq - 3, kMaxSeq - 1, kMaxSeq}) {
        SequenceCheck x = table.check(pid, epoch, seq, 2);
        SequenceCheck y = copy.check(pid, epoch, seq, 2);
        ASSERT_EQ(x.verdict, y.verdict) << pid << " " << epoch << " " << seq;
        EXPECT_EQ(x.first_offset, y.first_offset);
        EXPECT_EQ(x.last_offset, y.last_offset);
        EXPECT_EQ(x.timestamp, y.timestamp);
      }
    }
  }
  // The same state makes the same bytes, and no temporary is left behind.
  ASSERT_TRUE(copy.save_snapshot(dir.path() + "/again", p.next_offset()).ok());
  EXPECT_EQ(read_bytes(path), read_bytes(dir.path() + "/again"));
  EXPECT_FALSE(std::ifstream(path + ".tmp").good());
}

TEST(ProducerState, AnEmptyTableRoundTrips) {
  storage::TempDir dir;
  std::string path = dir.path() + "/producer-state";
  ASSERT_TRUE(ProducerStateTable().save_snapshot(path, 0).ok());
  auto loaded = ProducerStateTable::load_snapshot(path);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->first.size(), 0u);
  EXPECT_EQ(loaded->second, 0);
}

TEST(ProducerState, SavingReplacesTheOldSnapshot) {
  storage::TempDir dir;
  std::string path = dir.path() + "/producer-state";
  ProducerStateTable table;
  table.record(ProducerBatchInfo{1, 0, 0, 1, 0, 0, 0}, 1);
  ASSERT_TRUE(table.save_snapshot(path, 1).ok());
  table.record(ProducerBatchInfo{2, 0, 0, 1, 1, 1, 0}, 1);
  ASSERT_TRUE(table.save_snapshot(path, 2).ok());
  auto loaded = ProducerStateTable::load_snapshot(path);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->first.size(), 2u);
  EXPECT_EQ(loaded->second, 2);
}

TEST(ProducerState, MissingSnapshotOrDirectoryIsAnError) {
  storage::TempDir dir;
  EXPECT_EQ(ProducerStateTable::load_snapshot(dir.path() + "/none").status().code(), Errc::kIo);
  EXPECT_EQ(ProducerStateTable().save_snapshot(dir.path() + "/no/such/dir/state", 0).code(), Errc::kIo);
}

class DamagedSnapshot : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.path() + "/producer-state";
    ProducerStateTable table;
    Producing p(table);
    for (int64_t pid = 1; pid <= 3; ++pid) {
      for (int32_t seq = 0; seq < 7; ++seq) ASSERT_EQ(p.send(pid, 1, seq, 1).verdict, SequenceVerdict::kAppend);
    }
    ASSERT_TRUE(table.save_snapshot(path_, p.next_offset()).ok());
    good_ = read_bytes(path_);
    ASSERT_GT(good_.size(), 22u);
  }

  Status load(const std::vector<uint8_t>& bytes) {
    write_bytes(path_, bytes);
    return ProducerStateTable::load_snapshot(path_).status();
  }

  storage::TempDir dir_;
  std::string path_;
  std::vector<uint8_t> good_;
};

TEST_F(DamagedSnapshot, EveryTruncationIsRefused) {
  for (size_t n = 0; n < good_.size(); ++n) {
    std::vector<uint8_t> cut(good_.begin(), good_.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(load(cut).ok()) << "cut at " << n;
  }
  EXPECT_TRUE(load(good_).ok());
}

TEST_F(DamagedSnapshot, EveryBitFlipIsRefused) {
  for (size_t i = 0; i < good_.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> bad = good_;
      bad[i] ^= static_cast<uint8_t>(1u << bit);
      EXPECT_FALSE(load(bad).ok()) << "byte " << i << " bit " << bit;
    }
  }
}

TEST_F(DamagedSnapshot, ABadCrcFieldIsCorrupt) {
  std::vector<uint8_t> bad = good_;
  put_u32(bad, 6, 0);
  EXPECT_EQ(load(bad).code(), Errc::kCorrupt);
  bad = good_;
  bad.push_back(0);
  EXPECT_EQ(load(bad).code(), Errc::kCorrupt);
}

TEST_F(DamagedSnapshot, MagicAndVersionAreChecked) {
  std::vector<uint8_t> bad = good_;
  bad[0] = 'X';
  EXPECT_EQ(load(bad).code(), Errc::kCorrupt);
  bad = good_;
  bad[5] = 2;
  EXPECT_EQ(load(bad).code(), Errc::kUnsupportedVersion);
}

// Damage behind a valid CRC (a bug, or a file made by hand) is still caught.
TEST_F(DamagedSnapshot, ContentBehindAValidCrcIsChecked) {
  // A producer count far beyond the file: refused before allocating for it.
  std::vector<uint8_t> bad = good_;
  put_u32(bad, 18, 0xFFFFFFFF);
  fix_crc(bad);
  EXPECT_EQ(load(bad).code(), Errc::kTruncated);
  // One producer more than the file holds.
  bad = good_;
  put_u32(bad, 18, 4);
  fix_crc(bad);
  EXPECT_EQ(load(bad).code(), Errc::kTruncated);
  // One fewer: bytes left over.
  bad = good_;
  put_u32(bad, 18, 2);
  fix_crc(bad);
  EXPECT_EQ(load(bad).code(), Errc::kTrailingBytes);
  // A producer with no batches (byte 22 + 26 is the first batch count).
  bad = good_;
  ASSERT_EQ(bad[22 + 26], 5);
  bad[22 + 26] = 0;
  fix_crc(bad);
  EXPECT_EQ(load(bad).code(), Errc::kInvalidValue);
  bad[22 + 26] = 6;
  fix_crc(bad);
  EXPECT_EQ(load(bad).code(), Errc::kInvalidValue);
  // The same producer id twice.
  bad = good_;
  const size_t second = 22 + 27 + 5 * 32;
  for (int i = 0; i < 8; ++i) bad[second + i] = bad[22 + i];
  fix_crc(bad);
  EXPECT_EQ(load(bad).code(), Errc::kInvalidValue);
  // A negative offset.
  bad = good_;
  bad[10] = 0x80;
  fix_crc(bad);
  EXPECT_EQ(load(bad).code(), Errc::kInvalidValue);
  // A batch whose last offset is below its first.
  bad = good_;
  const size_t batch = 22 + 27;  // first seq, last seq, first offset at +8, last offset at +16
  bad[batch + 8] = 0x7F;
  fix_crc(bad);
  EXPECT_EQ(load(bad).code(), Errc::kInvalidValue);
}

}  // namespace
}  // namespace runnel::kafka
