// Ctrl-C for the harness: SIGINT/SIGTERM set a flag that every workload loop
// polls, so runs end early, servers are stopped and scratch dirs removed by
// the normal destructors rather than left behind.
#pragma once

namespace runnel::benchtool {

void install_stop_handlers();
bool stop_requested();

}  // namespace runnel::benchtool
