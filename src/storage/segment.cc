#include "storage/segment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/big_endian.h"
#include "protocol/compression.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "storage/open_segment_cache.h"

namespace runnel::storage {
namespace {

Status io_error(const char* what) {
  // ENOSPC and EDQUOT are the ones a broker must survive; the detail says so
  // and the caller maps any kIo to KAFKA_STORAGE_ERROR.
  if (errno == ENOSPC || errno == EDQUOT) return Status(Errc::kIo, "no space left on the data device");
  return Status(Errc::kIo, what);
}

// A sealed index is exactly its entries: present, a whole number of entries.
bool index_looks_sealed(const std::string& path, size_t entry_size) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  return static_cast<size_t>(st.st_size) % entry_size == 0;
}

uint64_t round_up(uint64_t n, uint64_t unit) {
  return (n + unit - 1) / unit * unit;
}

// Space is reserved this far ahead of appends, so fallocate runs once per
// this many bytes appended rather than per batch.
constexpr uint64_t kReserveAheadBytes = 8 << 20;

// How far past a range read from the file the kernel is asked to read ahead.
constexpr uint64_t kReadAheadBytes = 4 << 20;

// Whether [from, to) of the file holds only zero bytes: what the padding
// of a last written block leaves past the end of the data.
bool zeros_only(int fd, uint64_t from, uint64_t to) {
  uint8_t buf[kBlockBytes];
  while (from < to) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(sizeof buf, to - from));
    if (::pread(fd, buf, n, static_cast<off_t>(from)) != static_cast<ssize_t>(n)) return false;
    for (size_t i = 0; i < n; ++i) {
      if (buf[i] != 0) return false;
    }
    from += n;
  }
  return true;
}

// Bounds the one batch a timestamp lookup decompresses (a batch is at most
// max.message.bytes on the wire, but its records can expand far beyond).
constexpr size_t kMaxDecompressedBatchBytes = 64 << 20;

// ListOffsets by time answers with a record, not a batch: the offset of the
// first record stamped at or after `timestamp`, as Kafka does. nullopt when
// no record of this batch is (its max timestamp can say otherwise when a
// client set it by hand).
Result<std::optional<int64_t>> first_record_at_or_after(const RecordBatchView& batch, int64_t timestamp) {
  // Every record of a LogAppendTime batch carries the batch's max timestamp.
  if (batch.timestamp_type() == TimestampType::kLogAppendTime) {
    if (batch.max_timestamp() >= timestamp) return std::optional<int64_t>(batch.base_offset());
    return std::optional<int64_t>();
  }
  std::vector<uint8_t> plain;
  std::span<const uint8_t> payload = batch.records_payload();
  if (batch.compression() != CompressionType::kNone) {
    auto out = decompress(batch.compression(), payload, kMaxDecompressedBatchBytes);
    if (!out.ok()) return out.status();
    plain = std::move(*out);
    payload = plain;
  }
  RecordIterator it(payload, batch.record_count());
  RecordView record;
  while (it.next(&record)) {
    if (batch.base_timestamp() + record.timestamp_delta >= timestamp) {
      return std::optional<int64_t>(batch.base_offset() + record.offset_delta);
    }
  }
  if (!it.status().ok()) return it.status();
  return std::optional<int64_t>();
}

}  // namespace

