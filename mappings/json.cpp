#include "mappings/json.hpp"

#include <boost/json.hpp>

namespace edigw::mappings {
namespace json = boost::json;
namespace {

json::value dec(std::optional<decimal> const& d)
{
    if (!d) return nullptr;
    return json::string(d->to_string());
}

json::value opt_str(std::string const& s)
{
    if (s.empty()) return nullptr;
    return json::string(s);
}

json::array refs(std::vector<reference> const& v)
{
    json::array a;
    for (auto const& r : v) {
        json::object o{{"qualifier", r.qualifier}, {"value", r.value}};
        if (!r.description.empty()) o["description"] = r.description;
        a.push_back(std::move(o));
    }
    return a;
}

json::array contacts(std::vector<contact> const& v)
{
    json::array a;
    for (auto const& c : v) {
        json::array comms;
        for (auto const& m : c.communications) comms.push_back(json::object{{"qualifier", m.qualifier}, {"value", m.value}});
        a.push_back(json::object{{"function", c.function}, {"name", opt_str(c.name)}, {"communications", std::move(comms)}});
    }
    return a;
}

json::array dates(std::vector<dated> const& v)
{
    json::array a;
    for (auto const& d : v) a.push_back(json::object{{"qualifier", d.qualifier}, {"date", opt_str(d.date)}, {"time", opt_str(d.time)}});
    return a;
}

json::array charges(std::vector<charge> const& v)
{
    json::array a;
    for (auto const& c : v)
        a.push_back(json::object{{"indicator", c.indicator}, {"code", opt_str(c.code)}, {"amount", dec(c.amount)},
                                 {"percent", dec(c.percent)}, {"description", opt_str(c.description)}});
    return a;
}

json::array parties(std::vector<party> const& v)
{
    json::array a;
    for (auto const& p : v) {
        json::array lines;
        for (auto const& l : p.addr.lines) lines.push_back(json::string(l));
        json::array names;
        for (auto const& n : p.additional_names) names.push_back(json::string(n));
        a.push_back(json::object{
            {"role", p.role},
            {"name", opt_str(p.name)},
            {"additional_names", std::move(names)},
            {"id_qualifier", opt_str(p.id_qualifier)},
            {"id", opt_str(p.id)},
            {"address", json::object{{"lines", std::move(lines)},
                                     {"city", opt_str(p.addr.city)},
                                     {"state", opt_str(p.addr.state)},
                                     {"postal_code", opt_str(p.addr.postal_code)},
                                     {"country", opt_str(p.addr.country)}}},
            {"references", refs(p.references)},
            {"contacts", contacts(p.contacts)},
        });
    }
    return a;
}

json::array strings(std::vector<std::string> const& v)
{
    json::array a;
    for (auto const& s : v) a.push_back(json::string(s));
    return a;
}

} // namespace

json::value to_json(order const& o)
{
    json::array lines;
    for (auto const& l : o.lines) {
        json::array ids;
        for (auto const& p : l.product_ids) ids.push_back(json::object{{"qualifier", p.qualifier}, {"id", p.id}});
        json::array packs;
        for (auto const& p : l.packs)
            packs.push_back(json::object{{"pack", dec(p.pack_count)}, {"size", dec(p.size)}, {"uom", opt_str(p.uom)},
                                         {"packaging", opt_str(p.packaging)}});
        json::array sch;
        for (auto const& s : l.schedules)
            sch.push_back(json::object{{"quantity", dec(s.quantity)}, {"uom", opt_str(s.uom)},
                                       {"date_qualifier", opt_str(s.date_qualifier)}, {"date", opt_str(s.date)}});
        lines.push_back(json::object{
            {"line_id", l.line_id},
            {"quantity", dec(l.quantity)},
            {"uom", opt_str(l.uom)},
            {"unit_price", dec(l.unit_price)},
            {"price_basis", opt_str(l.price_basis)},
            {"product_ids", std::move(ids)},
            {"description", opt_str(l.description)},
            {"packs", std::move(packs)},
            {"charges", charges(l.charges)},
            {"dates", dates(l.dates)},
            {"references", refs(l.references)},
            {"schedules", std::move(sch)},
            {"parties", parties(l.parties)},
            {"notes", strings(l.notes)},
        });
    }
    json::array terms;
    for (auto const& t : o.payment_terms) {
        terms.push_back(json::object{
            {"type", opt_str(t.type)},
            {"basis_date_code", opt_str(t.basis_date_code)},
            {"discount_percent", dec(t.discount_percent)},
            {"discount_due_date", opt_str(t.discount_due_date)},
            {"discount_days", t.discount_days ? json::value(*t.discount_days) : json::value(nullptr)},
            {"net_due_date", opt_str(t.net_due_date)},
            {"net_days", t.net_days ? json::value(*t.net_days) : json::value(nullptr)},
            {"discount_amount", dec(t.discount_amount)},
            {"description", opt_str(t.description)},
        });
    }
    json::array carriers;
    for (auto const& c : o.carriers)
        carriers.push_back(json::object{{"routing_sequence", opt_str(c.routing_sequence)}, {"id_qualifier", opt_str(c.id_qualifier)},
                                        {"id", opt_str(c.id)}, {"mode", opt_str(c.mode)}, {"routing", opt_str(c.routing)}});
    json::array notes;
    for (auto const& n : o.notes)
        notes.push_back(json::object{{"qualifier", n.qualifier}, {"reference", opt_str(n.reference)}, {"messages", strings(n.messages)}});
    json::array fob;
    for (auto const& f : o.fob)
        fob.push_back(json::object{{"payment_method", f.payment_method}, {"location_qualifier", opt_str(f.location_qualifier)},
                                   {"location", opt_str(f.location)}});
    json::array amounts;
    for (auto const& a : o.amounts) amounts.push_back(json::object{{"qualifier", a.qualifier}, {"amount", dec(a.value)}});

    auto const& e = o.envelope;
    return json::object{
        {"po_number", o.po_number},
        {"purpose", o.purpose},
        {"order_type", o.order_type},
        {"release_number", opt_str(o.release_number)},
        {"order_date", opt_str(o.order_date)},
        {"contract_number", opt_str(o.contract_number)},
        {"currency", opt_str(o.currency)},
        {"references", refs(o.references)},
        {"contacts", contacts(o.contacts)},
        {"dates", dates(o.dates)},
        {"parties", parties(o.parties)},
        {"lines", std::move(lines)},
        {"charges", charges(o.charges)},
        {"payment_terms", std::move(terms)},
        {"carriers", std::move(carriers)},
        {"fob", std::move(fob)},
        {"notes", std::move(notes)},
        {"amounts", std::move(amounts)},
        {"summary", json::object{
            {"line_count", o.summary.line_count ? json::value(*o.summary.line_count) : json::value(nullptr)},
            {"hash_total", dec(o.summary.hash_total)},
            {"computed_line_count", o.summary.computed_line_count},
            {"computed_hash_total", o.summary.computed_hash_total.to_string()},
        }},
        {"envelope", json::object{
            {"sender_qualifier", e.sender_qualifier},
            {"sender_id", e.sender_id},
            {"receiver_qualifier", e.receiver_qualifier},
            {"receiver_id", e.receiver_id},
            {"interchange_control_number", e.interchange_control_number},
            {"group_control_number", e.group_control_number},
            {"set_control_number", e.set_control_number},
            {"application_sender", e.application_sender},
            {"application_receiver", e.application_receiver},
            {"version", e.version},
            {"implementation_reference", opt_str(e.implementation_reference)},
            {"test", e.test},
        }},
    };
}

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
                {"implementation_reference", opt_str(s.implementation_reference)},
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

} // namespace edigw::mappings
