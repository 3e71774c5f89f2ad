// Segment: one slice of a partition log: `<base>.log` holding v2 record
// batches back to back (byte-identical to what fetch serves) plus its offset
// and time indexes. Appends are copied into a write-behind buffer (see
// write_behind.h) and readable at once; the flusher writes them to the file
// with O_DIRECT and syncs it, or flush() does both, blocking. Only the
// newest segment of a log is active (appendable).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/offset_index.h"
#include "storage/time_index.h"
#include "storage/write_behind.h"

namespace runnel::storage {

// "00000000000000000042" for base offset 42.
std::string segment_file_stem(int64_t base_offset);
// Whether both index files of a sealed segment are present and whole.
bool indexes_look_sealed(const std::string& dir, int64_t base_offset);

class OpenSegmentCache;

struct SegmentOptions {
  size_t index_interval_bytes = 4096;
  size_t max_index_bytes = 10 << 20;
  // Bounds the open files of sealed segments (per shard); null keeps all open.
  OpenSegmentCache* open_files = nullptr;
};

// A batch-aligned run of log bytes, from a segment file (fit for sendfile)
// or, for the newest bytes of a log, from memory: never both. The descriptor
// is the segment's own: it stays valid only until the owner shard next
// touches storage (the open-file cache may close it on another read,
// retention or DeleteRecords may delete the segment). A transfer that
// outlives the current handler step must dup() it first; the bytes it names
// never change while the segment exists (appends go past them, compaction
// swaps in a new file). Memory pieces keep their bytes alive themselves.
struct ReadRange {
  int fd = -1;
  uint64_t position = 0;
  size_t length = 0;
  // One past the last offset of the range's last batch (-1 when empty).
  int64_t next_offset = -1;
  // When not empty, the range's bytes, in order (fd is -1).
  std::vector<MemoryPiece> memory;
};

// Appends a range's bytes to `out`, wherever they are.
Status copy_range(const ReadRange& range, std::vector<uint8_t>* out);

// What a segment needs written before its file can be synced: the
// write-behind's unwritten bytes and, once sealed, a trim of the file to its
// logical length (the last written block is padded, and space is reserved
// ahead of appends).
struct SegmentWrite {
  int64_t base_offset = 0;  // which segment
  int fd = -1;              // a descriptor to write through, which the writer closes
  std::optional<PendingWrite> write;
  int64_t trim_to = -1;  // ftruncate the file to this length afterwards; -1: no trim
  std::shared_ptr<WriteOrder> order;
};

// Performs `w` (on the flusher's thread, or blocking in Segment::flush);
// closes nothing.
Status write_segment(const SegmentWrite& w);

// What a tail scan found.
struct ScanResult {
  uint64_t valid_bytes = 0;      // the segment is valid up to here
  uint64_t truncated_bytes = 0;  // torn or corrupt bytes after it
  Status why;                    // why the scan stopped early (ok at a clean end)
  bool index_rebuilt = false;    // the index did not point at a batch boundary
};

class Segment {
 public:
  // Creates a new, empty, active segment.
  static Result<std::unique_ptr<Segment>> create(const std::string& dir, int64_t base_offset,
                                                 const SegmentOptions& opts);
  // Opens an existing segment. A sealed one is trusted as it is; an active
  // one (the newest) keeps the valid prefix of its indexes and must be
  // recovered from a position the caller trusts with recover_tail().
  static Result<std::unique_ptr<Segment>> open(const std::string& dir, int64_t base_offset, bool active,
                                               const SegmentOptions& opts);
  // Writes out (without syncing) whatever is still only in memory.
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  int64_t base_offset() const { return base_offset_; }
  // One past the last offset held; base_offset() when empty.
  int64_t next_offset() const { return next_offset_; }
  uint64_t size_bytes() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool active() const { return active_; }
  // Largest batch max timestamp held (-1 when none); retention uses it.
  int64_t max_timestamp() const { return max_timestamp_; }
  // What retention.ms measures: the largest timestamp, or, when no batch
  // carries one (-1, "no timestamp"), the log file's modification time, as
  // Kafka falls back to; -1 when neither is known.
  int64_t retention_timestamp() const;
  // Max timestamp of the first batch (-1 when empty); segment.ms rolls on it, as Kafka does.
  int64_t first_batch_timestamp() const { return first_batch_timestamp_; }
  bool index_full() const { return offset_index_->full() || time_index_->full(); }

  // Appends one batch whose base offset is already assigned.
  Status append(std::span<const uint8_t> batch, int64_t base_offset, int64_t last_offset,
                int64_t max_timestamp);