Status copy_range(const ReadRange& range, std::vector<uint8_t>* out) {
  const size_t start = out->size();
  out->resize(start + range.length);
  uint8_t* to = out->data() + start;
  if (!range.memory.empty()) {
    for (const MemoryPiece& piece : range.memory) {
      std::memcpy(to, piece.data, piece.length);
      to += piece.length;
    }
    return Status();
  }
  size_t got = 0;
  while (got < range.length) {
    ssize_t n = ::pread(range.fd, to + got, range.length - got, static_cast<off_t>(range.position + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      out->resize(start);
      return Status(Errc::kIo, "cannot read segment file");
    }
    got += static_cast<size_t>(n);
  }
  return Status();
}

bool indexes_look_sealed(const std::string& dir, int64_t base_offset) {
  std::string stem = dir + "/" + segment_file_stem(base_offset);
  if (!index_looks_sealed(stem + ".index", OffsetIndex::kEntrySize) ||
      !index_looks_sealed(stem + ".timeindex", TimeIndex::kEntrySize)) {
    return false;
  }
  // The last offset entry must point at a batch inside the log (never at 0).
  struct stat log_st, index_st;
  if (::stat((stem + ".log").c_str(), &log_st) != 0 || ::stat((stem + ".index").c_str(), &index_st) != 0) {
    return false;
  }
  if (index_st.st_size == 0) return true;
  int fd = ::open((stem + ".index").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  uint8_t entry[OffsetIndex::kEntrySize];
  bool ok = ::pread(fd, entry, sizeof entry, index_st.st_size - static_cast<off_t>(sizeof entry)) ==
            static_cast<ssize_t>(sizeof entry);
  ::close(fd);
  uint32_t position = load_u32(entry + 4);
  return ok && position > 0 && position + kRecordBatchHeaderSize <= static_cast<uint64_t>(log_st.st_size);
}

std::string segment_file_stem(int64_t base_offset) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(base_offset));
  return buf;
}

Result<std::unique_ptr<Segment>> Segment::create(const std::string& dir, int64_t base_offset,
                                                 const SegmentOptions& opts) {
  std::unique_ptr<Segment> seg(new Segment());
  seg->base_offset_ = seg->next_offset_ = base_offset;
  if (auto s = seg->open_files(dir, true, true, opts); !s.ok()) {
    // Leave nothing half-made behind (a full disk), so a later retry can create it.
    std::string stem = dir + "/" + segment_file_stem(base_offset);
    for (const char* ext : {".log", ".index", ".timeindex"}) ::unlink((stem + ext).c_str());
    return s;
  }
  return seg;
}

Result<std::unique_ptr<Segment>> Segment::open(const std::string& dir, int64_t base_offset, bool active,
                                               const SegmentOptions& opts) {
  std::unique_ptr<Segment> seg(new Segment());
  seg->base_offset_ = seg->next_offset_ = base_offset;
  // A sealed segment whose index is missing or damaged is reopened as if
  // active, rebuilt by a verifying scan, and sealed again.
  bool rebuild = !active && !indexes_look_sealed(dir, base_offset);
  if (auto s = seg->open_files(dir, false, active || rebuild, opts); !s.ok()) return s;
  if (rebuild) {
    auto scan = seg->recover_tail(base_offset);
    if (!scan.ok()) return scan.status();
    if (auto s = seg->seal(); !s.ok()) return s;
    // Below the recovery point no later flush covers this segment, so the
    // rebuilt index is made durable here, at start-up.
    if (auto s = seg->flush(); !s.ok()) return s;
  } else if (!active) {
    if (auto s = seg->load_sealed_state(); !s.ok()) return s;
    if (auto s = seg->ensure_open(); !s.ok()) return s;  // joins the open-file budget
  }
  return seg;
}

Segment::~Segment() {
  // Closing a segment leaves what was appended in its file, though not
  // synced, as closing a buffered file would: only a crash loses unwritten
  // bytes. (A removed segment has dropped them already.) Only through a
  // descriptor still open: the name may belong to a file swapped in since.
  const int fd = direct_fd_ >= 0 ? direct_fd_ : fd_;
  if (tail_ && tail_->unwritten_bytes() > 0 && fd >= 0) {
    (void)write_segment(SegmentWrite{base_offset_, fd, tail_->pending_write(), -1, write_order_});
  }
  if (opts_.open_files != nullptr) opts_.open_files->forget(this);
  if (fd_ >= 0) ::close(fd_);
  if (direct_fd_ >= 0) ::close(direct_fd_);
}

