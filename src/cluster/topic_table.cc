#include "cluster/topic_table.h"

// Boost.JSON is header-only here: its implementation is compiled into this
// one translation unit and nowhere else in the project.
#include <boost/json/src.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

#include "cluster/topic_name.h"

namespace runnel::cluster {

namespace json = boost::json;

namespace {

constexpr int64_t kFormatVersion = 1;
// Far beyond any real table (100k topics with configs is a few MB); a bigger
// file is not ours and must not be read into memory whole.
constexpr off_t kMaxFileBytes = 256 << 20;

// Strict UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF): what the JSON reader accepts, so nothing written is unreadable.
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    uint32_t min;
    if ((c & 0xe0) == 0xc0) {
      len = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

std::optional<MetaError> configs_problem(const std::map<std::string, std::string>& configs) {
  for (const auto& [key, value] : configs) {
    if (key.empty()) return MetaError{MetaErrc::kInvalid, "A config name must not be empty."};
    if (!valid_utf8(key) || !valid_utf8(value)) {
      return MetaError{MetaErrc::kInvalid, "Config names and values must be valid UTF-8."};
    }
  }
  return std::nullopt;
}

MetaError io_error(std::string_view what, const std::string& path, int err) {
  std::string message(what);
  message.append(" ").append(path).append(": ").append(std::strerror(err));
  return MetaError{MetaErrc::kIo, std::move(message)};
}

MetaError corrupt(const std::string& path, std::string_view why) {
  std::string message = path;
  message.append(" is corrupt: ").append(why);
  return MetaError{MetaErrc::kCorrupt, std::move(message)};
}

std::string in_quotes(std::string_view name) {
  std::string out = "'";
  return out.append(name).append("'");
}

std::string encode(const std::string& cluster_id, const std::map<std::string, TopicInfo, std::less<>>& topics) {
  json::array list;
  list.reserve(topics.size());
  for (const auto& [name, topic] : topics) {
    json::object configs;
    for (const auto& [key, value] : topic.configs) configs[key] = value;
    json::object entry;
    entry["name"] = topic.name;
    entry["id"] = to_base64(topic.id);
    entry["partitions"] = topic.partitions;
    entry["replication_factor"] = topic.replication_factor;
    entry["configs"] = std::move(configs);
    list.push_back(std::move(entry));
  }
  json::object root;
  root["version"] = kFormatVersion;
  root["cluster_id"] = cluster_id;
  root["topics"] = std::move(list);
  std::string text = json::serialize(root);
  text.push_back('\n');
  return text;
}

std::optional<int64_t> as_int(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(v->get_uint64());
  }
  return std::nullopt;
}

const json::string* as_string(const json::value* v) { return v != nullptr && v->is_string() ? &v->get_string() : nullptr; }

// One topic entry, or why it is not one.
std::optional<std::string> decode_topic(const json::value& value, TopicInfo& out) {
  if (!value.is_object()) return "a topic entry is not an object";
  const json::object& o = value.get_object();
  const json::string* name = as_string(o.if_contains("name"));
  if (name == nullptr) return "a topic entry has no name";
  out.name.assign(name->data(), name->size());
  if (auto problem = topic_name_problem(out.name)) return "topic " + in_quotes(out.name) + ": " + *problem;
  const json::string* id = as_string(o.if_contains("id"));
  std::optional<Uuid> uuid = id ? uuid_from_base64(std::string_view(id->data(), id->size())) : std::nullopt;
  if (!uuid || uuid->is_zero()) return "topic " + in_quotes(out.name) + " has no valid id";
  out.id = *uuid;
  std::optional<int64_t> partitions = as_int(o.if_contains("partitions"));
  if (!partitions || *partitions < 1 || *partitions > std::numeric_limits<int32_t>::max()) {
    return "topic " + in_quotes(out.name) + " has no valid partition count";
  }
  out.partitions = static_cast<int32_t>(*partitions);
  std::optional<int64_t> rf = as_int(o.if_contains("replication_factor"));
  if (!rf || *rf < 1 || *rf > std::numeric_limits<int16_t>::max()) {
    return "topic " + in_quotes(out.name) + " has no valid replication factor";
  }
  out.replication_factor = static_cast<int16_t>(*rf);
  const json::value* configs = o.if_contains("configs");
  if (configs == nullptr || !configs->is_object()) return "topic " + in_quotes(out.name) + " has no configs object";
  for (const auto& kv : configs->get_object()) {
    if (!kv.value().is_string() || kv.key().empty()) {
      return "topic " + in_quotes(out.name) + " has a config that is not a name and a string value";
    }
    const json::string& v = kv.value().get_string();
    out.configs[std::string(kv.key())] = std::string(v.data(), v.size());
  }
  return std::nullopt;
}

// Reads the whole file, refusing one larger than the bound.
MetaResult<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return io_error("cannot stat", path, err);
  }
  if (st.st_size > kMaxFileBytes) {
    ::close(fd);
    return corrupt(path, "larger than any topic table");
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::read(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error("cannot read", path, err);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  text.resize(done);
  return text;
}

// tmp, fdatasync, rename over the file, fsync the directory: the rename is
// the commit point, and the directory sync makes it survive a power cut.
MetaStatus write_atomically(const std::string& dir, const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create", tmp, errno);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      ::unlink(tmp.c_str());
      return io_error("cannot write", tmp, err);
    }
    done += static_cast<size_t>(n);
  }
  if (::fdatasync(fd) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return io_error("cannot sync", tmp, err);
  }
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot close", tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot rename onto", path, err);
  }
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return io_error("cannot open directory", dir, errno);
  int synced = ::fsync(dir_fd);
  int err = errno;
  ::close(dir_fd);
  if (synced != 0) return io_error("cannot sync directory", dir, err);
  return MetaStatus();
}

}  // namespace

