#include "mappings/map_850.hpp"

#include "x12/detail/text.hpp"

#include <charconv>

namespace edigw::mappings {

using x12::diagnostic;
using x12::error;
using x12::segment;

std::string iso_date(std::string_view s)
{
    if (!x12::detail::valid_date(s)) return {};
    // Written in place (every order has a few dates): CCYY-MM-DD.
    std::string out(10, '-');
    std::size_t at = 0;
    if (s.size() == 6) {
        int yy = (s[0] - '0') * 10 + (s[1] - '0');
        out.replace(0, 2, yy < 50 ? "20" : "19");
        at = 2;
    }
    s.copy(&out[at], 4 - at, 0);
    s.copy(&out[5], 2, 4 - at);
    s.copy(&out[8], 2, 6 - at);
    return out;
}

std::string iso_time(std::string_view s)
{
    if (!x12::detail::valid_time(s)) return {};
    std::string out = std::string(s.substr(0, 2)) + ':' + std::string(s.substr(2, 2));
    if (s.size() >= 6) out += ':' + std::string(s.substr(4, 2));
    if (s.size() > 6) out += '.' + std::string(s.substr(6));
    return out;
}

namespace {

class mapper {
public:
    mapper(x12::transaction_set const& ts, order& o, std::vector<diagnostic>& diags) : ts_(ts), o_(o), diags_(diags) {}

    void run()
    {
        fill_envelope();
        // The lines' room up front: an order_line is a large object, and
        // growing the vector moved every line made so far, again and again.
        std::size_t po1s = 0;
        for (auto const& s : ts_.segments) po1s += s.tag() == "PO1";
        o_.lines.reserve(po1s);
        bool saw_beg = false;
        for (auto const& s : ts_.segments) {
            std::string_view tag = s.tag();
            if (tag == "ST" || tag == "SE") continue;
            if (tag == "BEG") { saw_beg = true; o_.beg_position = s.set_position(); beg(s); continue; }
            if (tag == "PO1") { po1(s); continue; }
            if (tag == "CTT") { ctt(s); zone_ = zone::summary; continue; }
            if (tag == "N1") { n1(s); continue; }
            if (tag == "N9") { n9(s); continue; }
            if (party_ && (tag == "N2" || tag == "N3" || tag == "N4" || tag == "REF" || tag == "PER")) {
                party_member(s);
                continue;
            }
            party_ = nullptr;
            if ((tag == "MSG" || tag == "MTX") && note_) {
                std::string_view text = tag == "MSG" ? s[1] : s[2];
                note_->messages.emplace_back(text);
                continue;
            }
            if (tag == "DTM" && note_) continue; // a note's own date, not the order's
            note_ = nullptr;
            dispatch(s, tag);
        }
        if (!saw_beg) {
            auto const& st = ts_.segments.front();
            report(error::segment_mandatory_missing, st, 0, {}, "850 has no BEG segment: no PO number");
        }
    }

private:
    enum class zone { header, detail, summary };

    order_line* line() { return zone_ == zone::detail && !o_.lines.empty() ? &o_.lines.back() : nullptr; }

    void dispatch(segment const& s, std::string_view tag)
    {
        order_line* ln = line();
        if (tag == "CUR") { o_.currency.assign(s[2]); o_.cur_position = s.set_position(); return; }
        if (tag == "REF") { (ln ? ln->references : o_.references).push_back(ref(s)); return; }
        if (tag == "PER") { o_.contacts.push_back(per(s)); return; }
        if (tag == "DTM") { (ln ? ln->dates : o_.dates).push_back(dtm(s)); return; }
        if (tag == "SAC") { (ln ? ln->charges : o_.charges).push_back(sac(s)); return; }
        if (tag == "ITD") { itd(s); return; }
        if (tag == "TD5") {
            o_.carriers.push_back({std::string(s[1]), std::string(s[2]), std::string(s[3]), std::string(s[4]), std::string(s[5])});
            return;
        }
        if (tag == "FOB") { o_.fob.push_back({std::string(s[1]), std::string(s[2]), std::string(s[3])}); return; }
        if (tag == "AMT") {
            if (ln) return; // a line's own total; the canonical line carries price x quantity already
            o_.amounts.push_back({std::string(s[1]), number_r(s, 2)});
            return;
        }
        if (ln) {
            if (tag == "PID") {
                std::string_view text = s[5];
                if (!text.empty()) {
                    if (!ln->description.empty()) ln->description += ' ';
                    ln->description += text;
                }
                return;
            }
            if (tag == "PO4") {
                ln->packs.push_back({number_r(s, 1), number_r(s, 2), std::string(s[3]), std::string(s[4])});
                return;
            }
            if (tag == "SCH") {
                ln->schedules.push_back({number_r(s, 1), std::string(s[2]), std::string(s[5]), date(s, 6)});
                return;
            }
            if (tag == "MSG") { ln->notes.emplace_back(s[1]); return; }
            if (tag == "MTX") { ln->notes.emplace_back(s[2]); return; }
        }
        // Other segments (TD1, PKG, CSH, ...) are valid 850 content the canonical form does not carry.
    }

