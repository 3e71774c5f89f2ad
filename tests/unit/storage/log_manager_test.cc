#include "storage/log_manager.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "owner_loop.h"
#include "protocol/record_batch_builder.h"
#include "temp_dir.h"

namespace runnel::storage {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kHour = 3600LL * 1000;

class LogManagerTest : public ::testing::Test {
 protected:
  std::unique_ptr<LogManager> make_manager() {
    return std::make_unique<LogManager>(
        data_dir_, [this] { return now_; }, flusher_);
  }

  static ManagedLogConfig small_segments() {
    ManagedLogConfig config;
    config.log.segment_bytes = 2048;
    return config;
  }

  // Appends `records` records of ~100 bytes, stamped with the test clock.
  void append(Log& log, int records, const std::string& key = "key", int tag = 0) {
    RecordBatchBuilder b;
    std::string value(100, static_cast<char>('a' + tag % 26));
    for (int i = 0; i < records; ++i) b.add(key, value, now_);
    auto bytes = *b.build();
    auto r = log.append(bytes);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
  }

  static void touch_file(const std::string& path) { std::ofstream(path) << "junk"; }

  TempDir root_;
  const std::string& data_dir_ = root_.path();
  int64_t now_ = 1'700'000'000'000;
  // The loop outlives the flusher, whose last completions are posted to it.
  OwnerLoop loop_;
  Flusher flusher_{[this](std::function<void()> fn) { loop_.post(std::move(fn)); }};
};

TEST_F(LogManagerTest, OpensCreatesAndGets) {
  auto logs = make_manager();
  TopicPartition tp{"orders", 3};
  auto log = logs->open(tp, ManagedLogConfig{});
  ASSERT_TRUE(log.ok()) << log.status().to_string();
  EXPECT_TRUE(fs::is_directory(data_dir_ + "/kafka/orders/3"));
  EXPECT_EQ((*log)->dir(), data_dir_ + "/kafka/orders/3");
  EXPECT_EQ(logs->get(tp), *log);
  EXPECT_EQ(logs->get({"orders", 4}), nullptr);
  EXPECT_EQ(logs->get({"other", 3}), nullptr);
  EXPECT_EQ(logs->size(), 1u);
  append(**log, 5);

  // Opening again returns the same log, with the new config in force.
  ManagedLogConfig compacted;
  compacted.compact = true;
  auto again = logs->open(tp, compacted);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *log);
  EXPECT_EQ((*again)->end_offset(), 5);
  EXPECT_TRUE(logs->config(tp)->compact);
  EXPECT_EQ(logs->size(), 1u);

  ASSERT_TRUE(logs->open({"orders", 0}, ManagedLogConfig{}).ok());
  std::vector<TopicPartition> seen;
  logs->for_each([&](const TopicPartition& p, Log& l) {
    seen.push_back(p);
    EXPECT_EQ(&l, logs->get(p));
  });
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<TopicPartition>{{"orders", 0}, {"orders", 3}}));
}

TEST_F(LogManagerTest, RefusesNamesThatAreNotSafeDirectoryNames) {
  auto logs = make_manager();
  const std::vector<TopicPartition> bad = {{"", 0},
                                           {".", 0},
                                           {"..", 0},
                                           {"../escape", 0},
                                           {"a/b", 0},
                                           {"/abs", 0},
                                           {std::string("nul\0x", 5), 0},
                                           {"space name", 0},
                                           {std::string(250, 'x'), 0},
                                           {"ok", -1}};
  for (const auto& tp : bad) {
    auto log = logs->open(tp, ManagedLogConfig{});
    EXPECT_FALSE(log.ok()) << tp.topic << "/" << tp.partition;
    if (!log.ok()) {
      EXPECT_EQ(log.status().code(), Errc::kInvalidValue);
    }
    EXPECT_EQ(logs->remove(tp).code(), Errc::kInvalidValue);
    EXPECT_FALSE(partition_dir(data_dir_, tp).ok());
  }
  EXPECT_EQ(logs->size(), 0u);
  EXPECT_FALSE(fs::exists(data_dir_ + "/escape"));
  EXPECT_FALSE(fs::exists(data_dir_ + "/kafka"));
  // The longest legal name and every legal character are fine.
  EXPECT_TRUE(logs->open({std::string(249, 'x'), 0}, ManagedLogConfig{}).ok());
  EXPECT_TRUE(logs->open({"a.B_c-9..", 2147483647}, ManagedLogConfig{}).ok());
}

