#include "storage/log.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <vector>

#include "protocol/record_batch.h"
#include "storage/checkpoint_file.h"

namespace runnel::storage {
namespace {

constexpr const char* kRecoveryPointFile = "/recovery-point";
// How stale the recovery point on disk may get under steady acks=all
// traffic: recovery re-verifies at most about this much of the tail.
constexpr int64_t kCheckpointIntervalMs = 1000;
constexpr const char* kLogStartOffsetFile = "/log-start-offset";
constexpr const char* kCleanerCheckpointFile = "/cleaner-checkpoint";

Status make_dirs(const std::string& path) {
  std::string partial;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (!partial.empty() && ::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
        return Status(Errc::kIo, "cannot create log directory");
      }
    }
    if (i < path.size()) partial += path[i];
  }
  return Status();
}

// Base offsets of the `<20 digits>.log` files in dir, ascending. Removes
// checkpoint temporaries a crash left behind mid-write (`<name>.tmp.<n>`):
// nothing reads them, and every crash would otherwise leave one more.
Result<std::vector<int64_t>> list_segments(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Status(Errc::kIo, "cannot list log directory");
  std::vector<int64_t> bases;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.find(".tmp.") != std::string::npos) {
      ::unlink((dir + "/" + name).c_str());
      continue;
    }
    if (name.size() != 24 || name.compare(20, 4, ".log") != 0) continue;
    if (!std::all_of(name.begin(), name.begin() + 20, [](char c) { return c >= '0' && c <= '9'; })) continue;
    bases.push_back(std::strtoll(name.substr(0, 20).c_str(), nullptr, 10));
  }
  ::closedir(d);
  std::sort(bases.begin(), bases.end());
  return bases;
}

}  // namespace

Result<std::unique_ptr<Log>> Log::open(const std::string& dir, const LogConfig& config, Clock clock,
                                       std::shared_ptr<metrics::LogCells> cells) {
  if (auto s = make_dirs(dir); !s.ok()) return s;
  std::unique_ptr<Log> log(new Log(dir, config, std::move(clock)));
  log->cells_ = std::move(cells);
  if (auto s = log->recover(); !s.ok()) return s;
  log->refresh_size_metric();
  return log;
}

Status Log::recover() {
  auto recovery_point = read_checkpoint(dir_ + kRecoveryPointFile);
  if (!recovery_point.ok()) return recovery_point.status();
  auto start = read_checkpoint(dir_ + kLogStartOffsetFile);
  if (!start.ok()) return start.status();
  auto bases = list_segments(dir_);
  if (!bases.ok()) return bases.status();
  auto cleaned = read_checkpoint(dir_ + kCleanerCheckpointFile);
  if (!cleaned.ok()) return cleaned.status();
  cleaner_checkpoint_ = cleaned->value_or(0);
  recovery_point_ = recovery_point->value_or(0);
  checkpointed_ = recovery_point->value_or(-1);
  log_start_offset_ = start->value_or(0);

  for (size_t i = 0; i < bases->size(); ++i) {
    int64_t base = (*bases)[i];
    bool last = i + 1 == bases->size();
    // Wholly below the recovery point: flushed, trusted, never read.
    bool trusted = !last && (*bases)[i + 1] <= recovery_point_;
    bool rebuilt = trusted && !indexes_look_sealed(dir_, base);
    auto seg = Segment::open(dir_, base, !trusted, config_.segment);
    if (!seg.ok()) return seg.status();
    if (rebuilt) ++recovery_.indexes_rebuilt;
    if (!trusted) {
      ++recovery_.segments_scanned;
      auto scan = (*seg)->recover_tail(std::max(recovery_point_, base));
      if (!scan.ok()) return scan.status();
      if (scan->index_rebuilt) ++recovery_.indexes_rebuilt;
      if (scan->truncated_bytes > 0) {
        recovery_.bytes_truncated += scan->truncated_bytes;
        if (recovery_.first_problem.ok()) recovery_.first_problem = scan->why;
      }
      bool corrupt_before_end = scan->truncated_bytes > 0 && !last;
      if (!last && !corrupt_before_end) {
        if (auto s = (*seg)->seal(); !s.ok()) return s;
      }
      segments_.push_back(std::move(*seg));
      if (corrupt_before_end) {
        // Nothing after a corrupt point can be trusted to follow it.
        for (size_t j = i + 1; j < bases->size(); ++j) {
          auto later = Segment::open(dir_, (*bases)[j], true, config_.segment);
          if (later.ok()) (void)(*later)->remove();
          ++recovery_.segments_dropped;
        }
        break;
      }
      continue;
    }
    segments_.push_back(std::move(*seg));
  }
  // An empty trailing segment after a truncation would hide the real end.
  while (segments_.size() > 1 && segments_.back()->empty() &&
         segments_.back()->base_offset() > segments_[segments_.size() - 2]->next_offset()) {
    (void)segments_.back()->remove();
    segments_.pop_back();
  }
  if (segments_.empty()) {
    auto seg = Segment::create(dir_, log_start_offset_, config_.segment);
    if (!seg.ok()) return seg.status();
    segments_.push_back(std::move(*seg));
    count_segment_created();
  }
  log_start_offset_ = std::clamp(log_start_offset_, segments_.front()->base_offset(), end_offset());
  recovery_point_ = std::min(recovery_point_, end_offset());
  // When the active segment was first written is not on disk; its first
  // timestamp stands in unless it is in the future, so a segment found at
  // start-up still rolls on segment.ms (at worst one early roll for data
  // stamped long ago).
  if (!segments_.back()->empty()) {
    int64_t first = segments_.back()->first_batch_timestamp();
    int64_t now = clock_();
    active_since_ms_ = first >= 0 ? std::min(first, now) : now;
  }
  return Status();
}

