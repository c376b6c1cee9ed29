#include "x12/ack.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>

namespace edigw::x12 {

namespace {

bool is_error(diagnostic const& d) { return d.severity != severity::warning; }

// Does a 997 (or a 999 when `impl`) report this diagnostic as an error of the set?
bool counts(diagnostic const& d, bool impl)
{
    if (!is_error(d)) return false;
    if (is_implementation(d.code)) return impl;
    return true;
}

bool fa_group(group_summary const& g) { return g.functional_id == "FA"; }

std::string today(bool long_year)
{
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char b[16];
    std::strftime(b, sizeof b, long_year ? "%Y%m%d" : "%y%m%d", &tm);
    return b;
}

std::string now_hhmm()
{
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char b[8];
    std::strftime(b, sizeof b, "%H%M", &tm);
    return b;
}

// A copy of a bad value fit for AK404 (AN 1/99): without the outbound delimiters.
std::string safe_value(std::string_view v, delimiters const& d)
{
    std::string out;
    for (char c : v) {
        auto u = static_cast<unsigned char>(c);
        if (c == d.element || c == d.segment || c == d.component || (d.repetition && c == d.repetition) || u < 0x20) continue;
        out += c;
        if (out.size() == 99) break;
    }
    return out;
}

// A value we echo from the inbound interchange (IDs, control numbers, tags),
// fit for our answer: its bytes may be delimiters of the outbound interchange
// (the partner's outbound delimiters differ from what they sent, or the
// inbound ISA was garbled); such bytes are dropped rather than corrupt it.
std::string echo(std::string_view v, delimiters const& d)
{
    std::string out;
    for (char c : v) {
        auto u = static_cast<unsigned char>(c);
        if (c == d.element || c == d.segment || c == d.component || (d.repetition && c == d.repetition) || u < 0x20) continue;
        out += c;
    }
    return out;
}

std::string ta1_code_of(std::vector<diagnostic> const& diags, bool& error, bool& warning)
{
    std::string code;
    for (auto const& d : diags) {
        auto c = ta1_note_code(d.code);
        if (c.empty()) continue;
        if (is_error(d)) {
            if (!error) code = std::string(c);
            error = true;
        } else if (!error && !warning) {
            code = std::string(c);
            warning = true;
        }
    }
    return code;
}

} // namespace

bool received_set::accepted_997() const noexcept
{
    return std::none_of(diagnostics.begin(), diagnostics.end(), [](diagnostic const& d) { return counts(d, false); });
}

bool received_set::accepted_999() const noexcept
{
    return std::none_of(diagnostics.begin(), diagnostics.end(), [](diagnostic const& d) { return counts(d, true); });
}

// ---- collector -------------------------------------------------------------------------

void ack_collector::on_interchange_begin(interchange_summary const& ic)
{
    cur_.emplace();
    cur_->summary = ic;
}

void ack_collector::on_group_begin(interchange_summary const&, group_summary const& g)
{
    group_ = received_group{};
    group_.summary = g;
    in_group_ = true;
}

void ack_collector::on_transaction_set(transaction_set const& ts)
{
    received_set s;
    s.id.assign(ts.id);
    s.control_number.assign(ts.control_number);
    s.implementation_reference.assign(ts.implementation_reference);
    s.diagnostics.assign(ts.diagnostics.begin(), ts.diagnostics.end());
    std::uint64_t h = 1469598103934665603ull;
    for (auto const& seg : ts.segments) {
        for (unsigned char c : seg.text()) h = (h ^ c) * 1099511628211ull;
        h = (h ^ 0x1E) * 1099511628211ull; // segment boundary
    }
    s.fingerprint = h;
    s.offset = ts.segments.empty() ? 0 : ts.segments.front().offset();
    // A set whose envelope is already broken (no SE, too large) is still
    // checked: the partner wants every error at once.
    if (lookup_ && ts.group) {
        if (validator const* v = lookup_(*ts.group)) {
            std::size_t before = s.diagnostics.size();
            v->validate(ts, s.diagnostics);
            if (locate_)
                for (std::size_t i = before; i < s.diagnostics.size(); ++i) locate_(s.diagnostics[i].where);
        }
    }
    if (in_group_) group_.sets.push_back(std::move(s));
}

void ack_collector::on_group_end(interchange_summary const&, group_summary const& g)
{
    group_.summary = g;
    if (cur_) cur_->groups.push_back(std::move(group_));
    group_ = received_group{};
    in_group_ = false;
}

void ack_collector::on_interchange_end(interchange_summary const& ic)
{
    if (!cur_) return;
    // Keep our group copies (with their sets); refresh the rest of the summary.
    auto groups = std::move(cur_->groups);
    cur_->summary = ic;
    cur_->groups = std::move(groups);
    done_.push_back(std::move(*cur_));
    cur_.reset();
}

void ack_collector::on_diagnostic(diagnostic const& d)
{
    switch (level_of(d.code)) {
    case level::file:
        file_.push_back(d);
        break;
    case level::interchange:
        if (cur_) cur_->diagnostics.push_back(d);
        else file_.push_back(d);
        break;
    case level::group:
        if (in_group_) group_.diagnostics.push_back(d);
        else if (cur_) cur_->diagnostics.push_back(d);
        break;
    default:
        break; // set and below arrive with their set
    }
}

// ---- builder ---------------------------------------------------------------------------

control_numbers counting_from(std::uint64_t first)
{
    auto ic = std::make_shared<std::uint64_t>(first);
    auto gp = std::make_shared<std::uint64_t>(first);
    return {[ic] { return (*ic)++; }, [gp] { return (*gp)++; }};
}

namespace {

struct fa_writer {
    writer& w;
    delimiters const& d;
    bool is999;
    bool v5010;

