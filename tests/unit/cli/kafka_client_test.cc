#include "cli/kafka_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>

namespace runnel::cli {
namespace {

TEST(KafkaError, KafkaNamesAndMeanings) {
  EXPECT_EQ(kafka_error(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS),
            "TOPIC_ALREADY_EXISTS: Topic already exists");
  // librdkafka abbreviates some of Kafka's names; operators see Kafka's.
  EXPECT_EQ(kafka_error_name(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART), "UNKNOWN_TOPIC_OR_PARTITION");
  EXPECT_EQ(kafka_error_name(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION), "NOT_LEADER_OR_FOLLOWER");
  EXPECT_EQ(kafka_error_name(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE), "MESSAGE_TOO_LARGE");
  EXPECT_EQ(kafka_error_name(RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND), "GROUP_ID_NOT_FOUND");
  // The broker's message is added when it says more than the code does.
  EXPECT_EQ(kafka_error(RD_KAFKA_RESP_ERR_INVALID_CONFIG, "retention.ms: not a number"),
            "INVALID_CONFIG: Configuration is invalid (retention.ms: not a number)");
  EXPECT_EQ(kafka_error(RD_KAFKA_RESP_ERR_INVALID_CONFIG, ""), "INVALID_CONFIG: Configuration is invalid");
  // Client-side codes keep librdkafka's leading underscore.
  EXPECT_EQ(kafka_error(RD_KAFKA_RESP_ERR__TIMED_OUT), "_TIMED_OUT: Timed out");
}

uint16_t unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(ProbeBrokers, OneLineNamingTheAddress) {
  ClientSettings s;
  const uint16_t port = unused_port();
  s.brokers = {HostPort{"127.0.0.1", port}};
  auto r = probe_brokers(s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "cannot reach broker 127.0.0.1:" + std::to_string(port) + ": connection refused");

  s.brokers.push_back(HostPort{"127.0.0.1", unused_port()});
  r = probe_brokers(s);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().starts_with("cannot reach any broker: 127.0.0.1:")) << r.error();
  EXPECT_EQ(r.error().find('\n'), std::string::npos);
}

TEST(KafkaClient, ConnectFailsFastWhenNothingListens) {
  ClientSettings s;
  s.brokers = {HostPort{"127.0.0.1", unused_port()}};
  const auto start = std::chrono::steady_clock::now();
  auto client = KafkaClient::connect(s, KafkaClient::Kind::kAdmin);
  EXPECT_FALSE(client.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(KafkaClient, BadClientSettingIsAnError) {
  // A listening socket makes the probe pass; the setting is refused before any I/O.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ClientSettings s;
  s.brokers = {HostPort{"127.0.0.1", ntohs(a.sin_port)}};
  auto client = KafkaClient::connect(s, KafkaClient::Kind::kProducer, {{"compression.codec", "brotli"}});
  ::close(fd);
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.error().find("compression.codec=brotli"), std::string::npos) << client.error();
}

}  // namespace
}  // namespace runnel::cli
