#include "http/router.h"

#include <algorithm>
#include <cstdio>
#include <exception>

namespace runnel::http {

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= path.size()) {
    size_t slash = path.find('/', at);
    if (slash == std::string_view::npos) slash = path.size();
    out.emplace_back(path.substr(at, slash - at));
    at = slash + 1;
  }
  return out;
}

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::add(std::string method, std::string path, Handler handler) {
  AsyncHandler wrapped = [handler = std::move(handler)](const Request& request, Respond respond) {
    respond(handler(request));
  };
  add_async(std::move(method), std::move(path), std::move(wrapped));
}

void Router::add_async(std::string method, std::string path, AsyncHandler handler) {
  std::vector<std::string> segments = split_path(path);
  if (std::any_of(segments.begin(), segments.end(), is_param) && !routes_.contains(path)) {
    patterns_.emplace_back(std::move(segments), path);
  }
  routes_[std::move(path)][std::move(method)] = std::move(handler);
}

const Router::Methods* Router::find(std::string_view path, Request& request) const {
  if (auto exact = routes_.find(path); exact != routes_.end()) return &exact->second;
  std::vector<std::string> segments = split_path(path);
  for (const auto& [pattern, key] : patterns_) {
    if (pattern.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool match = true;
    for (size_t i = 0; i < pattern.size() && match; ++i) {
      if (is_param(pattern[i])) {
        std::optional<std::string> value = url_decode(segments[i]);
        match = value.has_value() && !value->empty();
        if (match) params[pattern[i].substr(1, pattern[i].size() - 2)] = std::move(*value);
      } else {
        match = pattern[i] == segments[i];
      }
    }
    if (!match) continue;
    request.params = std::move(params);
    return &routes_.find(key)->second;
  }
  return nullptr;
}

void Router::dispatch(Request request, Respond respond) const {
  std::string path(target_path(request.target));
  const Methods* methods = find(path, request);
  if (methods == nullptr) {
    respond(json_error(404, "no such endpoint: " + path));
    return;
  }
  auto handler = methods->find(request.method);
  if (handler == methods->end() && request.method == "HEAD") handler = methods->find("GET");
  if (handler == methods->end()) {
    std::string allow;
    for (const auto& entry : *methods) {
      if (!allow.empty()) allow.append(", ");
      allow.append(entry.first);
      if (entry.first == "GET" && !methods->contains("HEAD")) allow.append(", HEAD");
    }
    std::string message = "method ";
    message.append(request.method).append(" not allowed on ").append(path);
    Response response = json_error(405, message);
    response.headers.emplace_back("Allow", allow);
    respond(std::move(response));
    return;
  }
  // A handler that throws before responding is answered 500; one that
  // throws after responding has had its say.
  auto responded = std::make_shared<bool>(false);
  Respond once = [respond, responded](Response response) {
    if (*responded) return;
    *responded = true;
    respond(std::move(response));
  };
  try {
    handler->second(request, once);
  } catch (const std::exception& e) {
    if (!*responded) once(json_error(500, std::string("internal error: ") + e.what()));
  }
}

Response Router::route(const Request& request) const {
  std::optional<Response> out;
  dispatch(request, [&out](Response response) { out = std::move(response); });
  if (!out) return json_error(500, "the handler did not answer synchronously");
  return std::move(*out);
}

std::optional<std::string> url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = hex(text[i + 1]);
    int lo = hex(text[i + 2]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(q + 1);
  if (size_t hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      if (eq == std::string_view::npos) return std::string();
      return url_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return std::nullopt;
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
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x",
                        static_cast<unsigned>(static_cast<unsigned char>(c)));
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
  response.body.append(json_string(message))
      .append(", \"code\": ")
      .append(std::to_string(status))
      .append("}");
  return response;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

}  // namespace runnel::http
