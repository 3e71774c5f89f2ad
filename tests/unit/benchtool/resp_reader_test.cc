#include "benchtool/resp_reader.h"

#include <gtest/gtest.h>

#include <cstring>

namespace runnel::benchtool {
namespace {

TEST(Resp, EncodesCommandsAsBulkArrays) {
  std::string out;
  resp_encode(out, {"XADD", "s", "*", "v", std::string_view("a\0b", 3)});
  EXPECT_EQ(out, std::string("*5\r\n$4\r\nXADD\r\n$1\r\ns\r\n$1\r\n*\r\n$1\r\nv\r\n$3\r\na\0b\r\n", 44));
}

TEST(Resp, ReadsEveryTypeAcrossSplitFeeds) {
  const std::string wire =
      "+OK\r\n-ERR "
      "no\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nv\r\n$2\r\nab\r\n:7\r\n";
  RespReader r;
  std::vector<RespValue> got;
  for (char c : wire) {  // one byte at a time: every split point is exercised
    r.feed(&c, 1);
    while (auto v = r.next()) got.push_back(std::move(*v));
  }
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0].type, RespValue::Type::kSimple);
  EXPECT_EQ(got[0].str, "OK");
  EXPECT_EQ(got[1].type, RespValue::Type::kError);
  EXPECT_EQ(got[1].str, "ERR no");
  EXPECT_EQ(got[2].integer, 42);
  EXPECT_EQ(got[3].str, "hello");
  EXPECT_EQ(got[4].type, RespValue::Type::kNull);
  ASSERT_EQ(got[5].elems.size(), 2u);
  EXPECT_EQ(got[5].elems[0].elems[0].str, "1-0");
  EXPECT_EQ(got[5].elems[0].elems[1].elems[1].str, "ab");
  EXPECT_EQ(got[5].elems[1].integer, 7);
  EXPECT_TRUE(r.error().empty());
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(Resp, MalformedInputIsAnErrorNotACrash) {
  for (const char* bad : {"?what\r\n", ":12x\r\n", "$3\r\nabcd\r\n", "*-5\r\n"}) {
    RespReader r;
    r.feed(bad, std::strlen(bad));
    EXPECT_FALSE(r.next()) << bad;
    EXPECT_FALSE(r.error().empty()) << bad;
  }
}

}  // namespace
}  // namespace runnel::benchtool
