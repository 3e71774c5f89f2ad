// load_serve_config: defaults, precedence file < env < flag for every field,
// advertise resolution, one message naming the field for every bad value,
// and to_yaml output loading back as the same config.
#include "app/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

namespace runnel::app {
namespace {

namespace fs = std::filesystem;

const HostFacts kHost{"broker-7.example", 4};

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("runnel_config_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes a config file and points the flags at it.
  std::string write(const std::string& text, const std::string& name = "runnel.yaml") {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    flags_.config_file = path;
    return path;
  }

  ConfigResult<ServeConfig> load(const SettingValidator& validate = {}, const HostFacts& host = kHost) {
    return load_serve_config(flags_, env_, validate, host);
  }

  // The error of a load that must fail.
  std::string error(const SettingValidator& validate = {}) {
    auto result = load(validate);
    EXPECT_FALSE(result.ok()) << "loaded:\n" << (result.ok() ? to_yaml(*result) : "");
    if (result.ok()) return "";
    EXPECT_EQ(result.error().find('\n'), std::string::npos) << result.error();
    return result.error();
  }

  fs::path dir_;
  ServeFlags flags_;
  Environment env_;
};

// ---- defaults -----------------------------------------------------------------

TEST_F(ConfigTest, DefaultsWithNothingGiven) {
  auto config = load();
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->node_id, 0);
  EXPECT_EQ(config->data_dir, "./runnel-data");
  EXPECT_EQ(config->kafka_addr, (HostPort{"127.0.0.1", 9092}));
  EXPECT_EQ(config->advertise_kafka_addr, (HostPort{"127.0.0.1", 9092}));
  EXPECT_EQ(config->admin_addr, (HostPort{"127.0.0.1", 9644}));
  EXPECT_EQ(config->smp, 4u);
  EXPECT_EQ(config->log_level, "info");
  EXPECT_TRUE(config->dev_mode);
  EXPECT_TRUE(config->kafka_settings.empty());
  EXPECT_TRUE(config->kafka_setting_sources.empty());
  EXPECT_EQ(config->config_file, "");
}

TEST_F(ConfigTest, SmpDefaultIsTheCpuCountWithinBounds) {
  EXPECT_EQ(load({}, HostFacts{"h", 0})->smp, 1u);
  EXPECT_EQ(load({}, HostFacts{"h", 1})->smp, 1u);
  EXPECT_EQ(load({}, HostFacts{"h", 64})->smp, 64u);
  EXPECT_EQ(load({}, HostFacts{"h", kMaxSmp + 5})->smp, kMaxSmp);
}

TEST_F(ConfigTest, UnrelatedRunnelVariablesAreIgnored) {
  env_ = {{"RUNNEL_BIN", "/x/runnel"}, {"RUNNEL_CRASH_CYCLES", "3"}, {"PATH", "/bin"}};
  auto config = load();
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_TRUE(config->kafka_settings.empty());
}

TEST_F(ConfigTest, EmptyFileMeansDefaults) {
  std::string path = write("");
  auto config = load();
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->config_file, path);
  EXPECT_EQ(config->data_dir, "./runnel-data");
  write("# only a comment\n");
  EXPECT_TRUE(load().ok());
  write("kafka:\n");
  EXPECT_TRUE(load().ok());
}

// ---- precedence ---------------------------------------------------------------

struct FieldCase {
  const char* key;
  const char* env;
  std::optional<std::string> ServeFlags::*flag;
  const char* file_value;
  const char* env_value;
  const char* flag_value;
  // The field's value as text, to compare with what was given.
  std::function<std::string(const ServeConfig&)> read;
};

