// `runnel serve`: runs a broker node with the given configuration until
// SIGTERM/SIGINT, then shuts down cleanly. Returns the process exit code.
#pragma once

#include "app/config.h"

namespace runnel::app {

int run_serve(const ServeConfig& config);

}  // namespace runnel::app
