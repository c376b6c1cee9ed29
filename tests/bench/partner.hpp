// The partner the benchmarks' generated orders come from: buyerco's profile
// (ISA sender BUYERID), without its catalog, stock, guide or ship-to rule,
// which the generated items and parties are in none of: every order is clean
// and answered, so a benchmark times the whole path.
#pragma once

#include "partners/profile.hpp"

#include <filesystem>
#include <optional>

namespace edigw::bench {

inline std::optional<partners::profile> clean_buyerco()
{
    std::vector<partners::profile> all;
    partners::profile_error err;
    if (!partners::load_profiles(std::filesystem::path(EDIGW_SOURCE_DIR) / "partners", all, err)) return std::nullopt;
    for (auto& p : all)
        if (p.id == "buyerco") {
            p.products = {};
            p.stock = {};
            p.tightenings.clear();
            p.rules.require_ship_to = false;
            return std::move(p);
        }
    return std::nullopt;
}

} // namespace edigw::bench