const std::vector<FieldCase>& field_cases() {
  static const std::vector<FieldCase> cases = {
      {"node_id", "RUNNEL_NODE_ID", &ServeFlags::node_id, "1", "2", "3",
       [](const ServeConfig& c) { return std::to_string(c.node_id); }},
      {"data_dir", "RUNNEL_DATA_DIR", &ServeFlags::data_dir, "/file", "/env", "/flag",
       [](const ServeConfig& c) { return c.data_dir; }},
      {"kafka_addr", "RUNNEL_KAFKA_ADDR", &ServeFlags::kafka_addr, "file.example:1", "env.example:2",
       "[::1]:3", [](const ServeConfig& c) { return c.kafka_addr.to_string(); }},
      {"advertise_kafka_addr", "RUNNEL_ADVERTISE_KAFKA_ADDR", &ServeFlags::advertise_kafka_addr,
       "file.example:11", "10.0.0.2:12", "[2001:db8::1]:13",
       [](const ServeConfig& c) { return c.advertise_kafka_addr.to_string(); }},
      {"admin_addr", "RUNNEL_ADMIN_ADDR", &ServeFlags::admin_addr, "file.example:21", "env.example:22",
       "flag.example:23", [](const ServeConfig& c) { return c.admin_addr.to_string(); }},
      {"smp", "RUNNEL_SMP", &ServeFlags::smp, "5", "6", "7",
       [](const ServeConfig& c) { return std::to_string(c.smp); }},
      {"log_level", "RUNNEL_LOG_LEVEL", &ServeFlags::log_level, "trace", "warn", "error",
       [](const ServeConfig& c) { return c.log_level; }},
      // false, true, false: each layer must change the value it inherits.
      {"dev_mode", "RUNNEL_DEV_MODE", &ServeFlags::dev_mode, "false", "true", "false",
       [](const ServeConfig& c) { return std::string(c.dev_mode ? "true" : "false"); }},
  };
  return cases;
}

TEST_F(ConfigTest, EachLayerOverridesTheOneBelowForEveryField) {
  for (const FieldCase& field : field_cases()) {
    SCOPED_TRACE(field.key);
    flags_ = {};
    env_ = {};
    write(std::string(field.key) + ": \"" + field.file_value + "\"\n");
    auto from_file = load();
    ASSERT_TRUE(from_file.ok()) << from_file.error();
    EXPECT_EQ(field.read(*from_file), field.file_value);

    env_[field.env] = field.env_value;
    auto from_env = load();
    ASSERT_TRUE(from_env.ok()) << from_env.error();
    EXPECT_EQ(field.read(*from_env), field.env_value);

    flags_.*field.flag = field.flag_value;
    auto from_flag = load();
    ASSERT_TRUE(from_flag.ok()) << from_flag.error();
    EXPECT_EQ(field.read(*from_flag), field.flag_value);

    // A flag alone, and the environment alone, also win over the defaults.
    write("");
    env_.clear();
    auto flag_only = load();
    ASSERT_TRUE(flag_only.ok()) << flag_only.error();
    EXPECT_EQ(field.read(*flag_only), field.flag_value);
    flags_.*field.flag = std::nullopt;
    env_[field.env] = field.env_value;
    auto env_only = load();
    ASSERT_TRUE(env_only.ok()) << env_only.error();
    EXPECT_EQ(field.read(*env_only), field.env_value);
  }
}

TEST_F(ConfigTest, KafkaSettingsLayersAndSources) {
  write(
      "kafka:\n"
      "  num.partitions: 3\n"
      "  log.retention.ms: 1000\n"
      "  auto.create.topics.enable: true\n");
  env_ = {{"RUNNEL_KAFKA_LOG_RETENTION_MS", "2000"}, {"RUNNEL_KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false"}};
  flags_.kafka_sets = {"auto.create.topics.enable=true", "message.max.bytes=1048588"};
  auto config = load();
  ASSERT_TRUE(config.ok()) << config.error();
  const std::map<std::string, std::string> want = {{"num.partitions", "3"},
                                                   {"log.retention.ms", "2000"},
                                                   {"auto.create.topics.enable", "true"},
                                                   {"message.max.bytes", "1048588"}};
  EXPECT_EQ(config->kafka_settings, want);
  const std::map<std::string, SettingSource> sources = {{"num.partitions", SettingSource::kFile},
                                                        {"log.retention.ms", SettingSource::kEnv},
                                                        {"auto.create.topics.enable", SettingSource::kFlag},
                                                        {"message.max.bytes", SettingSource::kFlag}};
  EXPECT_EQ(config->kafka_setting_sources, sources);
}

