#include "partners/rules.hpp"

#include <algorithm>
#include <map>

namespace edigw::partners {

using x12::decimal;

std::string_view ack_status_text(std::string_view s) noexcept
{
    if (s == "IA") return "accepted";
    if (s == "IR") return "rejected";
    if (s == "IP") return "accepted, price changed";
    if (s == "IQ") return "accepted, quantity changed";
    if (s == "IB") return "backordered";
    return "";
}

std::string_view severity_name(rule_severity s) noexcept
{
    switch (s) {
    case rule_severity::info: return "info";
    case rule_severity::change: return "change";
    case rule_severity::reject: return "reject";
    }
    return "";
}

namespace {

decimal zero() { return decimal(0, 0); }

// Both at the larger scale, so coefficients compare and divide exactly.
std::pair<std::int64_t, std::int64_t> aligned(decimal a, decimal b)
{
    unsigned s = std::max(a.scale(), b.scale());
    return {a.rescaled(s).coefficient(), b.rescaled(s).coefficient()};
}

// The largest multiple of `pack` not above `q` (both positive).
decimal round_down_to(decimal q, decimal pack)
{
    auto [cq, cp] = aligned(q, pack);
    std::int64_t n = cq / cp;
    unsigned s = std::max(q.scale(), pack.scale());
    return decimal(n * cp, static_cast<std::uint8_t>(s));
}

bool is_multiple(decimal q, decimal pack)
{
    auto [cq, cp] = aligned(q, pack);
    return cp != 0 && cq % cp == 0;
}

class checker {
public:
    checker(mappings::order const& o, profile const& p, rule_context const& ctx) : o_(o), p_(p), ctx_(ctx) {}

    order_decision run()
    {
        d_.po_number = o_.po_number;
        d_.purpose = o_.purpose;
        purpose();
        if (d_.action == order_action::process) {
            currency();
            ship_to();
            dates();
            lines();
        }
        decide();
        return std::move(d_);
    }

private:
    void add(std::string code, rule_severity sev, std::string msg, std::string tag, std::uint32_t pos, std::uint16_t el,
             std::string value = {}, std::string line = {})
    {
        d_.outcomes.push_back({std::move(code), sev, std::move(msg), std::move(tag), pos, el, std::move(value), std::move(line)});
    }

    bool known() const { return ctx_.known_po && ctx_.known_po(o_.po_number); }

    void purpose()
    {
        auto const& bp = o_.beg_position;
        std::string const& pu = o_.purpose;
        if (pu == "00") {
            if (p_.rules.reject_duplicate_po && known()) {
                add("duplicate-po", rule_severity::reject,
                    "PO " + o_.po_number + " was already received from " + p_.id + " (BEG01 00, original)", "BEG", bp, 3,
                    o_.po_number);
                d_.action = order_action::reject;
            }
        } else if (pu == "01") {
            if (known()) {
                add("cancel", rule_severity::info, "PO " + o_.po_number + " is cancelled by the buyer", "BEG", bp, 1, pu);
                d_.action = order_action::cancel;
            } else {
                add("cancel-unknown-po", rule_severity::reject,
                    "cancellation of PO " + o_.po_number + ", which was never received", "BEG", bp, 3, o_.po_number);
                d_.action = order_action::reject;
            }
        } else if (pu == "05") {
            if (!known())
                add("replace-unknown-po", rule_severity::info,
                    "replacement of PO " + o_.po_number + ", which was never received: processed as an original", "BEG", bp, 1, pu);
        } else if (pu == "06") {
            if (known()) {
                add("confirmation-known", rule_severity::info,
                    "confirmation of PO " + o_.po_number + ", already received: not processed again", "BEG", bp, 1, pu);
                d_.action = order_action::ignore;
            }
        } else if (pu == "07") {
            add("duplicate-copy", rule_severity::info,
                "BEG01 07: a duplicate copy of PO " + o_.po_number + ", recognised and not processed", "BEG", bp, 1, pu);
            d_.action = order_action::ignore;
        } else {
            add("purpose-unsupported", rule_severity::reject,
                "BEG01 '" + pu + "' is not a purpose this gateway processes (00, 01, 05, 06, 07)", "BEG", bp, 1, pu);
            d_.action = order_action::reject;
        }
    }

