#include "http/router.h"

#include <cstdio>

namespace runnel::http {

void Router::add(std::string method, std::string path, Handler handler) {
  routes_[std::move(path)][std::move(method)] = std::move(handler);
}

Response Router::route(const Request& request) const {
  std::string_view path = target_path(request.target);
  auto found = routes_.find(path);
  if (found == routes_.end()) {
    std::string message = "no such endpoint: ";
    message.append(path);
    return json_error(404, message);
  }
  auto handler = found->second.find(request.method);
  if (handler == found->second.end()) {
    std::string allow;
    for (const auto& entry : found->second) {
      if (!allow.empty()) allow.append(", ");
      allow.append(entry.first);
    }
    std::string message = "method ";
    message.append(request.method).append(" not allowed on ").append(path);
    Response response = json_error(405, message);
    response.headers.emplace_back("Allow", allow);
    return response;
  }
  return handler->second(request);
}

std::string_view target_path(std::string_view target) {
  size_t end = target.find_first_of("?#");
  return end == std::string_view::npos ? target : target.substr(0, end);
}

std::string json_string(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out.append(escaped);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

Response json_error(int status, std::string_view message) {
  Response response;
  response.status = status;
  response.body = "{\"message\": ";
  response.body.append(json_string(message)).append(", \"code\": ").append(std::to_string(status)).append("}");
  return response;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

}  // namespace runnel::http
