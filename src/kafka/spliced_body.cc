#include "kafka/spliced_body.h"

#include <unistd.h>

#include <cerrno>

namespace runnel::kafka {

size_t spliced_bytes(const std::vector<Splice>& splices) {
  size_t n = 0;
  for (const Splice& s : splices) n += s.file.length;
  return n;
}

Status read_file_range(int fd, uint64_t position, size_t length, std::vector<uint8_t>* out) {
  const size_t start = out->size();
  out->resize(start + length);
  size_t got = 0;
  while (got < length) {
    ssize_t n = ::pread(fd, out->data() + start + got, length - got, static_cast<off_t>(position + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      out->resize(start);
      return Status(Errc::kIo, "reading a segment for fetch failed");
    }
    got += static_cast<size_t>(n);
  }
  return Status();
}

Status inline_splices(std::vector<uint8_t>& body, std::vector<Splice>& splices) {
  if (splices.empty()) return Status();
  std::vector<uint8_t> whole;
  whole.reserve(body.size() + spliced_bytes(splices));
  size_t copied = 0;
  for (Splice& s : splices) {
    whole.insert(whole.end(), body.begin() + static_cast<std::ptrdiff_t>(copied),
                 body.begin() + static_cast<std::ptrdiff_t>(s.at));
    copied = s.at;
    if (!s.file.memory.empty()) {
      for (const auto& piece : s.file.memory)
        whole.insert(whole.end(), piece.data, piece.data + piece.length);
      continue;
    }
    if (Status st = read_file_range(s.file.fd.get(), s.file.position, s.file.length, &whole); !st.ok())
      return st;
  }
  whole.insert(whole.end(), body.begin() + static_cast<std::ptrdiff_t>(copied), body.end());
  body = std::move(whole);
  splices.clear();
  return Status();
}

}  // namespace runnel::kafka
