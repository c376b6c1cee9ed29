// The 856 Ship Notice: a shipment given as JSON (docs/templates.md has the
// schema and an example) becomes the data of the 856 template, with the HL
// hierarchy built here so templates stay declarative:
//   BSN05 0001: Shipment > Order > Pack (carton, SSCC-18) > Item
//   BSN05 0004: Shipment > Order > Item (no cartons)
// Each HL gets its number, its parent's number and its child code (HL04 1 when
// it has children, 0 when not). Cartons without an SSCC get one: extension
// digit 0, the partner's GS1 company prefix, a serial kept in the log (never
// reused), and the GS1 check digit. A bad input is refused with the JSON path
// of what is wrong ("shipment.orders[0].cartons[1].items[0].quantity: ...").
#pragma once

#include "gateway/log/store.hpp"
#include "partners/profile.hpp"

#include <boost/json/value.hpp>

#include <functional>
#include <string>

namespace edigw::pipeline {

// The GS1 mod-10 check digit of a string of digits (GTIN, SSCC body).
int gs1_check_digit(std::string_view digits);
// An SSCC-18 from a company prefix and a serial: "0" + prefix + serial (zero
// padded to 17 digits) + check digit. Empty when the prefix is not 6-11 digits
// or the serial does not fit.
std::string make_sscc(std::string_view company_prefix, std::uint64_t serial);

struct shipment_error {
    std::string path, message;
    std::string what() const { return path + ": " + message; }
};

// Checks the shipment JSON and builds the 856 template's data. `next_serial`
// gives SSCC serials (the log's "sscc" sequence); null when every carton
// carries its SSCC.
bool shipment_data(boost::json::value const& shipment, partners::profile const& p,
                   std::function<std::optional<std::uint64_t>()> const& next_serial, boost::json::value& data,
                   shipment_error& err);

} // namespace edigw::pipeline