uint64_t Log::size_bytes() const {
  uint64_t total = 0;
  for (const auto& s : segments_) total += s->size_bytes();
  return total;
}

bool Log::segment_aged(int64_t now) const {
  return active_since_ms_ >= 0 && now - active_since_ms_ > config_.segment_ms;
}

bool Log::should_roll(size_t incoming_bytes, int64_t last_offset, int64_t incoming_timestamp,
                      int64_t now) const {
  const Segment& active = *segments_.back();
  if (active.empty()) return false;
  if (active.size_bytes() + incoming_bytes > config_.segment_bytes) return true;
  if (active.index_full()) return true;
  // Index entries hold offsets relative to the base, and file positions, as
  // 32 bits; Kafka caps segment.bytes at 2^31 - 1 for the same reason, and a
  // larger configured value must not wrap positions.
  if (last_offset - active.base_offset() > std::numeric_limits<int32_t>::max()) return true;
  if (active.size_bytes() + incoming_bytes > static_cast<uint64_t>(std::numeric_limits<int32_t>::max()))
    return true;
  // segment.ms, as Kafka measures it: the incoming batch's timestamp against
  // the segment's first, so records stamped long ago (a mirror, a backfill)
  // do not roll a segment per batch; and, since timestamps alone never age
  // an idle or replayed segment, the time it has been written to.
  if (active.first_batch_timestamp() >= 0 &&
      incoming_timestamp - active.first_batch_timestamp() > config_.segment_ms) {
    return true;
  }
  return segment_aged(now);
}

Status Log::roll() {
  // Create first: if the disk is full, the current segment stays active and
  // the roll is retried by a later append.
  auto seg = Segment::create(dir_, end_offset(), config_.segment);
  if (!seg.ok()) return seg.status();
  if (auto s = segments_.back()->seal(); !s.ok()) {
    (void)(*seg)->remove();
    return s;
  }
  segments_.push_back(std::move(*seg));
  active_since_ms_ = -1;
  count_segment_created();
  return Status();
}

Result<AppendResult> Log::append(std::span<uint8_t> batch) {
  if (!sync_failure_.ok()) return sync_failure_;
  auto view = RecordBatchView::parse(batch);
  if (!view.ok()) return view.status();
  int64_t now = clock_();
  AppendResult result;
  result.base_offset = end_offset();
  result.last_offset = result.base_offset + view->last_offset_delta();
  int64_t incoming_timestamp = config_.log_append_time ? now : view->max_timestamp();
  if (should_roll(batch.size(), result.last_offset, incoming_timestamp, now)) {
    if (auto s = roll(); !s.ok()) return s;
  }
  set_base_offset(batch, result.base_offset);
  if (config_.log_append_time) {
    set_max_timestamp(batch, TimestampType::kLogAppendTime, now);
    result.log_append_time = now;
  }
  int64_t max_ts = RecordBatchView::parse(batch)->max_timestamp();
  if (auto s = segments_.back()->append(batch, result.base_offset, result.last_offset, max_ts); !s.ok())
    return s;
  if (active_since_ms_ < 0) active_since_ms_ = now;
  if (appended_bytes_ == durable_bytes_) oldest_unflushed_ms_ = now;
  appended_bytes_ += batch.size();
  result.end_offset = end_offset();
  if (cells_) {
    cells_->written_bytes->inc(batch.size());
    cells_->batches_written->inc();
    cells_->partition_size->add(static_cast<int64_t>(batch.size()));
  }
  return result;
}

