// JSON forms (Boost.JSON) of canonical orders, envelopes and diagnostics: the
// formats other tools read. Decimals are JSON strings ("4.25"), never numbers,
// so no reader turns them into binary floating point.
#pragma once

#include "mappings/order.hpp"

#include <boost/json/value.hpp>

#include <string_view>

namespace edigw::mappings {

boost::json::value to_json(order const& o);

// The same built in `sp` (a monotonic arena, say).
boost::json::value to_json(order const& o, boost::json::storage_ptr sp);
boost::json::value to_json(party const& p, boost::json::storage_ptr sp = {});
boost::json::value to_json(x12::interchange_summary const& ic);
boost::json::value to_json(x12::diagnostic const& d, std::string_view file);

// Reads a canonical order back from its JSON form (as `edigw parse` writes
// it, or as another system produces it). False with the JSON path and what is
// wrong ("order.lines[2].quantity: expected a decimal string") otherwise.
bool from_json(boost::json::value const& v, order& out, std::string& error);

} // namespace edigw::mappings
