// 850 purchase order -> canonical order (004010 and 005010).
//
// Reads the heading (BEG, CUR, REF, PER, FOB, ITD, DTM, TD5, SAC, N9 with
// MSG/MTX, the N1 loop with N2/N3/N4/REF/PER), the PO1 loop (PID, PO4, SAC,
// SCH, DTM, REF, N1, MSG/MTX) and the summary (CTT, AMT).
// Values that cannot be converted (a bad date, a non-numeric quantity) are
// reported as diagnostics with their position and left empty in the order.
#pragma once

#include "mappings/order.hpp"

#include <vector>

namespace edigw::mappings {

// Returns true when the set mapped without a diagnostic. `out` is always filled
// with what could be read.
bool map_850(x12::transaction_set const& ts, order& out, std::vector<x12::diagnostic>& diags);

} // namespace edigw::mappings
