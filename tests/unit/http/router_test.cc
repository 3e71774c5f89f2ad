#include "http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace runnel::http {
namespace {

Request req(std::string method, std::string target, std::string body) {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

Request get(std::string target) {
  return req("GET", std::move(target), "");
}

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
  EXPECT_EQ(router.route(req("PUT", "/v1/a", "x")).body, "put x");
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
  Response response = router.route(req("DELETE", "/v1/a", ""));
  EXPECT_EQ(response.status, 405);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(response.headers[0].second, "GET, HEAD, PUT");
  EXPECT_EQ(response.body, R"({"message": "method DELETE not allowed on /v1/a", "code": 405})");
  EXPECT_EQ(router.route(req("POST", "/v1/b", "")).headers[0].second, "GET, HEAD");
}

TEST(Router, HeadUsesTheGetHandler) {
  Router router = sample();
  EXPECT_EQ(router.route(req("HEAD", "/v1/a", "")).body, "get a");  // the server drops the body
  Router put_only;
  put_only.add("PUT", "/x", [](const Request&) { return text("p"); });
  EXPECT_EQ(put_only.route(req("HEAD", "/x", "")).status, 405);
}

TEST(Router, PathParameters) {
  Router router;
  router.add("GET", "/v1/topics/{topic}",
             [](const Request& r) { return text("topic " + r.params.at("topic")); });
  router.add("GET", "/v1/topics/special", [](const Request&) { return text("exact"); });
  router.add("GET", "/v1/p/{ns}/{topic}/x",
             [](const Request& r) { return text(r.params.at("ns") + "/" + r.params.at("topic")); });
  EXPECT_EQ(router.route(get("/v1/topics/orders")).body, "topic orders");
  EXPECT_EQ(router.route(get("/v1/topics/a%2Fb?x=1")).body, "topic a/b");
  EXPECT_EQ(router.route(get("/v1/topics/special")).body, "exact");
  EXPECT_EQ(router.route(get("/v1/p/kafka/t/x")).body, "kafka/t");
  EXPECT_EQ(router.route(get("/v1/topics/")).status, 404);        // empty segment
  EXPECT_EQ(router.route(get("/v1/topics/a/b")).status, 404);     // one segment only
  EXPECT_EQ(router.route(get("/v1/topics/bad%zz")).status, 404);  // malformed escape
  EXPECT_EQ(router.route(get("/v1/topics/nul%00")).status, 404);
  EXPECT_EQ(router.route(req("DELETE", "/v1/topics/t", "")).status, 405);
}

TEST(Router, AsyncHandlersRespondLater) {
  Router router;
  Respond saved;
  router.add_async("GET", "/slow", [&saved](const Request&, Respond respond) { saved = respond; });
  std::vector<Response> got;
  router.dispatch(get("/slow"), [&got](Response r) { got.push_back(std::move(r)); });
  EXPECT_TRUE(got.empty());
  saved(text("late"));
  saved(text("twice"));  // only the first answer counts
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "late");
  // route() cannot wait: an async route that has not answered is a 500.
  EXPECT_EQ(router.route(get("/slow")).status, 500);
}

TEST(Router, ThrowingHandlerIs500) {
  Router router;
  router.add("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("kaput"); });
  Response r = router.route(get("/boom"));
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("kaput"), std::string::npos);
}

TEST(Query, Params) {
  EXPECT_EQ(query_param("/x?a=1&b=two%20words", "b"), "two words");
  EXPECT_EQ(query_param("/x?a=1&flag", "flag"), "");
  EXPECT_FALSE(query_param("/x?a=1", "b").has_value());
  EXPECT_FALSE(query_param("/x", "a").has_value());
  EXPECT_FALSE(query_param("/x?a=%4", "a").has_value());
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