Result<ReadRange> Log::read(int64_t offset, size_t max_bytes) const {
  if (offset < log_start_offset_ || offset > end_offset()) {
    return Status(Errc::kInvalidValue, "offset out of range");
  }
  // The last segment whose base is at or below the offset, then onwards
  // (a segment can end early after compaction or truncation).
  auto it =
      std::upper_bound(segments_.begin(), segments_.end(), offset,
                       [](int64_t o, const std::unique_ptr<Segment>& s) { return o < s->base_offset(); });
  if (it != segments_.begin()) --it;
  for (; it != segments_.end(); ++it) {
    auto range = (*it)->read(offset, max_bytes);
    if (!range.ok() || range->length > 0) return range;
  }
  return ReadRange{};
}

Result<std::optional<int64_t>> Log::offset_for_timestamp(int64_t timestamp) const {
  for (const auto& seg : segments_) {
    if (seg->max_timestamp() < timestamp) continue;
    auto found = seg->find_timestamp(timestamp);
    if (!found.ok() || found->has_value()) {
      if (found.ok() && **found < log_start_offset_) return std::optional<int64_t>(log_start_offset_);
      return found;
    }
  }
  return std::optional<int64_t>();
}

Status Log::drop_front_segment() {
  const auto dropped = static_cast<int64_t>(segments_.front()->size_bytes());
  if (auto s = segments_.front()->remove(); !s.ok()) return s;
  segments_.pop_front();
  if (cells_) cells_->partition_size->add(-dropped);
  // No checkpoint here: the files that are left are the record (start-up
  // never starts below the first segment), which keeps retention free of
  // fsyncs on the owner's thread. Only DeleteRecords, which moves the start
  // inside a segment, needs the file.
  log_start_offset_ = std::max(log_start_offset_, segments_.front()->base_offset());
  return Status();
}

Status Log::delete_records_before(int64_t offset) {
  if (offset > end_offset()) return Status(Errc::kInvalidValue, "offset beyond the end of the log");
  if (offset <= log_start_offset_) return Status();
  log_start_offset_ = offset;
  if (auto s = write_checkpoint(dir_ + kLogStartOffsetFile, log_start_offset_); !s.ok()) return s;
  // Whole segments below the new start go; the active one is rolled first if
  // everything in it is gone, so its files can go too.
  if (segments_.back()->next_offset() <= offset && !segments_.back()->empty()) {
    if (auto s = roll(); !s.ok()) return s;
  }
  while (segments_.size() > 1 && segments_.front()->next_offset() <= offset) {
    if (auto s = drop_front_segment(); !s.ok()) return s;
  }
  return Status();
}

Status Log::housekeeping() {
  int64_t now = clock_();
  const Segment& active = *segments_.back();
  int64_t active_ts = active.retention_timestamp();
  bool expired = config_.retention_ms >= 0 && !active.empty() && active_ts >= 0 &&
                 now - active_ts > config_.retention_ms;
  bool aged = segment_aged(now);
  if (!active.empty() && (aged || expired)) {
    if (auto s = roll(); !s.ok()) return s;
  }
  // Segments compacted down to nothing hold no offsets worth keeping.
  while (segments_.size() > 1 && segments_.front()->empty()) {
    if (auto s = drop_front_segment(); !s.ok()) return s;
  }
  while (segments_.size() > 1 && config_.retention_ms >= 0 && segments_.front()->retention_timestamp() >= 0 &&
         now - segments_.front()->retention_timestamp() > config_.retention_ms) {
    if (auto s = drop_front_segment(); !s.ok()) return s;
  }
  if (config_.retention_bytes >= 0) {
    uint64_t total = size_bytes();
    while (segments_.size() > 1 &&
           total - segments_.front()->size_bytes() >= static_cast<uint64_t>(config_.retention_bytes)) {
      total -= segments_.front()->size_bytes();
      if (auto s = drop_front_segment(); !s.ok()) return s;
    }
  }
  return Status();
}

