// JSON forms (Boost.JSON) of canonical orders, envelopes and diagnostics: the
// formats other tools read. Decimals are JSON strings ("4.25"), never numbers,
// so no reader turns them into binary floating point.
#pragma once

#include "mappings/order.hpp"

#include <boost/json/value.hpp>

#include <functional>
#include <string_view>

namespace edigw::mappings {

boost::json::value to_json(order const& o);

// Which of an order's optional parts to_json writes (all by default): the
// data for a large batch of 855s carries only what the template looks up.
// Lines always carry line_id, quantity, uom, unit_price, price_basis and
// product_ids; the order its identity, dates of issue and currency.
struct order_json_parts {
    bool references = true, contacts = true, dates = true, parties = true, charges = true, payment_terms = true,
         carriers = true, fob = true, notes = true, amounts = true, summary = true, envelope = true;
    bool packs = true, schedules = true, description = true; // of lines
    // Only the parts `uses(name)` says a template mentions.
    static order_json_parts only(std::function<bool(std::string_view)> const& uses);
};

// The same built in `sp` (a monotonic arena for a batch, say), with only `parts`.
boost::json::value to_json(order const& o, boost::json::storage_ptr sp, order_json_parts const& parts = {});
boost::json::value to_json(party const& p, boost::json::storage_ptr sp = {});
boost::json::value to_json(x12::interchange_summary const& ic);
boost::json::value to_json(x12::diagnostic const& d, std::string_view file);

// Reads a canonical order back from its JSON form (as `edigw parse` writes
// it, or as another system produces it). False with the JSON path and what is
// wrong ("order.lines[2].quantity: expected a decimal string") otherwise.
bool from_json(boost::json::value const& v, order& out, std::string& error);

} // namespace edigw::mappings
