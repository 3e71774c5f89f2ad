// Crash test: a child process appends with durable acknowledgements and
// reports each acknowledged offset over a pipe; the parent SIGKILLs it at a
// random moment, recovers the log, and checks that every acknowledged record
// is present and intact and that the log is a valid prefix of what was
// written. RUNNEL_CRASH_CYCLES raises the cycle count for a soak run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"
#include "storage/log.h"
#include "temp_dir.h"

namespace runnel::storage {
namespace {

// The value of the record at `offset` is derived from the offset, so the
// parent can check content without knowing what the child managed to write.
std::string value_for(int64_t offset) {
  std::string v = "record-";
  v += std::to_string(offset);
  v.resize(200 + static_cast<size_t>(offset % 300), 'x');
  return v;
}

LogConfig crash_config() {
  LogConfig config;
  config.segment_bytes = 64 << 10;  // many rolls, so recovery crosses segments
  config.segment.index_interval_bytes = 1024;
  return config;
}

[[noreturn]] void child_appends(const std::string& dir, int ack_fd, unsigned seed) {
  auto log = Log::open(dir, crash_config(), [] { return int64_t{1'700'000'000'000}; });
  if (!log.ok()) _exit(3);
  std::mt19937 rng(seed);
  for (;;) {
    int64_t base = (*log)->end_offset();
    int records = 1 + static_cast<int>(rng() % 8);
    RecordBatchBuilder b;
    for (int i = 0; i < records; ++i) b.add("k", value_for(base + i), 1'700'000'000'000);
    auto bytes = *b.build();
    if (!(*log)->append(bytes).ok()) _exit(4);
    if (!(*log)->flush().ok()) _exit(5);
    int64_t acked = base + records - 1;
    if (::write(ack_fd, &acked, sizeof acked) != sizeof acked) _exit(6);
  }
}

// Reads the whole log back; returns the number of records or -1 on a defect.
int64_t verify_log(const std::string& dir, int64_t must_have_through) {
  auto opened = Log::open(dir, crash_config(), [] { return int64_t{1'700'000'000'000}; });
  EXPECT_TRUE(opened.ok()) << opened.status().to_string();
  if (!opened.ok()) return -1;
  Log& log = **opened;
  EXPECT_GT(log.end_offset(), must_have_through) << "an acknowledged record is missing";
  int64_t expected = 0;
  while (expected < log.end_offset()) {
    auto range = log.read(expected, 1 << 20);
    EXPECT_TRUE(range.ok());
    if (!range.ok() || range->length == 0) return -1;
    std::vector<uint8_t> buf;
    EXPECT_TRUE(copy_range(*range, &buf).ok());
    RecordBatchIterator batches(buf);
    while (auto batch = batches.next()) {
      EXPECT_EQ(batch->base_offset(), expected) << "offsets must be contiguous";
      EXPECT_TRUE(batch->validate().ok()) << batch->validate().to_string();
      RecordIterator records(batch->records_payload(), batch->record_count());
      RecordView r;
      while (records.next(&r)) {
        int64_t offset = batch->base_offset() + r.offset_delta;
        EXPECT_EQ(r.value, value_for(offset)) << "offset " << offset;
      }
      expected = batch->next_offset();
    }
    EXPECT_TRUE(batches.status().ok());
    if (::testing::Test::HasFailure()) return -1;
  }
  return expected;
}

TEST(LogCrash, EveryAcknowledgedRecordSurvivesKillNine) {
  int cycles = 200;
  if (const char* env = std::getenv("RUNNEL_CRASH_CYCLES")) cycles = std::atoi(env);
  TempDir tmp;
  std::string dir = tmp.path() + "/kafka/t/0";
  std::mt19937 rng(20261122);
  int64_t acked_through = -1;
  for (int cycle = 0; cycle < cycles && !::testing::Test::HasFailure(); ++cycle) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      child_appends(dir, fds[1], static_cast<unsigned>(cycle));
    }
    ::close(fds[1]);
    // Let it acknowledge a random number of appends, then kill it a random
    // moment later: mid-write, mid-fsync, mid-roll or idle.
    int wait_acks = static_cast<int>(rng() % 6);
    for (int i = 0; i < wait_acks; ++i) {
      int64_t acked;
      if (::read(fds[0], &acked, sizeof acked) != sizeof acked) break;
      acked_through = std::max(acked_through, acked);
    }
    ::usleep(rng() % 3000);
    ::kill(pid, SIGKILL);
    // Acks already in the pipe were sent before the kill: they count too.
    int64_t acked;
    while (::read(fds[0], &acked, sizeof acked) == sizeof acked)
      acked_through = std::max(acked_through, acked);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited on its own with " << WEXITSTATUS(status);
    int64_t records = verify_log(dir, acked_through);
    // Unacknowledged records may survive too; acknowledged ones must.
    ASSERT_GE(records, acked_through + 1) << "cycle " << cycle;
  }
  std::printf("crash cycles: %d, records acknowledged: %lld\n", cycles,
              static_cast<long long>(acked_through + 1));
}

}  // namespace
}  // namespace runnel::storage
