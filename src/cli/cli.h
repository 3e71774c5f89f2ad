// The operator CLI (`runnel topic|group|cluster ...`), rpk-compatible, built on
// librdkafka: Cli adds its subcommands and global flags to the binary's CLI11
// app and, after parsing, runs the one the user chose.
#pragma once

#include <memory>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace runnel::cli {

class Cli {
 public:
  explicit Cli(CLI::App& app);
  ~Cli();
  Cli(const Cli&) = delete;
  Cli& operator=(const Cli&) = delete;

  // True if a CLI command (not `serve`) was chosen, or its group alone.
  bool chosen() const;
  // "runnel topic create": the command line's path, for error messages.
  std::string chosen_path() const;
  // Runs the chosen command: its exit code. Prints every failure itself.
  int run();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace runnel::cli
