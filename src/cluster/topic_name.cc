#include "cluster/topic_name.h"

namespace runnel::cluster {

std::optional<std::string> topic_name_problem(std::string_view name) {
  if (name.empty()) return std::string("Topic name is illegal, it can't be empty");
  if (name == "." || name == "..") return std::string("Topic name cannot be \".\" or \"..\"");
  if (name.size() > kMaxTopicNameLength) {
    std::string why = "Topic name is illegal, it can't be longer than ";
    why.append(std::to_string(kMaxTopicNameLength)).append(" characters");
    return why;
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    if (!ok) {
      std::string why = "Topic name \"";
      why.append(name).append("\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'");
      return why;
    }
  }
  return std::nullopt;
}

}  // namespace runnel::cluster
