// The clean-shutdown marker: `<data-dir>/.clean_shutdown`, written atomically
// and durably as the last step of a clean stop and removed durably at
// start-up after reading it, so each start knows whether the previous run
// stopped cleanly. Only the holder of the data-dir lock may use it.
#pragma once

#include <string>

#include "base/status.h"

namespace runnel::storage {

// Whether the marker was there (and whole). Removes it either way, with any
// temporaries a crash left mid-write. Errs towards "not clean": false when
// the marker is unreadable or cannot be removed durably, since a marker that
// outlived this start would vouch for a stop that was not clean.
bool consume_clean_shutdown_marker(const std::string& data_dir);

// Writes the marker: a temporary file, synced, renamed into place, and the
// directory synced. Call only once every log is flushed.
Status write_clean_shutdown_marker(const std::string& data_dir);

}  // namespace runnel::storage