TEST_F(LogManagerTest, DiscoversWhatWasOpenedAfterReopening) {
  {
    auto logs = make_manager();
    for (const TopicPartition& tp :
         std::vector<TopicPartition>{{"b", 1}, {"a", 10}, {"a", 2}, {"__consumer_offsets", 0}}) {
      auto log = logs->open(tp, ManagedLogConfig{});
      ASSERT_TRUE(log.ok());
      append(**log, tp.partition + 1);
    }
    ASSERT_TRUE(logs->flush_all().ok());
  }
  // Junk an operator or another program might leave around.
  touch_file(data_dir_ + "/kafka/a/notes.txt");
  touch_file(data_dir_ + "/kafka/a/5");  // a file, not a directory
  fs::create_directories(data_dir_ + "/kafka/a/07");
  fs::create_directories(data_dir_ + "/kafka/a/-1");
  fs::create_directories(data_dir_ + "/kafka/a/99999999999");
  fs::create_directories(data_dir_ + "/kafka/a/backup");
  fs::create_directories(data_dir_ + "/kafka/bad name/0");
  touch_file(data_dir_ + "/kafka/stray-file");
  fs::create_directories(data_dir_ + "/kafka/b/4.deleted/inner");

  auto found = LogManager::discover(data_dir_);
  ASSERT_TRUE(found.ok()) << found.status().to_string();
  EXPECT_EQ(found->partitions,
            (std::vector<TopicPartition>{{"__consumer_offsets", 0}, {"a", 2}, {"a", 10}, {"b", 1}}));
  EXPECT_EQ(found->pending_removals, std::vector<std::string>{"kafka/b/4.deleted"});
  std::vector<std::string> ignored = found->ignored;
  std::sort(ignored.begin(), ignored.end());
  EXPECT_EQ(ignored, (std::vector<std::string>{"kafka/a/-1", "kafka/a/07", "kafka/a/5", "kafka/a/99999999999",
                                               "kafka/a/backup", "kafka/a/notes.txt", "kafka/bad name",
                                               "kafka/stray-file"}));

  // Reopened, every log has its data back; discovery touched nothing.
  auto logs = make_manager();
  for (const auto& tp : found->partitions) {
    auto log = logs->open(tp, ManagedLogConfig{});
    ASSERT_TRUE(log.ok());
    EXPECT_EQ((*log)->end_offset(), tp.partition + 1);
  }
  EXPECT_TRUE(fs::exists(data_dir_ + "/kafka/a/notes.txt"));
  EXPECT_TRUE(fs::exists(data_dir_ + "/kafka/a/backup"));
}

TEST_F(LogManagerTest, DiscoveryOfAnEmptyDataDirFindsNothing) {
  auto found = LogManager::discover(data_dir_);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->partitions.empty());
  EXPECT_TRUE(found->ignored.empty());
  auto missing = LogManager::discover(data_dir_ + "/does-not-exist");
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->partitions.empty());
}

