#include "gateway/pipeline/inbound.hpp"

#include "mappings/map_850.hpp"

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
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

// A transaction set kept past its callback: the element views (into the
// caller's input, which outlives the parse) and segments over them.
struct set_copy {
    std::vector<std::string_view> elems;
    std::vector<x12::segment> segs;
    std::string id, control_number, implementation_reference;
    x12::interchange_summary const* interchange = nullptr;
    x12::group_summary const* group = nullptr;
    bool has_trailer = false;

    explicit set_copy(x12::transaction_set const& ts)
        : id(ts.id), control_number(ts.control_number), implementation_reference(ts.implementation_reference),
          interchange(ts.interchange), group(ts.group), has_trailer(ts.has_trailer)
    {
        std::size_t n = 0;
        for (auto const& sg : ts.segments) n += 1 + sg.size();
        elems.reserve(n); // no reallocation: the segments' spans point into it
        segs.reserve(ts.segments.size());
        for (auto const& sg : ts.segments) {
            std::size_t const at = elems.size();
            elems.push_back(sg.tag());
            elems.insert(elems.end(), sg.elements().begin(), sg.elements().end());
            segs.emplace_back(elems[at], std::span<std::string_view const>(elems.data() + at + 1, sg.size()), sg.text(), sg.offset(),
                              sg.index(), sg.set_position());
        }
    }
    x12::transaction_set view() const noexcept
    {
        x12::transaction_set ts;
        ts.id = id;
        ts.control_number = control_number;
        ts.implementation_reference = implementation_reference;
        ts.segments = segs;
        ts.interchange = interchange;
        ts.group = group;
        ts.has_trailer = has_trailer;
        return ts;
    }
};

// A set's own work, done on any thread: its validation, its mapping and the
// partner's rules run ahead.
struct set_job {
    explicit set_job(x12::transaction_set const& ts) : set(ts) {}
    set_copy set;
    x12::validator const* validator = nullptr;
    std::size_t set_index = 0;  // in the collector's current group
    bool is_order = false;      // an 850 of a PO group: mapped
    std::vector<x12::diagnostic> found;
    order_result order;
    // The partner's rules, run here as if the PO were new to the log and the
    // file: right unless they asked and it is not (decide() checks, in file
    // order, and runs them again then).
    partners::profile const* partner = nullptr;
    std::string received_date;
    std::optional<partners::order_decision> ahead;
    bool asked_known = false;

    void run()
    {
        auto const ts = set.view();
        if (validator) validator->validate(ts, found);
        if (!is_order) return;
        mappings::map_850(ts, order.order, order.mapping_diagnostics);
        if (!partner) return;
        partners::rule_context ctx;
        ctx.received_date = received_date;
        ctx.known_po = [this](std::string_view) {
            asked_known = true;
            return false;
        };
        ahead = partners::apply_rules(order.order, *partner, ctx);
    }
};

// Works through batches of set jobs with the thread that hands them over: a
// helper thread starts on a batch at once, the handing thread joins in when
// it has nothing else to do (it first reads the next batch, and finishes the
// one before), and both take jobs 16 at a time. Two threads in all, so the
// machine's two cores stay busy without a third competing.
class batch_helper {
public:
    ~batch_helper()
    {
        if (!thread_.joinable()) return;
        {
            std::lock_guard lock(m_);
            stop_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }

    void start(std::vector<set_job>& jobs)
    {
        auto b = std::make_shared<batch>(jobs.data(), jobs.size());
        {
            std::lock_guard lock(m_);
            current_ = b;
        }
        if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
        wake_.notify_all();
    }
    // Helps with the batch started last; returns when all its jobs are done.
    void finish()
    {
        std::shared_ptr<batch> b;
        {
            std::lock_guard lock(m_);
            b = std::move(current_);
        }
        if (!b) return;
        work(*b);
        std::unique_lock lock(m_);
        done_.wait(lock, [&] { return b->done == b->n; });
    }

private:
    struct batch {
        batch(set_job* j, std::size_t count) : jobs(j), n(count) {}
        set_job* jobs;
        std::size_t n; // kept: the vector may be reused once every job is done
        std::atomic<std::size_t> next{0};
        std::size_t done = 0; // under m_
    };

    void loop()
    {
        for (;;) {
            std::shared_ptr<batch> b;
            {
                std::unique_lock lock(m_);
                wake_.wait(lock, [&] { return stop_ || (current_ && current_ != last_); });
                if (stop_) return;
                b = last_ = current_;
            }
            work(*b);
        }
    }
    void work(batch& b)
    {
        for (;;) {
            std::size_t const first = b.next.fetch_add(16);
            if (first >= b.n) return;
            std::size_t const end = std::min(first + 16, b.n);
            for (std::size_t k = first; k < end; ++k) b.jobs[k].run();
            std::lock_guard lock(m_);
            b.done += end - first;
            if (b.done == b.n) done_.notify_all();
        }
    }

    std::mutex m_;
    std::condition_variable wake_, done_;
    std::shared_ptr<batch> current_, last_;
    bool stop_ = false;
    std::thread thread_;
};

class inbound_handler : public x12::handler {
public:
    inbound_handler(analysis& a, inbound_options const& o)
        : a_(a), o_(o), collector_([this](x12::group_summary const& g) { return batches_ ? nullptr : validator_for(g); })
    {
        received_ = o.received_date.empty() || o.received_date == "as-sent" ? today_iso() : o.received_date;
    }

