#include "cli/json.h"

#include <gtest/gtest.h>

namespace runnel::cli {
namespace {

TEST(Json, DumpKeepsInsertionOrder) {
  Json j;
  j.set("b", 1);
  j.set("a", "x");
  j.set("n", Json());
  j.set("t", true);
  Json arr = Json::array();
  arr.push(int64_t{-5});
  arr.push(1.5);
  j.set("arr", arr);
  EXPECT_EQ(j.dump(), R"({"b":1,"a":"x","n":null,"t":true,"arr":[-5,1.5]})");
}

TEST(Json, EscapesAnyBytes) {
  EXPECT_EQ(Json("a\"b\\c\n\x01").dump(), R"("a\"b\\c\n\u0001")");
  EXPECT_EQ(Json("é").dump(), "\"é\"");
  EXPECT_EQ(Json(std::string("\xff", 1)).dump(), "\"\xEF\xBF\xBD\"");  // invalid UTF-8 -> U+FFFD
}

TEST(Json, ParsesRedpandaHealthOverview) {
  auto j = Json::parse(R"({"is_healthy": true, "unhealthy_reasons": [], "controller_id": 0,
      "all_nodes": [0, 1], "nodes_down": [], "leaderless_count": 0, "ratio": 0.5, "name": "a\u00e9\n"})");
  ASSERT_TRUE(j.ok()) << j.error();
  EXPECT_TRUE(j->find("is_healthy")->as_bool());
  EXPECT_EQ(j->find("controller_id")->as_int(), 0);
  EXPECT_EQ(j->find("all_nodes")->as_array().size(), 2u);
  EXPECT_EQ(j->find("name")->as_string(), "aé\n");
  EXPECT_EQ(j->find("missing"), nullptr);
  // Round trip.
  auto again = Json::parse(j->dump());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->dump(), j->dump());
}

TEST(Json, RejectsMalformed) {
  for (const char* bad :
       {"", "{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "1 2", "{\"a\":1,}", "\"\\x\"", "-"}) {
    EXPECT_FALSE(Json::parse(bad).ok()) << bad;
  }
  std::string deep(100, '[');
  EXPECT_FALSE(Json::parse(deep).ok());
}

}  // namespace
}  // namespace runnel::cli