TEST_F(LogManagerTest, RemoveDeletesTheDirectoryAndDiscoveryForgetsIt) {
  auto logs = make_manager();
  TopicPartition gone{"events", 0};
  TopicPartition kept{"events", 1};
  auto log = logs->open(gone, small_segments());
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < 40; ++i) append(**log, 2);
  ASSERT_GT((*log)->segment_count(), 2u);
  ASSERT_TRUE(logs->open(kept, ManagedLogConfig{}).ok());

  ASSERT_TRUE(logs->remove(gone).ok());
  EXPECT_EQ(logs->get(gone), nullptr);
  EXPECT_EQ(logs->size(), 1u);
  EXPECT_FALSE(fs::exists(data_dir_ + "/kafka/events/0"));
  EXPECT_FALSE(fs::exists(data_dir_ + "/kafka/events/0.deleted"));
  EXPECT_TRUE(fs::exists(data_dir_ + "/kafka/events/1")) << "a topic's other partitions stay";
  auto found = LogManager::discover(data_dir_);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->partitions, std::vector<TopicPartition>{kept});
  EXPECT_TRUE(found->pending_removals.empty());

  // Removing what is not there is not an error; recreating starts afresh.
  EXPECT_TRUE(logs->remove(gone).ok());
  auto fresh = logs->open(gone, ManagedLogConfig{});
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ((*fresh)->end_offset(), 0);
  EXPECT_EQ((*fresh)->segment_count(), 1u);
}

TEST_F(LogManagerTest, RemoveDeletesADirectoryThatIsNotOpen) {
  {
    auto logs = make_manager();
    auto log = logs->open({"orphan", 2}, ManagedLogConfig{});
    ASSERT_TRUE(log.ok());
    append(**log, 3);
  }
  auto logs = make_manager();
  EXPECT_TRUE(logs->remove({"orphan", 2}).ok());
  EXPECT_FALSE(fs::exists(data_dir_ + "/kafka/orphan/2"));
  EXPECT_FALSE(fs::exists(data_dir_ + "/kafka/orphan"))
      << "the topic's directory goes with its last partition";
}

TEST_F(LogManagerTest, RemoveClearsLeftoversOfAnEarlierFailedRemoval) {
  auto logs = make_manager();
  TopicPartition tp{"t", 0};
  fs::create_directories(data_dir_ + "/kafka/t/0.deleted/cleaning");
  touch_file(data_dir_ + "/kafka/t/0.deleted/00000000000000000000.log");
  auto log = logs->open(tp, ManagedLogConfig{});
  ASSERT_TRUE(log.ok());
  append(**log, 1);
  ASSERT_TRUE(logs->remove(tp).ok());
  EXPECT_FALSE(fs::exists(data_dir_ + "/kafka/t/0"));
  EXPECT_FALSE(fs::exists(data_dir_ + "/kafka/t/0.deleted"));
}

TEST_F(LogManagerTest, StartUpFinishesARemovalACrashInterrupted) {
  {
    auto logs = make_manager();
    for (int p = 0; p < 2; ++p) {
      auto log = logs->open({"t", p}, small_segments());
      ASSERT_TRUE(log.ok());
      for (int i = 0; i < 20; ++i) append(**log, 2);
    }
    ASSERT_TRUE(logs->flush_all().ok());
  }
  // The state remove() leaves when the process dies between the rename and
  // the end of the deletion: partition 1 moved aside, partly deleted.
  fs::rename(data_dir_ + "/kafka/t/1", data_dir_ + "/kafka/t/1.deleted");
  fs::remove(data_dir_ + "/kafka/t/1.deleted/00000000000000000000.log");
  // Not ours: names remove() never makes are left alone.
  fs::create_directories(data_dir_ + "/kafka/t/backup.deleted");
  fs::create_directories(data_dir_ + "/kafka/t/01.deleted");

  auto before = LogManager::discover(data_dir_);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->pending_removals, std::vector<std::string>{"kafka/t/1.deleted"});
  EXPECT_EQ(before->partitions, (std::vector<TopicPartition>{{"t", 0}}));

  auto logs = make_manager();
  EXPECT_TRUE(logs->startup_status().ok()) << logs->startup_status().to_string();
  EXPECT_EQ(logs->removals_finished(), 1);
  EXPECT_FALSE(fs::exists(data_dir_ + "/kafka/t/1.deleted"));
  EXPECT_TRUE(fs::exists(data_dir_ + "/kafka/t/backup.deleted"));
  EXPECT_TRUE(fs::exists(data_dir_ + "/kafka/t/01.deleted"));
  auto after = LogManager::discover(data_dir_);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->pending_removals.empty());
  EXPECT_EQ(after->partitions, (std::vector<TopicPartition>{{"t", 0}}));
  auto survivor = logs->open({"t", 0}, small_segments());
  ASSERT_TRUE(survivor.ok());
  EXPECT_EQ((*survivor)->end_offset(), 40);

  // A second manager (another shard) finds nothing left to do.
  auto second = make_manager();
  EXPECT_EQ(second->removals_finished(), 0);
  EXPECT_TRUE(second->startup_status().ok());
}