    void fill_envelope()
    {
        auto& e = o_.envelope;
        if (auto const* ic = ts_.interchange) {
            e.sender_qualifier = ic->sender_qualifier;
            e.sender_id = ic->sender_id;
            e.receiver_qualifier = ic->receiver_qualifier;
            e.receiver_id = ic->receiver_id;
            e.interchange_control_number = ic->control_number;
            e.test = ic->usage == "T";
        }
        if (auto const* g = ts_.group) {
            e.group_control_number = g->control_number;
            e.application_sender = g->application_sender;
            e.application_receiver = g->application_receiver;
            e.version = g->version;
        }
        e.set_control_number.assign(ts_.control_number);
        e.implementation_reference.assign(ts_.implementation_reference);
    }

    void beg(segment const& s)
    {
        o_.purpose.assign(s[1]);
        o_.order_type.assign(s[2]);
        o_.po_number.assign(s[3]);
        o_.release_number.assign(s[4]);
        o_.order_date = date(s, 5);
        o_.contract_number.assign(s[6]);
        if (s[3].empty()) report(error::element_mandatory_missing, s, 3, {}, "BEG03 purchase order number is missing");
    }

    void po1(segment const& s)
    {
        zone_ = zone::detail;
        order_line& ln = o_.lines.emplace_back();
        ln.line_id.assign(s[1]);
        ln.quantity = number_r(s, 2);
        ln.uom.assign(s[3]);
        ln.unit_price = number_r(s, 4);
        ln.price_basis.assign(s[5]);
        if (s.size() > 6) ln.product_ids.reserve((s.size() - 4) / 2);
        for (std::size_t i = 6; i + 1 <= s.size(); i += 2)
            if (!s[i].empty() || !s[i + 1].empty()) ln.product_ids.push_back({std::string(s[i]), std::string(s[i + 1])});
        ln.segment_position = s.set_position();
        ++o_.summary.computed_line_count;
        if (ln.quantity) o_.summary.computed_hash_total = o_.summary.computed_hash_total + *ln.quantity;
    }

    void ctt(segment const& s)
    {
        if (auto n = x12::detail::parse_count(s[1])) o_.summary.line_count = *n;
        else if (!s[1].empty()) report(error::element_invalid_numeric, s, 1, s[1], "CTT01 number of line items is not a whole number");
        o_.summary.hash_total = number_r(s, 2);
    }

    void n1(segment const& s)
    {
        note_ = nullptr;
        party p;
        p.role.assign(s[1]);
        p.name.assign(s[2]);
        p.id_qualifier.assign(s[3]);
        p.id.assign(s[4]);
        p.segment_position = s.set_position();
        auto& list = line() ? line()->parties : o_.parties;
        list.push_back(std::move(p));
        party_ = &list.back();
    }

    void party_member(segment const& s)
    {
        std::string_view tag = s.tag();
        if (tag == "N2") {
            for (std::size_t i = 1; i <= 2; ++i)
                if (!s[i].empty()) party_->additional_names.emplace_back(s[i]);
        } else if (tag == "N3") {
            for (std::size_t i = 1; i <= 2; ++i)
                if (!s[i].empty()) party_->addr.lines.emplace_back(s[i]);
        } else if (tag == "N4") {
            party_->addr.city.assign(s[1]);
            party_->addr.state.assign(s[2]);
            party_->addr.postal_code.assign(s[3]);
            party_->addr.country.assign(s[4]);
        } else if (tag == "REF") {
            party_->references.push_back(ref(s));
        } else if (tag == "PER") {
            party_->contacts.push_back(per(s));
        }
    }

    void n9(segment const& s)
    {
        party_ = nullptr;
        o_.notes.push_back({std::string(s[1]), std::string(s[2]), {}});
        if (!s[3].empty()) o_.notes.back().messages.emplace_back(s[3]);
        note_ = &o_.notes.back();
    }

