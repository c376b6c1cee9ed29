#include "gateway/pipeline/inbound.hpp"

#include "mappings/map_850.hpp"

#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <set>
#include <unistd.h>

namespace edigw::pipeline {

std::string today_iso()
{
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char b[16];
    std::strftime(b, sizeof b, "%Y-%m-%d", &tm);
    return b;
}

bool analysis::anything_rejected() const
{
    for (auto const& d : file_diagnostics)
        if (d.severity != x12::severity::warning) return true;
    for (std::size_t i = 0; i < interchanges.size(); ++i) {
        auto const& r = results[i];
        if (r.acks.ta1_status == "R") return true;
        for (auto const& d : interchanges[i].diagnostics)
            if (d.severity != x12::severity::warning) return true;
        for (auto const& g : interchanges[i].groups) {
            for (auto const& d : g.diagnostics)
                if (d.severity != x12::severity::warning) return true;
            for (auto const& s : g.sets)
                for (auto const& d : s.diagnostics)
                    if (d.severity != x12::severity::warning) return true;
        }
    }
    for (auto const& o : orders) {
        if (!o.decision) return true;
        if (o.decision->action == partners::order_action::reject) return true;
        for (auto const& d : o.mapping_diagnostics)
            if (d.severity != x12::severity::warning) return true;
    }
    return false;
}

namespace {

bool uses_999(partners::profile const* p, std::string_view gs08)
{
    auto kind = p ? p->acks.kind : x12::fa_kind::by_version;
    return kind == x12::fa_kind::always_999 || (kind == x12::fa_kind::by_version && x12::is_5010_or_later(gs08));
}

class inbound_handler : public x12::handler {
public:
    inbound_handler(analysis& a, inbound_options const& o)
        : a_(a), o_(o), collector_([this](x12::group_summary const& g) { return validator_for(g); })
    {
        received_ = o.received_date.empty() || o.received_date == "as-sent" ? today_iso() : o.received_date;
    }

    void set_parser(x12::parser const& p)
    {
        parser_ = &p;
        collector_.set_locator([&p](x12::position& pos) { p.locate(pos); });
    }

    void on_interchange_begin(x12::interchange_summary const& ic) override
    {
        partner_ = o_.partner;
        if (!partner_ && o_.profiles) partner_ = partners::find_by_sender(*o_.profiles, ic.sender_qualifier, ic.sender_id);
        // Replays of old files: the business day is the day the interchange says it was sent.
        if (o_.received_date == "as-sent" && ic.date.size() == 6
            && std::all_of(ic.date.begin(), ic.date.end(), [](char c) { return c >= '0' && c <= '9'; }))
            received_ = "20" + ic.date.substr(0, 2) + "-" + ic.date.substr(2, 2) + "-" + ic.date.substr(4, 2);
        collector_.on_interchange_begin(ic);
    }
    void on_group_begin(x12::interchange_summary const& ic, x12::group_summary const& g) override
    {
        collector_.on_group_begin(ic, g);
    }
    void on_group_end(x12::interchange_summary const& ic, x12::group_summary const& g) override
    {
        collector_.on_group_end(ic, g);
    }
    void on_diagnostic(x12::diagnostic const& d) override { collector_.on_diagnostic(d); }

    void on_interchange_end(x12::interchange_summary const& ic) override
    {
        x12::inbound_acks acks;
        x12::read_ta1s(ic, acks);
        for (auto& t : acks.ta1s) a_.inbound_ta1s.push_back(std::move(t));
        collector_.on_interchange_end(ic);
        interchange_result r;
        r.partner = partner_;
        a_.results.push_back(r);
    }

    void on_transaction_set(x12::transaction_set const& ts) override
    {
        collector_.on_transaction_set(ts);
        if (ts.group && ts.group->functional_id == "FA") {
            x12::ack_group_result r;
            if (x12::read_functional_ack(ts, r)) a_.inbound_acks.push_back(std::move(r));
            return;
        }
        if (ts.id != "850" || !ts.group || ts.group->functional_id != "PO") return;
        auto const* rs = collector_.last_set();
        if (!rs) return;
        order_result r;
        r.interchange = collector_.interchange_index();
        r.group = collector_.group_index();
        r.set = collector_.set_index();
        mappings::map_850(ts, r.order, r.mapping_diagnostics);
        // The validator reports most content faults already (BEG05 not a date):
        // keep only what the mapping adds.
        std::erase_if(r.mapping_diagnostics, [&](x12::diagnostic const& d) {
            return std::any_of(rs->diagnostics.begin(), rs->diagnostics.end(), [&](x12::diagnostic const& v) {
                return v.where.segment_index == d.where.segment_index && v.where.element == d.where.element;
            });
        });
        for (auto& d : r.mapping_diagnostics)
            if (parser_) parser_->locate(d.where);
        bool const syntax_ok = uses_999(partner_, ts.group->version) ? rs->accepted_999() : rs->accepted_997();
        bool const mapped_ok = std::none_of(r.mapping_diagnostics.begin(), r.mapping_diagnostics.end(),
                                            [](x12::diagnostic const& d) { return d.severity != x12::severity::warning; });
        if (syntax_ok && mapped_ok && partner_) {
            partners::rule_context ctx;
            ctx.received_date = received_;
            std::string const pid = partner_->id;
            ctx.known_po = [&, pid](std::string_view po) {
                if (o_.known_po && o_.known_po(partner_, po)) return true;
                return seen_.count(pid + '\x1f' + std::string(po)) > 0;
            };
            r.decision = partners::apply_rules(r.order, *partner_, ctx);
            for (auto const& o : r.decision->outcomes) {
                std::string text;
                if (o.set_position >= 1 && o.set_position <= ts.segments.size())
                    text.assign(ts.segments[o.set_position - 1].text());
                r.outcome_segments.push_back(std::move(text));
            }
            if (r.decision->action != partners::order_action::ignore)
                seen_.insert(pid + '\x1f' + r.order.po_number);
        } else if (syntax_ok && mapped_ok) {
            // No profile: nothing to check business rules against; accepted as is.
            partners::order_decision d;
            d.po_number = r.order.po_number;
            d.purpose = r.order.purpose;
            d.bak02 = "AK";
            r.decision = std::move(d);
        }
        if (!r.decision) r.not_processed = !syntax_ok ? "syntax" : "mapping";
        a_.orders.push_back(std::move(r));
    }