TEST_F(ConfigTest, KafkaAddrVariableIsTheListenerNotASetting) {
  env_ = {{"RUNNEL_KAFKA_ADDR", "0.0.0.0:9000"}};
  auto config = load();
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->kafka_addr, (HostPort{"0.0.0.0", 9000}));
  EXPECT_TRUE(config->kafka_settings.empty());
}

TEST_F(ConfigTest, SetKeepsEverythingAfterTheFirstEquals) {
  flags_.kafka_sets = {"a.b=x=y", "c.d="};
  auto config = load();
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->kafka_settings.at("a.b"), "x=y");
  EXPECT_EQ(config->kafka_settings.at("c.d"), "");
  flags_.kafka_sets = {"a.b=1", "a.b=2"};  // the last one given wins
  EXPECT_EQ(load()->kafka_settings.at("a.b"), "2");
}

TEST_F(ConfigTest, ConfigFileFromEnvironmentAndFlagOverridesIt) {
  std::string env_file = write("node_id: 5\n", "env.yaml");
  std::string flag_file = write("node_id: 6\n", "flag.yaml");
  flags_.config_file = std::nullopt;
  env_["RUNNEL_CONFIG"] = env_file;
  EXPECT_EQ(load()->node_id, 5);
  EXPECT_EQ(load()->config_file, env_file);
  flags_.config_file = flag_file;
  EXPECT_EQ(load()->node_id, 6);
  EXPECT_EQ(load()->config_file, flag_file);
}

TEST_F(ConfigTest, ValueSpellings) {
  for (const char* yes : {"true", "TRUE", "yes", "on", "1"}) {
    flags_.dev_mode = yes;
    EXPECT_TRUE(load()->dev_mode) << yes;
  }
  for (const char* no : {"false", "False", "no", "off", "0"}) {
    flags_.dev_mode = no;
    EXPECT_FALSE(load()->dev_mode) << no;
  }
  flags_.log_level = "DEBUG";
  EXPECT_EQ(load()->log_level, "debug");
  flags_.log_level = "Info, Kafka=Debug";
  EXPECT_EQ(load()->log_level, "info,kafka=debug");
  write("dev_mode: no\nnode_id: 2147483647\nsmp: 1024\n");
  flags_ = {};
  flags_.config_file = (dir_ / "runnel.yaml").string();
  auto config = load();
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_FALSE(config->dev_mode);
  EXPECT_EQ(config->node_id, 2147483647);
  EXPECT_EQ(config->smp, 1024u);
}

// ---- advertised address ----------------------------------------------------------

TEST_F(ConfigTest, AdvertiseFollowsTheListener) {
  flags_.kafka_addr = "10.1.2.3:9093";
  EXPECT_EQ(load()->advertise_kafka_addr, (HostPort{"10.1.2.3", 9093}));
  flags_.kafka_addr = "[::1]:9093";
  EXPECT_EQ(load()->advertise_kafka_addr, (HostPort{"::1", 9093}));
}

TEST_F(ConfigTest, WildcardListenerAdvertisesTheHostName) {
  for (const char* wildcard : {"0.0.0.0:9092", "[::]:9092", "[0:0::0]:9092"}) {
    flags_.kafka_addr = wildcard;
    auto config = load();
    ASSERT_TRUE(config.ok()) << config.error();
    EXPECT_EQ(config->advertise_kafka_addr, (HostPort{"broker-7.example", 9092})) << wildcard;
    EXPECT_EQ(config->kafka_addr.port, 9092);
  }
}

TEST_F(ConfigTest, WildcardListenerWithoutAHostNameIsAnError) {
  flags_.kafka_addr = "0.0.0.0:9092";
  auto result = load({}, HostFacts{"", 2});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(),
            "--kafka-addr \"0.0.0.0:9092\": listens on every interface but this host's name is unknown; "
            "set --advertise-kafka-addr");
  flags_.advertise_kafka_addr = "public.example:19092";
  auto given = load({}, HostFacts{"", 2});
  ASSERT_TRUE(given.ok()) << given.error();
  EXPECT_EQ(given->advertise_kafka_addr, (HostPort{"public.example", 19092}));
}

