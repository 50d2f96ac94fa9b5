#pragma once
// Waiting on an SPSC ring's other side (a full ring, an empty one): spin briefly, then sleep in
// short steps so a stalled peer does not burn a core. Shared by the file reader, the workers and
// the record sinks' producers.

#include <chrono>
#include <thread>

namespace egressmon::core {

// `spins`: the caller's count of failed attempts so far, reset to 0 after a success.
inline void spinBackoff(unsigned& spins) {
    if (++spins < 64)
        std::this_thread::yield();
    else
        std::this_thread::sleep_for(std::chrono::microseconds(50));
}

} // namespace egressmon::core