    void set_parser(x12::parser const& p)
    {
        parser_ = &p;
        collector_.set_locator([&p](x12::position& pos) { p.locate(pos); });
    }

    // Validates and maps sets in batches, each on a helper thread (and this
    // one) while this one reads the next; the rest (the order of findings,
    // business rules, duplicates within the file) in file order as before.
    // Only for a parse of an input held in memory: a batch keeps its sets'
    // views past their callbacks.
    void run_sets_in_batches() { batches_ = true; }
    // Finishes every set in hand: at a group's or an interchange's end (the
    // collector's current group must still hold them) and at the parse's end.
    void flush()
    {
        launch();
        helper_.finish();
        auto last = std::move(running_);
        running_.clear();
        settle(last);
    }

private:
    // The batch gathered goes to the helper; the one it had is finished
    // (this thread helps) and settled here while the helper works.
    void launch()
    {
        helper_.finish();
        auto done = std::move(running_);
        running_ = std::move(pending_);
        pending_.clear();
        if (!running_.empty()) helper_.start(running_);
        settle(done);
    }
    // A batch whose jobs are done, in file order.
    void settle(std::vector<set_job>& batch)
    {
        if (batch.empty()) return;
        // What the log knows of the batch's POs, asked at once.
        std::vector<std::string_view> pos;
        for (auto const& j : batch)
            if (j.is_order) pos.push_back(j.order.order.po_number);
        std::vector<bool> known;
        if (partner_ && !pos.empty()) {
            if (o_.known_pos) known = o_.known_pos(partner_, pos);
            else if (o_.known_po)
                for (auto po : pos) known.push_back(o_.known_po(partner_, po));
        }
        known.resize(pos.size(), false);
        std::size_t k = 0;
        for (auto& j : batch) {
            x12::received_set* rs = collector_.group_set(j.set_index);
            bool const in_log = j.is_order && known[k++];
            if (!rs) continue;
            for (auto& d : j.found) {
                if (parser_) parser_->locate(d.where);
                rs->diagnostics.push_back(std::move(d));
            }
            if (j.is_order) decide(j.set.view(), *rs, std::move(j.order), in_log, std::move(j.ahead), j.asked_known);
        }
    }

public:

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
        flush();
        collector_.on_group_begin(ic, g);
    }
    void on_group_end(x12::interchange_summary const& ic, x12::group_summary const& g) override
    {
        flush(); // the group's sets are still the collector's current ones
        collector_.on_group_end(ic, g);
    }
    void on_diagnostic(x12::diagnostic const& d) override { collector_.on_diagnostic(d); }

    void on_interchange_end(x12::interchange_summary const& ic) override
    {
        flush();
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
        bool const fa = ts.group && ts.group->functional_id == "FA";
        if (fa) {
            x12::ack_group_result r;
            if (x12::read_functional_ack(ts, r)) a_.inbound_acks.push_back(std::move(r));
            if (!batches_) return;
        }
        bool const is_order = !fa && ts.id == "850" && ts.group && ts.group->functional_id == "PO";
        auto const* rs = collector_.last_set();
        if (batches_) {
            if (!rs) return; // outside a group: not recorded
            set_job j(ts);
            j.validator = ts.group ? validator_for(*ts.group) : nullptr;
            j.set_index = collector_.set_index();
            j.is_order = is_order;
            j.order.interchange = collector_.interchange_index();
            j.order.group = collector_.group_index();
            j.order.set = collector_.set_index();
            j.partner = is_order ? partner_ : nullptr;
            if (j.partner) j.received_date = received_;
            pending_.push_back(std::move(j));
            if (pending_.size() >= 512) launch();
            return;
        }
        if (!is_order || !rs) return;
        order_result r;
        r.interchange = collector_.interchange_index();
        r.group = collector_.group_index();
        r.set = collector_.set_index();
        mappings::map_850(ts, r.order, r.mapping_diagnostics);
        decide(ts, *rs, std::move(r), std::nullopt, std::nullopt, false);
    }

    x12::ack_collector& collector() { return collector_; }

private:
    // An order mapped from set `ts` (validated as `rs` says): what the
    // mapping adds to the findings, then the partner's business rules, in
    // file order (a PO seen earlier in the file is a duplicate). `in_log`:
    // whether the log knows the PO, when already asked; `ahead`: the rules'
    // decision taken as if the PO were new (`asked`: whether they asked).
    void decide(x12::transaction_set const& ts, x12::received_set const& received, order_result r, std::optional<bool> in_log,
                std::optional<partners::order_decision> ahead, bool asked)
    {
        auto const* rs = &received;
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
                if (in_log ? *in_log : o_.known_po && o_.known_po(partner_, po)) return true;
                return seen_.count(pid + '\x1f' + std::string(po)) > 0;
            };
            if (ahead && (!asked || !ctx.known_po(r.order.po_number))) r.decision = std::move(ahead);
            else r.decision = partners::apply_rules(r.order, *partner_, ctx);
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
    bool batches_ = false;
    std::vector<set_job> pending_, running_; // being gathered; with the helper
    batch_helper helper_;                    // last: its thread ends before the jobs go
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
    h.run_sets_in_batches(); // the views into `bytes` outlive the callbacks
    p.parse(std::span<char>(bytes.data(), bytes.size()));
    h.flush();
    finish(a, h, opts);
    return a;
}

} // namespace edigw::pipeline