TEST_F(ConfigTest, ExplicitAdvertiseIsKeptAndNeverAWildcard) {
  flags_.kafka_addr = "0.0.0.0:9092";
  flags_.advertise_kafka_addr = "kafka.example:443";
  EXPECT_EQ(load()->advertise_kafka_addr, (HostPort{"kafka.example", 443}));
  flags_.advertise_kafka_addr = "0.0.0.0:9092";
  EXPECT_EQ(error(),
            "--advertise-kafka-addr \"0.0.0.0:9092\": a wildcard address means nothing to a client; "
            "advertise a name or address clients can reach");
  flags_.advertise_kafka_addr = "[::]:9092";
  EXPECT_NE(error().find("wildcard"), std::string::npos);
}

TEST_F(ConfigTest, PortZero) {
  // Any free port: the broker fills the advertised port in once bound.
  flags_.kafka_addr = "127.0.0.1:0";
  flags_.admin_addr = "127.0.0.1:0";
  auto config = load();
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->advertise_kafka_addr, (HostPort{"127.0.0.1", 0}));
  // An advertised port of 0 means "the listener's port".
  flags_.kafka_addr = "127.0.0.1:9095";
  flags_.advertise_kafka_addr = "public.example:0";
  EXPECT_EQ(load()->advertise_kafka_addr, (HostPort{"public.example", 9095}));
}

TEST_F(ConfigTest, AdminAndKafkaOnTheSameAddressIsAnError) {
  flags_.admin_addr = "127.0.0.1:9092";
  EXPECT_EQ(error(), "--admin-addr \"127.0.0.1:9092\": the Kafka listener already uses this address");
  flags_ = {};
  flags_.kafka_addr = "127.0.0.1:9644";
  EXPECT_EQ(error(), "admin_addr (default) \"127.0.0.1:9644\": the Kafka listener already uses this address");
}

// ---- addresses ------------------------------------------------------------------

TEST(ParseHostPort, Accepts) {
  struct Case {
    const char* text;
    HostPort want;
  };
  for (const Case& c : std::vector<Case>{
           {"localhost:9092", {"localhost", 9092}},
           {"127.0.0.1:0", {"127.0.0.1", 0}},
           {"0.0.0.0:65535", {"0.0.0.0", 65535}},
           {"kafka-1.svc.cluster.local:9092", {"kafka-1.svc.cluster.local", 9092}},
           {"my_host:1", {"my_host", 1}},
           {"fqdn.example.:1", {"fqdn.example.", 1}},
           {"[::1]:9092", {"::1", 9092}},
           {"[::]:1", {"::", 1}},
           {"[2001:db8::7]:00080", {"2001:db8::7", 80}},
           {"[fe80::1%eth0]:9092", {"fe80::1%eth0", 9092}},
       }) {
    auto parsed = parse_host_port(c.text);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.error();
    EXPECT_EQ(*parsed, c.want) << c.text;
  }
}

TEST(ParseHostPort, Refuses) {
  for (const char* text : {"",
                           "foo",
                           "9092",
                           "foo:",
                           ":9092",
                           "::1:9092",
                           "::1",
                           "[::1]",
                           "[::1]9092",
                           "[::1]:",
                           "[::1",
                           "[]:1",
                           "[example.com]:1",
                           "[127.0.0.1]:1",
                           "host:65536",
                           "host:99999999999999999999999",
                           "host:-1",
                           "host:+1",
                           "host: 1",
                           "host:1 ",
                           "host:0x10",
                           "ho st:1",
                           "a..b:1",
                           ".a:1",
                           "999.1.1.1:1",
                           "1.2.3:1",
                           "host/x:1",
                           "[fe80::1%]:1",
                           "[fe80::1%e/0]:1"}) {
    auto parsed = parse_host_port(text);
    EXPECT_FALSE(parsed.ok()) << '"' << text << "\" parsed as " << parsed->to_string();
    if (!parsed.ok()) {
      EXPECT_FALSE(parsed.error().empty());
    }
  }
  EXPECT_EQ(parse_host_port("foo").error(), "expected host:port");
  EXPECT_NE(parse_host_port("::1:9092").error().find("[::1]:9092"), std::string::npos);
  EXPECT_NE(parse_host_port("host:70000").error().find("0 to 65535"), std::string::npos);
}

