// Placeholder until the configuration loader lands.
#pragma once
#include <string>
namespace runnel::app {
struct ServeConfig {
  std::string data_dir = "./runnel-data";
};
}  // namespace runnel::app
