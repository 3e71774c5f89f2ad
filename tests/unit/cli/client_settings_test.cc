#include "cli/client_settings.h"

#include <gtest/gtest.h>

namespace runnel::cli {
namespace {

ClientSettings resolve(const GlobalFlags& f, const std::map<std::string, std::string>& env = {}) {
  auto r = resolve_client_settings(f, env);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  return r.ok() ? *r : ClientSettings{};
}

TEST(HostPort, Forms) {
  EXPECT_EQ(parse_host_port("localhost:19092", 9092)->to_string(), "localhost:19092");
  EXPECT_EQ(parse_host_port("kafka", 9092)->to_string(), "kafka:9092");
  auto v6 = parse_host_port("[::1]:9093", 9092);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9093);
  EXPECT_EQ(v6->to_string(), "[::1]:9093");
  for (const char* bad : {"", ":9092", "host:", "host:0", "host:70000", "host:x", "::1:9092", "[::1"}) {
    EXPECT_FALSE(parse_host_port(bad, 9092).ok()) << bad;
  }
  auto list = parse_host_list("a:1, b:2,c", 9092);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[2].to_string(), "c:9092");
  EXPECT_FALSE(parse_host_list("a:1,,b:2", 9092).ok());
}

TEST(ClientSettings, Defaults) {
  ClientSettings s = resolve({});
  EXPECT_EQ(s.bootstrap(), "127.0.0.1:9092");
  EXPECT_EQ(s.admin.to_string(), "127.0.0.1:9644");
  EXPECT_EQ(s.format, OutputFormat::kText);
  EXPECT_EQ(s.connect_timeout_ms, 5000);
}

TEST(ClientSettings, PrecedenceEnvThenXThenFlag) {
  const std::map<std::string, std::string> env = {{"RUNNEL_BROKERS", "env:1"},
                                                  {"RUNNEL_ADMIN_URL", "envadmin:2"}};
  GlobalFlags f;
  EXPECT_EQ(resolve(f, env).bootstrap(), "env:1");
  EXPECT_EQ(resolve(f, env).admin.to_string(), "envadmin:2");
  f.x_opts = {"brokers=x:1,y:2", "admin.hosts=http://xadmin:3/", "globals.dial_timeout=250ms"};
  ClientSettings s = resolve(f, env);
  EXPECT_EQ(s.bootstrap(), "x:1,y:2");
  EXPECT_EQ(s.admin.to_string(), "xadmin:3");
  EXPECT_EQ(s.connect_timeout_ms, 250);
  f.brokers = "flag:9";
  f.admin_url = "flagadmin:8";
  f.connect_timeout = "2s";
  s = resolve(f, env);
  EXPECT_EQ(s.bootstrap(), "flag:9");
  EXPECT_EQ(s.admin.to_string(), "flagadmin:8");
  EXPECT_EQ(s.connect_timeout_ms, 2000);
}

TEST(ClientSettings, Errors) {
  GlobalFlags f;
  f.x_opts = {"nonsense"};
  auto r = resolve_client_settings(f, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("key=value"), std::string::npos);
  f.x_opts = {"sasl.mechanism=PLAIN"};
  r = resolve_client_settings(f, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("unknown -X key 'sasl.mechanism'"), std::string::npos);
  EXPECT_NE(r.error().find("brokers"), std::string::npos);
  f = {};
  f.format = "yaml";
  EXPECT_FALSE(resolve_client_settings(f, {}).ok());
  f = {};
  f.brokers = "a:b";
  EXPECT_FALSE(resolve_client_settings(f, {}).ok());
  f = {};
  f.connect_timeout = "soon";
  EXPECT_FALSE(resolve_client_settings(f, {}).ok());
  f = {};
  f.format = "json";
  EXPECT_TRUE(resolve(f).json());
}

}  // namespace
}  // namespace runnel::cli