Status Log::flush() {
  if (!sync_failure_.ok()) return sync_failure_;
  int64_t end = end_offset();
  if (end == recovery_point_ && end == checkpointed_ && !dir_unsynced_) return Status();
  // Every segment past the recovery point: the active one and any sealed
  // since the last flush (sealing does not sync).
  for (auto& seg : segments_) {
    if (seg->next_offset() <= recovery_point_ && !seg->active() && !seg->needs_write()) continue;
    if (auto s = seg->flush(); !s.ok()) {
      if (s.code() == Errc::kIo) sync_failure_ = s;
      return s;
    }
  }
  trim_memory();
  if (auto s = write_checkpoint(dir_ + kRecoveryPointFile, end); !s.ok()) return s;
  recovery_point_ = end;
  checkpointed_ = end;
  checkpointed_at_ms_ = clock_();
  dir_unsynced_ = false;
  const uint64_t durable_before = durable_bytes_;
  durable_bytes_ = appended_bytes_;
  count_flushed(durable_before);
  return Status();
}

bool Log::flush_due() const {
  if (durable_bytes_ >= appended_bytes_ || flush_in_flight_ || flush_scheduled_) return false;
  return appended_bytes_ - durable_bytes_ >= config_.flush_bytes ||
         clock_() - oldest_unflushed_ms_ >= config_.flush_ms;
}

void Log::flush_if_due(Flusher& flusher) {
  if (flush_due()) flush_async(flusher, [](Status) {});
}

void Log::flush_async(Flusher& flusher, std::function<void(Status)> done) {
  if (!sync_failure_.ok()) {
    done(sync_failure_);
    return;
  }
  int64_t target = end_offset();
  if (target <= recovery_point_) {
    done(Status());
    return;
  }
  flush_waiters_.push_back({target, std::move(done)});
  if (flush_in_flight_ || flush_scheduled_) return;
  // Not at once: appends handled in the same turn of the owner's loop (the
  // other partitions of a produce request, pipelined requests, other
  // connections) join this flush instead of waiting for the next one.
  flush_scheduled_ = true;
  std::weak_ptr<Log*> weak = self_;
  flusher.defer([weak, &flusher] {
    auto self = weak.lock();
    if (!self) return;
    Log& log = **self;
    log.flush_scheduled_ = false;
    if (!log.flush_in_flight_ && !log.flush_waiters_.empty()) log.start_flush(flusher);
  });
}

void Log::start_flush(Flusher& flusher) {
  int64_t target = end_offset();
  uint64_t bytes = appended_bytes_;
  std::vector<int> fds;
  std::vector<SegmentWrite> writes;
  bool ok = true;
  // Every segment past the recovery point: the active one and any sealed
  // since the last flush (sealing neither writes nor syncs).
  for (const auto& seg : segments_) {
    if (seg->next_offset() <= recovery_point_ && !seg->active() && !seg->needs_write()) continue;
    if (auto w = seg->pending_write()) {
      ok = ok && w->fd >= 0;
      writes.push_back(std::move(*w));
    }
    std::vector<int> more = seg->sync_fds();
    ok = ok && !more.empty();
    fds.insert(fds.end(), more.begin(), more.end());
  }
  if (!ok) {
    for (int fd : fds) ::close(fd);
    for (const auto& w : writes) {
      if (w.fd >= 0) ::close(w.fd);
    }
    auto waiters = std::move(flush_waiters_);
    flush_waiters_.clear();
    for (auto& w : waiters) w.done(Status(Errc::kIo, "cannot open segment for flushing"));
    return;
  }
  flush_in_flight_ = true;
  std::weak_ptr<Log*> weak = self_;
  // What the completion needs of the writes: which, and how far (not their memory).
  std::vector<SegmentWrite> done_writes;
  for (const auto& w : writes) {
    SegmentWrite copy{w.base_offset, -1, std::nullopt, w.trim_to, nullptr};
    if (w.write) copy.write = PendingWrite{w.write->offset, w.write->end, {}};
    done_writes.push_back(std::move(copy));
  }
  FlushJob job;
  job.writes = std::move(writes);
  job.fds = std::move(fds);
  job.checkpoint_path = dir_ + kRecoveryPointFile;
  job.offset = target;
  job.write_checkpoint = checkpoint_due();
  // Segments created from here on need the next checkpoint's directory sync.
  if (job.write_checkpoint) dir_unsynced_ = false;
  job.done = [weak, target, bytes, checkpointed = job.write_checkpoint, done_writes = std::move(done_writes),
              &flusher](const FlushOutcome& outcome) {
    if (auto self = weak.lock())
      (*self)->finish_flush(flusher, target, bytes, checkpointed, done_writes, outcome);
  };
  flusher.submit(std::move(job));
}

