// libFuzzer target for the generated Kafka codec. Input: a request frame without its size prefix
// (header + body, any api key and version). The header is parsed at the version its key and
// version imply; the body is decoded as that request and, to cover the response decoders with the
// same bytes, as that response. Whatever decodes must re-encode to something that decodes back to
// an equal message and re-encodes byte-identically; a contradiction aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "protocol/kafka/generated/any_message.h"
#include "protocol/kafka/generated/api_table.h"
#include "protocol/kafka/generated/headers.h"

namespace {

using runnel::ByteReader;
using runnel::ByteWriter;
using runnel::kafka::RequestHeader;

void check_header(const RequestHeader& header, int16_t header_version) {
  std::vector<uint8_t> bytes;
  ByteWriter w(&bytes);
  header.encode(w, header_version);
  if (!w.ok()) return;
  ByteReader r(bytes);
  RequestHeader again;
  again.decode(r, header_version);
  if (!r.ok() || r.remaining() != 0 || !(again == header) ||
      bytes.size() != header.encoded_size(header_version)) {
    std::fprintf(stderr, "request header v%d does not round-trip\n", header_version);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader r(data, size);
  RequestHeader header;
  if (!runnel::kafka::parse_request_header(r, &header).ok()) return 0;
  const int16_t key = header.request_api_key;
  const int16_t version = header.request_api_version;
  check_header(header, runnel::kafka::request_header_version(key, version));

  std::span<const uint8_t> body(r.cursor(), r.remaining());
  bool consistent = true;
  (void)runnel::kafka::check_request_consistency(key, version, body, &consistent);
  if (!consistent) {
    std::fprintf(stderr, "request api %d v%d: decode(encode(x)) != x\n", key, version);
    std::abort();
  }
  (void)runnel::kafka::check_response_consistency(key, version, body, &consistent);
  if (!consistent) {
    std::fprintf(stderr, "response api %d v%d: decode(encode(x)) != x\n", key, version);
    std::abort();
  }
  return 0;
}
