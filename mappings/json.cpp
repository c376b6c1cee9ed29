#include "mappings/json.hpp"

#include <boost/json.hpp>

namespace edigw::mappings {
namespace json = boost::json;
namespace {

// Everything is built in the caller's storage (`sp`): a batch of 855s builds
// each order's JSON into one monotonic arena and frees it at once, which is
// most of what building the data costs. A value made in another storage
// would be copied on insertion, so every helper takes `sp`.
using sp_t = json::storage_ptr;

json::value dec(std::optional<decimal> const& d, sp_t const& sp)
{
    if (!d) return json::value(nullptr, sp);
    return json::value(json::string(d->to_string(), sp), sp);
}

json::value opt_str(std::string const& s, sp_t const& sp)
{
    if (s.empty()) return json::value(nullptr, sp);
    return json::value(json::string(s, sp), sp);
}

json::array refs(std::vector<reference> const& v, sp_t const& sp)
{
    json::array a(sp);
    a.reserve(v.size());
    for (auto const& r : v) {
        json::object o({{"qualifier", r.qualifier}, {"value", r.value}}, sp);
        if (!r.description.empty()) o["description"] = r.description;
        a.push_back(std::move(o));
    }
    return a;
}

json::array contacts(std::vector<contact> const& v, sp_t const& sp)
{
    json::array a(sp);
    for (auto const& c : v) {
        json::array comms(sp);
        for (auto const& m : c.communications) comms.push_back(json::object({{"qualifier", m.qualifier}, {"value", m.value}}, sp));
        a.push_back(json::object({{"function", c.function}, {"name", opt_str(c.name, sp)}, {"communications", std::move(comms)}}, sp));
    }
    return a;
}

json::array dates(std::vector<dated> const& v, sp_t const& sp)
{
    json::array a(sp);
    a.reserve(v.size());
    for (auto const& d : v)
        a.push_back(json::object({{"qualifier", d.qualifier}, {"date", opt_str(d.date, sp)}, {"time", opt_str(d.time, sp)}}, sp));
    return a;
}

json::array charges(std::vector<charge> const& v, sp_t const& sp)
{
    json::array a(sp);
    for (auto const& c : v)
        a.push_back(json::object({{"indicator", c.indicator}, {"code", opt_str(c.code, sp)}, {"amount", dec(c.amount, sp)},
                                  {"percent", dec(c.percent, sp)}, {"description", opt_str(c.description, sp)}},
                                 sp));
    return a;
}

json::array strings(std::vector<std::string> const& v, sp_t const& sp)
{
    json::array a(sp);
    a.reserve(v.size());
    for (auto const& s : v) a.push_back(json::string(s, sp));
    return a;
}

// One party, member by member: an object built from an initializer list
// goes through value_ref, which costs more than the object itself (an 855's
// ship_to is built this way for every order of a batch).
json::object party_json(party const& p, sp_t const& sp)
{
    json::object address(sp);
    address.reserve(5);
    address.emplace("lines", strings(p.addr.lines, sp));
    address.emplace("city", opt_str(p.addr.city, sp));
    address.emplace("state", opt_str(p.addr.state, sp));
    address.emplace("postal_code", opt_str(p.addr.postal_code, sp));
    address.emplace("country", opt_str(p.addr.country, sp));
    json::object o(sp);
    o.reserve(8);
    o.emplace("role", p.role);
    o.emplace("name", opt_str(p.name, sp));
    o.emplace("additional_names", strings(p.additional_names, sp));
    o.emplace("id_qualifier", opt_str(p.id_qualifier, sp));
    o.emplace("id", opt_str(p.id, sp));
    o.emplace("address", std::move(address));
    o.emplace("references", refs(p.references, sp));
    o.emplace("contacts", contacts(p.contacts, sp));
    return o;
}

json::array parties(std::vector<party> const& v, sp_t const& sp)
{
    json::array a(sp);
    a.reserve(v.size());
    for (auto const& p : v) a.emplace_back(party_json(p, sp));
    return a;
}

template <class T>
json::value opt_int(std::optional<T> const& v, sp_t const& sp)
{
    return v ? json::value(*v, sp) : json::value(nullptr, sp);
}

} // namespace

json::value to_json(order const& o) { return to_json(o, {}); }

json::value to_json(order const& o, json::storage_ptr sp)
{
    json::array lines(sp);
    lines.reserve(o.lines.size());
    for (auto const& l : o.lines) {
        json::object lo(sp);
        lo.reserve(14);
        lo.emplace("line_id", l.line_id);
        lo.emplace("quantity", dec(l.quantity, sp));
        lo.emplace("uom", opt_str(l.uom, sp));
        lo.emplace("unit_price", dec(l.unit_price, sp));
        lo.emplace("price_basis", opt_str(l.price_basis, sp));
        json::array ids(sp);
        ids.reserve(l.product_ids.size());
        for (auto const& p : l.product_ids) {
            // Built member by member: an initializer list goes through
            // value_ref, which costs more than the object itself.
            json::object id(sp);
            id.reserve(2);
            id.emplace("qualifier", p.qualifier);
            id.emplace("id", p.id);
            ids.emplace_back(std::move(id));
        }
        lo.emplace("product_ids", std::move(ids));
        lo.emplace("description", opt_str(l.description, sp));
        {
            json::array packs(sp);
            for (auto const& p : l.packs)
                packs.push_back(json::object({{"pack", dec(p.pack_count, sp)}, {"size", dec(p.size, sp)}, {"uom", opt_str(p.uom, sp)},
                                              {"packaging", opt_str(p.packaging, sp)}},
                                             sp));
            lo.emplace("packs", std::move(packs));
        }
        lo.emplace("charges", charges(l.charges, sp));
        lo.emplace("dates", dates(l.dates, sp));
        lo.emplace("references", refs(l.references, sp));
        {
            json::array sch(sp);
            for (auto const& x : l.schedules)
                sch.push_back(json::object({{"quantity", dec(x.quantity, sp)}, {"uom", opt_str(x.uom, sp)},
                                            {"date_qualifier", opt_str(x.date_qualifier, sp)}, {"date", opt_str(x.date, sp)}},
                                           sp));
            lo.emplace("schedules", std::move(sch));
        }
        lo.emplace("parties", parties(l.parties, sp));
        lo.emplace("notes", strings(l.notes, sp));
        lines.push_back(std::move(lo));
    }

    json::object out(sp);
    out.reserve(20);
    out.emplace("po_number", o.po_number);
    out.emplace("purpose", o.purpose);
    out.emplace("order_type", o.order_type);
    out.emplace("release_number", opt_str(o.release_number, sp));
    out.emplace("order_date", opt_str(o.order_date, sp));
    out.emplace("contract_number", opt_str(o.contract_number, sp));
    out.emplace("currency", opt_str(o.currency, sp));
    out.emplace("references", refs(o.references, sp));
    out.emplace("contacts", contacts(o.contacts, sp));
    out.emplace("dates", dates(o.dates, sp));
    out.emplace("parties", parties(o.parties, sp));
    out.emplace("lines", std::move(lines));
    out.emplace("charges", charges(o.charges, sp));
    {
        json::array terms(sp);
        for (auto const& t : o.payment_terms)
            terms.push_back(json::object({{"type", opt_str(t.type, sp)},
                                          {"basis_date_code", opt_str(t.basis_date_code, sp)},
                                          {"discount_percent", dec(t.discount_percent, sp)},
                                          {"discount_due_date", opt_str(t.discount_due_date, sp)},
                                          {"discount_days", opt_int(t.discount_days, sp)},
                                          {"net_due_date", opt_str(t.net_due_date, sp)},
                                          {"net_days", opt_int(t.net_days, sp)},
                                          {"discount_amount", dec(t.discount_amount, sp)},
                                          {"description", opt_str(t.description, sp)}},
                                         sp));
        out.emplace("payment_terms", std::move(terms));
    }
    {
        json::array carriers(sp);
        for (auto const& c : o.carriers)
            carriers.push_back(json::object({{"routing_sequence", opt_str(c.routing_sequence, sp)},
                                             {"id_qualifier", opt_str(c.id_qualifier, sp)},
                                             {"id", opt_str(c.id, sp)},
                                             {"mode", opt_str(c.mode, sp)},
                                             {"routing", opt_str(c.routing, sp)}},
                                            sp));
        out.emplace("carriers", std::move(carriers));
    }
    {
        json::array fob(sp);
        for (auto const& f : o.fob)
            fob.push_back(json::object({{"payment_method", f.payment_method},
                                        {"location_qualifier", opt_str(f.location_qualifier, sp)},
                                        {"location", opt_str(f.location, sp)}},
                                       sp));
        out.emplace("fob", std::move(fob));
    }
    {
        json::array notes(sp);
        for (auto const& n : o.notes)
            notes.push_back(json::object(
                {{"qualifier", n.qualifier}, {"reference", opt_str(n.reference, sp)}, {"messages", strings(n.messages, sp)}}, sp));
        out.emplace("notes", std::move(notes));
    }
    {
        json::array amounts(sp);
        for (auto const& a : o.amounts) amounts.push_back(json::object({{"qualifier", a.qualifier}, {"amount", dec(a.value, sp)}}, sp));
        out.emplace("amounts", std::move(amounts));
    }
    
        out.emplace("summary", json::object({{"line_count", opt_int(o.summary.line_count, sp)},
                                             {"hash_total", dec(o.summary.hash_total, sp)},
                                             {"computed_line_count", o.summary.computed_line_count},
                                             {"computed_hash_total", o.summary.computed_hash_total.to_string()}},
                                            sp));
    {
        auto const& e = o.envelope;
        out.emplace("envelope", json::object({{"sender_qualifier", e.sender_qualifier},
                                              {"sender_id", e.sender_id},
                                              {"receiver_qualifier", e.receiver_qualifier},
                                              {"receiver_id", e.receiver_id},
                                              {"interchange_control_number", e.interchange_control_number},
                                              {"group_control_number", e.group_control_number},
                                              {"set_control_number", e.set_control_number},
                                              {"application_sender", e.application_sender},
                                              {"application_receiver", e.application_receiver},
                                              {"version", e.version},
                                              {"implementation_reference", opt_str(e.implementation_reference, sp)},
                                              {"test", e.test}},
                                             sp));
    }
    return json::value(std::move(out), sp);
}

json::value to_json(party const& p, json::storage_ptr sp) { return json::value(party_json(p, sp), sp); }


json::value to_json(x12::interchange_summary const& ic)
{
    auto ch = [](char c) { return c ? json::value(json::string(1, c)) : json::value(nullptr); };
    json::array groups;
    for (auto const& g : ic.groups) {
        json::array sets;
        for (auto const& s : g.sets)
            sets.push_back(json::object{
                {"id", s.id},
                {"control_number", s.control_number},
                {"implementation_reference", opt_str(s.implementation_reference, {})},
                {"segment_count", s.segment_count},
                {"declared_segment_count", s.declared_count ? json::value(*s.declared_count) : json::value(nullptr)},
                {"has_trailer", s.has_trailer},
                {"accepted", s.accepted},
                {"offset", s.offset},
            });
        groups.push_back(json::object{
            {"functional_id", g.functional_id},
            {"application_sender", g.application_sender},
            {"application_receiver", g.application_receiver},
            {"date", g.date},
            {"time", g.time},
            {"control_number", g.control_number},
            {"agency", g.agency},
            {"version", g.version},
            {"set_count", g.set_count},
            {"declared_set_count", g.declared_sets ? json::value(*g.declared_sets) : json::value(nullptr)},
            {"rejected_sets", g.rejected_sets},
            {"has_trailer", g.has_trailer},
            {"offset", g.offset},
            {"sets", std::move(sets)},
        });
    }
    json::array ta1s;
    for (auto const& t : ic.ta1s)
        ta1s.push_back(json::object{{"control_number", t.control_number}, {"date", t.date}, {"time", t.time},
                                    {"status", t.status}, {"note_code", t.note_code}, {"offset", t.offset}});
    return json::object{
        {"sender_qualifier", ic.sender_qualifier},
        {"sender_id", ic.sender_id},
        {"receiver_qualifier", ic.receiver_qualifier},
        {"receiver_id", ic.receiver_id},
        {"date", ic.date},
        {"time", ic.time},
        {"standards_id", ic.standards_id},
        {"version", ic.version},
        {"control_number", ic.control_number},
        {"ack_requested", ic.ack_requested},
        {"usage", ic.usage},
        {"delimiters", json::object{{"element", ch(ic.delimiters.element)}, {"component", ch(ic.delimiters.component)},
                                    {"repetition", ch(ic.delimiters.repetition)}, {"segment", ch(ic.delimiters.segment)}}},
        {"fixed_width_isa", ic.fixed_width},
        {"ebcdic", ic.ebcdic},
        {"group_count", ic.group_count},
        {"declared_group_count", ic.declared_groups ? json::value(*ic.declared_groups) : json::value(nullptr)},
        {"has_trailer", ic.has_trailer},
        {"envelope_ok", ic.envelope_ok},
        {"offset", ic.offset},
        {"groups", std::move(groups)},
        {"ta1s", std::move(ta1s)},
    };
}

json::value to_json(x12::diagnostic const& d, std::string_view file)
{
    auto sev = d.severity == x12::severity::warning ? "warning" : d.severity == x12::severity::error ? "error" : "fatal";
    json::object ack;
    if (auto c = x12::ta1_note_code(d.code); !c.empty() && d.code != x12::error::ok) ack["ta1"] = c;
    if (auto c = x12::ak905_code(d.code); !c.empty()) ack["ak905"] = c;
    if (auto c = x12::ak502_code(d.code); !c.empty()) ack["ak502"] = c;
    if (auto c = x12::ak304_code(d.code); !c.empty()) ack["ak304"] = c;
    if (auto c = x12::ak403_code(d.code); !c.empty()) ack["ak403"] = c;
    json::object pos{{"file", file}, {"offset", d.where.offset}, {"line", d.where.line}, {"column", d.where.column}};
    if (d.where.segment_index) pos["segment_index"] = d.where.segment_index;
    if (d.where.set_position) pos["set_position"] = d.where.set_position;
    if (!d.where.tag.empty()) pos["segment"] = d.where.tag;
    if (d.where.element) pos["element"] = d.where.element;
    if (d.where.component) pos["component"] = d.where.component;
    if (d.where.repetition) pos["repetition"] = d.where.repetition;
    json::object o{{"code", x12::name(d.code)}, {"severity", sev}, {"message", d.message}, {"position", std::move(pos)},
                   {"ack", std::move(ack)}};
    if (!d.value.empty()) o["value"] = d.value;
    if (!d.data_element.empty()) o["data_element"] = d.data_element;
    if (!d.loop_id.empty()) o["loop"] = d.loop_id;
    if (x12::is_implementation(d.code)) o["implementation"] = true;
    return o;
}

namespace {

// Reading the order JSON with the path of the first problem.
struct order_reader {
    std::string& error;
    bool ok = true;

