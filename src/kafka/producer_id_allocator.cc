#include "kafka/producer_id_allocator.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <limits>
#include <utility>
#include <vector>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "base/crc32c.h"

namespace runnel::kafka {

namespace {

// File layout, big-endian: u32 magic "RNPI", u16 version, i64 reserved end,
// u32 CRC32C of the 14 bytes before it.
constexpr uint32_t kMagic = 0x524E5049;
constexpr uint16_t kVersion = 1;
constexpr size_t kFileBytes = 4 + 2 + 8 + 4;

Status write_reserved_end(const std::string& path, int64_t reserved_end) {
  std::vector<uint8_t> bytes;
  ByteWriter w(&bytes);
  w.write_u32(kMagic);
  w.write_u16(kVersion);
  w.write_i64(reserved_end);
  w.write_u32(crc32c(bytes.data(), bytes.size()));

  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status(Errc::kIo, "cannot create producer id file");
  bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && ::fdatasync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status(Errc::kIo, "cannot write producer id file");
  }
  // Until the directory is synced the rename may be lost, and with it the
  // reservation: after a power cut the old block would be handed out again.
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Status(Errc::kIo, "cannot open producer id directory");
  bool synced = ::fsync(dir_fd) == 0;
  ::close(dir_fd);
  if (!synced) return Status(Errc::kIo, "cannot sync producer id directory");
  return Status();
}

}  // namespace

Result<ProducerIdAllocator> ProducerIdAllocator::open(const std::string& meta_dir, int64_t block_size) {
  if (block_size < 1) return Status(Errc::kInvalidValue, "producer id block size must be positive");
  std::string path = meta_dir + "/producer-ids";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return ProducerIdAllocator(std::move(path), block_size, 0);
    return Status(Errc::kIo, "cannot open producer id file");
  }
  // One byte more than the file should hold, to notice a longer file.
  uint8_t buf[kFileBytes + 1];
  size_t got = 0;
  while (got < sizeof buf) {
    ssize_t n = ::read(fd, buf + got, sizeof buf - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return Status(Errc::kIo, "cannot read producer id file");
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (got < kFileBytes) return Status(Errc::kTruncated, "producer id file is truncated");
  if (got > kFileBytes) return Status(Errc::kTrailingBytes, "producer id file is longer than it should be");
  ByteReader r(buf, kFileBytes);
  uint32_t magic = r.read_u32();
  uint16_t version = r.read_u16();
  int64_t reserved_end = r.read_i64();
  uint32_t crc = r.read_u32();
  if (magic != kMagic) return Status(Errc::kCorrupt, "not a producer id file");
  if (version != kVersion) return Status(Errc::kUnsupportedVersion, "unknown producer id file version");
  if (crc != crc32c(buf, kFileBytes - 4)) return Status(Errc::kCorrupt, "producer id file fails its CRC");
  if (reserved_end < 0) return Status(Errc::kInvalidValue, "producer id file holds a negative id");
  return ProducerIdAllocator(std::move(path), block_size, reserved_end);
}

Result<int64_t> ProducerIdAllocator::next() {
  if (next_ >= reserved_end_) {
    if (reserved_end_ > std::numeric_limits<int64_t>::max() - block_size_) {
      return Status(Errc::kTooLarge, "producer ids are exhausted");
    }
    const int64_t end = reserved_end_ + block_size_;
    if (Status s = write_reserved_end(path_, end); !s.ok()) return s;
    reserved_end_ = end;
  }
  return next_++;
}

}  // namespace runnel::kafka
