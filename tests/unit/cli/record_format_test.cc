#include "cli/record_format.h"

#include <gtest/gtest.h>

namespace runnel::cli {
namespace {

FormatRecord sample() {
  FormatRecord r;
  r.topic = "foo";
  r.key = "k1";
  r.value = "hello";
  r.partition = 2;
  r.offset = 47;
  r.timestamp_ms = 1622505601250;  // 2021-06-01T00:00:01.250Z
  r.headers = {{"h1", "v1"}, {"h2", std::nullopt}};
  r.log_start = 3;
  r.high_watermark = 50;
  r.index = 7;
  return r;
}

std::string fmt(const char* spec, const FormatRecord& r = sample()) {
  auto f = RecordFormat::compile(spec);
  EXPECT_TRUE(f.ok()) << spec << ": " << (f.ok() ? "" : f.error());
  return f.ok() ? f->format(r) : "";
}

TEST(RecordFormat, BasicVerbs) {
  EXPECT_EQ(fmt("%t %k %v %p %o %d\\n"), "foo k1 hello 2 47 1622505601250\n");
  EXPECT_EQ(fmt("%k: %v\\n"), "k1: hello\n");
  EXPECT_EQ(fmt("%T %K %V %H"), "3 2 5 2");
  EXPECT_EQ(fmt("%[ %] %i %e"), "3 50 7 -1");
  EXPECT_EQ(fmt("100%% %{x%}"), "100% {x}");
}

TEST(RecordFormat, Escapes) {
  EXPECT_EQ(fmt("a\\tb\\rc\\\\d\\x41\\n"), "a\tb\rc\\dA\n");
  EXPECT_EQ(fmt("\\q"), "\\q");  // unknown escapes stay as written
}

TEST(RecordFormat, NullKeyAndValuePrintEmpty) {
  FormatRecord r = sample();
  r.key.reset();
  r.value.reset();
  EXPECT_EQ(fmt("[%k][%v] %K %V", r), "[][] -1 -1");
}

TEST(RecordFormat, TextModifiers) {
  EXPECT_EQ(fmt("%t{hex}"), "666f6f");
  EXPECT_EQ(fmt("%T %t{hex}"), "3 666f6f");
  EXPECT_EQ(fmt("%v{base64}"), "aGVsbG8=");
  EXPECT_EQ(fmt("%v{base64raw}"), "aGVsbG8");
}

TEST(RecordFormat, NumberModifiers) {
  EXPECT_EQ(fmt("%o{hex8}"), "2f");
  EXPECT_EQ(fmt("%o{hex16}"), "002f");
  EXPECT_EQ(fmt("%o{hex64}"), "000000000000002f");
  EXPECT_EQ(fmt("%o{hex4}"), "f");
  EXPECT_EQ(fmt("%T{big32}"), std::string("\0\0\0\3", 4));
  EXPECT_EQ(fmt("%T{little16}"), std::string("\3\0", 2));
  EXPECT_EQ(fmt("%T{byte}"), std::string("\3", 1));
  EXPECT_EQ(fmt("%p{bool} %i{ascii}"), "true 7");
}

TEST(RecordFormat, Timestamps) {
  EXPECT_EQ(fmt("%d{strftime[%F %T]}"), "2021-06-01 00:00:01");
  EXPECT_EQ(fmt("%d{go[2006-01-02T15:04:05.000Z07:00]}"), "2021-06-01T00:00:01.250Z");
  EXPECT_EQ(fmt("%d{go[Jan _2 03:04PM]}"), "Jun  1 12:00AM");
  EXPECT_EQ(fmt("%d{go[Monday]}"), "Tuesday");
  // Any run of [ { or # can wrap a layout that holds those characters.
  EXPECT_EQ(fmt("%d{strftime##[%F]##}"), "[2021-06-01]");
  EXPECT_EQ(fmt("%d{go{{[2006]}}}"), "[2021]");
}

TEST(RecordFormat, Headers) {
  EXPECT_EQ(fmt("%h{%k=%v;}"), "h1=v1;h2=;");
  EXPECT_EQ(fmt("%h{%K:%V }"), "2:2 2:-1 ");
  FormatRecord none = sample();
  none.headers.clear();
  EXPECT_EQ(fmt("[%h{%k}]", none), "[]");
}

TEST(RecordFormat, RejectsBadFormats) {
  for (const char* bad :
       {"%", "%z", "%a", "%v{nope}", "%o{hex3}", "%h", "%h{%k", "%h{%h{%k}}", "%d{strftime[%F}", "%k{"}) {
    auto f = RecordFormat::compile(bad);
    EXPECT_FALSE(f.ok()) << bad;
    if (!f.ok()) {
      EXPECT_NE(f.error().find("invalid format"), std::string::npos) << f.error();
    }
  }
}

TEST(GoTime, ReferenceLayout) {
  EXPECT_EQ(format_go_time("2006-01-02 15:04:05 MST -07:00", 0), "1970-01-01 00:00:00 UTC +00:00");
  EXPECT_EQ(format_go_time("1/2/06 3:4:5 pm", 1622505601250), "6/1/21 12:0:1 am");
  EXPECT_EQ(format_go_time("January", 1622505601250), "June");
}

TEST(Unescape, Backslashes) {
  EXPECT_EQ(unescape_backslashes("a\\nb\\t\\x41\\\\\\z"), "a\nb\tA\\\\z");
}

}  // namespace
}  // namespace runnel::cli
