#include "gateway/pipeline/shipment.hpp"

#include "gateway/pipeline/detail/json_reader.hpp"
#include "x12/decimal.hpp"

#include <boost/json.hpp>

namespace edigw::pipeline {

namespace json = boost::json;

int gs1_check_digit(std::string_view digits)
{
    int sum = 0;
    int weight = 3; // from the right: 3, 1, 3, ...
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        sum += (*it - '0') * weight;
        weight = 4 - weight;
    }
    return (10 - sum % 10) % 10;
}

std::string make_sscc(std::string_view prefix, std::uint64_t serial)
{
    if (prefix.size() < 6 || prefix.size() > 11
        || !std::all_of(prefix.begin(), prefix.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return {};
    std::size_t const serial_digits = 16 - prefix.size();
    std::string s = std::to_string(serial);
    if (s.size() > serial_digits) return {};
    std::string body = "0" + std::string(prefix) + std::string(serial_digits - s.size(), '0') + s;
    return body + static_cast<char>('0' + gs1_check_digit(body));
}

namespace {

using detail::reader;

json::value party(reader& r, json::object const& ship, std::string_view key, std::string const& path)
{
    auto const* v = ship.if_contains(key);
    std::string p = path + "." + std::string(key);
    if (!v) {
        r.fail(p, "is required");
        return nullptr;
    }
    auto const* o = r.object(*v, p);
    if (!o) return nullptr;
    r.only(*o, {"name", "id_qualifier", "id"}, p);
    json::object out{{"name", r.str(*o, "name", p, true, 60)},
                     {"id_qualifier", r.str(*o, "id_qualifier", p, false, 2)},
                     {"id", r.str(*o, "id", p, false, 80)}};
    if (out.at("id_qualifier").as_string().empty() != out.at("id").as_string().empty())
        r.fail(p, "id and id_qualifier go together (N103/N104)");
    return out;
}

json::value item(reader& r, json::value const& v, std::string const& p, x12::decimal& total)
{
    auto const* o = r.object(v, p);
    if (!o) return nullptr;
    r.only(*o, {"line_id", "product_ids", "quantity", "uom"}, p);
    json::array ids;
    if (auto const* a = r.array(*o, "product_ids", p, true))
        for (std::size_t k = 0; k < a->size(); ++k) {
            std::string ip = p + ".product_ids[" + std::to_string(k) + "]";
            auto const* io = r.object((*a)[k], ip);
            if (!io) break;
            r.only(*io, {"qualifier", "id"}, ip);
            ids.push_back(json::object{{"qualifier", r.str(*io, "qualifier", ip, true, 2)}, {"id", r.str(*io, "id", ip, true, 48)}});
        }
    std::string q = r.decimal(*o, "quantity", p, true, true);
    if (auto d = x12::decimal::parse_r(q)) total = total + *d;
    std::string uom = r.str(*o, "uom", p, true, 2);
    if (!uom.empty() && uom.size() != 2) r.fail(p + ".uom", "expected a 2-letter X12 unit code (EA, CA ...)");
    return json::object{{"line_id", r.str(*o, "line_id", p, false, 20)}, {"product_ids", std::move(ids)}, {"quantity", q}, {"uom", uom}};
}

} // namespace

bool shipment_data(json::value const& shipment, partners::profile const& p,
                   std::function<std::optional<std::uint64_t>()> const& next_serial, json::value& data, shipment_error& err)
{
    reader r(err);
    std::string const root = "shipment";
    auto const* s = r.object(shipment, root);
    if (!s) return false;
    r.only(*s, {"shipment_id", "date", "time", "structure", "carrier", "bill_of_lading", "pro_number", "ship_from", "ship_to",
                "weight", "packaging", "delivery_date", "orders"},
           root);
    json::object sh;
    sh["shipment_id"] = r.str(*s, "shipment_id", root, true, 30);
    sh["date"] = r.date(*s, "date", root, true);
    std::string time = r.str(*s, "time", root, true, 8);
    if (!time.empty() && (time.size() < 5 || time[2] != ':')) r.fail(root + ".time", "expected a time HH:MM, found '" + time + "'");
    sh["time"] = time;
    std::string structure = r.str(*s, "structure", root, false, 4);
    if (structure.empty()) structure = "0001";
    if (structure != "0001" && structure != "0004")
        r.fail(root + ".structure", "expected \"0001\" (shipment/order/pack/item) or \"0004\" (shipment/order/item)");
    bool const packs = structure == "0001";
    if (auto const* c = s->if_contains("carrier")) {
        if (auto const* co = r.object(*c, root + ".carrier")) {
            r.only(*co, {"scac", "mode"}, root + ".carrier");
            sh["carrier"] = json::object{{"scac", r.str(*co, "scac", root + ".carrier", true, 4)},
                                         {"mode", r.str(*co, "mode", root + ".carrier", false, 2)}};
        }
    } else {
        r.fail(root + ".carrier", "is required");
    }
    sh["bill_of_lading"] = r.str(*s, "bill_of_lading", root, false, 30);
    sh["pro_number"] = r.str(*s, "pro_number", root, false, 30);
    sh["ship_from"] = party(r, *s, "ship_from", root);
    sh["ship_to"] = party(r, *s, "ship_to", root);
    if (auto const* w = s->if_contains("weight")) {
        if (auto const* wo = r.object(*w, root + ".weight")) {
            r.only(*wo, {"value", "uom"}, root + ".weight");
            sh["weight"] = json::object{{"value", r.decimal(*wo, "value", root + ".weight", true, true)},
                                        {"uom", r.str(*wo, "uom", root + ".weight", true, 2)}};
        }
    }
    sh["packaging"] = r.str(*s, "packaging", root, false, 5);
    sh["delivery_date"] = r.date(*s, "delivery_date", root, false);

    // The hierarchy.
    json::array hls;
    x12::decimal total;
    std::size_t cartons = 0;
    auto hl = [&](std::size_t parent, char const* level) -> json::object& {
        json::object o{{"id", std::to_string(hls.size() + 1)}, {"parent", parent ? std::to_string(parent) : std::string()},
                       {"level", level}, {"child", "0"}};
        hls.push_back(std::move(o));
        if (parent) hls[parent - 1].as_object()["child"] = "1";
        return hls.back().as_object();
    };
    hl(0, "S");
    auto const* orders = r.array(*s, "orders", root, true);
    for (std::size_t i = 0; orders && i < orders->size() && !r.failed(); ++i) {
        std::string op = root + ".orders[" + std::to_string(i) + "]";
        auto const* o = r.object((*orders)[i], op);
        if (!o) break;
        r.only(*o, {"po_number", "po_date", "cartons", "items"}, op);
        std::size_t const order_hl = hls.size() + 1;
        hl(1, "O")["order"] = json::object{{"po_number", r.str(*o, "po_number", op, true, 22)},
                                           {"po_date", r.date(*o, "po_date", op, false)}};
        if (packs) {
            auto const* cs = r.array(*o, "cartons", op, true);
            if (o->if_contains("items")) r.fail(op + ".items", "belongs to structure 0004; with 0001 items go in cartons");
            for (std::size_t c = 0; cs && c < cs->size() && !r.failed(); ++c) {
                std::string cp = op + ".cartons[" + std::to_string(c) + "]";
                auto const* co = r.object((*cs)[c], cp);
                if (!co) break;
                r.only(*co, {"sscc", "items"}, cp);
                std::string sscc = r.str(*co, "sscc", cp, false, 18);
                if (!sscc.empty()) {
                    if (sscc.size() != 18 || !std::all_of(sscc.begin(), sscc.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
                        r.fail(cp + ".sscc", "expected the 18 digits of an SSCC-18");
                    else if (gs1_check_digit(std::string_view(sscc).substr(0, 17)) != sscc[17] - '0')
                        r.fail(cp + ".sscc", "the check digit of " + sscc + " is wrong (it should be "
                                                 + std::to_string(gs1_check_digit(std::string_view(sscc).substr(0, 17))) + ")");
                } else {
                    auto serial = next_serial ? next_serial() : std::nullopt;
                    if (!serial) {
                        r.fail(cp + ".sscc", "is required: no serial source to generate one");
                        break;
                    }
                    sscc = make_sscc(p.sscc_company_prefix, *serial);
                    if (sscc.empty()) {
                        r.fail(cp + ".sscc", "cannot be generated: partner " + p.id
                                                 + " has no usable [ours] gs1_company_prefix (6-11 digits)");
                        break;
                    }
                }
                ++cartons;
                std::size_t const pack_hl = hls.size() + 1;
                hl(order_hl, "P")["sscc"] = sscc;
                auto const* items = r.array(*co, "items", cp, true);
                for (std::size_t k = 0; items && k < items->size() && !r.failed(); ++k) {
                    auto it = item(r, (*items)[k], cp + ".items[" + std::to_string(k) + "]", total);
                    hl(pack_hl, "I")["item"] = std::move(it);
                }
            }
        } else {
            if (o->if_contains("cartons")) r.fail(op + ".cartons", "belongs to structure 0001; with 0004 list items directly");
            auto const* items = r.array(*o, "items", op, true);
            for (std::size_t k = 0; items && k < items->size() && !r.failed(); ++k) {
                auto it = item(r, (*items)[k], op + ".items[" + std::to_string(k) + "]", total);
                hl(order_hl, "I")["item"] = std::move(it);
            }
        }
    }
    if (r.failed()) return false;
    std::size_t const hl_count = hls.size();
    data = json::object{{"shipment", std::move(sh)},
                        {"bsn05", structure},
                        {"hls", std::move(hls)},
                        {"hl_count", static_cast<std::int64_t>(hl_count)},
                        {"carton_count", static_cast<std::int64_t>(cartons)},
                        {"quantity_total", total.to_string()}};
    return true;
}

} // namespace edigw::pipeline