std::optional<Uuid> uuid_from_base64(std::string_view text) {
  if (text.size() != 22) return std::nullopt;
  Uuid id;
  uint32_t acc = 0;
  int bits = 0;
  size_t out = 0;
  for (char c : text) {
    uint32_t v;
    if (c >= 'A' && c <= 'Z') {
      v = static_cast<uint32_t>(c - 'A');
    } else if (c >= 'a' && c <= 'z') {
      v = static_cast<uint32_t>(c - 'a' + 26);
    } else if (c >= '0' && c <= '9') {
      v = static_cast<uint32_t>(c - '0' + 52);
    } else if (c == '-') {
      v = 62;
    } else if (c == '_') {
      v = 63;
    } else {
      return std::nullopt;
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      id.bytes[out++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  // 22 characters carry 132 bits; the 4 beyond the 16 bytes must be zero,
  // or two spellings would name one id.
  if (out != id.bytes.size() || (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return id;
}

MetaResult<TopicTable> TopicTable::open(const std::string& meta_dir) {
  std::error_code ec;
  std::filesystem::create_directories(meta_dir, ec);
  if (ec) return MetaError{MetaErrc::kIo, "cannot create " + meta_dir + ": " + ec.message()};
  TopicTable table(meta_dir, meta_dir + "/topics.json");

  // A temporary file is a write that never reached its rename: the change
  // it carried was never applied or acknowledged.
  std::string tmp = table.path_ + ".tmp";
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) return io_error("cannot remove", tmp, errno);

  struct stat st;
  if (::stat(table.path_.c_str(), &st) != 0) {
    if (errno != ENOENT) return io_error("cannot stat", table.path_, errno);
    table.cluster_id_ = to_base64(random_uuid());
    MetaStatus written = write_atomically(table.dir_, table.path_, encode(table.cluster_id_, table.topics_));
    if (!written.ok()) return MetaError{written.code(), written.error()};
    return table;
  }

  MetaResult<std::string> text = read_file(table.path_);
  if (!text.ok()) return MetaError{text.code(), text.error()};
  boost::system::error_code parse_error;
  json::value root = json::parse(*text, parse_error);
  if (parse_error) return corrupt(table.path_, "not JSON (" + parse_error.message() + ")");
  if (!root.is_object()) return corrupt(table.path_, "not a JSON object");
  const json::object& o = root.get_object();
  std::optional<int64_t> version = as_int(o.if_contains("version"));
  if (!version) return corrupt(table.path_, "no format version");
  if (*version != kFormatVersion) {
    return corrupt(table.path_, "format version " + std::to_string(*version) + " is not one this Runnel reads");
  }
  const json::string* cluster_id = as_string(o.if_contains("cluster_id"));
  if (cluster_id == nullptr || !uuid_from_base64(std::string_view(cluster_id->data(), cluster_id->size()))) {
    return corrupt(table.path_, "no valid cluster id");
  }
  table.cluster_id_.assign(cluster_id->data(), cluster_id->size());
  const json::value* topics = o.if_contains("topics");
  if (topics == nullptr || !topics->is_array()) return corrupt(table.path_, "no topics array");
  for (const json::value& entry : topics->get_array()) {
    TopicInfo topic;
    if (auto problem = decode_topic(entry, topic)) return corrupt(table.path_, *problem);
    if (table.topics_.contains(topic.name)) return corrupt(table.path_, "topic " + in_quotes(topic.name) + " appears twice");
    if (auto clash = table.names_by_id_.find(topic.id); clash != table.names_by_id_.end()) {
      return corrupt(table.path_, "topics " + in_quotes(clash->second) + " and " + in_quotes(topic.name) + " share an id");
    }
    table.names_by_id_.emplace(topic.id, topic.name);
    std::string name = topic.name;
    table.topics_.emplace(std::move(name), std::move(topic));
  }
  return table;
}

MetaStatus TopicTable::commit(Topics next) {
  MetaStatus written = write_atomically(dir_, path_, encode(cluster_id_, next));
  if (!written.ok()) return written;
  topics_ = std::move(next);
  names_by_id_.clear();
  for (const auto& [name, topic] : topics_) names_by_id_.emplace(topic.id, name);
  return MetaStatus();
}

MetaStatus TopicTable::create(TopicInfo topic) {
  if (auto problem = topic_name_problem(topic.name)) return MetaError{MetaErrc::kInvalid, *problem};
  if (topics_.contains(topic.name)) {
    return MetaError{MetaErrc::kExists, "Topic " + in_quotes(topic.name) + " already exists."};
  }
  if (topic.id.is_zero()) return MetaError{MetaErrc::kInvalid, "A topic id must not be zero."};
  if (auto clash = names_by_id_.find(topic.id); clash != names_by_id_.end()) {
    return MetaError{MetaErrc::kExists, "Topic id " + to_base64(topic.id) + " is already used by topic " +
                                            in_quotes(clash->second) + "."};
  }
  if (topic.partitions < 1) return MetaError{MetaErrc::kInvalid, "Number of partitions must be larger than 0."};
  if (topic.replication_factor < 1) {
    return MetaError{MetaErrc::kInvalid, "Replication factor must be larger than 0."};
  }
  if (auto problem = configs_problem(topic.configs)) return std::move(*problem);
  Topics next = topics_;
  std::string name = topic.name;
  next.emplace(std::move(name), std::move(topic));
  return commit(std::move(next));
}

MetaStatus TopicTable::remove(std::string_view name) {
  auto it = topics_.find(name);
  if (it == topics_.end()) return MetaError{MetaErrc::kNotFound, "Topic " + in_quotes(name) + " does not exist."};
  Topics next = topics_;
  next.erase(it->first);
  return commit(std::move(next));
}

MetaStatus TopicTable::add_partitions(std::string_view name, int32_t new_total) {
  auto it = topics_.find(name);
  if (it == topics_.end()) return MetaError{MetaErrc::kNotFound, "Topic " + in_quotes(name) + " does not exist."};
  if (new_total <= it->second.partitions) {
    return MetaError{MetaErrc::kInvalid, "Topic currently has " + std::to_string(it->second.partitions) +
                                             " partitions, which is higher than or equal to the requested " +
                                             std::to_string(new_total) + "."};
  }
  Topics next = topics_;
  next.find(name)->second.partitions = new_total;
  return commit(std::move(next));
}

MetaStatus TopicTable::set_configs(std::string_view name, std::map<std::string, std::string> configs) {
  auto it = topics_.find(name);
  if (it == topics_.end()) return MetaError{MetaErrc::kNotFound, "Topic " + in_quotes(name) + " does not exist."};
  if (auto problem = configs_problem(configs)) return std::move(*problem);
  Topics next = topics_;
  next.find(name)->second.configs = std::move(configs);
  return commit(std::move(next));
}

const TopicInfo* TopicTable::find(std::string_view name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second;
}

const TopicInfo* TopicTable::find(const Uuid& id) const {
  auto it = names_by_id_.find(id);
  return it == names_by_id_.end() ? nullptr : find(it->second);
}

}  // namespace runnel::cluster
