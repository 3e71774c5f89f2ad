#include "storage/clean_shutdown.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <vector>

#include "storage/checkpoint_file.h"

namespace runnel::storage {
namespace {

constexpr std::string_view kMarkerName = ".clean_shutdown";
// The marker's content: a format version. Only a whole marker counts, and
// the checkpoint writer never leaves a partial one under the real name.
constexpr int64_t kMarkerVersion = 1;

std::string marker_path(const std::string& data_dir) {
  return data_dir + "/" + std::string(kMarkerName);
}

// Temporaries of a write a crash cut short (`.clean_shutdown.tmp.<n>`).
void remove_temporaries(const std::string& data_dir) {
  DIR* d = ::opendir(data_dir.c_str());
  if (d == nullptr) return;
  std::vector<std::string> stale;
  const std::string prefix = std::string(kMarkerName) + ".tmp.";
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name.starts_with(prefix)) stale.emplace_back(name);
  }
  ::closedir(d);
  for (const auto& name : stale) ::unlink((data_dir + "/" + name).c_str());
}

}  // namespace

bool consume_clean_shutdown_marker(const std::string& data_dir) {
  const std::string path = marker_path(data_dir);
  remove_temporaries(data_dir);
  auto value = read_checkpoint(path);
  if (value.ok() && !value->has_value()) return false;
  bool clean = value.ok() && **value == kMarkerVersion;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return false;
  int fd = ::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return clean && synced;
}

Status write_clean_shutdown_marker(const std::string& data_dir) {
  return write_checkpoint(marker_path(data_dir), kMarkerVersion);
}

}  // namespace runnel::storage