    void currency()
    {
        auto const& list = p_.rules.currencies;
        if (list.empty() || o_.currency.empty()) return;
        if (std::find(list.begin(), list.end(), o_.currency) == list.end())
            add("currency", rule_severity::reject, "currency " + o_.currency + " is not agreed with " + p_.id, "CUR",
                o_.cur_position, 2, o_.currency);
    }

    static bool complete(mappings::address const& a)
    {
        return !a.lines.empty() && !a.city.empty() && !a.state.empty() && !a.postal_code.empty();
    }

    void ship_to()
    {
        if (!p_.rules.require_ship_to) return;
        auto check = [&](mappings::party const& st, std::string const& line) {
            auto const& locs = p_.rules.ship_to_locations;
            bool const id_ok = !st.id.empty() && (locs.empty() || std::find(locs.begin(), locs.end(), st.id) != locs.end());
            if (id_ok || complete(st.addr)) return;
            std::string why = st.id.empty() ? "has no location ID (N103/N104)" : "location " + st.id + " is not known";
            add("ship-to-unknown", rule_severity::reject,
                "ship-to '" + st.name + "' " + why + " and no complete address (N3, N4 city, state, postal code)", "N1",
                st.segment_position, st.id.empty() ? 3 : 4, st.id, line);
        };
        bool any = false;
        for (auto const& pt : o_.parties)
            if (pt.role == "ST") {
                any = true;
                check(pt, {});
            }
        if (any) return;
        // Ship-to per line instead of for the order.
        bool every_line = !o_.lines.empty();
        for (auto const& ln : o_.lines) {
            bool has = false;
            for (auto const& pt : ln.parties)
                if (pt.role == "ST") {
                    has = true;
                    check(pt, ln.line_id);
                }
            every_line = every_line && has;
        }
        if (!every_line)
            add("ship-to-missing", rule_severity::reject, "the order has no ship-to party (N1*ST)", "BEG", o_.beg_position, 0);
    }

    void dates()
    {
        // The reference point: when the order arrived (or its own date, if later).
        std::string const today = ctx_.received_date;
        auto find = [&](std::string_view q) -> mappings::dated const* {
            for (auto const& d : o_.dates)
                if (d.qualifier == q && !d.date.empty()) return &d;
            return nullptr;
        };
        if (p_.rules.reject_past_dates && !today.empty()) {
            for (auto const& d : o_.dates) {
                static constexpr std::string_view requested[] = {"002", "010", "037", "038", "063", "064", "068", "074", "077"};
                if (std::find(std::begin(requested), std::end(requested), d.qualifier) == std::end(requested)) continue;
                if (!d.date.empty() && d.date < today)
                    add("date-in-past", rule_severity::reject,
                        "requested date " + d.date + " (DTM01 " + d.qualifier + ") is before the order was received on " + today,
                        "DTM", d.segment_position, 2, d.date);
            }
        }
        auto window = [&](std::string_view first_q, std::string_view last_q, char const* what) {
            auto const* a = find(first_q);
            auto const* b = find(last_q);
            if (a && b && a->date > b->date)
                add("date-window", rule_severity::reject,
                    std::string(what) + ": " + a->date + " (" + std::string(first_q) + ") is after " + b->date + " ("
                        + std::string(last_q) + ")",
                    "DTM", a->segment_position, 2, a->date);
        };
        window("037", "038", "ship not before is after ship no later");
        window("064", "063", "do not deliver before is after do not deliver after");
    }

    std::string ship_date() const
    {
        for (std::string_view q : {"038", "010", "037", "002"})
            for (auto const& d : o_.dates)
                if (d.qualifier == q && !d.date.empty()) return d.date;
        return ctx_.received_date;
    }