  // The batches from the one holding `offset` (or the first after it) up to
  // max_bytes, always at least one whole batch. Empty when none is at or
  // after `offset` in this segment.
  Result<ReadRange> read(int64_t offset, size_t max_bytes) const;
  // The offset of the first record stamped at or after `timestamp` (record
  // timestamps are read from the one batch that holds it, decompressed if
  // need be); nullopt when no record in this segment is.
  Result<std::optional<int64_t>> find_timestamp(int64_t timestamp) const;

  // Verifies every batch after the last index entry at or below
  // `trusted_offset` (data below it was flushed with its index), rebuilding
  // index entries and in-memory state, and truncates the segment at the first
  // torn or corrupt batch. trusted_offset == base_offset() scans it all.
  Result<ScanResult> recover_tail(int64_t trusted_offset);

  // Writes out the write-behind buffer and syncs the segment file and its
  // indexes, blocking (start-up, shutdown, the compactor); the shard's data
  // path writes and syncs through the flusher instead.
  Status flush();
  // What the flusher must write for this segment; none when nothing is due.
  std::optional<SegmentWrite> pending_write() const;
  // The flusher finished `w`.
  void finished(const SegmentWrite& w);
  // Appended bytes not yet written to the file.
  uint64_t unwritten_bytes() const { return tail_ ? tail_->unwritten_bytes() : 0; }
  // Whether the flusher has anything to write or trim here.
  bool needs_write() const {
    return unwritten_bytes() > 0 || (!active_ && (file_bytes_ > size_ || reserved_ > size_));
  }
  // Lets readers go to the file for everything written but (about) the
  // newest `keep` bytes, freeing the memory that held them. A sealed segment
  // wholly written and trimmed keeps none.
  void trim_memory(uint64_t keep);
  // Makes the segment read-only and trims its indexes without syncing
  // anything, so a roll never waits on the disk: a sealed segment becomes
  // durable with the next flush that passes its end (see sync_fds()).
  Status seal();
  // New descriptors of the files a flush must sync for this segment, for the
  // flusher to sync and close: the log file, and once sealed its indexes too
  // (recovery trusts a sealed segment below the recovery point as it is,
  // while an active segment's index entries are checked at start-up). Empty
  // on failure.
  std::vector<int> sync_fds() const;
  // Closes and deletes all three files.
  Status remove();

  const std::string& log_path() const { return log_path_; }
  // Closes a sealed segment's descriptor and index mappings; they reopen on
  // the next use. Called by the OpenSegmentCache.
  void close_files() const;
  bool files_open() const { return fd_ >= 0; }

 private:
  Segment() = default;
  Status open_files(const std::string& dir, bool create, bool active, const SegmentOptions& opts);
  // Reopens closed files of a sealed segment and marks it recently used.
  Status ensure_open() const;
  // Reads bytes from the write-behind buffer or the file, as they lie.
  Status read_exact(uint64_t position, size_t n, uint8_t* out) const;
  // Readers find bytes from here on in memory; size_ when nothing is.
  uint64_t memory_start() const { return tail_ ? tail_->memory_start() : size_; }
  // Makes room in the file for `end` bytes ahead of writing them, so a full
  // disk fails the append, not a later write of acknowledged data.
  Status reserve(uint64_t end);
  // The descriptor pending writes go through: O_DIRECT when the filesystem
  // takes it, else the buffered one.
  int write_fd() const;
  void note_batch(uint64_t position, int64_t base, int64_t last, int64_t max_ts, size_t batch_bytes);
  Status load_sealed_state();

  std::string log_path_;
  std::string dir_;
  // Mutable: a sealed segment's files open and close behind const reads.
  mutable int fd_ = -1;
  int64_t base_offset_ = 0;
  int64_t next_offset_ = 0;
  uint64_t size_ = 0;
  int64_t max_timestamp_ = -1;
  int64_t first_batch_timestamp_ = -1;
  size_t bytes_since_index_entry_ = 0;
  // Appended bytes not yet written (and lately written ones); created at the
  // first append after the segment is created or opened.
  std::unique_ptr<WriteBehind> tail_;
  std::shared_ptr<WriteOrder> write_order_ = std::make_shared<WriteOrder>();
  mutable int direct_fd_ = -1;          // O_DIRECT descriptor, opened at the first write
  mutable bool direct_failed_ = false;  // the filesystem refused O_DIRECT
  uint64_t reserved_ = 0;               // the file has space allocated up to here
  uint64_t file_bytes_ = 0;             // the file's length on disk (padding included)
  // The last window of the file the kernel was asked to read ahead.
  mutable uint64_t read_ahead_from_ = 0;
  mutable uint64_t read_ahead_to_ = 0;
  bool active_ = false;
  SegmentOptions opts_;
  mutable std::unique_ptr<OffsetIndex> offset_index_;
  mutable std::unique_ptr<TimeIndex> time_index_;
};

}  // namespace runnel::storage
