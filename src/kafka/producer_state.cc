#include "kafka/producer_state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "base/crc32c.h"

namespace runnel::kafka {

namespace {

constexpr int32_t kMaxSequence = std::numeric_limits<int32_t>::max();

// The sequence `delta` after `sequence`, wrapping past INT32_MAX to 0 the
// way clients number their batches.
int32_t advance_sequence(int32_t sequence, int32_t delta) {
  int64_t next = static_cast<int64_t>(sequence) + delta;
  if (next > kMaxSequence) next -= static_cast<int64_t>(kMaxSequence) + 1;
  return static_cast<int32_t>(next);
}

bool follows(int32_t last_sequence, int32_t next_sequence) {
  return static_cast<int64_t>(next_sequence) == static_cast<int64_t>(last_sequence) + 1 ||
         (last_sequence == kMaxSequence && next_sequence == 0);
}

// Snapshot layout, big-endian:
//   u32 magic "RNPS", u16 version, u32 CRC32C of everything after it,
//   i64 offset, u32 producer count, then per producer:
//     i64 id, i16 epoch, i64 last timestamp, i64 last update ms, u8 batch count,
//     per batch (oldest first): i32 first seq, i32 last seq, i64 first offset,
//     i64 last offset, i64 timestamp.
constexpr uint32_t kSnapshotMagic = 0x524E5053;
constexpr uint16_t kSnapshotVersion = 1;
constexpr size_t kCrcAt = 6;
constexpr size_t kBodyAt = 10;
constexpr size_t kProducerBytes = 8 + 2 + 8 + 8 + 1;
constexpr size_t kBatchBytes = 4 + 4 + 8 + 8 + 8;
// Far above any real table (a million producers with full windows is under
// 200 MiB); only guards against reading something that is not a snapshot.
constexpr off_t kMaxSnapshotBytes = off_t{1} << 30;

bool write_all(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

Status write_file_atomically(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status(Errc::kIo, "cannot create producer-state snapshot");
  bool ok = write_all(fd, bytes.data(), bytes.size()) && ::fdatasync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status(Errc::kIo, "cannot write producer-state snapshot");
  }
  // The rename is durable only once the directory is.
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Status(Errc::kIo, "cannot open producer-state snapshot directory");
  bool synced = ::fsync(dir_fd) == 0;
  ::close(dir_fd);
  if (!synced) return Status(Errc::kIo, "cannot sync producer-state snapshot directory");
  return Status();
}

Result<std::vector<uint8_t>> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status(Errc::kIo, errno == ENOENT ? "no producer-state snapshot" : "cannot open producer-state snapshot");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Status(Errc::kIo, "cannot stat producer-state snapshot");
  }
  if (st.st_size > kMaxSnapshotBytes) {
    ::close(fd);
    return Status(Errc::kTooLarge, "producer-state snapshot is implausibly large");
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return Status(Errc::kIo, "cannot read producer-state snapshot");
    }
    if (n == 0) break;  // shrank under us: the checks below see a short file
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  bytes.resize(got);
  return bytes;
}

}  // namespace

void ProducerStateTable::Producer::push(const Batch& batch) {
  if (count == kProducerBatchesRetained) {
    std::move(batches.begin() + 1, batches.end(), batches.begin());
    --count;
  }
  batches[count++] = batch;
}

SequenceCheck ProducerStateTable::check(int64_t producer_id, int16_t epoch, int32_t base_sequence,
                                        int32_t record_count) const {
  SequenceCheck out;
  if (base_sequence < 0 || record_count < 1) {
    out.verdict = SequenceVerdict::kOutOfOrderSequence;
    return out;
  }
  auto it = producers_.find(producer_id);
  // No state: a new producer, or one whose state expired or whose records
  // were all deleted. Modern Kafka accepts any sequence here (see the header).
  if (it == producers_.end()) return out;
  const Producer& p = it->second;

  if (epoch == p.epoch) {
    const int32_t last_sequence = advance_sequence(base_sequence, record_count - 1);
    for (uint8_t i = 0; i < p.count; ++i) {
      const Batch& b = p.batches[i];
      if (b.first_sequence == base_sequence && b.last_sequence == last_sequence) {
        out.verdict = SequenceVerdict::kDuplicate;
        out.first_offset = b.first_offset;
        out.last_offset = b.last_offset;
        out.timestamp = b.timestamp;
        return out;
      }
    }
    if (!follows(p.last().last_sequence, base_sequence)) out.verdict = SequenceVerdict::kOutOfOrderSequence;
    return out;
  }
  if (epoch < p.epoch) {
    out.verdict = SequenceVerdict::kInvalidProducerEpoch;
    return out;
  }
  // A bumped epoch (KIP-360: the client bumps it itself after a failure)
  // restarts the numbering.
  if (base_sequence != 0) out.verdict = SequenceVerdict::kOutOfOrderSequence;
  return out;
}

void ProducerStateTable::record(const ProducerBatchInfo& batch, int64_t now_ms) {
  if (batch.producer_id < 0 || batch.record_count < 1 || batch.base_sequence < 0) return;
  Batch b{batch.base_sequence, advance_sequence(batch.base_sequence, batch.record_count - 1), batch.first_offset,
          batch.last_offset, batch.max_timestamp};
  auto [it, fresh] = producers_.try_emplace(batch.producer_id);
  Producer& p = it->second;
  if (!fresh && batch.last_offset <= p.last().last_offset) return;
  if (fresh || p.epoch != batch.producer_epoch) {
    p.epoch = batch.producer_epoch;
    p.count = 0;
  }
  p.push(b);
  p.last_timestamp = batch.max_timestamp;
  p.last_update_ms = std::max(p.last_update_ms, now_ms);
}