    void itd(segment const& s)
    {
        terms t;
        t.type.assign(s[1]);
        t.basis_date_code.assign(s[2]);
        t.discount_percent = number_r(s, 3);
        t.discount_due_date = date(s, 4);
        t.discount_days = whole(s, 5);
        t.net_due_date = date(s, 6);
        t.net_days = whole(s, 7);
        t.discount_amount = number_n(s, 8, 2);
        t.description.assign(s[12]);
        o_.payment_terms.push_back(std::move(t));
    }

    reference ref(segment const& s) { return {std::string(s[1]), std::string(s[2]), std::string(s[3])}; }

    contact per(segment const& s)
    {
        contact c{std::string(s[1]), std::string(s[2]), {}};
        for (std::size_t i = 3; i + 1 <= 8; i += 2)
            if (!s[i].empty()) c.communications.push_back({std::string(s[i]), std::string(s[i + 1])});
        return c;
    }

    dated dtm(segment const& s)
    {
        dated d{std::string(s[1]), date(s, 2), {}, s.set_position()};
        if (!s[3].empty()) {
            d.time = iso_time(s[3]);
            if (d.time.empty()) report(error::element_invalid_time, s, 3, s[3], "DTM03 is not a valid HHMM[SS] time");
        }
        return d;
    }

    charge sac(segment const& s)
    {
        return {std::string(s[1]), std::string(s[2]), number_n(s, 5, 2), number_r(s, 7), std::string(s[15])};
    }

    std::string date(segment const& s, std::size_t n)
    {
        std::string_view v = s[n];
        if (v.empty()) return {};
        std::string iso = iso_date(v);
        if (iso.empty())
            report(error::element_invalid_date, s, n, v, std::string(s.tag()) + two(n) + " '" + std::string(v) + "' is not a valid date");
        return iso;
    }

    std::optional<decimal> number_r(segment const& s, std::size_t n)
    {
        std::string_view v = s[n];
        if (v.empty()) return std::nullopt;
        auto d = decimal::parse_r(v);
        if (!d) report(error::element_invalid_numeric, s, n, v, std::string(s.tag()) + two(n) + " '" + std::string(v) + "' is not a decimal number");
        return d;
    }

    std::optional<decimal> number_n(segment const& s, std::size_t n, unsigned implied)
    {
        std::string_view v = s[n];
        if (v.empty()) return std::nullopt;
        auto d = decimal::parse_n(v, implied);
        if (!d)
            report(error::element_invalid_numeric, s, n, v,
                   std::string(s.tag()) + two(n) + " '" + std::string(v) + "' is not an N" + std::to_string(implied) + " number (digits only)");
        return d;
    }

    std::optional<std::uint32_t> whole(segment const& s, std::size_t n)
    {
        std::string_view v = s[n];
        if (v.empty()) return std::nullopt;
        std::uint32_t out = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
        if (ec != std::errc{} || p != v.data() + v.size()) {
            report(error::element_invalid_numeric, s, n, v, std::string(s.tag()) + two(n) + " '" + std::string(v) + "' is not a whole number");
            return std::nullopt;
        }
        return out;
    }

    static std::string two(std::size_t n) { return (n < 10 ? "0" : "") + std::to_string(n); }

    void report(error code, segment const& s, std::size_t element, std::string_view value, std::string message)
    {
        diagnostic d;
        d.code = code;
        d.severity = x12::severity::error;
        d.message = std::move(message);
        d.where.offset = s.element_offset(element);
        d.where.segment_index = s.index();
        d.where.set_position = s.set_position();
        d.where.tag.assign(s.tag());
        d.where.element = static_cast<std::uint16_t>(element);
        d.value.assign(value);
        d.excerpt.assign(s.text().substr(0, 160));
        d.caret = static_cast<std::uint32_t>(std::min<std::uint64_t>(d.where.offset - s.offset(), d.excerpt.size()));
        diags_.push_back(std::move(d));
    }

    x12::transaction_set const& ts_;
    order& o_;
    std::vector<diagnostic>& diags_;
    zone zone_ = zone::header;
    party* party_ = nullptr;
    note* note_ = nullptr;
};

} // namespace

bool map_850(x12::transaction_set const& ts, order& out, std::vector<x12::diagnostic>& diags)
{
    std::size_t const before = diags.size();
    out = order{};
    // Lines are large: placed once, not moved on every growth.
    std::size_t po1 = 0;
    for (auto const& s : ts.segments) po1 += s.tag() == "PO1" ? 1 : 0;
    out.lines.reserve(po1);
    mapper(ts, out, diags).run();
    return diags.size() == before;
}

} // namespace edigw::mappings