    x12::ack_collector& collector() { return collector_; }

private:
    x12::validator const* validator_for(x12::group_summary const& g)
    {
        auto const* dict = x12::dictionary::standard(g.version);
        if (!dict) return nullptr;
        std::string key = std::string(dict->release()) + "/" + (partner_ ? partner_->id : std::string());
        auto& v = validators_[key];
        if (!v) v = std::make_unique<x12::validator>(*dict, partner_ ? partner_->tightenings : std::vector<x12::tightening>{});
        return v.get();
    }

    analysis& a_;
    inbound_options const& o_;
    x12::ack_collector collector_;
    x12::parser const* parser_ = nullptr;
    partners::profile const* partner_ = nullptr;
    std::map<std::string, std::unique_ptr<x12::validator>> validators_;
    std::set<std::string> seen_;
    std::string received_;
};

void finish(analysis& a, inbound_handler& h, inbound_options const& o)
{
    a.interchanges = std::move(h.collector().interchanges());
    a.file_diagnostics = h.collector().file_diagnostics();
    // A duplicate interchange is an envelope error (TA1 025): not processed again.
    if (o.known_interchange)
        for (std::size_t i = 0; i < a.interchanges.size() && i < a.results.size(); ++i) {
            auto& ic = a.interchanges[i];
            if (!o.known_interchange(a.results[i].partner, ic.summary)) continue;
            x12::diagnostic d;
            d.code = x12::error::isa_duplicate_control_number;
            d.severity = x12::severity::error;
            d.message = "interchange " + ic.summary.control_number + " from " + ic.summary.sender_qualifier + "/"
                        + ic.summary.sender_id + " was already received; not processed again";
            d.where.offset = ic.summary.offset;
            d.where.segment_index = ic.summary.segment_index;
            d.where.tag = "ISA";
            d.where.element = 13;
            d.value = ic.summary.control_number;
            ic.diagnostics.push_back(std::move(d));
        }
    if (o.build_acks) build_acks(a, o);
}

} // namespace

void build_acks(analysis& a, inbound_options const& o)
{
    auto fallback = x12::counting_from(1);
    x12::control_numbers& numbers = o.numbers ? *o.numbers : fallback;
    for (std::size_t i = 0; i < a.interchanges.size() && i < a.results.size(); ++i) {
        auto const* p = a.results[i].partner;
        x12::ack_options ao = p ? p->acks : x12::ack_options{};
        if (p) ao.isa_version = p->outbound_isa_version();
        ao.date = o.ack_date;
        ao.time = o.ack_time;
        a.results[i].acks = x12::build_acks(a.interchanges[i], ao, numbers);
    }
    // Nothing of a rejected interchange is processed (its sender must fix and
    // resend it), nor of a group its 997/999 rejects for a group-level error
    // (AK905: the count in GE01, GS06/GE02...): AK901 R tells the sender that
    // none of its sets was accepted, and an 855 for one would be an order
    // processed that they will send again.
    auto group_rejected = [&](order_result const& ord) {
        if (ord.interchange >= a.interchanges.size()) return false;
        auto const& ic = a.interchanges[ord.interchange];
        if (ord.group >= ic.groups.size()) return false;
        auto const& g = ic.groups[ord.group];
        return std::any_of(g.diagnostics.begin(), g.diagnostics.end(), [&](x12::diagnostic const& d) {
            return d.severity != x12::severity::warning && !x12::ak905_code(d.code, g.summary.version).empty();
        });
    };
    for (auto& ord : a.orders)
        if ((ord.interchange < a.results.size() && a.results[ord.interchange].acks.ta1_status == "R") || group_rejected(ord)) {
            ord.decision.reset();
            ord.not_processed = "envelope";
        }
}

analysis analyse_file(std::filesystem::path const& file, inbound_options const& opts)
{
    analysis a;
    a.file = file.string();
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        a.io_error = true;
        a.io_message = std::strerror(errno);
        return a;
    }
    inbound_handler h(a, opts);
    x12::parser p(h);
    h.set_parser(p);
    x12::parse_stats stats;
    auto ec = p.parse([fd](char* dst, std::size_t n) -> std::ptrdiff_t { return ::read(fd, dst, n); }, stats);
    ::close(fd);
    if (ec) {
        a.io_error = true;
        a.io_message = ec.message();
    }
    finish(a, h, opts);
    return a;
}

analysis analyse_bytes(std::string bytes, std::string file_name, inbound_options const& opts)
{
    analysis a;
    a.file = std::move(file_name);
    inbound_handler h(a, opts);
    x12::parser p(h);
    h.set_parser(p);
    p.parse(std::span<char>(bytes.data(), bytes.size()));
    finish(a, h, opts);
    return a;
}

} // namespace edigw::pipeline