void ProducerStateTable::expire(int64_t now_ms, int64_t expiration_ms) {
  std::erase_if(producers_, [&](const auto& entry) { return now_ms - entry.second.last_update_ms >= expiration_ms; });
}

std::vector<ProducerStateTable::ProducerView> ProducerStateTable::producers() const {
  std::vector<ProducerView> out;
  out.reserve(producers_.size());
  for (const auto& [id, p] : producers_) {
    out.push_back(ProducerView{id, p.epoch, p.last().last_sequence, p.last_timestamp, p.last_update_ms});
  }
  std::sort(out.begin(), out.end(),
            [](const ProducerView& a, const ProducerView& b) { return a.producer_id < b.producer_id; });
  return out;
}

Status ProducerStateTable::save_snapshot(const std::string& path, int64_t offset) const {
  std::vector<uint8_t> bytes;
  ByteWriter w(&bytes);
  size_t total = kBodyAt + 12;
  for (const auto& entry : producers_) total += kProducerBytes + entry.second.count * kBatchBytes;
  w.reserve_total(total);
  w.write_u32(kSnapshotMagic);
  w.write_u16(kSnapshotVersion);
  w.skip(4);
  w.write_i64(offset);
  w.write_u32(static_cast<uint32_t>(producers_.size()));
  // Sorted, so the same state always makes the same file.
  std::vector<int64_t> ids;
  ids.reserve(producers_.size());
  for (const auto& entry : producers_) ids.push_back(entry.first);
  std::sort(ids.begin(), ids.end());
  for (int64_t id : ids) {
    const Producer& p = producers_.at(id);
    w.write_i64(id);
    w.write_i16(p.epoch);
    w.write_i64(p.last_timestamp);
    w.write_i64(p.last_update_ms);
    w.write_u8(p.count);
    for (uint8_t i = 0; i < p.count; ++i) {
      const Batch& b = p.batches[i];
      w.write_i32(b.first_sequence);
      w.write_i32(b.last_sequence);
      w.write_i64(b.first_offset);
      w.write_i64(b.last_offset);
      w.write_i64(b.timestamp);
    }
  }
  w.put_u32_at(kCrcAt, crc32c(bytes.data() + kBodyAt, bytes.size() - kBodyAt));
  return write_file_atomically(path, bytes);
}

Result<std::pair<ProducerStateTable, int64_t>> ProducerStateTable::load_snapshot(const std::string& path) {
  auto file = read_file(path);
  if (!file.ok()) return file.status();
  const std::vector<uint8_t>& bytes = *file;
  ByteReader header(bytes.data(), bytes.size());
  uint32_t magic = header.read_u32();
  uint16_t version = header.read_u16();
  uint32_t crc = header.read_u32();
  if (!header.ok()) return Status(Errc::kTruncated, "producer-state snapshot ends inside its header");
  if (magic != kSnapshotMagic) return Status(Errc::kCorrupt, "not a producer-state snapshot");
  if (version != kSnapshotVersion) return Status(Errc::kUnsupportedVersion, "unknown producer-state snapshot version");
  if (crc32c(bytes.data() + kBodyAt, bytes.size() - kBodyAt) != crc) {
    return Status(Errc::kCorrupt, "producer-state snapshot fails its CRC");
  }

  ByteReader r(bytes.data() + kBodyAt, bytes.size() - kBodyAt);
  int64_t offset = r.read_i64();
  uint32_t count = r.read_u32();
  if (!r.ok()) return Status(Errc::kTruncated, "producer-state snapshot ends inside its header");
  if (offset < 0) return Status(Errc::kInvalidValue, "producer-state snapshot has a negative offset");
  // Each producer takes at least kProducerBytes + one batch: a count the
  // file cannot hold is refused before anything is allocated for it.
  if (count > r.remaining() / (kProducerBytes + kBatchBytes)) {
    return Status(Errc::kTruncated, "producer-state snapshot is shorter than its producer count");
  }
  ProducerStateTable table;
  table.producers_.reserve(count);
  for (uint32_t n = 0; n < count; ++n) {
    int64_t id = r.read_i64();
    Producer p;
    p.epoch = r.read_i16();
    p.last_timestamp = r.read_i64();
    p.last_update_ms = r.read_i64();
    uint8_t batches = r.read_u8();
    if (!r.ok()) break;
    if (id < 0 || batches < 1 || batches > kProducerBatchesRetained) {
      return Status(Errc::kInvalidValue, "producer-state snapshot has a malformed producer");
    }
    for (uint8_t i = 0; i < batches; ++i) {
      Batch b;
      b.first_sequence = r.read_i32();
      b.last_sequence = r.read_i32();
      b.first_offset = r.read_i64();
      b.last_offset = r.read_i64();
      b.timestamp = r.read_i64();
      if (!r.ok()) break;
      if (b.first_sequence < 0 || b.last_sequence < 0 || b.first_offset < 0 || b.last_offset < b.first_offset ||
          (i > 0 && b.first_offset <= p.last().last_offset)) {
        return Status(Errc::kInvalidValue, "producer-state snapshot has a malformed batch");
      }
      p.push(b);
    }
    if (!r.ok()) break;
    if (!table.producers_.emplace(id, p).second) {
      return Status(Errc::kInvalidValue, "producer-state snapshot lists a producer twice");
    }
  }
  if (!r.ok()) return Status(Errc::kTruncated, "producer-state snapshot ends inside a producer");
  if (r.remaining() != 0) return Status(Errc::kTrailingBytes, "producer-state snapshot has bytes past its producers");
  return std::make_pair(std::move(table), offset);
}

}  // namespace runnel::kafka