TEST(ParseHostPort, ToStringRoundTrips) {
  for (const char* text : {"localhost:9092", "[::1]:9092", "10.0.0.1:0", "[fe80::1%eth0]:1"}) {
    auto parsed = parse_host_port(text);
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_EQ(parsed->to_string(), text);
  }
}

TEST(Wildcard, Spellings) {
  for (const char* host : {"0.0.0.0", "::", "0::0", "0:0:0:0:0:0:0:0"})
    EXPECT_TRUE(is_wildcard_host(host)) << host;
  for (const char* host : {"127.0.0.1", "::1", "localhost", "0", "", "0.0.0.1"}) {
    EXPECT_FALSE(is_wildcard_host(host)) << host;
  }
}

// ---- bad values: one line naming where the value came from ------------------------

TEST_F(ConfigTest, BadFlagValuesNameTheFlag) {
  struct Case {
    std::optional<std::string> ServeFlags::*flag;
    const char* value;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {&ServeFlags::kafka_addr, "foo", "--kafka-addr \"foo\": expected host:port"},
           {&ServeFlags::kafka_addr, "host:70000",
            "--kafka-addr \"host:70000\": the port must be a number from 0 to 65535"},
           {&ServeFlags::admin_addr, "[::1]", "--admin-addr \"[::1]\": expected [ipv6]:port"},
           {&ServeFlags::advertise_kafka_addr, "x", "--advertise-kafka-addr \"x\": expected host:port"},
           {&ServeFlags::smp, "0", "--smp \"0\": must be a whole number from 1 to 1024"},
           {&ServeFlags::smp, "1025", "--smp \"1025\": must be a whole number from 1 to 1024"},
           {&ServeFlags::smp, "two", "--smp \"two\": must be a whole number from 1 to 1024"},
           {&ServeFlags::smp, "-1", "--smp \"-1\": must be a whole number from 1 to 1024"},
           {&ServeFlags::log_level, "verbose",
            "--log-level \"verbose\": \"verbose\" is not a level: expected one of trace, debug, info, warn, "
            "error, "
            "off, optionally per subsystem (kafka, storage, cluster, http, app) as in \"info,kafka=debug\""},
           {&ServeFlags::dev_mode, "maybe", "--dev-mode \"maybe\": must be true or false"},
           {&ServeFlags::node_id, "-1", "--node-id \"-1\": must be a whole number from 0 to 2147483647"},
           {&ServeFlags::node_id, "2147483648",
            "--node-id \"2147483648\": must be a whole number from 0 to 2147483647"},
           {&ServeFlags::data_dir, "", "--data-dir \"\": must not be empty"},
           {&ServeFlags::config_file, "", "--config \"\": names no file"},
       }) {
    flags_ = {};
    flags_.*c.flag = c.value;
    EXPECT_EQ(error(), c.message);
  }
}

TEST_F(ConfigTest, BadEnvironmentValuesNameTheVariable) {
  for (const FieldCase& field : field_cases()) {
    if (std::string(field.key) == "data_dir") continue;  // every non-empty text is a directory name
    env_ = {{field.env, "%bad%"}};
    std::string message = error();
    EXPECT_EQ(message.rfind(std::string(field.env) + " \"%bad%\": ", 0), 0u) << message;
  }
  env_ = {{"RUNNEL_DATA_DIR", ""}};
  EXPECT_EQ(error(), "RUNNEL_DATA_DIR \"\": must not be empty");
}

