#include "mappings/order_data.hpp"

#include "mappings/json.hpp"

#include <boost/json.hpp>

namespace edigw::mappings {

datum order_data::party_of_order(party const& p) const noexcept
{
    return node(&p, party_node, static_cast<std::size_t>(&p - o_.parties.data()));
}

data_kind order_data::kind(datum const& d) const
{
    switch (tag_of(d)) {
    case lines_node:
    case ids_node:
    case parties_node: return data_kind::list;
    default: return data_kind::object;
    }
}

std::string order_data::scalar(datum const&) const { return {}; } // objects and lists have no text

bool order_data::truthy(datum const& d) const
{
    // Objects always have members in the JSON form; lists are true when not empty.
    return kind(d) == data_kind::object || size(d) > 0;
}

datum order_data::member(datum const& d, std::string_view name) const
{
    switch (tag_of(d)) {
    case order_node:
        if (name == "po_number") return datum::text(o_.po_number);
        if (name == "purpose") return datum::text(o_.purpose);
        if (name == "order_type") return datum::text(o_.order_type);
        if (name == "release_number") return datum::text_or_null(o_.release_number);
        if (name == "order_date") return datum::text_or_null(o_.order_date);
        if (name == "contract_number") return datum::text_or_null(o_.contract_number);
        if (name == "currency") return datum::text_or_null(o_.currency);
        if (name == "lines") return node(&o_.lines, lines_node);
        if (name == "parties") return node(&o_.parties, parties_node);
        return from_json(d, name);
    case line_node: {
        auto const& l = *static_cast<order_line const*>(d.p);
        if (name == "line_id") return datum::text(l.line_id);
        if (name == "quantity") return datum::number_or_null(l.quantity);
        if (name == "uom") return datum::text_or_null(l.uom);
        if (name == "unit_price") return datum::number_or_null(l.unit_price);
        if (name == "price_basis") return datum::text_or_null(l.price_basis);
        if (name == "product_ids") return node(&l.product_ids, ids_node);
        if (name == "description") return datum::text_or_null(l.description);
        if (auto x = line_extra(index_of(d), name)) return x;
        return from_json(d, name);
    }
    case id_node: {
        auto const& p = *static_cast<product_id const*>(d.p);
        if (name == "qualifier") return datum::text(p.qualifier);
        if (name == "id") return datum::text(p.id);
        return {};
    }
    case party_node: {
        auto const& p = *static_cast<party const*>(d.p);
        if (name == "role") return datum::text(p.role);
        if (name == "name") return datum::text_or_null(p.name);
        if (name == "id_qualifier") return datum::text_or_null(p.id_qualifier);
        if (name == "id") return datum::text_or_null(p.id);
        return from_json(d, name);
    }
    default: return {};
    }
}

std::size_t order_data::size(datum const& d) const
{
    switch (tag_of(d)) {
    case lines_node: return o_.lines.size();
    case ids_node: return static_cast<std::vector<product_id> const*>(d.p)->size();
    case parties_node: return o_.parties.size();
    default: return 0;
    }
}

datum order_data::item(datum const& d, std::size_t i) const
{
    if (i >= size(d)) return {};
    switch (tag_of(d)) {
    case lines_node: return node(&o_.lines[i], line_node, i);
    case ids_node: return node(&(*static_cast<std::vector<product_id> const*>(d.p))[i], id_node);
    case parties_node: return node(&o_.parties[i], party_node, i);
    default: return {};
    }
}

// The rare names: the order's JSON form answers them. Built once per view,
// on the first such lookup.
datum order_data::from_json(datum const& d, std::string_view name) const
{
    if (!json_) json_.emplace(to_json(o_));
    boost::json::value const* v = &*json_;
    switch (tag_of(d)) {
    case line_node: v = &v->at("lines").at(index_of(d)); break;
    case party_node: v = &v->at("parties").at(index_of(d)); break;
    default: break;
    }
    auto const* m = v->as_object().if_contains(name);
    return m ? datum::json(*m) : datum{};
}

} // namespace edigw::mappings