    void lines()
    {
        std::map<std::pair<std::string, std::string>, decimal> used; // stock promised to earlier lines
        std::string const ship = ship_date();
        for (auto const& ln : o_.lines) {
            line_decision ld;
            ld.line_id = ln.line_id;
            ld.set_position = ln.segment_position;
            auto const pos = ln.segment_position;
            auto reject = [&](std::string code, std::string msg, std::uint16_t el, std::string value) {
                add(std::move(code), rule_severity::reject, std::move(msg), "PO1", pos, el, std::move(value), ln.line_id);
                ld.acks = {{"IR", ln.quantity.value_or(zero()), ln.uom, {}, {}}};
                d_.lines.push_back(std::move(ld));
            };
            if (!ln.quantity || *ln.quantity <= zero()) {
                reject("quantity-not-positive", "line " + ln.line_id + ": the quantity must be greater than zero", 2,
                       ln.quantity ? ln.quantity->to_r() : std::string());
                continue;
            }
            decimal qty = *ln.quantity;
            catalog_item const* item = nullptr;
            if (p_.rules.check_catalog && !p_.products.empty()) {
                std::vector<catalog_item const*> hits;
                std::uint16_t id_el = 7;
                for (std::size_t k = 0; k < ln.product_ids.size() && hits.empty(); ++k) {
                    hits = p_.products.find(ln.product_ids[k].qualifier, ln.product_ids[k].id);
                    id_el = static_cast<std::uint16_t>(7 + 2 * k);
                }
                if (hits.empty()) {
                    std::string ids;
                    for (auto const& pid : ln.product_ids) ids += (ids.empty() ? "" : ", ") + pid.qualifier + " " + pid.id;
                    reject("sku-unknown",
                           "line " + ln.line_id + ": no product ID (" + (ids.empty() ? "none given" : ids) + ") is in "
                               + p_.id + "'s catalog",
                           7, ln.product_ids.empty() ? std::string() : ln.product_ids.front().id);
                    continue;
                }
                for (auto const* h : hits)
                    if (h->uom == ln.uom) item = h;
                if (!item) {
                    std::string units;
                    for (auto const* h : hits) units += (units.empty() ? "" : ", ") + h->uom;
                    reject("uom-not-allowed",
                           "line " + ln.line_id + ": item " + hits.front()->sku + " is sold in " + units + ", not " + ln.uom, 3,
                           ln.uom);
                    continue;
                }
                (void)id_el;
                ld.sku = item->sku;
            }
            // Price: within the tolerance, or we answer with ours (IP).
            std::optional<decimal> new_price;
            if (item) {
                if (!ln.unit_price) {
                    add("price-missing", rule_severity::info,
                        "line " + ln.line_id + ": no unit price given; the catalog price " + item->unit_price.to_r() + " applies",
                        "PO1", pos, 4, {}, ln.line_id);
                } else {
                    decimal diff = *ln.unit_price - item->unit_price;
                    decimal const hundred(100, 0);
                    if ((diff.abs() * hundred) > (item->unit_price * p_.rules.price_tolerance_percent)) {
                        add("price-changed", rule_severity::change,
                            "line " + ln.line_id + ": price " + ln.unit_price->to_r() + " differs from the catalog price "
                                + item->unit_price.to_r() + " by more than " + p_.rules.price_tolerance_percent.to_r() + "%",
                            "PO1", pos, 4, ln.unit_price->to_r(), ln.line_id);
                        new_price = item->unit_price;
                    }
                }
            }
            // Pack size: whole packs only, never more than ordered.
            decimal accepted = qty;
            bool qty_changed = false;
            if (item && p_.rules.check_pack_size && !is_multiple(qty, item->pack_size)) {
                accepted = round_down_to(qty, item->pack_size);
                if (accepted <= zero()) {
                    reject("pack-size",
                           "line " + ln.line_id + ": quantity " + qty.to_r() + " is less than one pack of "
                               + item->pack_size.to_r(),
                           2, qty.to_r());
                    continue;
                }
                add("pack-size", rule_severity::change,
                    "line " + ln.line_id + ": quantity " + qty.to_r() + " is not a multiple of the pack size "
                        + item->pack_size.to_r() + "; " + accepted.to_r() + " accepted",
                    "PO1", pos, 2, qty.to_r(), ln.line_id);
                qty_changed = true;
            }
            // Stock: available to promise, less what earlier lines took.
            decimal backorder = zero();
            std::string back_date;
            if (item && p_.rules.check_stock && !p_.stock.empty()) {
                auto const* st = p_.stock.find(item->sku, item->uom);
                decimal avail = st ? st->available : zero();
                auto key = std::make_pair(item->sku, item->uom);
                avail = avail - used[key];
                if (avail < zero()) avail = zero();
                if (avail < accepted) {
                    backorder = accepted - avail;
                    accepted = avail;
                    back_date = st ? st->next_available_date : std::string();
                    if (accepted <= zero() && back_date.empty()) {
                        reject("stock-none",
                               "line " + ln.line_id + ": item " + item->sku + " is out of stock with no date for more", 2,
                               qty.to_r());
                        continue;
                    }
                    add(accepted <= zero() ? "stock-none" : "stock-short", rule_severity::change,
                        "line " + ln.line_id + ": " + accepted.to_r() + " of " + (accepted + backorder).to_r() + " " + ln.uom
                            + " available; " + backorder.to_r() + " backordered"
                            + (back_date.empty() ? std::string() : " until " + back_date),
                        "PO1", pos, 2, qty.to_r(), ln.line_id);
                }
                used[key] = used[key] + accepted;
            }
            // The ACK segments.
            if (accepted > zero()) {
                std::string status = new_price ? "IP" : (qty_changed || backorder > zero()) ? "IQ" : "IA";
                ld.acks.push_back({status, accepted, ln.uom, ship, new_price});
            }
            if (backorder > zero()) ld.acks.push_back({"IB", backorder, ln.uom, back_date, {}});
            d_.lines.push_back(std::move(ld));
        }
    }

