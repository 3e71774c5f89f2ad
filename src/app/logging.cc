#include "app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "base/logging.h"

namespace runnel::app {

namespace {

std::string quoted(std::string_view text) {
  std::string out = "\"";
  out.append(text).append("\"");
  return out;
}

bool valid_level(const std::string& level) {
  return level == "trace" || level == "debug" || level == "info" || level == "warn" || level == "error" ||
         level == "off";
}

std::string lower_trimmed(std::string_view text) {
  size_t b = text.find_first_not_of(" \t");
  size_t e = text.find_last_not_of(" \t");
  std::string out = b == std::string_view::npos ? std::string() : std::string(text.substr(b, e - b + 1));
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// %* -> "shard N", or "main" off the shards (start-up, flusher threads).
class ShardFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
    int shard = log::current_shard;
    if (shard < 0) {
      static constexpr std::string_view kMain = "main";
      dest.append(kMain.data(), kMain.data() + kMain.size());
      return;
    }
    std::string text = "shard ";
    text.append(std::to_string(shard));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<ShardFlag>(); }
};

}  // namespace

std::optional<LogLevels> parse_log_levels(std::string_view spec, std::string* why) {
  LogLevels out;
  bool any = false;
  size_t at = 0;
  while (at <= spec.size()) {
    size_t comma = spec.find(',', at);
    if (comma == std::string_view::npos) comma = spec.size();
    std::string_view item = spec.substr(at, comma - at);
    at = comma + 1;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      std::string level = lower_trimmed(item);
      if (!valid_level(level)) {
        *why = quoted(item).append(" is not a level");
        return std::nullopt;
      }
      out.all = level;
    } else {
      std::string name = lower_trimmed(item.substr(0, eq));
      std::string level = lower_trimmed(item.substr(eq + 1));
      bool known = std::any_of(std::begin(log::kSubsystems), std::end(log::kSubsystems),
                               [&](const char* s) { return name == s; });
      if (!known) {
        *why = std::string("unknown subsystem ").append(quoted(name));
        return std::nullopt;
      }
      if (!valid_level(level)) {
        *why = quoted(level).append(" is not a level");
        return std::nullopt;
      }
      out.subsystem[name] = level;
    }
    any = true;
  }
  if (!any) {
    *why = "no level given";
    return std::nullopt;
  }
  return out;
}

void configure_logging(const LogLevels& levels) {
  std::shared_ptr<spdlog::logger> root = spdlog::default_logger();
  root->set_level(spdlog::level::from_str(levels.all));
  for (const char* name : log::kSubsystems) {
    std::shared_ptr<spdlog::logger> logger = spdlog::get(name);
    if (!logger) {
      logger = root->clone(name);
      spdlog::register_logger(logger);
    }
    auto it = levels.subsystem.find(name);
    logger->set_level(spdlog::level::from_str(it != levels.subsystem.end() ? it->second : levels.all));
  }
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<ShardFlag>('*').set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] [%*] %v");
  spdlog::set_formatter(std::move(formatter));
}

}  // namespace runnel::app
