// Subsystem loggers (spdlog): log::kafka(), log::storage(), log::http(),
// log::cluster(), log::app(). Each has its own level (`--log-level
// kafka=debug,storage=info`); the app creates them at start-up sharing one
// sink whose lines carry the shard id. Before that (unit tests, tools) they
// fall back to the default logger. Header-only so layers without spdlog in
// their link line can ignore it.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>

namespace runnel::log {

// The shard the calling thread runs, for log lines; -1 off the shards.
inline thread_local int current_shard = -1;

inline constexpr const char* kSubsystems[] = {"kafka", "storage", "cluster", "http", "app"};

inline spdlog::logger& subsystem(const char* name) {
  std::shared_ptr<spdlog::logger> found = spdlog::get(name);
  return found ? *found : *spdlog::default_logger();
}

inline spdlog::logger& kafka() {
  return subsystem("kafka");
}
inline spdlog::logger& storage() {
  return subsystem("storage");
}
inline spdlog::logger& cluster() {
  return subsystem("cluster");
}
inline spdlog::logger& http() {
  return subsystem("http");
}
inline spdlog::logger& app() {
  return subsystem("app");
}

}  // namespace runnel::log