bool tail_cache_over_budget() {
  return chunks_in_use() * kChunkBytes > kTailCacheBudgetBytes;
}

void Log::trim_memory() {
  // Past the budget, logs keep only what they must: the unwritten bytes.
  const uint64_t keep = tail_cache_over_budget() ? 0 : config_.cached_tail_bytes;
  for (auto& seg : segments_) seg->trim_memory(keep);
}

void Log::release_cached_tail() {
  for (auto& seg : segments_) seg->trim_memory(0);
}

bool Log::checkpoint_due() const {
  return dir_unsynced_ || checkpointed_ < 0 || clock_() - checkpointed_at_ms_ >= kCheckpointIntervalMs;
}

void Log::finish_flush(Flusher& flusher, int64_t target, uint64_t bytes, bool checkpointed,
                       const std::vector<SegmentWrite>& writes, const FlushOutcome& outcome) {
  flush_in_flight_ = false;
  if (outcome.write.ok()) {
    for (const SegmentWrite& w : writes) {
      auto it = std::find_if(segments_.begin(), segments_.end(), [&w](const std::unique_ptr<Segment>& s) {
        return s->base_offset() == w.base_offset;
      });
      if (it != segments_.end()) (*it)->finished(w);
    }
    trim_memory();
  }
  if (checkpointed) {
    if (outcome.overall().ok()) {
      checkpointed_ = std::max(checkpointed_, target);
      checkpointed_at_ms_ = clock_();
    } else {
      dir_unsynced_ = true;  // the directory sync may not have happened
    }
  }
  // After a failed fdatasync the kernel may have dropped the dirty pages and
  // marked them clean, so a retry could report success for bytes that are
  // gone. The log stops taking appends and acknowledging flushes until it is
  // reopened, when recovery verifies the tail again.
  if (!outcome.sync.ok()) sync_failure_ = outcome.sync;
  Status status = outcome.overall();
  if (status.ok()) {
    recovery_point_ = std::max(recovery_point_, target);
    const uint64_t durable_before = durable_bytes_;
    durable_bytes_ = std::max(durable_bytes_, bytes);
    count_flushed(durable_before);
    // Appends made during the sync are now the oldest unflushed ones.
    if (durable_bytes_ < appended_bytes_) oldest_unflushed_ms_ = clock_();
  }
  std::vector<FlushWaiter> ready;
  std::vector<FlushWaiter> later;
  for (auto& w : flush_waiters_) (w.offset <= target ? ready : later).push_back(std::move(w));
  flush_waiters_ = std::move(later);
  if (!sync_failure_.ok()) {
    // Nobody waiting here can be acknowledged any more.
    for (auto& w : flush_waiters_) ready.push_back(std::move(w));
    flush_waiters_.clear();
    status = sync_failure_;
  }
  if (!flush_waiters_.empty()) start_flush(flusher);
  for (auto& w : ready) w.done(status);
}

Status Log::set_cleaner_checkpoint(int64_t offset) {
  if (auto s = write_checkpoint(dir_ + kCleanerCheckpointFile, offset); !s.ok()) return s;
  cleaner_checkpoint_ = offset;
  return Status();
}

Status Log::replace_segment(size_t i, const std::string& cleaned_dir) {
  if (i + 1 >= segments_.size()) return Status(Errc::kInvalidValue, "only closed segments can be replaced");
  int64_t base = segments_[i]->base_offset();
  std::string from = cleaned_dir + "/" + segment_file_stem(base);
  std::string to = dir_ + "/" + segment_file_stem(base);
  for (const char* ext : {".index", ".timeindex"}) ::unlink((to + ext).c_str());
  for (const char* ext : {".log", ".index", ".timeindex"}) {
    if (::rename((from + ext).c_str(), (to + ext).c_str()) != 0)
      return Status(Errc::kIo, "cannot swap in a cleaned segment");
  }
  auto seg = Segment::open(dir_, base, false, config_.segment);
  if (!seg.ok()) return seg.status();
  segments_[i] = std::move(*seg);
  refresh_size_metric();
  return Status();
}

void Log::close() {
  std::vector<FlushWaiter> waiters = std::move(flush_waiters_);
  flush_waiters_.clear();
  for (auto& w : waiters) w.done(Status(Errc::kIo, "log closed before its flush finished"));
}

Status Log::update_config(const LogConfig& config) {
  config_ = config;
  return Status();
}

}  // namespace runnel::storage