void Segment::close_files() const {
  if (active_ || fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  offset_index_.reset();
  time_index_.reset();
}

Status Segment::ensure_open() const {
  if (fd_ < 0) {
    std::string stem = dir_ + "/" + segment_file_stem(base_offset_);
    fd_ = ::open(log_path_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0) return io_error("cannot reopen segment file");
    auto offsets = OffsetIndex::open(stem + ".index", base_offset_, 0, false);
    if (!offsets.ok()) return offsets.status();
    offset_index_ = std::move(*offsets);
    auto times = TimeIndex::open(stem + ".timeindex", base_offset_, 0, false);
    if (!times.ok()) return times.status();
    time_index_ = std::move(*times);
  }
  if (!active_ && opts_.open_files != nullptr) opts_.open_files->touch(const_cast<Segment*>(this));
  return Status();
}

Status Segment::open_files(const std::string& dir, bool create, bool active, const SegmentOptions& opts) {
  opts_ = opts;
  active_ = active;
  dir_ = dir;
  std::string stem = dir + "/" + segment_file_stem(base_offset_);
  log_path_ = stem + ".log";
  fd_ = ::open(log_path_.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0), 0644);
  if (fd_ < 0) return io_error("cannot open segment file");
  struct stat st;
  if (::fstat(fd_, &st) != 0) return io_error("cannot stat segment file");
  size_ = static_cast<uint64_t>(st.st_size);
  file_bytes_ = reserved_ = size_;
  size_t index_bytes = active ? opts.max_index_bytes : 0;
  auto offsets = OffsetIndex::open(stem + ".index", base_offset_, index_bytes, active);
  if (!offsets.ok()) return offsets.status();
  offset_index_ = std::move(*offsets);
  auto times = TimeIndex::open(stem + ".timeindex", base_offset_, index_bytes, active);
  if (!times.ok()) return times.status();
  time_index_ = std::move(*times);
  return Status();
}

