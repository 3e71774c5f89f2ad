// Plain blocking sockets for what the CLI does outside librdkafka: a quick
// reachability probe of the brokers (so an unreachable address gives one
// clear line, fast) and a small HTTP/1.1 GET to the admin API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/unique_fd.h"
#include "cli/client_settings.h"
#include "cli/outcome.h"

namespace runnel::cli {

// A connected TCP socket, or why not in a few lowercase words
// ("connection refused", "connection timed out", "cannot resolve host").
Outcome<UniqueFd> tcp_connect(const HostPort& address, int64_t timeout_ms);

struct HttpResponse {
  int status = 0;
  std::string body;
};

// GET http://address/path with Connection: close; the whole exchange must end
// within timeout_ms. Chunked and Content-Length bodies are both understood.
Outcome<HttpResponse> http_get(const HostPort& address, std::string_view path, int64_t timeout_ms);

// Splits a raw HTTP/1.1 response (headers and body) into status and body.
Outcome<HttpResponse> parse_http_response(std::string_view raw);

}  // namespace runnel::cli
