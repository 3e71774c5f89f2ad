#include "cli/cli.h"

#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/command.h"

namespace runnel::cli {

void print_out(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
}

void print_json(const Json& value) {
  std::string out = value.dump();
  out.push_back('\n');
  print_out(out);
}

std::string examples(std::initializer_list<std::string_view> lines) {
  std::string out = "\nExamples:\n";
  for (std::string_view l : lines) out.append("  ").append(l).push_back('\n');
  return out;
}

Outcome<std::pair<std::string, std::string>> split_key_value(std::string_view text, std::string_view flag) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    std::string m(flag);
    m.append(" takes key=value, got '").append(text).append("'");
    return fail(std::move(m));
  }
  return std::pair{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

struct Cli::State {
  GlobalFlags flags;
  CommandRegistry registry;
  std::vector<CLI::App*> groups;
};

namespace {

// The same global flags on each command group, bound to one GlobalFlags, so
// they work before or after the subcommand: `runnel topic --brokers X list`
// and `runnel topic list --brokers X`.
void add_global_flags(CLI::App& group, GlobalFlags& flags) {
  group
      .add_option("--brokers", flags.brokers,
                  "Kafka brokers, host:port[,host:port...] (env RUNNEL_BROKERS) [127.0.0.1:9092]")
      ->type_name("HOSTS");
  group
      .add_option("-X,--config-opt", flags.x_opts,
                  "A client setting: brokers=HOSTS, admin.hosts=HOST:PORT, globals.dial_timeout=DURATION "
                  "(repeatable)")
      ->type_name("KEY=VALUE");
  group
      .add_option("--admin-url", flags.admin_url,
                  "Admin API address, host:port (env RUNNEL_ADMIN_URL) [127.0.0.1:9644]")
      ->type_name("HOST:PORT");
  group.add_option("--format", flags.format, "Output format: text or json [text]")->type_name("FORMAT");
  group.add_option("--connect-timeout", flags.connect_timeout, "How long connecting may take, e.g. 3s [5s]")
      ->type_name("DURATION");
  group.add_flag("-v,--verbose", flags.verbose, "Print the Kafka client's log lines on stderr");
}

// Leaf commands take the group's flags too (CLI11 falls through to the
// parent); their help says so, since it lists only their own options.
void allow_flags_anywhere(CLI::App& app, const std::string& group_name) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    sub->fallthrough();
    std::string footer = sub->get_footer();
    footer
        .append(
            "\nAlso: --brokers, -X key=value, --admin-url, --format text|json, --connect-timeout, -v "
            "(see runnel ")
        .append(group_name)
        .append(" --help).\n");
    sub->footer(footer);
  }
}

std::string path_of(const CLI::App* app) {
  std::string path;
  for (const CLI::App* a = app; a; a = a->get_parent()) {
    std::string name = a->get_parent() ? a->get_name() : std::string("runnel");
    path = path.empty() ? name : name.append(" ").append(path);
  }
  return path;
}

}  // namespace

Cli::Cli(CLI::App& app) : state_(std::make_unique<State>()) {
  CLI::App* topic =
      app.add_subcommand("topic", "Create, inspect, change, produce to and consume from topics");
  CLI::App* group = app.add_subcommand("group", "Inspect and manage consumer groups");
  CLI::App* cluster = app.add_subcommand("cluster", "Inspect the cluster: brokers, controller, health");
  topic->footer(examples({"runnel topic create orders -p 6 -r 1", "runnel topic list",
                          "echo hello | runnel topic produce orders",
                          "runnel topic consume orders --num 10 --format '%k: %v\\n'"}));
  group->footer(examples(
      {"runnel group list", "runnel group describe my-group", "runnel group seek my-group --to start"}));
  cluster->footer(examples({"runnel cluster info", "runnel cluster health"}));
  for (CLI::App* g : {topic, group, cluster}) {
    g->require_subcommand(1);
    add_global_flags(*g, state_->flags);
    state_->groups.push_back(g);
  }
  add_topic_commands(*topic, state_->registry);
  add_produce_command(*topic, state_->registry);
  add_consume_command(*topic, state_->registry);
  add_group_commands(*group, state_->registry);
  add_cluster_commands(*cluster, state_->registry);
  for (CLI::App* g : state_->groups) allow_flags_anywhere(*g, g->get_name());
}

Cli::~Cli() = default;

bool Cli::chosen() const {
  for (CLI::App* g : state_->groups) {
    if (g->parsed()) return true;
  }
  return false;
}

std::string Cli::chosen_path() const {
  for (const auto& [command, run] : state_->registry.commands()) {
    if (command->parsed()) return path_of(command);
  }
  for (CLI::App* g : state_->groups) {
    if (g->parsed()) return path_of(g);
  }
  return "runnel";
}

int Cli::run() {
  const std::string path = chosen_path();
  for (const auto& [command, run] : state_->registry.commands()) {
    if (!command->parsed()) continue;
    auto settings = resolve_client_settings(state_->flags, runnel_environment());
    if (!settings.ok()) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), settings.error().c_str());
      return kExitUsage;
    }
    auto result = run(*settings);
    std::fflush(stdout);
    if (!result.ok()) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), result.error().c_str());
      return kExitFailure;
    }
    return *result;
  }
  std::fprintf(stderr, "%s: choose a command (see --help)\n", path.c_str());
  return kExitUsage;
}

}  // namespace runnel::cli
