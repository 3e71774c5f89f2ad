// The serve config against the real broker config catalog: what `runnel serve`
// accepts and what --print-config shows must load back with the same checks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "app/config.h"
#include "cluster/config_catalog.h"

namespace runnel::app {
namespace {

const HostFacts kHost{"broker-1.example", 2};

ConfigResult<ServeConfig> load(const ServeFlags& flags, const Environment& env = {}) {
  return load_serve_config(flags, env, catalog_validator(), kHost);
}

TEST(ConfigCatalog, AcceptsKafkaSettingsFromEveryLayer) {
  ServeFlags flags;
  flags.kafka_sets = {"num.partitions=3", "log.retention.ms=60000"};
  auto config = load(flags, {{"RUNNEL_KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false"}});
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->kafka_settings.at("auto.create.topics.enable"), "false");
  EXPECT_EQ(config->kafka_setting_sources.at("auto.create.topics.enable"), SettingSource::kEnv);
  EXPECT_EQ(config->kafka_settings.at("num.partitions"), "3");
  EXPECT_EQ(config->kafka_settings.at("log.retention.ms"), "60000");
  EXPECT_EQ(config->kafka_settings.size(), 3u);  // the loaded config holds only what was set
}

TEST(ConfigCatalog, RefusesUnknownNamesAndBadValues) {
  ServeFlags flags;
  flags.kafka_sets = {"num.partitons=3"};
  auto unknown = load(flags);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error(), "--set num.partitons \"3\": Unknown broker config name: num.partitons");

  auto bad = load({}, {{"RUNNEL_KAFKA_NUM_PARTITIONS", "many"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().rfind("RUNNEL_KAFKA_NUM_PARTITIONS (num.partitions) \"many\": ", 0), 0u) << bad.error();
  EXPECT_NE(bad.error().find("num.partitions"), std::string::npos);
}

TEST(ConfigCatalog, DefaultsFillInWhatNoLayerSet) {
  ServeFlags flags;
  flags.kafka_sets = {"num.partitions=3"};
  auto config = load(flags);
  ASSERT_TRUE(config.ok()) << config.error();
  ServeConfig shown = with_catalog_defaults(*config);
  EXPECT_EQ(shown.kafka_settings.at("num.partitions"), "3");
  EXPECT_EQ(shown.kafka_setting_sources.at("num.partitions"), SettingSource::kFlag);
  const cluster::ConfigSpec* spec = cluster::find_broker_config("auto.create.topics.enable");
  ASSERT_NE(spec, nullptr);
  ASSERT_TRUE(spec->default_value.has_value());
  EXPECT_EQ(shown.kafka_settings.at("auto.create.topics.enable"), *spec->default_value);
  EXPECT_EQ(shown.kafka_setting_sources.at("auto.create.topics.enable"), SettingSource::kDefault);
  // Fields own these; the catalog's defaults (node 0, some directory) would contradict them.
  for (const auto& [name, value] : shown.kafka_settings) {
    EXPECT_TRUE(field_owning_setting(name).empty()) << name;
  }
  EXPECT_EQ(shown.kafka_settings.size(), shown.kafka_setting_sources.size());
}

TEST(ConfigCatalog, PrintedConfigWithEveryDefaultLoadsBack) {
  ServeFlags flags;
  flags.kafka_sets = {"num.partitions=3"};
  flags.node_id = "4";
  auto config = load(flags);
  ASSERT_TRUE(config.ok()) << config.error();
  std::string printed = to_yaml(with_catalog_defaults(*config));

  std::string path = (std::filesystem::temp_directory_path() /
                      ("runnel_config_catalog_test_" + std::to_string(::getpid()) + ".yaml"))
                         .string();
  std::ofstream(path) << printed;
  ServeFlags reload;
  reload.config_file = path;
  auto loaded = load(reload);
  std::filesystem::remove(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error() << "\n" << printed;
  EXPECT_EQ(loaded->node_id, 4);
  EXPECT_EQ(loaded->kafka_settings, with_catalog_defaults(*config).kafka_settings);
}

}  // namespace
}  // namespace runnel::app