Status Segment::read_exact(uint64_t position, size_t n, uint8_t* out) const {
  // Bytes past memory_start() may not be in the file yet: they come from
  // the write-behind buffer.
  size_t from_file = n;
  if (tail_) {
    if (position + n > size_) return Status(Errc::kTruncated, "segment ends inside a batch");
    const uint64_t mem = tail_->memory_start();
    from_file = position >= mem ? 0 : static_cast<size_t>(std::min<uint64_t>(n, mem - position));
    if (from_file < n) tail_->copy(position + from_file, n - from_file, out + from_file);
  }
  n = from_file;
  size_t done = 0;
  while (done < n) {
    ssize_t got = ::pread(fd_, out + done, n - done, static_cast<off_t>(position + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot read segment file");
    }
    if (got == 0) return Status(Errc::kTruncated, "segment file ends inside a batch");
    done += static_cast<size_t>(got);
  }
  return Status();
}

void Segment::note_batch(uint64_t position, int64_t base, int64_t last, int64_t max_ts, size_t batch_bytes) {
  if (position == 0) first_batch_timestamp_ = max_ts;
  // Index the batch that crosses the interval, never position 0 (an empty
  // lookup already answers position 0).
  if (position > 0 && bytes_since_index_entry_ >= opts_.index_interval_bytes) {
    offset_index_->append(base, static_cast<uint32_t>(position));
    bytes_since_index_entry_ = 0;
  }
  bytes_since_index_entry_ += batch_bytes;
  if (max_ts > max_timestamp_) {
    max_timestamp_ = max_ts;
    time_index_->maybe_append(max_ts, base);
  }
  next_offset_ = last + 1;
}

Status Segment::append(std::span<const uint8_t> batch, int64_t base_offset, int64_t last_offset,
                       int64_t max_timestamp) {
  if (!active_) return Status(Errc::kInvalidValue, "append to a sealed segment");
  if (!tail_) {
    // The next write rewrites the file's last partial block from memory.
    std::vector<uint8_t> partial(size_ % kBlockBytes);
    if (auto s = read_exact(size_ - partial.size(), partial.size(), partial.data()); !s.ok()) return s;
    tail_ = std::make_unique<WriteBehind>(size_, partial);
  }
  // Buffered pwrite into the page cache measured slow and erratic on this
  // machine (the kernel's copy, and page faults as the cache grew into
  // memory never touched before); the write-behind buffer and O_DIRECT
  // writes from it are what docs/benchmarks.md measured instead.
  if (auto s = reserve(size_ + batch.size()); !s.ok()) return s;
  tail_->append(batch);
  note_batch(size_, base_offset, last_offset, max_timestamp, batch.size());
  size_ += batch.size();
  return Status();
}

Status Segment::reserve(uint64_t end) {
  if (end <= reserved_) return Status();
  const uint64_t needed = round_up(end, kBlockBytes);
  const uint64_t ahead = std::max(needed, reserved_ + kReserveAheadBytes);
  if (::fallocate(fd_, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(reserved_),
                  static_cast<off_t>(ahead - reserved_)) == 0) {
    reserved_ = ahead;
    return Status();
  }
  if (errno == EOPNOTSUPP) {
    // Nothing to reserve with: a full disk then shows when the flusher
    // writes, which fails the flush and is retried, the bytes kept in memory.
    reserved_ = UINT64_MAX;
    return Status();
  }
  if ((errno == ENOSPC || errno == EDQUOT) && ahead > needed &&
      ::fallocate(fd_, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(reserved_),
                  static_cast<off_t>(needed - reserved_)) == 0) {
    reserved_ = needed;
    return Status();
  }
  return io_error("cannot reserve space in segment file");
}

int Segment::write_fd() const {
  if (direct_fd_ < 0 && !direct_failed_) {
    direct_fd_ = ::open(log_path_.c_str(), O_WRONLY | O_CLOEXEC | O_DIRECT);
    direct_failed_ = direct_fd_ < 0;
  }
  if (direct_fd_ >= 0) return direct_fd_;
  return ensure_open().ok() ? fd_ : -1;
}

std::optional<SegmentWrite> Segment::pending_write() const {
  SegmentWrite w;
  w.base_offset = base_offset_;
  if (tail_) w.write = tail_->pending_write();
  const uint64_t file_after =
      w.write ? std::max(file_bytes_, round_up(w.write->end, kBlockBytes)) : file_bytes_;
  if (!active_ && (file_after > size_ || reserved_ > size_)) w.trim_to = static_cast<int64_t>(size_);
  if (!w.write && w.trim_to < 0) return std::nullopt;
  const int fd = write_fd();
  w.fd = fd < 0 ? -1 : ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  w.order = write_order_;
  return w;
}

void Segment::finished(const SegmentWrite& w) {
  if (w.write) {
    if (tail_) tail_->written_to(w.write->end);
    file_bytes_ = std::max(file_bytes_, round_up(w.write->end, kBlockBytes));
  }
  if (w.trim_to >= 0) file_bytes_ = reserved_ = static_cast<uint64_t>(w.trim_to);
}

void Segment::trim_memory(uint64_t keep) {
  if (!tail_) return;
  if (!active_ && !needs_write()) {
    tail_.reset();
    if (direct_fd_ >= 0) ::close(direct_fd_);
    direct_fd_ = -1;
    return;
  }
  uint64_t target = size_ > keep ? size_ - keep : 0;
  target = std::min(target, tail_->written());
  if (target <= tail_->memory_start() || !ensure_open().ok()) return;
  // Readers switch to the file at a batch boundary: the end, when all of it
  // is written and none is kept, else the sparse index's.
  tail_->forget_below(target == size_ ? size_ : offset_index_->floor_position(target).position);
}

Status write_segment(const SegmentWrite& w) {
  if (w.fd < 0) return Status(Errc::kIo, "cannot open segment file for writing");
  if (w.write) {
    if (auto s = write_pending(w.fd, *w.write, *w.order); !s.ok()) return s;
  }
  if (w.trim_to >= 0 && ::ftruncate(w.fd, static_cast<off_t>(w.trim_to)) != 0)
    return io_error("cannot trim segment file");
  return Status();
}

Result<ReadRange> Segment::read(int64_t offset, size_t max_bytes) const {
  if (auto s = ensure_open(); !s.ok()) return s;
  OffsetPosition entry = offset_index_->lookup(offset);
  uint64_t pos = entry.position;
  // Where the index sent us, the batch must start with the indexed offset; a
  // damaged sealed index would otherwise serve a slice of garbage to a
  // consumer. -1 once the position is one we reached by walking headers.
  int64_t expected_base = pos > 0 ? entry.offset : -1;
  uint8_t header[kRecordBatchHeaderSize];
  ReadRange range;
  bool started = false;
  // A range comes from the file or from memory, never both: it ends where
  // memory starts (a batch boundary) when it begins below.
  uint64_t end = size_;
  while (pos + kRecordBatchHeaderSize <= end) {
    // Batches in a segment were validated on the way in; only their
    // headers are read to find boundaries.
    if (auto s = read_exact(pos, sizeof header, header); !s.ok()) return s;
    int64_t base = static_cast<int64_t>(load_u64(header));
    if (expected_base >= 0 && base != expected_base) {
      return Status(Errc::kCorrupt,
                    "offset index does not point at a batch boundary; the index needs a rebuild");
    }
    expected_base = -1;
    auto length = static_cast<uint64_t>(load_u32(header + 8)) + kRecordBatchLogOverhead;
    int64_t last = base + static_cast<int32_t>(load_u32(header + 23));
    if (!started) {
      if (last >= offset) {
        started = true;
        if (pos < memory_start()) end = memory_start();
        range.position = pos;
        range.length = length;
        range.next_offset = last + 1;
        // Whole batches up to the last indexed boundary within max_bytes
        // need no header reads: jump there and scan only the rest.
        OffsetPosition boundary = offset_index_->floor_position(std::min<uint64_t>(pos + max_bytes, end));
        if (boundary.position > pos + length) {
          range.length = boundary.position - pos;
          range.next_offset = boundary.offset;
          pos = boundary.position;
          expected_base = boundary.offset;
          continue;
        }
      }
    } else {
      if (range.length + length > max_bytes) break;
      range.length += length;
      range.next_offset = last + 1;
    }
    pos += length;
  }
  if (expected_base >= 0 && pos + kRecordBatchHeaderSize > size_) {
    return Status(Errc::kCorrupt,
                  "offset index points past the end of the segment; the index needs a rebuild");
  }
  if (!started) return ReadRange{};
  if (range.position >= memory_start()) {
    range.memory = tail_->pieces(range.position, range.length);
  } else {
    range.fd = fd_;
    // Written with O_DIRECT, the file's bytes are not in the page cache: a
    // reader catching up would wait on the disk in every read. The kernel
    // starts reading this range and the next few MiB now, in the background;
    // a reader moving through a window asked for already asks again only in
    // its second half (each call walks the page cache over its whole span).
    const uint64_t range_end = range.position + range.length;
    if (range.position < read_ahead_from_ || range_end + kReadAheadBytes / 2 > read_ahead_to_) {
      read_ahead_from_ = range.position;
      read_ahead_to_ = range_end + kReadAheadBytes;
      (void)::posix_fadvise(fd_, static_cast<off_t>(read_ahead_from_),
                            static_cast<off_t>(read_ahead_to_ - read_ahead_from_), POSIX_FADV_WILLNEED);
    }
  }
  return range;
}

Result<std::optional<int64_t>> Segment::find_timestamp(int64_t timestamp) const {
  if (auto s = ensure_open(); !s.ok()) return s;
  int64_t from = base_offset_;
  if (auto entry = time_index_->lookup_before(timestamp)) from = entry->offset;
  uint64_t pos = offset_index_->lookup(from).position;
  uint8_t header[kRecordBatchHeaderSize];
  std::vector<uint8_t> buf;
  while (pos + kRecordBatchHeaderSize <= size_) {
    if (auto s = read_exact(pos, sizeof header, header); !s.ok()) return s;
    auto max_ts = static_cast<int64_t>(load_u64(header + 35));
    auto length = static_cast<uint64_t>(load_u32(header + 8)) + kRecordBatchLogOverhead;
    if (max_ts >= timestamp) {
      // Only the one batch that holds the answer is read whole.
      if (length > size_ - pos) return Status(Errc::kTruncated, "segment file ends inside a batch");
      buf.resize(length);
      if (auto s = read_exact(pos, length, buf.data()); !s.ok()) return s;
      auto batch = RecordBatchView::parse(buf);
      if (!batch.ok()) return batch.status();
      auto found = first_record_at_or_after(*batch, timestamp);
      if (!found.ok() || found->has_value()) return found;
    }
    pos += length;
  }
  return std::optional<int64_t>();
}

Status Segment::load_sealed_state() {
  // Trust the indexes; read only the batch headers after the last index entry.
  OffsetPosition from = offset_index_->last();
  if (auto t = time_index_->last()) max_timestamp_ = t->timestamp;
  uint8_t header[kRecordBatchHeaderSize];
  if (size_ >= kRecordBatchHeaderSize) {
    if (auto s = read_exact(0, sizeof header, header); !s.ok()) return s;
    first_batch_timestamp_ = static_cast<int64_t>(load_u64(header + 35));
  }
  uint64_t pos = from.position;
  while (pos + kRecordBatchHeaderSize <= size_) {
    if (auto s = read_exact(pos, sizeof header, header); !s.ok()) return s;
    int64_t base = static_cast<int64_t>(load_u64(header));
    const uint64_t length = static_cast<uint64_t>(load_u32(header + 8)) + kRecordBatchLogOverhead;
    if (length < kRecordBatchHeaderSize || length > size_ - pos) {
      // Not a batch: what follows the data (padding a crash left before
      // the file was trimmed) is not part of the segment.
      size_ = pos;
      break;
    }
    next_offset_ = base + static_cast<int32_t>(load_u32(header + 23)) + 1;
    max_timestamp_ = std::max(max_timestamp_, static_cast<int64_t>(load_u64(header + 35)));
    pos += length;
  }
  return Status();
}

Result<ScanResult> Segment::recover_tail(int64_t trusted_offset) {
  // Index entries at or below the trusted offset were made durable together
  // with their batches, so scanning starts at the last of them.
  OffsetPosition start = offset_index_->lookup(trusted_offset);
  uint64_t position = start.position;
  ScanResult result;
  if (position >= size_) position = 0;
  uint8_t header[kRecordBatchHeaderSize];
  if (position > 0) {
    // The entry passed the prefix check, but an index page is not synced
    // with the log and may be stale: only a batch of the entry's offset
    // starting exactly there proves it. Otherwise the index is rebuilt from
    // the segment's start, which costs a scan, never flushed data.
    bool boundary = position + kRecordBatchHeaderSize <= size_;
    if (boundary) {
      if (auto s = read_exact(position, sizeof header, header); !s.ok()) return s;
      boundary = static_cast<int64_t>(load_u64(header)) == start.offset &&
                 static_cast<uint64_t>(load_u32(header + 8)) + kRecordBatchLogOverhead <= size_ - position;
    }
    if (!boundary) {
      position = 0;
      result.index_rebuilt = true;
    }
  }
  offset_index_->truncate_to_position(static_cast<uint32_t>(position + 1));
  bytes_since_index_entry_ = 0;
  next_offset_ = base_offset_;
  max_timestamp_ = -1;
  first_batch_timestamp_ = -1;
  if (size_ >= kRecordBatchHeaderSize) {
    if (auto s = read_exact(0, sizeof header, header); !s.ok()) return s;
    first_batch_timestamp_ = static_cast<int64_t>(load_u64(header + 35));
  }
  if (position > 0) {
    if (auto s = read_exact(position, sizeof header, header); !s.ok()) return s;
    auto start_offset = static_cast<int64_t>(load_u64(header));
    time_index_->truncate_to_offset(start_offset);
    next_offset_ = start_offset;
  } else {
    time_index_->truncate_to_offset(base_offset_);
  }
  if (auto t = time_index_->last()) max_timestamp_ = t->timestamp;

  std::vector<uint8_t> buf;
  uint64_t pos = position;
  while (pos < size_) {
    uint64_t left = size_ - pos;
    if (left < kRecordBatchHeaderSize) {
      result.why = Status(Errc::kTruncated, "torn batch header at the end of the segment");
      break;
    }
    buf.resize(kRecordBatchHeaderSize);
    if (auto s = read_exact(pos, buf.size(), buf.data()); !s.ok()) return s;
    uint64_t length = static_cast<uint64_t>(load_u32(buf.data() + 8)) + kRecordBatchLogOverhead;
    if (length < kRecordBatchHeaderSize || length > left) {
      result.why = Status(Errc::kTruncated, "torn batch at the end of the segment");
      break;
    }
    buf.resize(length);
    if (auto s = read_exact(pos, length, buf.data()); !s.ok()) return s;
    auto batch = RecordBatchView::parse(buf);
    BatchValidation rules;
    rules.require_consecutive_offsets = false;  // compacted batches have gaps
    Status valid = batch.ok() ? batch->validate(rules) : batch.status();
    if (valid.ok() && (batch->base_offset() < next_offset_ || batch->base_offset() < base_offset_)) {
      valid = Status(Errc::kInvalidValue, "batch offsets go backwards");
    }
    if (!valid.ok()) {
      result.why = valid;
      break;
    }
    note_batch(pos, batch->base_offset(), batch->last_offset(), batch->max_timestamp(), length);
    pos += length;
  }
  result.valid_bytes = pos;
  result.truncated_bytes = size_ - pos;
  if (pos < size_) {
    // Zeros past the data are the padding of the last block written (and
    // what a crash leaves of a write that never reached the disk): trimmed,
    // but nothing was lost there.
    if (zeros_only(fd_, pos, size_)) {
      result.truncated_bytes = 0;
      result.why = Status();
    }
    if (::ftruncate(fd_, static_cast<off_t>(pos)) != 0) return io_error("cannot truncate a corrupt tail");
    size_ = file_bytes_ = reserved_ = pos;
    offset_index_->truncate_to_position(static_cast<uint32_t>(pos));
    time_index_->truncate_to_offset(next_offset_);
    if (pos == 0) first_batch_timestamp_ = -1;
  }
  return result;
}

int64_t Segment::retention_timestamp() const {
  if (max_timestamp_ >= 0 || empty()) return max_timestamp_;
  struct stat st;
  if (::stat(log_path_.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

std::vector<int> Segment::sync_fds() const {
  if (!ensure_open().ok()) return {};
  std::vector<int> fds;
  fds.push_back(::fcntl(fd_, F_DUPFD_CLOEXEC, 0));
  if (!active_) {
    fds.push_back(offset_index_->dup_fd());
    fds.push_back(time_index_->dup_fd());
  }
  if (std::find(fds.begin(), fds.end(), -1) != fds.end()) {
    for (int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
    return {};
  }
  return fds;
}

Status Segment::flush() {
  // A sealed segment the open-file cache closed may still hold unsynced
  // bytes (sealing does not sync): reopen it to sync them.
  if (auto s = ensure_open(); !s.ok()) return s;
  if (auto w = pending_write()) {
    Status written = write_segment(*w);
    if (w->fd >= 0) ::close(w->fd);
    if (!written.ok()) return written;
    finished(*w);
  }
  if (::fdatasync(fd_) != 0) return io_error("cannot sync segment file");
  if (auto s = offset_index_->flush(); !s.ok()) return s;
  return time_index_->flush();
}

Status Segment::seal() {
  if (!active_) return Status();
  if (auto s = offset_index_->seal(); !s.ok()) return s;
  if (auto s = time_index_->seal(); !s.ok()) return s;
  active_ = false;
  return ensure_open();  // joins the open-file budget
}

Status Segment::remove() {
  if (opts_.open_files != nullptr) opts_.open_files->forget(this);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (direct_fd_ >= 0) ::close(direct_fd_);
  direct_fd_ = -1;
  tail_.reset();
  std::string stem = dir_ + "/" + segment_file_stem(base_offset_);
  if (!offset_index_ || !time_index_) {
    // Closed by the cache: unlink by name.
    for (const char* ext : {".index", ".timeindex"}) ::unlink((stem + ext).c_str());
    return ::unlink(log_path_.c_str()) == 0 || errno == ENOENT ? Status()
                                                               : io_error("cannot remove segment file");
  }
  if (::unlink(log_path_.c_str()) != 0 && errno != ENOENT) return io_error("cannot remove segment file");
  if (auto s = offset_index_->remove(); !s.ok()) return s;
  return time_index_->remove();
}

}  // namespace runnel::storage
