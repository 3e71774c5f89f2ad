#include "http/router.h"

#include <gtest/gtest.h>

namespace runnel::http {
namespace {

Request get(std::string target) { return Request{"GET", std::move(target), ""}; }

Response text(std::string body) {
  Response response;
  response.body = std::move(body);
  return response;
}

Router sample() {
  Router router;
  router.add("GET", "/v1/a", [](const Request&) { return text("get a"); });
  router.add("PUT", "/v1/a", [](const Request& r) { return text(std::string("put ").append(r.body)); });
  router.add("GET", "/v1/b", [](const Request&) { return text("get b"); });
  return router;
}

TEST(Router, RoutesByMethodAndPath) {
  Router router = sample();
  EXPECT_EQ(router.route(get("/v1/a")).body, "get a");
  EXPECT_EQ(router.route(get("/v1/b")).body, "get b");
  EXPECT_EQ(router.route(Request{"PUT", "/v1/a", "x"}).body, "put x");
  EXPECT_EQ(router.route(get("/v1/a")).status, 200);
}

TEST(Router, IgnoresQueryAndFragment) {
  Router router = sample();
  EXPECT_EQ(router.route(get("/v1/a?x=1&y")).body, "get a");
  EXPECT_EQ(router.route(get("/v1/b#top")).body, "get b");
}

TEST(Router, UnknownPathIs404Json) {
  Router router = sample();
  Response response = router.route(get("/v1/c?q"));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"message": "no such endpoint: /v1/c", "code": 404})");
  // Paths match exactly: no prefix or trailing-slash matches.
  EXPECT_EQ(router.route(get("/v1/a/")).status, 404);
  EXPECT_EQ(router.route(get("/v1")).status, 404);
  EXPECT_EQ(router.route(get("")).status, 404);
}

TEST(Router, WrongMethodIs405WithAllow) {
  Router router = sample();
  Response response = router.route(Request{"DELETE", "/v1/a", ""});
  EXPECT_EQ(response.status, 405);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(response.headers[0].second, "GET, PUT");
  EXPECT_EQ(response.body, R"({"message": "method DELETE not allowed on /v1/a", "code": 405})");
  EXPECT_EQ(router.route(Request{"POST", "/v1/b", ""}).headers[0].second, "GET");
}

TEST(Router, LaterRegistrationReplaces) {
  Router router = sample();
  router.add("GET", "/v1/a", [](const Request&) { return text("again"); });
  EXPECT_EQ(router.route(get("/v1/a")).body, "again");
}

TEST(Json, StringEscaping) {
  EXPECT_EQ(json_string(""), R"("")");
  EXPECT_EQ(json_string("plain"), R"("plain")");
  EXPECT_EQ(json_string("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_string("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(json_string(std::string_view("\x01\x1f\0", 3)), R"("\u0001\u001f\u0000")");
  // Bytes >= 0x20 (UTF-8 included) pass through.
  EXPECT_EQ(json_string("\xc3\xa9/"), "\"\xc3\xa9/\"");
}

TEST(Json, ErrorShape) {
  Response response = json_error(400, "bad \"thing\"");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body, R"({"message": "bad \"thing\"", "code": 400})");
}

TEST(Http, TargetPathAndReasons) {
  EXPECT_EQ(target_path("/a/b?c=d"), "/a/b");
  EXPECT_EQ(target_path("/a"), "/a");
  EXPECT_EQ(reason_phrase(404), "Not Found");
  EXPECT_EQ(reason_phrase(405), "Method Not Allowed");
  EXPECT_EQ(reason_phrase(599), "Unknown");
}

}  // namespace
}  // namespace runnel::http