TEST_F(LogManagerTest, RemoveAnswersFlushWaitersOfTheClosedLog) {
  auto logs = make_manager();
  TopicPartition tp{"acks", 0};
  auto log = logs->open(tp, ManagedLogConfig{});
  ASSERT_TRUE(log.ok());
  append(**log, 3);
  std::optional<Status> answer;
  // The completion is posted to the loop, which this test never runs: the
  // waiter is still pending when the log goes.
  (*log)->flush_async(flusher_, [&](Status s) { answer = s; });
  EXPECT_FALSE(answer.has_value());
  ASSERT_TRUE(logs->remove(tp).ok());
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->code(), Errc::kIo);
}

TEST_F(LogManagerTest, DestroyingTheManagerAnswersFlushWaiters) {
  std::optional<Status> answer;
  {
    auto logs = make_manager();
    auto log = logs->open({"acks", 0}, ManagedLogConfig{});
    ASSERT_TRUE(log.ok());
    append(**log, 3);
    (*log)->flush_async(flusher_, [&](Status s) { answer = s; });
  }
  ASSERT_TRUE(answer.has_value());
  EXPECT_FALSE(answer->ok());
}

TEST_F(LogManagerTest, HousekeepingAppliesRetentionOnlyWithTheDeletePolicy) {
  auto logs = make_manager();
  ManagedLogConfig deleting = small_segments();
  deleting.log.retention_ms = kHour;
  ManagedLogConfig keeping = deleting;
  keeping.delete_retention = false;
  TopicPartition a{"retained", 0};
  TopicPartition b{"kept", 0};
  Log* la = *logs->open(a, deleting);
  Log* lb = *logs->open(b, keeping);
  for (int i = 0; i < 30; ++i) {
    append(*la, 2);
    append(*lb, 2);
  }
  size_t segments = la->segment_count();
  ASSERT_GT(segments, 3u);
  ASSERT_EQ(lb->segment_count(), segments);

  // Within retention nothing goes.
  now_ += kHour / 2;
  EXPECT_TRUE(logs->housekeeping().empty());
  EXPECT_EQ(la->log_start_offset(), 0);
  EXPECT_EQ(la->segment_count(), segments);

  // Past it, every expired segment goes (the active one is rolled first);
  // the log without the delete policy keeps everything.
  now_ += kHour;
  EXPECT_TRUE(logs->housekeeping().empty());
  EXPECT_EQ(la->segment_count(), 1u);
  EXPECT_EQ(la->log_start_offset(), 60);
  EXPECT_EQ(la->end_offset(), 60);
  EXPECT_EQ(lb->segment_count(), segments);
  EXPECT_EQ(lb->log_start_offset(), 0);

  // Turning the delete policy on applies retention at the next round.
  ASSERT_TRUE(logs->update_config(b, deleting).ok());
  EXPECT_TRUE(logs->config(b)->delete_retention);
  EXPECT_TRUE(logs->housekeeping().empty());
  EXPECT_EQ(lb->log_start_offset(), 60);
}

