// TopicTable: a single node's topic metadata (name, id, partition count,
// replication factor, config overrides) and the cluster id, persisted as JSON
// in <meta_dir>/topics.json. Each change is written to disk atomically before
// the table in memory changes, so a crash leaves the old or the new table,
// never a mix, and a failed write leaves both as they were. One owner (the
// topic controller); not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/uuid.h"

namespace runnel::cluster {

enum class MetaErrc : uint8_t {
  kInvalid,   // the change itself is wrong (bad name, zero id, shrinking partitions)
  kExists,    // a topic with that name or id is already there
  kNotFound,  // no topic of that name
  kCorrupt,   // the persisted file cannot be trusted
  kIo,        // the operating system refused a read, write or sync
};

// A metadata error with a message for a person (it names files and topics,
// so unlike Status it owns its text). Never on a data path.
struct MetaError {
  MetaErrc code = MetaErrc::kInvalid;
  std::string message;
};

class [[nodiscard]] MetaStatus {
 public:
  MetaStatus() = default;
  MetaStatus(MetaError error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !error_.has_value(); }
  MetaErrc code() const { return error_->code; }
  // Only when !ok().
  const std::string& error() const { return error_->message; }

 private:
  std::optional<MetaError> error_;
};

template <typename T>
class [[nodiscard]] MetaResult {
 public:
  MetaResult(T value) : value_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  MetaResult(MetaError error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return value_.has_value(); }
  MetaErrc code() const { return error_.code; }
  // Only when !ok().
  const std::string& error() const { return error_.message; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T&& operator*() && { return std::move(*value_); }

 private:
  std::optional<T> value_;
  MetaError error_;
};

struct TopicInfo {
  std::string name;
  Uuid id;  // random v4, never zero; a topic deleted and created again gets a new one
  int32_t partitions = 0;
  int16_t replication_factor = 1;
  std::map<std::string, std::string> configs;  // explicit overrides only, as given

  friend bool operator==(const TopicInfo&, const TopicInfo&) = default;
};

class TopicTable {
 public:
  // Creates meta_dir if needed and loads topics.json, or starts an empty
  // table with a new cluster id (written at once, so the id is stable). A
  // leftover temporary file from an interrupted write is removed. A file
  // that does not parse or breaks the table's rules is kCorrupt: topics are
  // never dropped silently.
  static MetaResult<TopicTable> open(const std::string& meta_dir);

  // The name must be a legal topic name, the id non-zero and unused,
  // partitions and replication factor at least 1. Config overrides are
  // stored as given: validating them against the catalog is the caller's.
  MetaStatus create(TopicInfo topic);
  MetaStatus remove(std::string_view name);
  // Partitions only grow: new_total must exceed the current count.
  MetaStatus add_partitions(std::string_view name, int32_t new_total);
  // Replaces the topic's overrides with `configs`.
  MetaStatus set_configs(std::string_view name, std::map<std::string, std::string> configs);

  // Pointers stay valid until the next successful change.
  const TopicInfo* find(std::string_view name) const;
  const TopicInfo* find(const Uuid& id) const;
  // Every topic, keyed and ordered by name. (A map, not a values view:
  // clang 14 cannot check std::views over libstdc++ 12's map.)
  const std::map<std::string, TopicInfo, std::less<>>& all() const { return topics_; }
  size_t size() const { return topics_.size(); }

  // Kafka style: 22 characters of URL-safe base64 of a random UUID.
  const std::string& cluster_id() const { return cluster_id_; }
  // <meta_dir>/topics.json
  const std::string& path() const { return path_; }

 private:
  using Topics = std::map<std::string, TopicInfo, std::less<>>;

  TopicTable(std::string dir, std::string path) : dir_(std::move(dir)), path_(std::move(path)) {}
  // Writes `next` durably and only then makes it the table.
  MetaStatus commit(Topics next);

  std::string dir_;
  std::string path_;
  std::string cluster_id_;
  Topics topics_;
  std::map<Uuid, std::string> names_by_id_;
};

// Reads the 22-character form to_base64() writes; nullopt for anything else.
std::optional<Uuid> uuid_from_base64(std::string_view text);

}  // namespace runnel::cluster
