#pragma once
// The page a blocked request gets (icap.block-page): `{sid}`, `{rule}` and `{alert_id}` in the
// configured template replaced by the deciding rule's id, name and alert id, HTML-escaped, so
// the user can quote the reference to the help desk and the SOC can find the alert.

#include <string>
#include <string_view>

#include "icap/icap_transaction.h"

namespace egressmon::icap {

// A block decided by a bound (no rule) has signature_id 0: `{sid}` is then "-" and `{rule}` the
// bound's configuration key. May throw std::bad_alloc.
std::string renderBlockPage(std::string_view page_template, const BlockDecision& block);

} // namespace egressmon::icap