TEST_F(LogManagerTest, HousekeepingCompactsWhereThePolicySaysSo) {
  auto logs = make_manager();
  ManagedLogConfig compacted = small_segments();
  compacted.compact = true;
  compacted.delete_retention = false;
  ManagedLogConfig plain = small_segments();
  plain.log.retention_ms = -1;
  Log* lc = *logs->open({"state", 0}, compacted);
  Log* lp = *logs->open({"plain", 0}, plain);
  // Four keys rewritten over and over: most records are superseded.
  for (int i = 0; i < 60; ++i) {
    append(*lc, 1, "key-" + std::to_string(i % 4), i);
    append(*lp, 1, "key-" + std::to_string(i % 4), i);
  }
  ASSERT_GT(lc->segment_count(), 3u);
  uint64_t before = lc->size_bytes();
  ASSERT_GE(dirty_ratio(*lc), compacted.compaction.min_cleanable_dirty_ratio);

  EXPECT_TRUE(logs->housekeeping().empty());
  EXPECT_GT(lc->cleaner_checkpoint(), 0);
  EXPECT_LT(lc->size_bytes(), before);
  EXPECT_EQ(lc->end_offset(), 60);
  EXPECT_EQ(lp->cleaner_checkpoint(), 0);
  EXPECT_EQ(lp->size_bytes(), before);

  // Nothing dirty: the next round leaves it as it is.
  uint64_t after = lc->size_bytes();
  EXPECT_TRUE(logs->housekeeping().empty());
  EXPECT_EQ(lc->size_bytes(), after);
}

TEST_F(LogManagerTest, FlushAllMakesEveryLogDurable) {
  auto logs = make_manager();
  std::vector<Log*> opened;
  for (int p = 0; p < 3; ++p) {
    Log* log = *logs->open({"durable", p}, small_segments());
    for (int i = 0; i < 10 * (p + 1); ++i) append(*log, 1);
    EXPECT_LT(log->recovery_point(), log->end_offset());
    opened.push_back(log);
  }
  std::vector<LogProblem> problems;
  ASSERT_TRUE(logs->flush_all(&problems).ok());
  EXPECT_TRUE(problems.empty());
  for (Log* log : opened) EXPECT_EQ(log->recovery_point(), log->end_offset());
  logs.reset();

  // Reopened, nothing past the recovery point needs scanning.
  auto again = make_manager();
  for (int p = 0; p < 3; ++p) {
    Log* log = *again->open({"durable", p}, small_segments());
    EXPECT_EQ(log->end_offset(), 10 * (p + 1));
    EXPECT_EQ(log->recovery().bytes_truncated, 0u);
    EXPECT_EQ(log->recovery().segments_scanned, 1);  // only the active one
  }
}

TEST_F(LogManagerTest, FlushIfDueAllStartsBackgroundFlushes) {
  auto logs = make_manager();
  ManagedLogConfig config;
  config.log.write_caching = true;
  config.log.flush_bytes = 1;  // due after any append
  Log* due = *logs->open({"cached", 0}, config);
  config.log.flush_bytes = 1 << 30;
  config.log.flush_ms = kHour;
  Log* not_due = *logs->open({"cached", 1}, config);
  append(*due, 2);
  append(*not_due, 2);
  uint64_t syncs = flusher_.syncs();
  logs->flush_if_due_all();
  loop_.run_until([&] { return due->recovery_point() == due->end_offset(); });
  EXPECT_GT(flusher_.syncs(), syncs);
  EXPECT_EQ(not_due->recovery_point(), 0);

  // Once flush.ms has passed, the other one is due too.
  now_ += kHour;
  logs->flush_if_due_all();
  loop_.run_until([&] { return not_due->recovery_point() == not_due->end_offset(); });
}

TEST_F(LogManagerTest, UpdateConfigOfALogNotOpenHereFails) {
  auto logs = make_manager();
  EXPECT_EQ(logs->update_config({"nowhere", 0}, ManagedLogConfig{}).code(), Errc::kInvalidValue);
  EXPECT_EQ(logs->config({"nowhere", 0}), nullptr);
}

TEST_F(LogManagerTest, TopicPartitionsHashAndOrder) {
  TopicPartitionHash hash;
  EXPECT_EQ(hash({"a", 1}), hash({"a", 1}));
  EXPECT_NE(hash({"a", 1}), hash({"a", 2}));
  EXPECT_NE(hash({"a", 1}), hash({"b", 1}));
  EXPECT_LT((TopicPartition{"a", 9}), (TopicPartition{"b", 0}));
  EXPECT_LT((TopicPartition{"a", 1}), (TopicPartition{"a", 2}));
}

}  // namespace
}  // namespace runnel::storage