    bool fail(std::string const& path, std::string const& what)
    {
        if (ok) error = path + ": " + what;
        ok = false;
        return false;
    }
    std::string str(json::object const& o, std::string_view key, std::string const& path, bool required = false)
    {
        auto const* v = o.if_contains(key);
        if (!v || v->is_null()) {
            if (required) fail(path + "." + std::string(key), "is required");
            return {};
        }
        if (!v->is_string()) {
            fail(path + "." + std::string(key), "expected a string");
            return {};
        }
        return std::string(v->as_string());
    }
    std::optional<decimal> dec(json::object const& o, std::string_view key, std::string const& path)
    {
        auto const* v = o.if_contains(key);
        if (!v || v->is_null()) return std::nullopt;
        if (!v->is_string()) {
            fail(path + "." + std::string(key), "expected a decimal written as a string (\"4.25\")");
            return std::nullopt;
        }
        auto d = decimal::parse_r(v->as_string());
        if (!d) fail(path + "." + std::string(key), "expected a decimal such as \"4.25\", found '" + std::string(v->as_string()) + "'");
        return d;
    }
    json::array const* arr(json::object const& o, std::string_view key, std::string const& path)
    {
        auto const* v = o.if_contains(key);
        if (!v || v->is_null()) return nullptr;
        if (!v->is_array()) {
            fail(path + "." + std::string(key), "expected an array");
            return nullptr;
        }
        return &v->as_array();
    }
    json::object const* obj(json::value const& v, std::string const& path)
    {
        if (!v.is_object()) {
            fail(path, "expected an object");
            return nullptr;
        }
        return &v.as_object();
    }
    void date_field(json::object const& o, std::string_view key, std::string const& path, std::string& out)
    {
        out = str(o, key, path);
        if (!out.empty() && (out.size() != 10 || out[4] != '-' || out[7] != '-'))
            fail(path + "." + std::string(key), "expected a date YYYY-MM-DD, found '" + out + "'");
    }
    void parties(json::object const& o, std::string const& path, std::vector<party>& out)
    {
        if (auto const* a = arr(o, "parties", path))
            for (std::size_t i = 0; i < a->size() && ok; ++i) {
                std::string pp = path + ".parties[" + std::to_string(i) + "]";
                auto const* po = obj((*a)[i], pp);
                if (!po) return;
                party p;
                p.role = str(*po, "role", pp, true);
                p.name = str(*po, "name", pp);
                p.id_qualifier = str(*po, "id_qualifier", pp);
                p.id = str(*po, "id", pp);
                if (auto const* ad = po->if_contains("address"); ad && ad->is_object()) {
                    auto const& ao = ad->as_object();
                    if (auto const* lines = arr(ao, "lines", pp + ".address"))
                        for (auto const& l : *lines)
                            if (l.is_string()) p.addr.lines.emplace_back(l.as_string());
                    p.addr.city = str(ao, "city", pp + ".address");
                    p.addr.state = str(ao, "state", pp + ".address");
                    p.addr.postal_code = str(ao, "postal_code", pp + ".address");
                    p.addr.country = str(ao, "country", pp + ".address");
                }
                out.push_back(std::move(p));
            }
    }
    void charges(json::object const& o, std::string const& path, std::vector<charge>& out)
    {
        if (auto const* a = arr(o, "charges", path))
            for (std::size_t i = 0; i < a->size() && ok; ++i) {
                std::string cp = path + ".charges[" + std::to_string(i) + "]";
                auto const* co = obj((*a)[i], cp);
                if (!co) return;
                charge c;
                c.indicator = str(*co, "indicator", cp, true);
                c.code = str(*co, "code", cp);
                c.amount = dec(*co, "amount", cp);
                c.percent = dec(*co, "percent", cp);
                c.description = str(*co, "description", cp);
                out.push_back(std::move(c));
            }
    }
    void dates(json::object const& o, std::string const& path, std::vector<dated>& out)
    {
        if (auto const* a = arr(o, "dates", path))
            for (std::size_t i = 0; i < a->size() && ok; ++i) {
                std::string dp = path + ".dates[" + std::to_string(i) + "]";
                auto const* d = obj((*a)[i], dp);
                if (!d) return;
                dated x;
                x.qualifier = str(*d, "qualifier", dp, true);
                date_field(*d, "date", dp, x.date);
                x.time = str(*d, "time", dp);
                out.push_back(std::move(x));
            }
    }
};

} // namespace

bool from_json(json::value const& v, order& out, std::string& error)
{
    out = order{};
    order_reader r{error};
    std::string const root = "order";
    auto const* o = r.obj(v, root);
    if (!o) return false;
    out.po_number = r.str(*o, "po_number", root, true);
    out.purpose = r.str(*o, "purpose", root);
    if (out.purpose.empty()) out.purpose = "00";
    out.order_type = r.str(*o, "order_type", root);
    r.date_field(*o, "order_date", root, out.order_date);
    out.currency = r.str(*o, "currency", root);
    if (auto const* a = r.arr(*o, "references", root))
        for (std::size_t i = 0; i < a->size() && r.ok; ++i)
            if (auto const* ro = r.obj((*a)[i], root + ".references[" + std::to_string(i) + "]"))
                out.references.push_back({r.str(*ro, "qualifier", root + ".references[" + std::to_string(i) + "]", true),
                                          r.str(*ro, "value", root + ".references[" + std::to_string(i) + "]"), {}});
    r.dates(*o, root, out.dates);
    r.parties(*o, root, out.parties);
    r.charges(*o, root, out.charges);
    if (auto const* a = r.arr(*o, "payment_terms", root))
        for (std::size_t i = 0; i < a->size() && r.ok; ++i) {
            std::string tp = root + ".payment_terms[" + std::to_string(i) + "]";
            auto const* to = r.obj((*a)[i], tp);
            if (!to) break;
            terms t;
            t.type = r.str(*to, "type", tp);
            t.basis_date_code = r.str(*to, "basis_date_code", tp);
            t.discount_percent = r.dec(*to, "discount_percent", tp);
            auto days = [&](char const* k) -> std::optional<std::uint32_t> {
                auto const* d = to->if_contains(k);
                if (!d || d->is_null()) return std::nullopt;
                if (d->is_uint64()) return static_cast<std::uint32_t>(d->as_uint64());
                if (!d->is_int64() || d->as_int64() < 0) {
                    r.fail(tp + "." + k, "expected a whole number of days");
                    return std::nullopt;
                }
                return static_cast<std::uint32_t>(d->as_int64());
            };
            t.discount_days = days("discount_days");
            t.net_days = days("net_days");
            out.payment_terms.push_back(std::move(t));
        }
    auto const* lines = r.arr(*o, "lines", root);
    if (!lines || lines->empty()) r.fail(root + ".lines", "an order needs at least one line");
    for (std::size_t i = 0; lines && i < lines->size() && r.ok; ++i) {
        std::string lp = root + ".lines[" + std::to_string(i) + "]";
        auto const* lo = r.obj((*lines)[i], lp);
        if (!lo) break;
        order_line l;
        l.line_id = r.str(*lo, "line_id", lp);
        if (l.line_id.empty()) l.line_id = std::to_string(i + 1);
        l.quantity = r.dec(*lo, "quantity", lp);
        if (!l.quantity && r.ok) r.fail(lp + ".quantity", "is required");
        l.uom = r.str(*lo, "uom", lp, true);
        l.unit_price = r.dec(*lo, "unit_price", lp);
        l.price_basis = r.str(*lo, "price_basis", lp);
        if (auto const* ids = r.arr(*lo, "product_ids", lp))
            for (std::size_t k = 0; k < ids->size() && r.ok; ++k) {
                std::string ip = lp + ".product_ids[" + std::to_string(k) + "]";
                if (auto const* io = r.obj((*ids)[k], ip)) l.product_ids.push_back({r.str(*io, "qualifier", ip, true), r.str(*io, "id", ip, true)});
            }
        l.description = r.str(*lo, "description", lp);
        r.charges(*lo, lp, l.charges);
        r.dates(*lo, lp, l.dates);
        r.parties(*lo, lp, l.parties);
        out.lines.push_back(std::move(l));
    }
    return r.ok;
}

} // namespace edigw::mappings
