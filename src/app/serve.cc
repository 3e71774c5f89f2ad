#include "app/serve.h"

#include <cstdio>

namespace runnel::app {

int run_serve(const ServeConfig&) {
  std::fputs("runnel serve: the broker is not implemented yet; nothing is listening\n", stderr);
  return 0;
}

}  // namespace runnel::app
