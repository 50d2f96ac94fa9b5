#pragma once
// RAII owners for nDPI's C handles (core::CHandle: pointer-sized).

#include <ndpi/ndpi_api.h>

#include "core/c_handle.h"

namespace egressmon::dpi {

using NdpiModule = core::CHandle<ndpi_detection_module_struct, ndpi_exit_detection_module>;
// ndpi_flow_free releases the flow's internal buffers and the struct itself.
using NdpiFlow = core::CHandle<ndpi_flow_struct, ndpi_flow_free>;

} // namespace egressmon::dpi
