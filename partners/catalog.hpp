// A partner's catalog (what they may order from us, at which price and unit)
// and our inventory for them (available to promise), both CSV files named in
// the profile. Prices and quantities are exact decimals.
//
// catalog.csv:   sku,upc,buyer_part,description,uom,unit_price,pack_size
// inventory.csv: sku,uom,available,next_available_date
//
// Threading: plain immutable values once loaded.
#pragma once

#include "x12/decimal.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace edigw::partners {

// Where a partner file is wrong.
struct file_error {
    std::string file;
    std::uint32_t line = 0, column = 0;
    std::string message;
    std::string what() const; // "file:line:col: message"
};

struct catalog_item {
    std::string sku;         // our item number (PO1 qualifier VP, also SK)
    std::string upc;         // GTIN/UPC (UP, UK, EN)
    std::string buyer_part;  // their item number (BP, IN)
    std::string description;
    std::string uom;         // the unit this row's price is for
    x12::decimal unit_price;
    x12::decimal pack_size;  // orders are in multiples of this (1 = any)
};

class catalog {
public:
    std::vector<catalog_item> items;

    bool empty() const noexcept { return items.empty(); }
    // Rows whose SKU, UPC or buyer part number matches the qualified product ID.
    std::vector<catalog_item const*> find(std::string_view qualifier, std::string_view id) const;
};

struct stock_item {
    std::string sku, uom;
    x12::decimal available;
    std::string next_available_date; // ISO date when more arrives, or empty
};

class inventory {
public:
    std::vector<stock_item> items;

    bool empty() const noexcept { return items.empty(); }
    stock_item const* find(std::string_view sku, std::string_view uom) const;
};

[[nodiscard]] bool load_catalog(std::filesystem::path const& file, catalog& out, file_error& err);
[[nodiscard]] bool load_inventory(std::filesystem::path const& file, inventory& out, file_error& err);

// Splits one CSV line (RFC 4180 quoting) into fields; false on a broken quote.
bool split_csv(std::string_view line, std::vector<std::string>& out, std::size_t& bad_column);

} // namespace edigw::partners
