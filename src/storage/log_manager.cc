#include "storage/log_manager.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <optional>
#include <string_view>
#include <system_error>

namespace runnel::storage {
namespace {

constexpr std::string_view kDeletedSuffix = ".deleted";
constexpr size_t kMaxTopicNameLength = 249;

// Kafka's topic name rules (the cluster layer checks them for clients; the
// storage layer checks again because the name becomes a path).
bool legal_topic_dir_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxTopicNameLength || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// The partition a directory name stands for, only in the form partition_dir
// writes ("7", never "07" or "+7"), so every partition has one directory.
std::optional<int32_t> parse_partition(std::string_view name) {
  if (name.empty() || name.size() > 10) return std::nullopt;
  if (name.size() > 1 && name[0] == '0') return std::nullopt;
  int64_t value = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(value);
}

bool is_directory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// Names in a directory, without "." and ".."; an empty list when the
// directory does not exist.
Result<std::vector<std::string>> list_dir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return std::vector<std::string>{};
    return Status(Errc::kIo, "cannot list a directory of the data dir");
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool sync_dir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

// Deletes a directory tree. Another deleter racing on the same tree (a
// second shard finishing the same removal) is not a failure: only what is
// still there afterwards is.
Status delete_tree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec && exists(path)) return Status(Errc::kIo, "cannot delete a removed partition's files");
  return Status();
}

// `<partition>.deleted` with a canonical partition number.
bool is_pending_removal(std::string_view name) {
  if (!name.ends_with(kDeletedSuffix)) return false;
  return parse_partition(name.substr(0, name.size() - kDeletedSuffix.size())).has_value();
}

}  // namespace