TEST_F(ConfigTest, BadFileValuesNameFileLineAndKey) {
  for (const FieldCase& field : field_cases()) {
    if (std::string(field.key) == "data_dir") continue;
    std::string path = write("# settings\n\n" + std::string(field.key) + ": \"%bad%\"\n");
    std::string message = error();
    EXPECT_EQ(message.rfind(path + ":3: " + field.key + " \"%bad%\": ", 0), 0u) << message;
  }
}

TEST_F(ConfigTest, BadValueInALowerLayerIsReportedEvenWhenOverridden) {
  env_ = {{"RUNNEL_SMP", "0"}};
  flags_.smp = "2";
  EXPECT_EQ(error(), "RUNNEL_SMP \"0\": must be a whole number from 1 to 1024");
}

TEST_F(ConfigTest, MessagesStayOnOneLine) {
  flags_.kafka_addr = "a\nb\"c";
  EXPECT_EQ(error(), "--kafka-addr \"a\\x0ab\\\"c\": expected host:port");
  flags_.kafka_addr = std::string(10000, 'x');
  EXPECT_LT(error().size(), 300u);
}

// ---- the file itself --------------------------------------------------------------

TEST_F(ConfigTest, UnknownKeyIsNamedWithTheKnownOnes) {
  std::string path = write("node_id: 1\nkafka_adr: 1.2.3.4:9092\n");
  EXPECT_EQ(error(),
            path +
                ":2: unknown key \"kafka_adr\" (known: node_id, data_dir, kafka_addr, advertise_kafka_addr, "
                "admin_addr, smp, log_level, dev_mode, kafka)");
}

TEST_F(ConfigTest, YamlSyntaxErrorGivesLineAndColumn) {
  std::string path = write("node_id: 1\ndata_dir: [unclosed\n");
  std::string message = error();
  EXPECT_EQ(message.rfind(path + ":", 0), 0u) << message;
  EXPECT_NE(message.find("YAML syntax error"), std::string::npos) << message;
  path = write("a: b: c\n");
  message = error();
  EXPECT_EQ(message.rfind(path + ":1:", 0), 0u) << message;
}

TEST_F(ConfigTest, UnreadableFile) {
  flags_.config_file = (dir_ / "missing.yaml").string();
  EXPECT_EQ(error(),
            "--config \"" + flags_.config_file.value() + "\": cannot open it: No such file or directory");
  flags_.config_file = dir_.string();
  EXPECT_EQ(error(), "--config \"" + dir_.string() + "\": cannot read it: Is a directory");
  env_["RUNNEL_CONFIG"] = (dir_ / "gone.yaml").string();
  flags_.config_file = std::nullopt;
  EXPECT_EQ(error().rfind("RUNNEL_CONFIG \"", 0), 0u);
}

TEST_F(ConfigTest, OversizedFileIsRefused) {
  std::string path = write("# " + std::string(kMaxConfigFileBytes, 'x') + "\n");
  EXPECT_NE(error().find("larger than"), std::string::npos);
}

TEST_F(ConfigTest, FileShapeErrors) {
  struct Case {
    const char* text;
    const char* message_tail;
  };
  for (const Case& c : std::vector<Case>{
           {"- a\n- b\n", ":1: expected a map of settings (key: value) at the top level"},
           {"just text\n", ":1: expected a map of settings (key: value) at the top level"},
           {"node_id:\n", ":1: node_id: has no value"},
           {"smp: [1, 2]\n", ":1: smp: expected a single value, not a list or map"},
           {"data_dir: {a: b}\n", ":1: data_dir: expected a single value, not a list or map"},
           {"smp: 2\nsmp: 3\n", ":2: smp: given twice"},
           {"kafka: 3\n", ":1: kafka: expected a map of Kafka broker settings (name: value)"},
           {"kafka: [a]\n", ":1: kafka: expected a map of Kafka broker settings (name: value)"},
           {"kafka:\n  num.partitions:\n", ":2: kafka.num.partitions: has no value"},
           {"kafka:\n  a: [1]\n", ":2: kafka.a: expected a single value, not a list or map"},
           {"kafka:\n  a: 1\n  a: 2\n", ":3: kafka.a: given twice"},
           {"? [x]\n: 1\n", ":1: expected a key name"},
       }) {
    std::string path = write(c.text);
    EXPECT_EQ(error(), path + c.message_tail) << c.text;
  }
}

