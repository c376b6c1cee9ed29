#include "partners/catalog.hpp"

#include <fstream>
#include <sstream>

namespace edigw::partners {

std::string file_error::what() const
{
    std::string s = file;
    if (line) s += ":" + std::to_string(line);
    if (line && column) s += ":" + std::to_string(column);
    return s + ": " + message;
}

bool split_csv(std::string_view line, std::vector<std::string>& out, std::size_t& bad_column)
{
    out.clear();
    std::string field;
    std::size_t i = 0;
    for (;;) {
        field.clear();
        if (i < line.size() && line[i] == '"') {
            std::size_t const open = i;
            ++i;
            for (;;) {
                if (i >= line.size()) {
                    bad_column = open + 1;
                    return false;
                }
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field += line[i++];
            }
            if (i < line.size() && line[i] != ',') {
                bad_column = i + 1;
                return false;
            }
        } else {
            while (i < line.size() && line[i] != ',') field += line[i++];
        }
        out.push_back(field);
        if (i >= line.size()) return true;
        ++i; // the comma
    }
}

namespace {

// Reads a CSV file with a header naming exactly `columns`; calls row() per data line.
template <typename Row>
bool read_csv(std::filesystem::path const& file, std::vector<std::string_view> const& columns, file_error& err, Row row)
{
    err.file = file.string();
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        err.message = "cannot read the file";
        return false;
    }
    std::string line;
    std::vector<std::string> f;
    std::uint32_t n = 0;
    bool header = true;
    while (std::getline(in, line)) {
        ++n;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (n == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
        if (line.empty() || line[0] == '#') continue;
        std::size_t bad = 0;
        err.line = n;
        if (!split_csv(line, f, bad)) {
            err.column = static_cast<std::uint32_t>(bad);
            err.message = "unterminated or misplaced quote";
            return false;
        }
        if (header) {
            header = false;
            std::string want, got;
            for (auto c : columns) want += (want.empty() ? "" : ",") + std::string(c);
            for (auto const& c : f) got += (got.empty() ? "" : ",") + c;
            if (want != got) {
                err.column = 1;
                err.message = "expected the header '" + want + "', found '" + got + "'";
                return false;
            }
            continue;
        }
        if (f.size() != columns.size()) {
            err.column = 1;
            err.message = "expected " + std::to_string(columns.size()) + " fields, found " + std::to_string(f.size());
            return false;
        }
        if (!row(f, err)) return false;
    }
    if (header) {
        err.line = 1;
        err.message = "the file is empty (expected a header line)";
        return false;
    }
    err = file_error{};
    return true;
}

// 1-based column of field k in the line (for error messages), approximately: fields before it and commas.
std::uint32_t column_of(std::vector<std::string> const& f, std::size_t k)
{
    std::size_t c = 1;
    for (std::size_t i = 0; i < k && i < f.size(); ++i) c += f[i].size() + 1;
    return static_cast<std::uint32_t>(c);
}

} // namespace

bool load_catalog(std::filesystem::path const& file, catalog& out, file_error& err)
{
    out.items.clear();
    return read_csv(file, {"sku", "upc", "buyer_part", "description", "uom", "unit_price", "pack_size"}, err,
                    [&](std::vector<std::string> const& f, file_error& e) {
                        catalog_item it;
                        it.sku = f[0];
                        it.upc = f[1];
                        it.buyer_part = f[2];
                        it.description = f[3];
                        it.uom = f[4];
                        if (it.sku.empty()) {
                            e.column = 1;
                            e.message = "sku is empty";
                            return false;
                        }
                        if (it.uom.size() != 2) {
                            e.column = column_of(f, 4);
                            e.message = "uom must be a 2-letter X12 unit code (EA, CA ...), found '" + it.uom + "'";
                            return false;
                        }
                        auto price = x12::decimal::parse_r(f[5]);
                        if (!price || price->coefficient() < 0) {
                            e.column = column_of(f, 5);
                            e.message = "unit_price must be a non-negative decimal such as 4.25, found '" + f[5] + "'";
                            return false;
                        }
                        it.unit_price = *price;
                        auto pack = f[6].empty() ? std::optional<x12::decimal>(x12::decimal(1, 0)) : x12::decimal::parse_r(f[6]);
                        if (!pack || pack->coefficient() <= 0) {
                            e.column = column_of(f, 6);
                            e.message = "pack_size must be a positive number, found '" + f[6] + "'";
                            return false;
                        }
                        it.pack_size = *pack;
                        out.items.push_back(std::move(it));
                        return true;
                    });
}

bool load_inventory(std::filesystem::path const& file, inventory& out, file_error& err)
{
    out.items.clear();
    return read_csv(file, {"sku", "uom", "available", "next_available_date"}, err,
                    [&](std::vector<std::string> const& f, file_error& e) {
                        stock_item it;
                        it.sku = f[0];
                        it.uom = f[1];
                        auto q = x12::decimal::parse_r(f[2]);
                        if (!q) {
                            e.column = column_of(f, 2);
                            e.message = "available must be a decimal quantity, found '" + f[2] + "'";
                            return false;
                        }
                        it.available = *q;
                        it.next_available_date = f[3];
                        if (!it.next_available_date.empty()
                            && (it.next_available_date.size() != 10 || it.next_available_date[4] != '-'
                                || it.next_available_date[7] != '-')) {
                            e.column = column_of(f, 3);
                            e.message = "next_available_date must be YYYY-MM-DD or empty, found '" + f[3] + "'";
                            return false;
                        }
                        out.items.push_back(std::move(it));
                        return true;
                    });
}

std::vector<catalog_item const*> catalog::find(std::string_view qualifier, std::string_view id) const
{
    std::vector<catalog_item const*> out;
    if (id.empty()) return out;
    for (auto const& it : items) {
        bool hit = false;
        if (qualifier == "VP" || qualifier == "SK" || qualifier == "VN" || qualifier == "MG") hit = it.sku == id;
        else if (qualifier == "UP" || qualifier == "UK" || qualifier == "EN" || qualifier == "UA") hit = !it.upc.empty() && it.upc == id;
        else if (qualifier == "BP" || qualifier == "IN" || qualifier == "CB") hit = !it.buyer_part.empty() && it.buyer_part == id;
        if (hit) out.push_back(&it);
    }
    return out;
}

stock_item const* inventory::find(std::string_view sku, std::string_view uom) const
{
    for (auto const& it : items)
        if (it.sku == sku && it.uom == uom) return &it;
    return nullptr;
}

} // namespace edigw::partners
