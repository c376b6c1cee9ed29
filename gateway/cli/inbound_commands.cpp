// `edigw ack` and `edigw validate`: the inbound analysis, offline.
#include "gateway/cli/commands.hpp"

#include "gateway/pipeline/inbound.hpp"
#include "mappings/json.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <tuple>
#include <string>
#include <vector>

namespace edigw::cli {

bool valid_iso_date(std::string_view d)
{
    if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (d[i] < '0' || d[i] > '9') return false;
    auto num = [&](std::size_t at, std::size_t n) {
        int v = 0;
        for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (d[i] - '0');
        return v;
    };
    int const y = num(0, 4), m = num(5, 2), day = num(8, 2);
    if (m < 1 || m > 12 || day < 1) return false;
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool const leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return day <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

bool valid_received(std::string_view d) { return d == "as-sent" || valid_iso_date(d); }

namespace json = boost::json;

namespace {

struct inbound_args {
    std::string file, partner, partners_dir, received, format = "text";
    std::string ack_date, ack_time;
    std::uint64_t first_control = 1;
};


// Parses the options shared by ack and validate; returns 0 to go on, else an exit code.
int parse_args(char const* cmd, int argc, char** argv, inbound_args& a, std::ostream& err, bool with_format)
{
    for (int i = 1; i < argc; ++i) {
        std::string_view s = argv[i];
        auto value = [&](std::string& into) {
            if (i + 1 >= argc) {
                err << "edigw " << cmd << ": " << s << " needs a value (see --help)\n";
                return false;
            }
            into = argv[++i];
            return true;
        };
        if (s == "--partner") {
            if (!value(a.partner)) return 2;
        } else if (s == "--partners") {
            if (!value(a.partners_dir)) return 2;
        } else if (s == "--received") {
            if (!value(a.received)) return 2;
            if (!valid_received(a.received)) {
                err << "edigw " << cmd << ": --received must be a date YYYY-MM-DD or as-sent, not '" << a.received << "'\n";
                return 2;
            }
        } else if (s == "--format" && with_format) {
            if (!value(a.format)) return 2;
            if (a.format != "text" && a.format != "json") {
                err << "edigw " << cmd << ": --format is text or json, not '" << a.format << "'\n";
                return 2;
            }
        } else if (s == "--date") {
            if (!value(a.ack_date)) return 2;
        } else if (s == "--time") {
            if (!value(a.ack_time)) return 2;
        } else if (s == "--control-number") {
            std::string v;
            if (!value(v)) return 2;
            char* end = nullptr;
            a.first_control = std::strtoull(v.c_str(), &end, 10);
            if (v.empty() || *end || a.first_control == 0 || a.first_control > 999999999) {
                err << "edigw " << cmd << ": --control-number must be 1..999999999\n";
                return 2;
            }
        } else if (s.size() > 1 && s[0] == '-') {
            err << "edigw " << cmd << ": unknown option '" << s << "' (see --help)\n";
            return 2;
        } else if (a.file.empty()) {
            a.file = std::string(s);
        } else {
            err << "edigw " << cmd << ": expected exactly one FILE (see --help)\n";
            return 2;
        }
    }
    if (a.file.empty()) {
        err << "edigw " << cmd << ": no FILE given (see --help)\n";
        return 2;
    }
    return 0;
}

struct loaded {
    std::vector<partners::profile> profiles;
    partners::profile const* forced = nullptr;
};

int load(char const* cmd, inbound_args const& a, loaded& l, std::ostream& err)
{
    auto dir = a.partners_dir.empty() ? partners::default_partners_dir() : std::filesystem::path(a.partners_dir);
    partners::profile_error pe;
    if (std::filesystem::is_directory(dir)) {
        if (!partners::load_profiles(dir, l.profiles, pe)) {
            err << "edigw " << cmd << ": " << pe.what() << '\n';
            return 2;
        }
    } else if (!a.partners_dir.empty()) {
        err << "edigw " << cmd << ": " << dir.string() << ": no such partners folder\n";
        return 2;
    }
    if (!a.partner.empty()) {
        for (auto const& p : l.profiles)
            if (p.id == a.partner) l.forced = &p;
        if (!l.forced) {
            std::string ids;
            for (auto const& p : l.profiles) ids += (ids.empty() ? "" : ", ") + p.id;
            err << "edigw " << cmd << ": no partner '" << a.partner << "' in " << dir.string()
                << (ids.empty() ? std::string() : " (known: " + ids + ")") << '\n';
            return 2;
        }
    }
    return 0;
}

bool file_level_failure(pipeline::analysis const& an, std::ostream& err)
{
    if (an.io_error) {
        err << "edigw: " << an.file << ": cannot read: " << an.io_message << '\n';
        return true;
    }
    if (an.interchanges.empty()) {
        for (auto const& d : an.file_diagnostics) {
            err << "edigw: " << an.file << ": " << d.message << '\n';
            return true;
        }
        err << "edigw: " << an.file << ": no interchange found\n";
        return true;
    }
    return false;
}

pipeline::inbound_options options_for(inbound_args const& a, loaded const& l, x12::control_numbers& numbers)
{
    pipeline::inbound_options o;
    o.partner = l.forced;
    o.profiles = &l.profiles;
    o.received_date = a.received;
    o.ack_date = a.ack_date;
    o.ack_time = a.ack_time;
    o.numbers = &numbers;
    return o;
}

std::string set_status(x12::received_set const& s, bool is999)
{
    return (is999 ? s.accepted_999() : s.accepted_997()) ? "accepted" : "rejected";
}

bool uses_999(partners::profile const* p, std::string const& gs08)
{
    auto kind = p ? p->acks.kind : x12::fa_kind::by_version;
    return kind == x12::fa_kind::always_999 || (kind == x12::fa_kind::by_version && x12::is_5010_or_later(gs08));
}

pipeline::order_result const* order_of(pipeline::analysis const& an, std::size_t i, std::size_t g, std::size_t s)
{
    // Orders are in file order: find by binary search rather than a scan per set.
    auto it = std::lower_bound(an.orders.begin(), an.orders.end(), std::make_tuple(i, g, s),
                               [](pipeline::order_result const& o, std::tuple<std::size_t, std::size_t, std::size_t> const& k) {
                                   return std::make_tuple(o.interchange, o.group, o.set) < k;
                               });
    return it != an.orders.end() && it->interchange == i && it->group == g && it->set == s ? &*it : nullptr;
}

json::value outcome_json(partners::rule_outcome const& r)
{
    json::object o{{"code", r.code}, {"severity", partners::severity_name(r.severity)}, {"message", r.message},
                   {"position", json::object{{"segment", r.tag}, {"set_position", r.set_position}, {"element", r.element}}}};
    if (!r.value.empty()) o["value"] = r.value;
    if (!r.line_id.empty()) o["line_id"] = r.line_id;
    return o;
}

json::value decision_json(partners::order_decision const& d)
{
    static char const* actions[] = {"process", "cancel", "ignore", "reject"};
    json::array outcomes, lines;
    for (auto const& r : d.outcomes) outcomes.push_back(outcome_json(r));
    for (auto const& l : d.lines) {
        json::array acks;
        for (auto const& a : l.acks) {
            json::object ao{{"status", a.status}, {"quantity", a.quantity.to_string()}, {"uom", a.uom}};
            if (!a.date.empty()) ao["date"] = a.date;
            if (a.price) ao["price"] = a.price->to_string();
            acks.push_back(std::move(ao));
        }
        json::object lo{{"line_id", l.line_id}, {"acks", std::move(acks)}};
        if (!l.sku.empty()) lo["sku"] = l.sku;
        lines.push_back(std::move(lo));
    }
    return json::object{{"action", actions[static_cast<int>(d.action)]},
                        {"bak02", d.bak02},
                        {"accepted", d.accepted()},
                        {"outcomes", std::move(outcomes)},
                        {"lines", std::move(lines)}};
}

void print_text(pipeline::analysis const& an, std::ostream& out)
{
    for (auto const& d : an.file_diagnostics) out << x12::format(d, an.file);
    for (std::size_t i = 0; i < an.interchanges.size(); ++i) {
        auto const& ic = an.interchanges[i];
        auto const& r = an.results[i];
        out << "interchange " << ic.summary.control_number << " from " << ic.summary.sender_qualifier << '/'
            << ic.summary.sender_id << ": partner " << (r.partner ? r.partner->id : std::string("unknown (defaults)"))
            << ", envelope " << (r.acks.ta1_status == "R" ? "REJECTED (TA1 R " + r.acks.ta1_note + ")" : std::string("accepted"))
            << '\n';
        for (auto const& d : ic.diagnostics) out << x12::format(d, an.file);
        for (std::size_t g = 0; g < ic.groups.size(); ++g) {
            auto const& grp = ic.groups[g];
            bool const is999 = uses_999(r.partner, grp.summary.version);
            out << "  group " << grp.summary.control_number << " (" << grp.summary.functional_id << ", "
                << grp.summary.version << "): " << grp.sets.size() << " set(s), "
                << (grp.summary.functional_id == "FA" ? std::string("not acknowledged (an FA group is read, not answered)")
                    : r.acks.ta1_status == "R"        ? std::string("not acknowledged (the interchange is rejected)")
                                                      : std::string("acknowledged with a ") + (is999 ? "999" : "997"))
                << '\n';
            for (auto const& d : grp.diagnostics) out << x12::format(d, an.file);
            for (std::size_t s = 0; s < grp.sets.size(); ++s) {
                auto const& set = grp.sets[s];
                auto const* ord = order_of(an, i, g, s);
                out << "    set " << set.id << ' ' << set.control_number;
                if (ord && !ord->order.po_number.empty()) out << " (PO " << ord->order.po_number << ")";
                out << ": syntax " << set_status(set, is999);
                if (ord && ord->decision) {
                    static char const* actions[] = {"ACCEPTED", "CANCELLED", "NOT PROCESSED (duplicate/confirmation)", "REJECTED"};
                    out << ", order " << actions[static_cast<int>(ord->decision->action)];
                    if (!ord->decision->bak02.empty()) out << " (855 BAK02 " << ord->decision->bak02 << ")";
                } else if (ord) {
                    out << ", order NOT PROCESSED (" << ord->not_processed << " rejected)";
                }
                out << '\n';
                for (auto const& d : set.diagnostics) out << x12::format(d, an.file);
                if (ord) {
                    for (auto const& d : ord->mapping_diagnostics) out << x12::format(d, an.file);
                    if (ord->decision) {
                        for (auto const& o : ord->decision->outcomes) {
                            out << "      " << partners::severity_name(o.severity) << " [" << o.code << "] " << o.message;
                            if (o.set_position)
                                out << " (" << o.tag << (o.element ? (o.element < 10 ? "0" : "") + std::to_string(o.element) : "")
                                    << " at position " << o.set_position << " in the set)";
                            out << '\n';
                        }
                        for (auto const& l : ord->decision->lines) {
                            out << "      line " << l.line_id << ':';
                            for (auto const& a : l.acks) {
                                out << ' ' << a.status << ' ' << a.quantity.to_r() << ' ' << a.uom;
                                if (a.price) out << " at " << a.price->to_r();
                                if (!a.date.empty()) out << " (" << a.date << ")";
                                out << ';';
                            }
                            out << '\n';
                        }
                    }
                }
            }
        }
    }
}

json::value to_json(pipeline::analysis const& an)
{
    json::array ics, fdiags;
    for (auto const& d : an.file_diagnostics) fdiags.push_back(mappings::to_json(d, an.file));
    for (std::size_t i = 0; i < an.interchanges.size(); ++i) {
        auto const& ic = an.interchanges[i];
        auto const& r = an.results[i];
        json::array groups, idiags;
        for (auto const& d : ic.diagnostics) idiags.push_back(mappings::to_json(d, an.file));
        for (std::size_t g = 0; g < ic.groups.size(); ++g) {
            auto const& grp = ic.groups[g];
            bool const is999 = uses_999(r.partner, grp.summary.version);
            json::array sets, gdiags;
            for (auto const& d : grp.diagnostics) gdiags.push_back(mappings::to_json(d, an.file));
            for (std::size_t s = 0; s < grp.sets.size(); ++s) {
                auto const& set = grp.sets[s];
                json::array sdiags;
                for (auto const& d : set.diagnostics) sdiags.push_back(mappings::to_json(d, an.file));
                json::object so{{"id", set.id}, {"control_number", set.control_number},
                                {"syntax", json::object{{"status", set_status(set, is999)}, {"diagnostics", std::move(sdiags)}}}};
                if (auto const* ord = order_of(an, i, g, s)) {
                    so["po_number"] = ord->order.po_number;
                    json::array mdiags;
                    for (auto const& d : ord->mapping_diagnostics) mdiags.push_back(mappings::to_json(d, an.file));
                    so["mapping_diagnostics"] = std::move(mdiags);
                    if (ord->decision) so["business"] = decision_json(*ord->decision);
                    else so["business"] = json::object{{"action", "reject"}, {"accepted", false}, {"reason", ord->not_processed}};
                }
                sets.push_back(std::move(so));
            }
            groups.push_back(json::object{{"control_number", grp.summary.control_number},
                                          {"functional_id", grp.summary.functional_id},
                                          {"version", grp.summary.version},
                                          {"acknowledgment", grp.summary.functional_id == "FA" ? "none" : (is999 ? "999" : "997")},
                                          {"diagnostics", std::move(gdiags)},
                                          {"sets", std::move(sets)}});
        }
        ics.push_back(json::object{{"control_number", ic.summary.control_number},
                                   {"sender", ic.summary.sender_qualifier + "/" + ic.summary.sender_id},
                                   {"receiver", ic.summary.receiver_qualifier + "/" + ic.summary.receiver_id},
                                   {"partner", r.partner ? json::value(r.partner->id) : json::value(nullptr)},
                                   {"ta1", json::object{{"status", r.acks.ta1_status}, {"note", r.acks.ta1_note}}},
                                   {"diagnostics", std::move(idiags)},
                                   {"groups", std::move(groups)}});
    }
    return json::object{{"file", an.file},
                        {"accepted", !an.anything_rejected()},
                        {"diagnostics", std::move(fdiags)},
                        {"interchanges", std::move(ics)}};
}

} // namespace

int ack_command(int argc, char** argv, std::ostream& out, std::ostream& err)
{
    for (int i = 1; i < argc; ++i)
        if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
            out << "usage: edigw ack FILE [--partner ID] [--partners DIR] [--date CCYYMMDD --time HHMM]\n"
                   "                     [--control-number N]\n\n"
                   "Prints the acknowledgment interchanges the gateway would send for FILE, and nothing\n"
                   "else on stdout: a TA1 (own interchange) when the profile asks or the envelope is in\n"
                   "error, then one 997 or 999 per received functional group (never for FA groups).\n"
                   "Without --partner the partner is found by the ISA sender in the partners folder\n"
                   "($EDIGW_PARTNERS, ./partners); without a profile: 997 for 004010 groups, 999\n"
                   "(005010X231A1) for 005010 groups, TA1 when ISA14 = 1 or the envelope is in error.\n"
                   "Control numbers count from --control-number (default 1) until the log issues them.\n"
                   "exit: 0 everything accepted, 1 something rejected (the acks say what), 2 usage or I/O error\n";
            return 0;
        }
    inbound_args a;
    if (int rc = parse_args("ack", argc, argv, a, err, false)) return rc;
    loaded l;
    if (int rc = load("ack", a, l, err)) return rc;
    auto numbers = x12::counting_from(a.first_control);
    auto an = pipeline::analyse_file(a.file, options_for(a, l, numbers));
    if (file_level_failure(an, err)) return 2;
    for (auto const& r : an.results) {
        out << r.acks.ta1;
        out << r.acks.functional;
    }
    return an.anything_rejected() ? 1 : 0;
}

int validate_command(int argc, char** argv, std::ostream& out, std::ostream& err)
{
    for (int i = 1; i < argc; ++i)
        if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
            out << "usage: edigw validate FILE [--partner ID] [--partners DIR] [--format text|json]\n"
                   "                          [--received YYYY-MM-DD]\n\n"
                   "Reports, for every interchange, group, set and order in FILE: the envelope and\n"
                   "syntax findings (X12 dictionary and the partner's guide) with their positions and\n"
                   "ack codes, then the partner's business rules on each accepted 850 (catalog, price,\n"
                   "unit, quantity, pack size, stock, ship-to, dates, currency, duplicate PO, BEG01\n"
                   "purpose) with the 855 decision per order (BAK02) and per line (IA IR IP IQ IB).\n"
                   "--received is the date the order counts as received (default today), for date rules.\n"
                   "exit: 0 everything accepted, 1 anything rejected, 2 usage or I/O error\n";
            return 0;
        }
    inbound_args a;
    if (int rc = parse_args("validate", argc, argv, a, err, true)) return rc;
    loaded l;
    if (int rc = load("validate", a, l, err)) return rc;
    auto numbers = x12::counting_from(a.first_control);
    auto an = pipeline::analyse_file(a.file, options_for(a, l, numbers));
    if (an.io_error) {
        err << "edigw: " << an.file << ": cannot read: " << an.io_message << '\n';
        return 2;
    }
    if (a.format == "json") out << json::serialize(to_json(an)) << '\n';
    else print_text(an, out);
    if (an.interchanges.empty()) {
        if (a.format == "json") return 1;
        err << "edigw: " << an.file << ": "
            << (an.file_diagnostics.empty() ? std::string("no interchange found") : an.file_diagnostics.front().message) << '\n';
        return 1;
    }
    return an.anything_rejected() ? 1 : 0;
}

} // namespace edigw::cli
