// See scratch_dir.h.
#include "benchtool/scratch_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace runnel::benchtool {

ScratchDir::ScratchDir(const std::string& parent) {
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  std::string tmpl = parent + "/runnel-bench-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    error_ = "cannot create a directory under " + parent + ": " + std::strerror(errno);
    return;
  }
  path_ = buf.data();
}

ScratchDir::~ScratchDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ScratchDir::make_sub(const std::string& name) const {
  if (path_.empty()) return "";
  std::error_code ec;
  std::string p = path_ + "/" + name;
  std::filesystem::create_directories(p, ec);
  return ec ? "" : p;
}

}  // namespace runnel::benchtool
