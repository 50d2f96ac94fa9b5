#pragma once
// RAII owners for nDPI's C handles (stateless deleters, so the pointers stay pointer-sized).

#include <memory>

#include <ndpi/ndpi_api.h>

namespace egressmon::dpi {

template <auto Fn> struct CDeleter {
    template <class T> void operator()(T* p) const noexcept {
        if (p) Fn(p);
    }
};

using NdpiModule =
    std::unique_ptr<ndpi_detection_module_struct, CDeleter<ndpi_exit_detection_module>>;
// ndpi_flow_free releases the flow's internal buffers and the struct itself.
using NdpiFlow = std::unique_ptr<ndpi_flow_struct, CDeleter<ndpi_flow_free>>;

} // namespace egressmon::dpi
