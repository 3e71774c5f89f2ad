// ScratchDir: a fresh directory under a parent (mkdtemp), removed with all it
// holds when the object goes away. Data dirs for started servers and the
// O_DIRECT test file live here, on the filesystem the user pointed at.
#pragma once

#include <string>

namespace runnel::benchtool {

class ScratchDir {
 public:
  // Creates <parent>/runnel-bench-XXXXXX (parent created if missing).
  // path() is empty and error() says why if that failed.
  explicit ScratchDir(const std::string& parent);
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir();

  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }
  // A new subdirectory; returns its path ("" on failure).
  std::string make_sub(const std::string& name) const;

 private:
  std::string path_;
  std::string error_;
};

}  // namespace runnel::benchtool
