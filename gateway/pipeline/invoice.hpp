// The 810 Invoice: from an invoice JSON, or derived from a canonical order
// and its shipment (quantities shipped, carrier, bill of lading, weight).
// Totals are computed here with exact decimals (docs/templates.md):
//   merchandise  = sum of quantity x unit price
//   total (TDS01)            = merchandise + charges - allowances
//   subject to discount (TDS02) = merchandise
//   discount (TDS04)         = subject x terms discount %  (rounded to cents, half away from zero)
//   discounted due (TDS03)   = total - discount
// and written in implied decimals (N2) by the template. A bad input is refused
// with the JSON path of what is wrong.
#pragma once

#include "gateway/pipeline/shipment.hpp"
#include "mappings/order.hpp"

#include <boost/json/value.hpp>

namespace edigw::pipeline {

// Checks the invoice JSON and builds the 810 template's data.
bool invoice_data(boost::json::value const& invoice, boost::json::value& data, shipment_error& err);

// An invoice JSON from an order and its shipment (the shipment's items give
// the quantities invoiced, matched to order lines by line_id or product ID).
bool invoice_from(mappings::order const& order, boost::json::value const& shipment, std::string const& invoice_number,
                  std::string const& date, boost::json::value& invoice, shipment_error& err);

} // namespace edigw::pipeline
