// Router: maps (method, path) to a handler for the admin HTTP API. It knows
// nothing about sockets, so it is tested without a server. Unknown paths get
// 404 and known paths with another method 405 (with an Allow header), both
// with a JSON body in Redpanda's {"message": ..., "code": ...} shape.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace runnel::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path with optional "?query"
  std::string body;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

using Handler = std::function<Response(const Request&)>;

class Router {
 public:
  // Registers a handler; a later registration of the same method and path
  // replaces the earlier one.
  void add(std::string method, std::string path, Handler handler);
  Response route(const Request& request) const;

 private:
  // path -> method -> handler
  std::map<std::string, std::map<std::string, Handler>, std::less<>> routes_;
};

// The path part of a request target (without "?query" or "#fragment").
std::string_view target_path(std::string_view target);
// `text` as a JSON string literal, quotes included.
std::string json_string(std::string_view text);
// {"message": <message>, "code": <status>}
Response json_error(int status, std::string_view message);
// The standard reason phrase of a status code ("Not Found").
std::string_view reason_phrase(int status);

}  // namespace runnel::http