    void set(received_set const& s, bool detail_accepted, std::uint32_t& accepted)
    {
        bool const ok = is999 ? s.accepted_999() : s.accepted_997();
        if (ok) ++accepted;
        if (ok && !detail_accepted) return;
        w.segment("AK2", {echo(s.id, d), echo(s.control_number, d),
                          v5010 ? echo(s.implementation_reference, d) : std::string()});

        std::vector<std::string> set_codes;
        bool seg_errors = false, impl_errors = false;
        auto add_code = [&](std::string c) {
            if (!c.empty() && std::find(set_codes.begin(), set_codes.end(), c) == set_codes.end()) set_codes.push_back(std::move(c));
        };
        // Segment and element notes, grouped by segment (AK3 then its AK4s).
        std::size_t ak3 = 0;
        std::string last_key;
        std::size_t ak4_in_segment = 0;
        for (auto const& diag : s.diagnostics) {
            if (!counts(diag, is999)) continue;
            auto const lvl = level_of(diag.code);
            if (lvl == level::set) {
                add_code(std::string(ak502_code(diag.code, v5010 ? "005010" : "004010")));
                continue;
            }
            if (lvl != level::segment && lvl != level::element) continue;
            bool const impl = is_implementation(diag.code);
            (impl ? impl_errors : seg_errors) = true;
            if (ak3 >= 999999) continue;
            std::string pos = std::to_string(diag.where.set_position);
            if (lvl == level::segment) {
                std::string code(ak304_code(diag.code));
                if (code.empty()) continue;
                w.segment(is999 ? "IK3" : "AK3", {echo(diag.where.tag, d), pos, echo(diag.loop_id, d), code});
                ++ak3;
                last_key.clear();
                continue;
            }
            std::string code(ak403_code(diag.code, v5010 ? "005010" : "004010"));
            if (code.empty()) continue;
            std::string key = diag.where.tag + "#" + pos;
            if (key != last_key) {
                w.segment(is999 ? "IK3" : "AK3", {echo(diag.where.tag, d), pos, echo(diag.loop_id, d), "8"});
                ++ak3;
                last_key = key;
                ak4_in_segment = 0;
            }
            if (++ak4_in_segment > 99) continue;
            std::string el = std::to_string(diag.where.element);
            std::string comp = diag.where.component ? std::to_string(diag.where.component) : std::string();
            std::string rep = v5010 && diag.where.repetition ? std::to_string(diag.where.repetition) : std::string();
            std::string c030 = rep.empty() ? w.composite({el, comp}) : w.composite({el, comp.empty() ? "1" : comp, rep});
            w.segment(is999 ? "IK4" : "AK4", {c030, diag.data_element, code, safe_value(diag.value, d)});
            if (is999 && diag.trigger) {
                auto const& t = *diag.trigger;
                std::string tel = std::to_string(t.element);
                std::string tcomp = t.component ? std::to_string(t.component) : std::string();
                w.segment("CTX", {"SITUATIONAL TRIGGER", t.tag, std::to_string(t.set_position), t.loop_id,
                                  w.composite({tel, tcomp})});
            }
        }
        if (seg_errors) add_code("5");
        if (impl_errors && is999) add_code("I5");
        if (!ok && set_codes.empty()) add_code("5");
        std::vector<std::string> el{ok ? "A" : "R"};
        for (std::size_t i = 0; i < set_codes.size() && i < 5; ++i) el.push_back(set_codes[i]);
        w.segment(is999 ? "IK5" : "AK5", std::span<std::string const>(el));
    }
};

} // namespace

ack_output build_acks(received_interchange const& in, ack_options const& o, control_numbers& numbers)
{
    ack_output out;
    auto const& ic = in.summary;
    delimiters const d = o.outbound_delimiters.value_or(ic.delimiters);
    std::string const date8 = o.date.empty() ? today(true) : o.date;
    std::string const time4 = o.time.empty() ? now_hhmm() : o.time;

    auto envelope = [&] {
        interchange_envelope env;
        env.sender_qualifier = echo(ic.receiver_qualifier, d);
        env.sender_id = echo(ic.receiver_id, d);
        env.receiver_qualifier = echo(ic.sender_qualifier, d);
        env.receiver_id = echo(ic.sender_id, d);
        // A blank ID (a garbled ISA, answered TA1 006/008) still needs a value
        // to be valid X12; the transport knows where the answer goes.
        // IDs are padded to 15 by the writer: trim them first, so a garbled
        // one with leading blanks does not turn into 15 blanks.
        auto fit_id = [](std::string v) {
            v.erase(0, std::min(v.find_first_not_of(' '), v.size()));
            while (!v.empty() && v.back() == ' ') v.pop_back();
            if (v.size() > 15) v.resize(15);
            return v.empty() ? std::string("UNKNOWN") : v;
        };
        env.sender_id = fit_id(env.sender_id);
        env.receiver_id = fit_id(env.receiver_id);
        env.date = date8.size() == 8 ? date8.substr(2) : date8;
        env.time = time4;
        env.version = o.isa_version.empty() ? ic.version : o.isa_version;
        // Never echo a broken ISA12 (it may be why we answer): fall back to
        // the release of the groups, 00401 or 00501.
        bool const version_ok = env.version.size() == 5
                                && std::all_of(env.version.begin(), env.version.end(), [](char c) { return c >= '0' && c <= '9'; })
                                && env.version >= "00200" && env.version <= "00899";
        if (!version_ok) {
            bool any_5010 = std::any_of(in.groups.begin(), in.groups.end(),
                                        [](received_group const& g) { return is_5010_or_later(g.summary.version); });
            env.version = any_5010 ? "00501" : "00401";
        }
        // Our envelope is valid even when theirs is not (that may be why we answer).
        env.usage = (ic.usage == "T" || ic.usage == "I") ? ic.usage[0] : 'P';
        static constexpr std::string_view quals[] = {"01", "02", "03", "04", "07", "08", "09", "10", "11", "12", "13", "14",
                                                     "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26",
                                                     "27", "28", "29", "30", "31", "32", "33", "34", "35", "36", "37", "38",
                                                     "AM", "NR", "SA", "SN", "ZZ"};
        auto known = [](std::string const& q) { return std::find(std::begin(quals), std::end(quals), q) != std::end(quals); };
        if (!known(env.sender_qualifier)) env.sender_qualifier = "ZZ";
        if (!known(env.receiver_qualifier)) env.receiver_qualifier = "ZZ";
        env.delimiters = d;
        // Repetition separators exist from 00402 on; before, ISA11 is 'U'.
        if (env.version < "00402") env.delimiters.repetition = '\0';
        env.line_breaks = o.line_breaks;
        return env;
    };

    // ---- TA1
    bool env_error = false, env_warning = false;
    std::string note = ta1_code_of(in.diagnostics, env_error, env_warning);
    bool const carries_groups = !in.groups.empty();
    bool const requested = ic.ack_requested == "1";
    bool send_ta1 = false;
    switch (o.ta1) {
    case ta1_policy::never: break;
    case ta1_policy::on_error: send_ta1 = env_error || env_warning; break;
    case ta1_policy::always: send_ta1 = true; break;
    case ta1_policy::requested: send_ta1 = requested; break;
    case ta1_policy::requested_or_error: send_ta1 = requested || env_error; break;
    }
    // Never answer an interchange that holds only TA1s (that is how TA1 loops start).
    if (!carries_groups && !ic.ta1s.empty()) send_ta1 = false;
    out.ta1_status = env_error ? "R" : env_warning ? "E" : "A";
    out.ta1_note = env_error || env_warning ? note : "000";
    if (send_ta1) {
        auto env = envelope();
        env.control_number = numbers.next_interchange();
        writer w(env);
        w.interchange_segment("TA1", {echo(ic.control_number, d), echo(ic.date, d), echo(ic.time, d), out.ta1_status, out.ta1_note});
        out.ta1 = w.finish();
        // A TA1-only interchange has no groups: IEA01 0, as the writer counts.
    }
    if (env_error) return out; // a rejected interchange's groups are not acknowledged

    // ---- 997/999, one set per non-FA group, in FA groups by ack version
    struct pending {
        received_group const* g;
        bool is999;
        std::string version; // GS08 of the FA group
    };
    std::vector<pending> todo;
    for (auto const& g : in.groups) {
        if (fa_group(g.summary)) continue;
        bool const v5010 = is_5010_or_later(g.summary.version);
        bool const is999 = o.kind == fa_kind::always_999 || (o.kind == fa_kind::by_version && v5010);
        std::string version = is999 ? "005010X231A1" : echo(g.summary.version.substr(0, 6), o.outbound_delimiters.value_or(ic.delimiters));
        if (version.empty()) version = "004010";
        todo.push_back({&g, is999, version});
    }
    if (todo.empty()) return out;

    auto env = envelope();
    env.control_number = numbers.next_interchange();
    writer w(env);
    std::stable_sort(todo.begin(), todo.end(), [](pending const& a, pending const& b) { return a.version < b.version; });
    std::string open_version;
    std::uint32_t set_no = 0;
    for (auto const& p : todo) {
        auto const& g = p.g->summary;
        if (p.version != open_version) {
            if (!open_version.empty()) w.end_group();
            w.begin_group("FA", echo(g.application_receiver, d), echo(g.application_sender, d), date8, time4, numbers.next_group(),
                          p.version);
            open_version = p.version;
        }
        bool const v5010 = is_5010_or_later(p.version);
        char cn[16];
        std::snprintf(cn, sizeof cn, "%04u", ++set_no);
        w.begin_set(p.is999 ? "999" : "997", cn, p.is999 ? "005010X231A1" : "");
        w.segment("AK1", {echo(g.functional_id, d), echo(g.control_number, d), v5010 ? echo(g.version, d) : std::string()});

        // Group-level errors (AK905) reject the group as a whole.
        std::vector<std::string> group_codes;
        for (auto const& diag : p.g->diagnostics) {
            if (!is_error(diag)) continue;
            auto c = ak905_code(diag.code, p.version);
            if (!c.empty() && std::find(group_codes.begin(), group_codes.end(), c) == group_codes.end())
                group_codes.emplace_back(c);
        }
        std::uint32_t accepted = 0;
        fa_writer fw{w, d, p.is999, v5010};
        for (auto const& s : p.g->sets) fw.set(s, o.detail_accepted, accepted);
        ++out.sets_acknowledged;

        std::uint32_t const received = static_cast<std::uint32_t>(p.g->sets.size());
        std::uint64_t const declared = g.declared_sets.value_or(g.set_count);
        std::string status;
        if (!group_codes.empty() || (received > 0 && accepted == 0)) status = "R";
        else if (accepted < received) status = "P";
        else status = "A";
        if (!group_codes.empty()) accepted = 0; // nothing of a rejected group is accepted
        std::vector<std::string> ak9{status, std::to_string(declared), std::to_string(received), std::to_string(accepted)};
        for (std::size_t i = 0; i < group_codes.size() && i < 5; ++i) ak9.push_back(group_codes[i]);
        w.segment("AK9", std::span<std::string const>(ak9));
        w.end_set();
    }
    out.functional = w.finish();
    return out;
}

// ---- reader ------------------------------------------------------------------------------

bool read_functional_ack(transaction_set const& ts, ack_group_result& out)
{
    if (ts.id != "997" && ts.id != "999") return false;
    out = ack_group_result{};
    out.kind.assign(ts.id);
    char const comp = ts.interchange ? ts.interchange->delimiters.component : ':';
    auto num = [](std::string_view v) {
        std::uint32_t n = 0;
        std::from_chars(v.data(), v.data() + v.size(), n);
        return n;
    };
    ack_set_result* set = nullptr;
    ack_error* seg_note = nullptr;
    for (auto const& s : ts.segments) {
        auto tag = s.tag();
        if (tag == "AK1") {
            out.functional_id.assign(s[1]);
            out.group_control_number.assign(s[2]);
            out.version.assign(s[3]);
        } else if (tag == "AK2") {
            out.sets.emplace_back();
            set = &out.sets.back();
            set->id.assign(s[1]);
            set->control_number.assign(s[2]);
            seg_note = nullptr;
        } else if ((tag == "AK3" || tag == "IK3") && set) {
            ack_error e;
            e.segment_tag.assign(s[1]);
            e.position = num(s[2]);
            e.loop_id.assign(s[3]);
            e.segment_code.assign(s[4]);
            set->errors.push_back(std::move(e));
            seg_note = &set->errors.back();
        } else if ((tag == "AK4" || tag == "IK4") && set) {
            ack_error e;
            if (seg_note) {
                e.segment_tag = seg_note->segment_tag;
                e.position = seg_note->position;
                e.loop_id = seg_note->loop_id;
                e.segment_code = seg_note->segment_code;
            }
            auto parts = split(s[1], comp);
            if (!parts.empty()) e.element = static_cast<std::uint16_t>(num(parts[0]));
            if (parts.size() > 1) e.component = static_cast<std::uint16_t>(num(parts[1]));
            if (parts.size() > 2) e.repetition = static_cast<std::uint16_t>(num(parts[2]));
            e.data_element.assign(s[2]);
            e.element_code.assign(s[3]);
            e.value.assign(s[4]);
            // The AK3 line stands for the segment; its element notes refine it.
            if (seg_note && seg_note->element == 0 && seg_note->element_code.empty()) *seg_note = e;
            else set->errors.push_back(std::move(e));
        } else if ((tag == "AK5" || tag == "IK5") && set) {
            set->status.assign(s[1]);
            for (std::size_t i = 2; i <= s.size(); ++i)
                if (!s[i].empty()) set->codes.emplace_back(s[i]);
            set = nullptr;
            seg_note = nullptr;
        } else if (tag == "AK9") {
            out.status.assign(s[1]);
            out.declared = num(s[2]);
            out.received = num(s[3]);
            out.accepted = num(s[4]);
            for (std::size_t i = 5; i <= s.size(); ++i)
                if (!s[i].empty()) out.codes.emplace_back(s[i]);
            out.complete = true;
        }
    }
    return true;
}

void read_ta1s(interchange_summary const& ic, inbound_acks& out)
{
    for (auto const& t : ic.ta1s) out.ta1s.push_back({t.control_number, t.date, t.time, t.status, t.note_code});
}

} // namespace edigw::x12
