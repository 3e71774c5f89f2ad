// A response body with holes: log bytes a fetch answers with stay in their
// segment files and are sent from there (sendfile), or in the log's
// write-behind memory and are sent from there, instead of being copied into
// the body. The encoded body holds everything else; each splice says where
// its log bytes belong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/status.h"
#include "base/unique_fd.h"
#include "storage/segment.h"

namespace runnel::kafka {

// Log bytes from a file range, or (when `memory` is not empty) from memory.
struct FileSlice {
  UniqueFd fd;  // a dup of the segment's descriptor: the segment may close meanwhile
  uint64_t position = 0;
  size_t length = 0;
  std::vector<storage::MemoryPiece> memory;
};

struct Splice {
  size_t at = 0;  // offset in the body the file bytes go before
  FileSlice file;
};

// Bytes the splices add to the body.
size_t spliced_bytes(const std::vector<Splice>& splices);

// Reads every splice into the body and clears the list, for callers that
// need the whole response in memory (in-process tests, the fuzzer).
Status inline_splices(std::vector<uint8_t>& body, std::vector<Splice>& splices);

}  // namespace runnel::kafka