TEST_F(ConfigTest, DeeplyNestedFileIsAnErrorNotACrash) {
  std::string path = write("kafka: " + std::string(100000, '[') + "\n");
  std::string message = error();
  EXPECT_EQ(message.rfind(path + ": YAML syntax error: nested ", 0), 0u) << message;
}

// ---- kafka settings: validation belongs to the caller's validator -----------------

SettingValidator only_numbers() {
  return [](const std::string& name, const std::string& value) -> std::optional<std::string> {
    if (name != "num.partitions" && name != "log.retention.ms") return "unknown broker setting";
    if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos)
      return "expected a number";
    return std::nullopt;
  };
}

TEST_F(ConfigTest, ValidatorRefusalsNameTheSettingInEveryLayer) {
  flags_.kafka_sets = {"num.partitons=3"};
  EXPECT_EQ(error(only_numbers()), "--set num.partitons \"3\": unknown broker setting");
  flags_.kafka_sets = {"num.partitions=three"};
  EXPECT_EQ(error(only_numbers()), "--set num.partitions \"three\": expected a number");

  flags_.kafka_sets.clear();
  env_ = {{"RUNNEL_KAFKA_LOG_RETENTION_MSS", "1"}};
  EXPECT_EQ(error(only_numbers()),
            "RUNNEL_KAFKA_LOG_RETENTION_MSS (log.retention.mss) \"1\": unknown broker setting");

  env_.clear();
  std::string path = write("kafka:\n  num.partitions: 2\n  log.retention.ms: soon\n");
  EXPECT_EQ(error(only_numbers()), path + ":3: kafka.log.retention.ms \"soon\": expected a number");
}

TEST_F(ConfigTest, ValidatorAcceptsAndAnEmptyOneAcceptsAll) {
  flags_.kafka_sets = {"num.partitions=3"};
  auto config = load(only_numbers());
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->kafka_settings.at("num.partitions"), "3");
  flags_.kafka_sets = {"anything.at.all=whatever"};
  EXPECT_TRUE(load().ok());
  EXPECT_TRUE(load(SettingValidator(nullptr)).ok());
}

TEST_F(ConfigTest, MalformedSettingAssignments) {
  flags_.kafka_sets = {"num.partitions"};
  EXPECT_EQ(error(), "--set \"num.partitions\": expected name=value");
  flags_.kafka_sets = {"=3"};
  EXPECT_EQ(error(), "--set \"=3\": expected name=value");
  flags_.kafka_sets.clear();
  env_ = {{"RUNNEL_KAFKA_", "1"}};
  EXPECT_EQ(error(), "RUNNEL_KAFKA_ \"1\": no setting name");
}

TEST_F(ConfigTest, SettingsThatDuplicateAFieldPointToTheField) {
  flags_.kafka_sets = {"broker.id=3"};
  EXPECT_EQ(error(), "--set broker.id \"3\": set node_id instead (--node-id, RUNNEL_NODE_ID)");
  flags_.kafka_sets.clear();
  env_ = {{"RUNNEL_KAFKA_LOG_DIRS", "/x"}};
  EXPECT_EQ(error(),
            "RUNNEL_KAFKA_LOG_DIRS (log.dirs) \"/x\": set data_dir instead (--data-dir, RUNNEL_DATA_DIR)");
  env_.clear();
  std::string path = write("kafka:\n  advertised.listeners: PLAINTEXT://x:1\n");
  EXPECT_EQ(error(),
            path +
                ":2: kafka.advertised.listeners \"PLAINTEXT://x:1\": set advertise_kafka_addr instead "
                "(--advertise-kafka-addr, RUNNEL_ADVERTISE_KAFKA_ADDR)");
  for (const char* name : {"node.id", "log.dir", "listeners"})
    EXPECT_FALSE(field_owning_setting(name).empty());
  EXPECT_TRUE(field_owning_setting("num.partitions").empty());
}

