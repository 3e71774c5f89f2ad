#include "kafka/spliced_body.h"

namespace runnel::kafka {

size_t spliced_bytes(const std::vector<Splice>& splices) {
  size_t n = 0;
  for (const Splice& s : splices) n += s.file.length;
  return n;
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
    const storage::ReadRange range{s.file.fd.get(), s.file.position, s.file.length, -1, s.file.memory};
    if (Status st = storage::copy_range(range, &whole); !st.ok()) return st;
  }
  whole.insert(whole.end(), body.begin() + static_cast<std::ptrdiff_t>(copied), body.end());
  body = std::move(whole);
  splices.clear();
  return Status();
}

}  // namespace runnel::kafka
