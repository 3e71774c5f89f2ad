// The plumbing every CLI command shares: the registry that maps a parsed
// CLI11 subcommand to the function that runs it, and the output helpers.
// A command's function gets the resolved client settings and returns its exit
// code, or a Failure that the driver prints as one line on stderr (exit 1).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/client_settings.h"
#include "cli/json.h"
#include "cli/outcome.h"

namespace CLI {
class App;
}

namespace runnel::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

using RunFn = std::function<Outcome<int>(const ClientSettings&)>;

class CommandRegistry {
 public:
  void add(CLI::App* command, RunFn run) { commands_.emplace_back(command, std::move(run)); }
  const std::vector<std::pair<CLI::App*, RunFn>>& commands() const { return commands_; }

 private:
  std::vector<std::pair<CLI::App*, RunFn>> commands_;
};

void add_topic_commands(CLI::App& topic, CommandRegistry& registry);
void add_produce_command(CLI::App& topic, CommandRegistry& registry);
void add_consume_command(CLI::App& topic, CommandRegistry& registry);
void add_group_commands(CLI::App& group, CommandRegistry& registry);
void add_cluster_commands(CLI::App& cluster, CommandRegistry& registry);

// Writes to stdout (unbuffered by the caller's choice of flush points).
void print_out(std::string_view text);
// One JSON document and a newline.
void print_json(const Json& value);
// "Examples:\n  runnel ...\n" for a command's --help footer.
std::string examples(std::initializer_list<std::string_view> lines);

// Splits "key=value"; fails naming the flag if there is no '=' or no key.
Outcome<std::pair<std::string, std::string>> split_key_value(std::string_view text, std::string_view flag);

}  // namespace runnel::cli
