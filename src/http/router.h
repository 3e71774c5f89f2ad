// Router: maps (method, path) to a handler for the admin HTTP API. It knows
// nothing about sockets, so it is tested without a server. Unknown paths get
// 404 and known paths with another method 405 (with an Allow header), both
// with a JSON body in Redpanda's {"message": ..., "code": ...} shape.
//
// A path segment written `{name}` matches any one non-empty segment, handed
// to the handler URL-decoded in Request::params; exact paths win over
// patterns. HEAD is answered by the GET handler (the server sends no body).
// Handlers are synchronous, or asynchronous: an async handler gets a
// Respond callback to call exactly once, possibly later and from any
// thread (the server resumes on its own thread), e.g. after gathering data
// from other shards.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace runnel::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path with optional "?query"
  std::string body;
  std::map<std::string, std::string> params;  // {name} segments of the matched route
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

using Handler = std::function<Response(const Request&)>;
using Respond = std::function<void(Response)>;
using AsyncHandler = std::function<void(const Request&, Respond)>;

class Router {
 public:
  // Registers a handler; a later registration of the same method and path
  // replaces the earlier one.
  void add(std::string method, std::string path, Handler handler);
  void add_async(std::string method, std::string path, AsyncHandler handler);
  // Routes the request; `respond` runs exactly once (now for synchronous
  // handlers and errors). A handler that throws is answered 500.
  void dispatch(Request request, Respond respond) const;
  // Synchronous routes only (an async route is answered only if it
  // responds before returning, else 500): for tests and simple callers.
  Response route(const Request& request) const;

 private:
  using Methods = std::map<std::string, AsyncHandler>;
  // Finds the route for the path, filling request.params; nullptr for none.
  const Methods* find(std::string_view path, Request& request) const;

  // path -> method -> handler
  std::map<std::string, Methods, std::less<>> routes_;
  // Patterned paths, split into segments, in registration order.
  std::vector<std::pair<std::vector<std::string>, std::string>> patterns_;
};

// %XX and '+'-free decoding of one path segment or query value; nullopt
// when an escape is malformed or decodes to a NUL.
std::optional<std::string> url_decode(std::string_view text);
// The value of query parameter `name` in a request target, decoded.
std::optional<std::string> query_param(std::string_view target, std::string_view name);

// The path part of a request target (without "?query" or "#fragment").
std::string_view target_path(std::string_view target);
// `text` as a JSON string literal, quotes included.
std::string json_string(std::string_view text);
// {"message": <message>, "code": <status>}
Response json_error(int status, std::string_view message);
// The standard reason phrase of a status code ("Not Found").
std::string_view reason_phrase(int status);

}  // namespace runnel::http
