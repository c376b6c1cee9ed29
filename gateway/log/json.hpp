// The log's rows as JSON, shared by `edigw log/kpi --format json` and the
// REST API so both say the same thing with the same names.
#pragma once

#include "gateway/log/queries.hpp"

#include <boost/json/value.hpp>

namespace edigw::log {

boost::json::value to_json(transmission_row const& t);
boost::json::value to_json(finding_row const& f);
boost::json::value to_json(set_row const& s);
boost::json::value to_json(audit_row const& a);
boost::json::value to_json(rejected_row const& r);
boost::json::value to_json(kpis const& k);
boost::json::value to_json(overdue_row const& o);
boost::json::value to_json(day_row const& d);

} // namespace edigw::log