// ---- to_yaml ----------------------------------------------------------------------

TEST_F(ConfigTest, DefaultsPrintEveryField) {
  auto config = load();
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(to_yaml(*config),
            "# runnel serve: effective configuration\n"
            "node_id: 0\n"
            "data_dir: ./runnel-data\n"
            "kafka_addr: 127.0.0.1:9092\n"
            "advertise_kafka_addr: 127.0.0.1:9092\n"
            "admin_addr: 127.0.0.1:9644\n"
            "smp: 4\n"
            "log_level: info\n"
            "dev_mode: true\n"
            "kafka: {}\n");
}

TEST_F(ConfigTest, PrintedConfigLoadsBackTheSame) {
  flags_.node_id = "12";
  flags_.data_dir = "/var/lib/runnel data: #1";
  flags_.kafka_addr = "[::]:19092";
  flags_.admin_addr = "[::1]:0";
  flags_.smp = "3";
  flags_.log_level = "warn";
  flags_.dev_mode = "false";
  // Values YAML would read as something else unless quoted.
  flags_.kafka_sets = {"num.partitions=3", "a.empty=",     "a.null=null",    "a.tilde=~",
                       "a.colon=x: y",     "a.hash=#x",    "a.bool=true",    "a.space= lead",
                       "a.list=[1, 2]",    "a.quote=\"q'", "a.newline=x\ny", "a.star=*ref"};
  auto original = load();
  ASSERT_TRUE(original.ok()) << original.error();
  EXPECT_EQ(original->advertise_kafka_addr, (HostPort{"broker-7.example", 19092}));

  std::string printed = to_yaml(*original);
  ServeFlags reload;
  reload.config_file = write(printed, "printed.yaml");
  auto loaded = load_serve_config(reload, {}, {}, HostFacts{"other-host", 1});
  ASSERT_TRUE(loaded.ok()) << loaded.error() << "\n" << printed;

  ServeConfig want = *original;
  want.config_file = *reload.config_file;
  for (auto& [name, source] : want.kafka_setting_sources) source = SettingSource::kFile;
  EXPECT_EQ(*loaded, want) << printed << "\n---\n" << to_yaml(*loaded);
  // Printing what was loaded gives the same document again, but for the
  // file comment and the settings' sources.
  std::string again = to_yaml(*loaded);
  for (size_t at = printed.find("# flag"); at != std::string::npos; at = printed.find("# flag", at)) {
    printed.replace(at, 6, "# file");
  }
  EXPECT_EQ(again.substr(again.find('\n')), printed.substr(printed.find('\n')));
}

TEST_F(ConfigTest, PrintedSettingsShowTheirSource) {
  write("kafka:\n  num.partitions: 3\n");
  env_ = {{"RUNNEL_KAFKA_LOG_SEGMENT_BYTES", "1048576"}};
  flags_.kafka_sets = {"message.max.bytes=100"};
  auto config = load();
  ASSERT_TRUE(config.ok()) << config.error();
  std::string printed = to_yaml(*config);
  EXPECT_NE(printed.find("log.segment.bytes: 1048576  # env"), std::string::npos) << printed;
  EXPECT_NE(printed.find("message.max.bytes: 100  # flag"), std::string::npos) << printed;
  EXPECT_NE(printed.find("num.partitions: 3  # file"), std::string::npos) << printed;
  EXPECT_NE(printed.find("effective configuration (file: " + config->config_file + ")"), std::string::npos);
}

TEST_F(ConfigTest, HandBuiltConfigStillLoads) {
  // Unresolved fields (smp 0, no advertised address) are left out, not printed as bad values.
  std::string printed = to_yaml(ServeConfig{});
  EXPECT_EQ(printed.find("smp"), std::string::npos);
  EXPECT_EQ(printed.find("advertise"), std::string::npos);
  write(printed);
  auto config = load();
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->smp, kHost.cpu_count);
}

}  // namespace
}  // namespace runnel::app
