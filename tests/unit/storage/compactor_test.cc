// Compaction as a property test: random keyed writes and tombstones across
// many segments, compacted with a tiny key map (several passes); afterwards,
// for every key the latest value survives at its offset, nothing older than
// it remains in the compacted range, old tombstones are gone, offsets still
// increase and every batch's CRC holds, also after reopening the log.
#include "storage/compactor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"
#include "temp_dir.h"

namespace runnel::storage {
namespace {

struct Written {
  std::string key;
  std::optional<std::string> value;
  int64_t timestamp;
};

struct Surviving {
  int64_t offset;
  std::string key;
  std::optional<std::string> value;
};

std::vector<Surviving> read_all(const Log& log) {
  std::vector<Surviving> out;
  int64_t offset = log.log_start_offset();
  int64_t previous = -1;
  while (offset < log.end_offset()) {
    auto range = log.read(offset, 1 << 20);
    EXPECT_TRUE(range.ok());
    if (!range.ok() || range->length == 0) break;
    std::vector<uint8_t> buf;
    EXPECT_TRUE(copy_range(*range, &buf).ok());
    RecordBatchIterator batches(buf);
    while (auto batch = batches.next()) {
      EXPECT_TRUE(batch->validate({.require_consecutive_offsets = false}).ok());
      std::vector<uint8_t> storage;
      std::span<const uint8_t> payload = batch->records_payload();
      if (batch->compression() != CompressionType::kNone) {
        storage = *decompress(batch->compression(), payload, 1 << 24);
        payload = storage;
      }
      RecordIterator records(payload, batch->record_count());
      RecordView r;
      while (records.next(&r)) {
        int64_t at = batch->base_offset() + r.offset_delta;
        EXPECT_GT(at, previous) << "offsets must increase";
        previous = at;
        out.push_back(
            {at, std::string(*r.key), r.value ? std::optional<std::string>(*r.value) : std::nullopt});
      }
      EXPECT_TRUE(records.status().ok());
      offset = batch->next_offset();
    }
  }
  return out;
}

class CompactorTest : public ::testing::TestWithParam<unsigned> {
 protected:
  TempDir tmp_;
  const std::string& dir_ = tmp_.path();
};

TEST_P(CompactorTest, LatestValuePerKeySurvivesAndOffsetsKeep) {
  std::mt19937 rng(GetParam());
  LogConfig config;
  config.segment_bytes = 3000;
  config.retention_ms = -1;
  config.segment.index_interval_bytes = 512;
  auto log = std::move(*Log::open(dir_ + "/p", config, [] { return int64_t{1'000'000}; }));

  std::vector<Written> written;  // index == offset
  const CompressionType codecs[] = {CompressionType::kNone, CompressionType::kGzip, CompressionType::kLz4,
                                    CompressionType::kZstd, CompressionType::kSnappy};
  while (written.size() < 600) {
    RecordBatchBuilder b;
    b.compression(codecs[rng() % 5]);
    int n = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < n; ++i) {
      Written w;
      // (Built with append: g++ 12 warns falsely on `"literal" + std::string`.)
      w.key = "key-";
      w.key.append(std::to_string(rng() % 40));
      if (rng() % 8 != 0) {
        std::string v = "v";
        v.append(std::to_string(written.size())).append(rng() % 60, 'x');
        w.value = std::move(v);
      }
      w.timestamp = static_cast<int64_t>(written.size()) * 1000;
      b.add(w.key, w.value, w.timestamp);
      written.push_back(std::move(w));
    }
    auto bytes = *b.build();
    ASSERT_TRUE(log->append(bytes).ok());
  }
  ASSERT_GE(log->segment_count(), 10u);

  CompactionConfig cc;
  cc.key_map_bytes = 600;  // a handful of keys: forces several passes
  cc.delete_retention_ms = 300'000;
  int64_t now = 600'000;  // tombstones written before t=300s are expired
  auto stats = compact(*log, cc, now, true);
  ASSERT_TRUE(stats.ok()) << stats.status().to_string();
  EXPECT_GT(stats->passes, 1);
  EXPECT_GT(stats->records_removed, 0);
  EXPECT_GT(stats->tombstones_removed, 0);
  EXPECT_LT(stats->bytes_after, stats->bytes_before);
  int64_t cleaned_through = log->cleaner_checkpoint();
  EXPECT_EQ(cleaned_through, log->segment(log->segment_count() - 1).base_offset());

  std::map<std::string, int64_t> latest;
  for (size_t o = 0; o < written.size(); ++o) latest[written[o].key] = static_cast<int64_t>(o);

  auto check = [&](const Log& l) {
    auto surviving = read_all(l);
    std::map<int64_t, const Surviving*> by_offset;
    for (const auto& s : surviving) by_offset[s.offset] = &s;
    for (const auto& s : surviving) {
      const Written& w = written[static_cast<size_t>(s.offset)];
      EXPECT_EQ(s.key, w.key) << "offset " << s.offset;
      EXPECT_EQ(s.value, w.value) << "offset " << s.offset;
      if (s.offset < cleaned_through) {
        // In the compacted range only a key's latest record may remain...
        EXPECT_TRUE(latest[s.key] == s.offset || latest[s.key] >= cleaned_through) << "offset " << s.offset;
        // ...and no expired tombstone.
        if (!s.value) {
          EXPECT_GE(w.timestamp, now - cc.delete_retention_ms) << "offset " << s.offset;
        }
      }
    }
    for (const auto& [key, offset] : latest) {
      const Written& w = written[static_cast<size_t>(offset)];
      bool expired_tombstone =
          !w.value && w.timestamp < now - cc.delete_retention_ms && offset < cleaned_through;
      if (!expired_tombstone) {
        EXPECT_TRUE(by_offset.count(offset)) << key << " lost its latest value";
      }
    }
    // Everything in the active segment is untouched.
    for (int64_t o = cleaned_through; o < static_cast<int64_t>(written.size()); ++o) {
      EXPECT_TRUE(by_offset.count(o)) << "offset " << o;
    }
  };
  check(*log);
  EXPECT_EQ(log->end_offset(), static_cast<int64_t>(written.size()));

  // Appends continue at the old end; the compacted log reopens intact.
  RecordBatchBuilder more;
  more.add("key-new", "fresh", 700'000);
  auto bytes = *more.build();
  EXPECT_EQ(log->append(bytes)->base_offset, static_cast<int64_t>(written.size()));
  written.push_back({"key-new", std::string("fresh"), 700'000});
  latest["key-new"] = static_cast<int64_t>(written.size() - 1);
  ASSERT_TRUE(log->flush().ok());
  log.reset();
  auto reopened = std::move(*Log::open(dir_ + "/p", config, [] { return int64_t{1'000'000}; }));
  EXPECT_EQ(reopened->cleaner_checkpoint(), cleaned_through);
  check(*reopened);

  // Nothing dirty left: a second run below the threshold does nothing.
  auto again = compact(*reopened, cc, now);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->passes, 0);
}

INSTANTIATE_TEST_SUITE_P(Seeds, CompactorTest, ::testing::Values(1u, 2u, 3u, 4u, 5u));

}  // namespace
}  // namespace runnel::storage
