#include "gateway/pipeline/invoice.hpp"

#include "gateway/pipeline/detail/json_reader.hpp"

#include <map>

namespace edigw::pipeline {

namespace json = boost::json;
using detail::reader;
using x12::decimal;

namespace {

decimal dec(std::string const& s) { return s.empty() ? decimal() : decimal::parse_r(s).value_or(decimal()); }

json::value read_party(reader& r, json::object const& o, std::string_view key, std::string const& path, bool required)
{
    auto const* v = o.if_contains(key);
    std::string p = path + "." + std::string(key);
    if (!v) {
        if (required) r.fail(p, "is required");
        return nullptr;
    }
    auto const* po = r.object(*v, p);
    if (!po) return nullptr;
    r.only(*po, {"name", "id_qualifier", "id", "address"}, p);
    json::object out{{"name", r.str(*po, "name", p, true, 60)},
                     {"id_qualifier", r.str(*po, "id_qualifier", p, false, 2)},
                     {"id", r.str(*po, "id", p, false, 80)}};
    if (auto const* a = po->if_contains("address")) {
        std::string ap = p + ".address";
        if (auto const* ao = r.object(*a, ap)) {
            r.only(*ao, {"lines", "city", "state", "postal_code", "country"}, ap);
            json::array lines;
            if (auto const* la = r.array(*ao, "lines", ap, true))
                for (std::size_t i = 0; i < la->size() && i < 2; ++i) {
                    if (!(*la)[i].is_string()) r.fail(ap + ".lines[" + std::to_string(i) + "]", "expected a string");
                    else lines.push_back((*la)[i]);
                }
            out["address"] = json::object{{"lines", std::move(lines)},
                                          {"city", r.str(*ao, "city", ap, true, 30)},
                                          {"state", r.str(*ao, "state", ap, false, 2)},
                                          {"postal_code", r.str(*ao, "postal_code", ap, false, 15)},
                                          {"country", r.str(*ao, "country", ap, false, 3)}};
        }
    }
    return out;
}

} // namespace

bool invoice_data(json::value const& invoice, json::value& data, shipment_error& err)
{
    reader r(err);
    std::string const root = "invoice";
    auto const* in = r.object(invoice, root);
    if (!in) return false;
    r.only(*in, {"invoice_number", "date", "po_number", "po_date", "currency", "vendor_id", "remit_to", "ship_to", "terms",
                 "ship_date", "lines", "carrier", "bill_of_lading", "charges", "shipment_summary"},
           root);
    json::object out;
    out["invoice_number"] = r.str(*in, "invoice_number", root, true, 22);
    out["date"] = r.date(*in, "date", root, true);
    out["po_number"] = r.str(*in, "po_number", root, false, 22);
    out["po_date"] = r.date(*in, "po_date", root, false);
    out["currency"] = r.str(*in, "currency", root, false, 3);
    out["vendor_id"] = r.str(*in, "vendor_id", root, false, 30);
    out["remit_to"] = read_party(r, *in, "remit_to", root, false);
    out["ship_to"] = read_party(r, *in, "ship_to", root, false);
    out["ship_date"] = r.date(*in, "ship_date", root, false);
    out["bill_of_lading"] = r.str(*in, "bill_of_lading", root, false, 30);

    decimal discount_percent;
    if (auto const* t = in->if_contains("terms")) {
        std::string tp = root + ".terms";
        if (auto const* to = r.object(*t, tp)) {
            r.only(*to, {"type", "basis_date_code", "discount_percent", "discount_days", "net_days"}, tp);
            std::string pct = r.decimal(*to, "discount_percent", tp, false, false);
            discount_percent = dec(pct);
            auto days = [&](char const* k) -> std::string {
                auto const* v = to->if_contains(k);
                if (!v) return {};
                if (v->is_uint64() && v->as_uint64() <= 999) return std::to_string(v->as_uint64());
                if (!v->is_int64() || v->as_int64() < 0 || v->as_int64() > 999) {
                    r.fail(tp + "." + k, "expected a whole number of days (0-999)");
                    return {};
                }
                return std::to_string(v->as_int64());
            };
            out["terms"] = json::object{{"type", r.str(*to, "type", tp, false, 2)},
                                        {"basis_date_code", r.str(*to, "basis_date_code", tp, false, 2)},
                                        {"discount_percent", pct},
                                        {"discount_days", days("discount_days")},
                                        {"net_days", days("net_days")}};
        }
    }
    if (auto const* c = in->if_contains("carrier")) {
        std::string cp = root + ".carrier";
        if (auto const* co = r.object(*c, cp)) {
            r.only(*co, {"mode", "scac", "routing"}, cp);
            out["carrier"] = json::object{{"mode", r.str(*co, "mode", cp, false, 2)},
                                          {"scac", r.str(*co, "scac", cp, false, 4)},
                                          {"routing", r.str(*co, "routing", cp, false, 35)}};
        }
    }

    decimal merchandise, quantity_hash;
    json::array lines;
    if (auto const* la = r.array(*in, "lines", root, true))
        for (std::size_t i = 0; i < la->size() && !r.failed(); ++i) {
            std::string lp = root + ".lines[" + std::to_string(i) + "]";
            auto const* lo = r.object((*la)[i], lp);
            if (!lo) break;
            r.only(*lo, {"line_id", "quantity", "uom", "unit_price", "price_basis", "product_ids", "description"}, lp);
            std::string q = r.decimal(*lo, "quantity", lp, true, true);
            std::string price = r.decimal(*lo, "unit_price", lp, true, false);
            json::array ids;
            if (auto const* ia = r.array(*lo, "product_ids", lp, true))
                for (std::size_t k = 0; k < ia->size(); ++k) {
                    std::string ip = lp + ".product_ids[" + std::to_string(k) + "]";
                    auto const* io = r.object((*ia)[k], ip);
                    if (!io) break;
                    r.only(*io, {"qualifier", "id"}, ip);
                    ids.push_back(json::object{{"qualifier", r.str(*io, "qualifier", ip, true, 2)}, {"id", r.str(*io, "id", ip, true, 48)}});
                }
            merchandise = merchandise + dec(q) * dec(price);
            quantity_hash = quantity_hash + dec(q);
            lines.push_back(json::object{{"line_id", r.str(*lo, "line_id", lp, false, 20)},
                                         {"quantity", q},
                                         {"uom", r.str(*lo, "uom", lp, true, 2)},
                                         {"unit_price", price},
                                         {"price_basis", r.str(*lo, "price_basis", lp, false, 2)},
                                         {"product_ids", std::move(ids)},
                                         {"description", r.str(*lo, "description", lp, false, 80)}});
        }
    decimal charges;
    json::array sac;
    if (auto const* ca = r.array(*in, "charges", root, false))
        for (std::size_t i = 0; i < ca->size() && !r.failed(); ++i) {
            std::string cp = root + ".charges[" + std::to_string(i) + "]";
            auto const* co = r.object((*ca)[i], cp);
            if (!co) break;
            r.only(*co, {"indicator", "code", "amount", "description"}, cp);
            std::string ind = r.str(*co, "indicator", cp, true, 1);
            if (!ind.empty() && ind != "A" && ind != "C") r.fail(cp + ".indicator", "expected \"C\" (charge) or \"A\" (allowance)");
            std::string amount = r.decimal(*co, "amount", cp, true, true);
            charges = ind == "A" ? charges - dec(amount) : charges + dec(amount);
            sac.push_back(json::object{{"indicator", ind},
                                       {"code", r.str(*co, "code", cp, true, 4)},
                                       {"amount", amount},
                                       {"description", r.str(*co, "description", cp, false, 80)}});
        }
    if (auto const* s = in->if_contains("shipment_summary")) {
        std::string sp = root + ".shipment_summary";
        if (auto const* so = r.object(*s, sp)) {
            r.only(*so, {"units", "uom", "weight", "weight_uom"}, sp);
            out["shipment_summary"] = json::object{{"units", r.decimal(*so, "units", sp, false, true)},
                                                   {"uom", r.str(*so, "uom", sp, false, 2)},
                                                   {"weight", r.decimal(*so, "weight", sp, false, true)},
                                                   {"weight_uom", r.str(*so, "weight_uom", sp, false, 2)}};
        }
    }
    if (r.failed()) return false;
    decimal const total = (merchandise + charges).rescaled(2);
    decimal const subject = merchandise.rescaled(2);
    decimal const discount = (subject * discount_percent * decimal(1, 2)).rescaled(2);
    decimal const due = total - discount;
    out["lines"] = std::move(lines);
    out["charges"] = std::move(sac);
    out["totals"] = json::object{{"total", total.to_string()},
                                 {"subject_to_discount", subject.to_string()},
                                 {"discount", discount.to_string()},
                                 {"discounted_due", due.to_string()},
                                 {"quantity_hash", quantity_hash.to_string()}};
    data = json::object{{"invoice", std::move(out)}};
    return true;
}

bool invoice_from(mappings::order const& order, json::value const& shipment, std::string const& invoice_number,
                  std::string const& date, json::value& invoice, shipment_error& err)
{
    reader r(err);
    auto const* s = r.object(shipment, "shipment");
    if (!s) return false;
    // Quantities shipped per line: items of every carton (0001) or order (0004) for this PO.
    std::map<std::string, decimal> shipped;
    auto const* orders = r.array(*s, "orders", "shipment", true);
    for (std::size_t i = 0; orders && i < orders->size(); ++i) {
        auto const& o = (*orders)[i];
        if (!o.is_object()) continue;
        auto const* po = o.as_object().if_contains("po_number");
        if (!po || !po->is_string() || po->as_string() != order.po_number) continue;
        auto add = [&](json::value const& items) {
            if (!items.is_array()) return;
            for (auto const& it : items.as_array()) {
                if (!it.is_object()) continue;
                auto const* lid = it.as_object().if_contains("line_id");
                auto const* q = it.as_object().if_contains("quantity");
                if (lid && lid->is_string() && q && q->is_string()) shipped[std::string(lid->as_string())] = shipped[std::string(lid->as_string())] + dec(std::string(q->as_string()));
            }
        };
        if (auto const* cs = o.as_object().if_contains("cartons"); cs && cs->is_array())
            for (auto const& c : cs->as_array())
                if (c.is_object())
                    if (auto const* items = c.as_object().if_contains("items")) add(*items);
        if (auto const* items = o.as_object().if_contains("items")) add(*items);
    }
    if (shipped.empty()) return r.fail("shipment.orders", "no items shipped for PO " + order.po_number);
    json::array lines;
    for (auto const& l : order.lines) {
        auto it = shipped.find(l.line_id);
        if (it == shipped.end()) continue;
        json::array ids;
        for (auto const& p : l.product_ids) ids.push_back(json::object{{"qualifier", p.qualifier}, {"id", p.id}});
        lines.push_back(json::object{{"line_id", l.line_id},
                                     {"quantity", it->second.to_string()},
                                     {"uom", l.uom},
                                     {"unit_price", l.unit_price ? l.unit_price->to_string() : std::string("0")},
                                     {"price_basis", l.price_basis},
                                     {"product_ids", std::move(ids)},
                                     {"description", l.description}});
    }
    json::object inv{{"invoice_number", invoice_number}, {"date", date}, {"po_number", order.po_number},
                     {"po_date", order.order_date}, {"lines", std::move(lines)}};
    if (!order.currency.empty()) inv["currency"] = order.currency;
    for (auto const& p : order.parties)
        if (p.role == "ST") inv["ship_to"] = json::object{{"name", p.name}, {"id_qualifier", p.id_qualifier}, {"id", p.id}};
    if (!order.payment_terms.empty()) {
        auto const& t = order.payment_terms.front();
        json::object terms{{"type", t.type}, {"basis_date_code", t.basis_date_code}};
        if (t.discount_percent) terms["discount_percent"] = t.discount_percent->to_string();
        if (t.discount_days) terms["discount_days"] = static_cast<std::int64_t>(*t.discount_days);
        if (t.net_days) terms["net_days"] = static_cast<std::int64_t>(*t.net_days);
        inv["terms"] = std::move(terms);
    }
    if (auto const* d = s->if_contains("date"); d && d->is_string()) inv["ship_date"] = *d;
    if (auto const* b = s->if_contains("bill_of_lading"); b && b->is_string()) inv["bill_of_lading"] = *b;
    if (auto const* c = s->if_contains("carrier"); c && c->is_object()) {
        json::object carrier;
        if (auto const* m = c->as_object().if_contains("mode")) carrier["mode"] = *m;
        if (auto const* sc = c->as_object().if_contains("scac")) carrier["scac"] = *sc;
        inv["carrier"] = std::move(carrier);
    }
    json::array charges;
    for (auto const& c : order.charges)
        if (c.amount && (c.indicator == "C" || c.indicator == "A"))
            charges.push_back(json::object{{"indicator", c.indicator}, {"code", c.code}, {"amount", c.amount->to_string()}});
    for (auto const& l : order.lines)
        for (auto const& c : l.charges)
            if (c.amount && (c.indicator == "C" || c.indicator == "A"))
                charges.push_back(json::object{{"indicator", c.indicator}, {"code", c.code}, {"amount", c.amount->to_string()}});
    if (!charges.empty()) inv["charges"] = std::move(charges);
    invoice = std::move(inv);
    return true;
}

} // namespace edigw::pipeline
