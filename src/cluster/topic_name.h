// Kafka's rules for topic names: 1-249 characters from [a-zA-Z0-9._-], not "."
// or "..". Checked wherever a client names a topic it wants created.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace runnel::cluster {

inline constexpr size_t kMaxTopicNameLength = 249;

// Why the name is not a legal topic name (Kafka's wording), or nullopt.
std::optional<std::string> topic_name_problem(std::string_view name);

// Names starting with "__" are internal (__consumer_offsets and friends).
inline bool is_internal_topic(std::string_view name) { return name.starts_with("__"); }

}  // namespace runnel::cluster