    void decide()
    {
        bool const order_reject = std::any_of(d_.outcomes.begin(), d_.outcomes.end(), [](rule_outcome const& r) {
            return r.severity == rule_severity::reject && r.line_id.empty();
        });
        if (d_.action == order_action::ignore) {
            d_.bak02.clear();
            return;
        }
        if (d_.action == order_action::cancel) {
            d_.bak02 = "AT";
            return;
        }
        if (order_reject || d_.action == order_action::reject) {
            d_.action = order_action::reject;
            d_.bak02 = d_.lines.empty() ? "RJ" : "RD";
            // Nothing of a rejected order is accepted.
            for (auto& ld : d_.lines) {
                decimal q = zero();
                std::string uom;
                for (auto const& a : ld.acks) {
                    q = q + a.quantity;
                    uom = a.uom;
                }
                ld.acks = {{"IR", q, uom, {}, {}}};
            }
            return;
        }
        bool const all_rejected = !d_.lines.empty() && std::all_of(d_.lines.begin(), d_.lines.end(),
                                                                  [](line_decision const& l) { return l.rejected(); });
        bool const all_clean = std::all_of(d_.lines.begin(), d_.lines.end(), [](line_decision const& l) {
            return l.acks.size() == 1 && l.acks.front().status == "IA";
        });
        if (d_.lines.empty() || all_rejected) {
            d_.action = order_action::reject;
            d_.bak02 = "RD";
        } else {
            d_.bak02 = all_clean ? "AD" : "AC";
        }
    }

    mappings::order const& o_;
    profile const& p_;
    rule_context const& ctx_;
    order_decision d_;
};

} // namespace

order_decision apply_rules(mappings::order const& order, profile const& p, rule_context const& ctx)
{
    return checker(order, p, ctx).run();
}

} // namespace edigw::partners
