// An order as a template reads it, answered from the order itself: the names
// and values of to_json(order) without building that JSON, which cost more
// than rendering an 855 from it.
//
// The parts templates commonly read are answered directly: the order's
// identity, dates, currency, lines and parties; a line's ID, quantity, unit,
// price, basis, product IDs and description; a party's role, name and ID. Any
// other name (an order's references, a line's schedules, ...) is answered from
// to_json(order), built on the first such lookup and kept while the view
// lives, so a view answers every name the JSON has, with the same values.
//
// Threading: a view belongs to one render at a time (the JSON it may build
// is its own); the order must outlive it.
#pragma once

#include "mappings/order.hpp"
#include "mappings/template.hpp"

#include <boost/json/value.hpp>

#include <optional>

namespace edigw::mappings {

class order_data : public data_source {
public:
    explicit order_data(order const& o) noexcept : o_(o) {}

    datum root() const noexcept { return node(&o_, order_node); }
    // One of the order's parties (an 855's ship_to): it must be in o.parties.
    datum party_of_order(party const& p) const noexcept;

    data_kind kind(datum const& d) const override;
    std::string scalar(datum const& d) const override;
    bool truthy(datum const& d) const override;
    datum member(datum const& d, std::string_view name) const override;
    std::size_t size(datum const& d) const override;
    datum item(datum const& d, std::size_t i) const override;

protected:
    // A node's tag and index live in datum::n: tag in the low byte, the item's
    // index (a line's, a party's) above it. A derived view's own tags start at
    // first_own_tag.
    enum tag : std::uint8_t { order_node, lines_node, line_node, ids_node, id_node, parties_node, party_node, first_own_tag };
    datum node(void const* p, std::uint8_t t, std::size_t index = 0) const noexcept { return {this, p, t | (index << 8)}; }
    static std::uint8_t tag_of(datum const& d) noexcept { return static_cast<std::uint8_t>(d.n & 0xFF); }
    static std::size_t index_of(datum const& d) noexcept { return d.n >> 8; }

    // A line's member this view does not know: a derived view's (the 855's
    // acks), or nothing (then to_json's answers).
    virtual datum line_extra(std::size_t, std::string_view) const { return {}; }

    mappings::order const& order_ref() const noexcept { return o_; }

private:
    datum from_json(datum const& d, std::string_view name) const;

    mappings::order const& o_;
    mutable std::optional<boost::json::value> json_; // to_json(o_), for the rare names
};

} // namespace edigw::mappings
