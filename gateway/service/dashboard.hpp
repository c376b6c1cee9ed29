// The web dashboard: static files (HTML, JS, CSS) embedded at build time and
// served by `edigw serve` on the admin port. They hold no data: everything
// comes from the token-protected REST API (api.hpp), so users need no build
// step and no second server.
#pragma once

#include <string_view>

namespace edigw::service {

struct dashboard_asset {
    std::string_view bytes;        // empty: no such file
    std::string_view content_type;
};

// "index.html", "app.js", "app.css".
dashboard_asset find_dashboard_asset(std::string_view name) noexcept;

} // namespace edigw::service
