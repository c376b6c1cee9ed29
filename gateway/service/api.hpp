// The REST API behind the dashboard (served by `edigw serve` on the admin
// port, token required): JSON over the transmission log, partners and the
// reprocess and replay actions. Documented in docs/openapi.yaml.
//
// Runs on a worker thread with that worker's store: the I/O thread only
// moves bytes.
#pragma once

#include "gateway/log/store.hpp"
#include "partners/profile.hpp"

#include <string>
#include <vector>

namespace edigw::service {

struct api_request {
    std::string method; // GET, POST
    std::string target; // /api/transmissions?partner=acme&limit=50
    std::string body;
};

struct api_response {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
};

struct api_context {
    log::store& st;
    std::vector<partners::profile> const& profiles;
    std::string received_date; // the service's --received (tests)
};

api_response handle_api(api_context const& c, api_request const& req);

// %XX and '+' decoded; false on a malformed escape.
bool url_decode(std::string_view in, std::string& out);

} // namespace edigw::service