size_t TopicPartitionHash::operator()(const TopicPartition& tp) const noexcept {
  size_t h = std::hash<std::string>{}(tp.topic);
  return h ^ (std::hash<int32_t>{}(tp.partition) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

Result<std::string> partition_dir(const std::string& data_dir, const TopicPartition& tp) {
  if (!legal_topic_dir_name(tp.topic))
    return Status(Errc::kInvalidValue, "topic name is not a legal directory name");
  if (tp.partition < 0) return Status(Errc::kInvalidValue, "negative partition");
  std::string dir = data_dir;
  dir.append("/kafka/").append(tp.topic).append("/").append(std::to_string(tp.partition));
  return dir;
}

LogManager::LogManager(std::string data_dir, Clock clock, Flusher& flusher, size_t max_open_segments)
    : data_dir_(std::move(data_dir)),
      clock_(std::move(clock)),
      flusher_(flusher),
      open_files_(max_open_segments) {
  auto finished = finish_interrupted_removals(data_dir_);
  if (finished.ok()) {
    removals_finished_ = *finished;
  } else {
    startup_status_ = finished.status();
  }
}

LogManager::~LogManager() {
  for (auto& [tp, entry] : logs_) entry.log->close();
}

Result<Discovery> LogManager::discover(const std::string& data_dir) {
  Discovery found;
  const std::string kafka_dir = data_dir + "/kafka";
  auto topics = list_dir(kafka_dir);
  if (!topics.ok()) return topics.status();
  for (const std::string& topic : *topics) {
    const std::string topic_path = kafka_dir + "/" + topic;
    if (!legal_topic_dir_name(topic) || !is_directory(topic_path)) {
      found.ignored.push_back("kafka/" + topic);
      continue;
    }
    auto entries = list_dir(topic_path);
    if (!entries.ok()) return entries.status();
    for (const std::string& name : *entries) {
      std::string relative = "kafka/" + topic + "/" + name;
      bool dir = is_directory(topic_path + "/" + name);
      if (auto partition = parse_partition(name); partition && dir) {
        found.partitions.push_back({topic, *partition});
      } else if (dir && is_pending_removal(name)) {
        found.pending_removals.push_back(std::move(relative));
      } else {
        found.ignored.push_back(std::move(relative));
      }
    }
  }
  std::sort(found.partitions.begin(), found.partitions.end());
  return found;
}

Result<int> LogManager::finish_interrupted_removals(const std::string& data_dir) {
  auto found = discover(data_dir);
  if (!found.ok()) return found.status();
  int finished = 0;
  Status first;
  for (const std::string& relative : found->pending_removals) {
    if (Status s = delete_tree(data_dir + "/" + relative); !s.ok()) {
      if (first.ok()) first = s;
      continue;
    }
    ++finished;
  }
  if (!first.ok()) return first;
  return finished;
}

LogConfig LogManager::effective(const ManagedLogConfig& config) {
  LogConfig log = config.log;
  if (!config.delete_retention) {
    log.retention_ms = -1;
    log.retention_bytes = -1;
  }
  if (log.segment.open_files == nullptr) log.segment.open_files = &open_files_;
  return log;
}

Result<Log*> LogManager::open(const TopicPartition& tp, const ManagedLogConfig& config) {
  auto dir = partition_dir(data_dir_, tp);
  if (!dir.ok()) return dir.status();
  if (auto it = logs_.find(tp); it != logs_.end()) {
    if (Status s = it->second.log->update_config(effective(config)); !s.ok()) return s;
    it->second.config = config;
    return it->second.log.get();
  }
  auto log =
      Log::open(*dir, effective(config), clock_, std::make_shared<metrics::LogCells>(tp.topic, tp.partition));
  if (!log.ok()) return log.status();
  Log* raw = log->get();
  logs_.emplace(tp, Entry{std::move(*log), config});
  return raw;
}

Log* LogManager::get(const TopicPartition& tp) const {
  auto it = logs_.find(tp);
  return it == logs_.end() ? nullptr : it->second.log.get();
}

const ManagedLogConfig* LogManager::config(const TopicPartition& tp) const {
  auto it = logs_.find(tp);
  return it == logs_.end() ? nullptr : &it->second.config;
}

Status LogManager::remove(const TopicPartition& tp) {
  auto dir = partition_dir(data_dir_, tp);
  if (!dir.ok()) return dir.status();
  if (auto it = logs_.find(tp); it != logs_.end()) {
    // Out of the table before the waiters hear of it, so one that reacts
    // by looking the partition up finds it gone.
    std::unique_ptr<Log> log = std::move(it->second.log);
    logs_.erase(it);
    log->close();
  }
  const std::string trash = *dir + std::string(kDeletedSuffix);
  // Left over from a removal of an earlier incarnation that failed midway.
  if (exists(trash)) {
    if (Status s = delete_tree(trash); !s.ok()) return s;
  }
  if (!exists(*dir)) return Status();
  if (::rename(dir->c_str(), trash.c_str()) != 0) {
    return Status(Errc::kIo, "cannot move a removed partition's directory aside");
  }
  // Durable before anything inside goes: a crash must not bring back the
  // directory with some of its segments deleted.
  if (!sync_dir(data_dir_ + "/kafka/" + tp.topic)) {
    return Status(Errc::kIo, "cannot sync the topic directory after removing a partition");
  }
  if (Status s = delete_tree(trash); !s.ok()) return s;
  // The topic's directory goes with its last partition (another shard may
  // still hold one: then it is not empty and stays).
  (void)::rmdir((data_dir_ + "/kafka/" + tp.topic).c_str());
  return Status();
}

Status LogManager::update_config(const TopicPartition& tp, const ManagedLogConfig& config) {
  auto it = logs_.find(tp);
  if (it == logs_.end()) return Status(Errc::kInvalidValue, "partition log is not open on this shard");
  if (Status s = it->second.log->update_config(effective(config)); !s.ok()) return s;
  it->second.config = config;
  return Status();
}

std::vector<LogProblem> LogManager::housekeeping() {
  std::vector<LogProblem> problems;
  for (auto& [tp, entry] : logs_) {
    // Also without the delete policy: it rolls on segment.ms, so compaction
    // sees idle data, and drops segments compacted down to nothing.
    if (Status s = entry.log->housekeeping(); !s.ok()) problems.push_back({tp, s});
    // After a failed fdatasync the log's pages may not match its files;
    // rewriting them could only spread the damage.
    if (entry.config.compact && entry.log->sync_failure().ok()) {
      auto stats = compact(*entry.log, entry.config.compaction, clock_());
      if (!stats.ok()) problems.push_back({tp, stats.status()});
    }
  }
  return problems;
}

void LogManager::flush_if_due_all() {
  for (auto& [tp, entry] : logs_) entry.log->flush_if_due(flusher_);
  // A log trims its cached tail when its own flushes finish, so logs that
  // went idle keep theirs; past the budget they all let go.
  if (tail_cache_over_budget()) {
    for (auto& [tp, entry] : logs_) entry.log->release_cached_tail();
  }
}

Status LogManager::flush_all(std::vector<LogProblem>* problems) {
  Status first;
  for (auto& [tp, entry] : logs_) {
    Status s = entry.log->flush();
    if (s.ok()) continue;
    if (first.ok()) first = s;
    if (problems != nullptr) problems->push_back({tp, s});
  }
  return first;
}

void LogManager::for_each(const std::function<void(const TopicPartition&, Log&)>& fn) {
  for (auto& [tp, entry] : logs_) fn(tp, *entry.log);
}

}  // namespace runnel::storage
