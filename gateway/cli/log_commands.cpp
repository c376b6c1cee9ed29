// The commands that use the transmission log: receive, log, show, report, kpi.
#include "gateway/cli/commands.hpp"

#include "gateway/log/json.hpp"
#include "gateway/log/queries.hpp"
#include "gateway/pipeline/emit.hpp"
#include "mappings/json.hpp"
#include "gateway/pipeline/receive.hpp"
#include "gateway/service/service.hpp"
#include "x12/document.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

namespace edigw::cli {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

struct common {
    std::string data, partners, partner, format, since, direction, status, received, ack_date, ack_time;
    std::vector<std::string> positional;
    std::size_t limit = 200;
};

bool has_help(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i)
        if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") return true;
    return false;
}

// Parses the options a command allows; 0 to go on, else an exit code.
int parse(char const* cmd, int argc, char** argv, std::vector<std::string_view> allowed, common& c, std::ostream& err)
{
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a.size() > 2 && a.substr(0, 2) == "--") {
            if (std::find(allowed.begin(), allowed.end(), a) == allowed.end()) {
                err << "edigw " << cmd << ": unknown option '" << a << "' (see --help)\n";
                return 2;
            }
            if (i + 1 >= argc) {
                err << "edigw " << cmd << ": " << a << " needs a value\n";
                return 2;
            }
            std::string v = argv[++i];
            if (a == "--data") c.data = v;
            else if (a == "--partners") c.partners = v;
            else if (a == "--partner") c.partner = v;
            else if (a == "--format") c.format = v;
            else if (a == "--since") c.since = v;
            else if (a == "--direction") c.direction = v;
            else if (a == "--status") c.status = v;
            else if (a == "--received") {
                if (!valid_received(v)) {
                    err << "edigw " << cmd << ": --received must be a date YYYY-MM-DD or as-sent, not '" << v << "'\n";
                    return 2;
                }
                c.received = v;
            }
            else if (a == "--date") c.ack_date = v;
            else if (a == "--time") c.ack_time = v;
            else if (a == "--limit") c.limit = static_cast<std::size_t>(std::strtoull(v.c_str(), nullptr, 10));
        } else if (a.size() > 1 && a[0] == '-') {
            err << "edigw " << cmd << ": unknown option '" << a << "' (see --help)\n";
            return 2;
        } else {
            c.positional.emplace_back(a);
        }
    }
    if (!c.direction.empty() && c.direction != "in" && c.direction != "out") {
        err << "edigw " << cmd << ": --direction is in or out\n";
        return 2;
    }
    return 0;
}

std::unique_ptr<log::store> open_store(char const* cmd, common const& c, std::ostream& err)
{
    std::string e;
    auto st = log::store::open(c.data.empty() ? log::default_data_dir() : fs::path(c.data), e);
    if (!st) err << "edigw " << cmd << ": " << e << '\n';
    return st;
}

std::string csv(std::string const& s)
{
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string o = "\"";
    for (char ch : s) {
        if (ch == '"') o += '"';
        o += ch;
    }
    return o + "\"";
}

std::string html(std::string const& s)
{
    std::string o;
    for (char ch : s) {
        switch (ch) {
        case '<': o += "&lt;"; break;
        case '>': o += "&gt;"; break;
        case '&': o += "&amp;"; break;
        case '"': o += "&quot;"; break;
        default: o += ch;
        }
    }
    return o;
}

std::string where(log::finding_row const& f)
{
    std::string s;
    if (!f.segment_tag.empty()) {
        s = f.segment_tag;
        if (f.element) s += (f.element < 10 ? "0" : "") + std::to_string(f.element);
        if (f.component) s += "-" + std::to_string(f.component);
    }
    if (f.set_position) s += (s.empty() ? "" : " ") + std::string("at position ") + std::to_string(f.set_position);
    if (f.line) s += ", line " + std::to_string(f.line) + " col " + std::to_string(f.column);
    return s;
}

json::value tx_json(log::transmission_row const& t) { return log::to_json(t); }

int load_partners(char const* cmd, common const& c, std::vector<partners::profile>& all, partners::profile const*& forced,
                  std::ostream& err)
{
    auto dir = c.partners.empty() ? partners::default_partners_dir() : fs::path(c.partners);
    partners::profile_error pe;
    if (!partners::load_profiles(dir, all, pe)) {
        err << "edigw " << cmd << ": " << pe.what() << '\n';
        return 2;
    }
    if (!c.partner.empty()) {
        for (auto const& p : all)
            if (p.id == c.partner) forced = &p;
        if (!forced) {
            err << "edigw " << cmd << ": no partner '" << c.partner << "' in " << dir.string() << '\n';
            return 2;
        }
    }
    return 0;
}

} // namespace

// Writes what a receive made (acks, then 855s) to DATA/outbox/<partner>/ and marks it written.
bool write_answers(log::store& st, pipeline::receive_result& r, std::string const& actor, std::ostream& out, std::ostream& err)
{
    bool ok = true;
    for (auto const& d : r.documents) r.acks.push_back(d); // the 855s go out the same way
    for (auto const& a : r.acks) {
        auto doc = x12::document::parse(a.bytes);
        std::string isa13 = doc.interchanges().empty() ? std::to_string(a.transmission_id) : doc.interchanges()[0].control_number;
        std::string name = isa13 + "-" + a.document + ".x12";
        std::string e;
        if (!pipeline::write_outbox(st, r.partner, name, a.bytes, e)) {
            err << "edigw: " << e << '\n';
            ok = false;
            continue;
        }
        if (r.status != "duplicate") {
            log::sql::statement u(st.db(), "UPDATE transmissions SET status = 'written', completed_at = ?, remote_name = ? "
                                           "WHERE id = ? AND status = 'ready'");
            u.bind(1, log::now_iso()).bind(2, name).bind(3, a.transmission_id);
            if (u.run() && st.db().changes() > 0)
                (void)st.audit(actor, "transmission", a.transmission_id, "written", "ready", "written",
                               (st.data_dir() / "outbox" / r.partner / name).string());
        }
        out << "  " << a.document << " -> " << (st.data_dir() / "outbox" / r.partner / name).string() << '\n';
    }
    return ok;
}

int receive_command(int argc, char** argv, std::ostream& out, std::ostream& err)
{
    if (has_help(argc, argv)) {
        out << "usage: edigw receive FILE... [--partner ID] [--data DIR] [--partners DIR] [--received YYYY-MM-DD] [--with-855]\n\n"
               "Runs each FILE through the whole inbound path, offline: archive (content-addressed,\n"
               "fsynced), parse, validate, business rules, the log (one transaction per file), and the\n"
               "acknowledgments, with control numbers from the log, written to DIR/outbox/<partner>/.\n"
               "A file received before is recognised and answered with the same acks, not processed\n"
               "again; so is an interchange (same sender and ISA13: TA1 025) or a set (same GS06, ST02,\n"
               "content) received before, and a PO number received before is a duplicate order.\n"
               "--with-855: also answer every processed order with its 855 (in the same transaction).\n"
               "--data: the data directory (default $EDIGW_DATA, else ./var).\n"
               "exit: 0 processed (or a duplicate answered), 1 something rejected, 2 usage or I/O error\n";
        return 0;
    }
    common c;
    bool with_855 = false; // a flag: taken out before the options that take values
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (std::string_view(argv[i]) == "--with-855") {
            with_855 = true;
            continue;
        }
        args.push_back(argv[i]);
    }
    if (int rc = parse("receive", static_cast<int>(args.size()), args.data(),
                       {"--data", "--partners", "--partner", "--received", "--date", "--time"}, c, err))
        return rc;
    if (c.positional.empty()) {
        err << "edigw receive: no FILE given (see --help)\n";
        return 2;
    }
    std::vector<partners::profile> all;
    partners::profile const* forced = nullptr;
    if (int rc = load_partners("receive", c, all, forced, err)) return rc;
    auto st = open_store("receive", c, err);
    if (!st) return 2;
    int status = 0;
    for (auto const& file : c.positional) {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            err << "edigw: " << file << ": cannot read: " << std::strerror(errno) << '\n';
            status = 2;
            continue;
        }
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        pipeline::receive_options o;
        o.remote_name = fs::path(file).filename().string();
        o.received_date = c.received;
        o.ack_date = c.ack_date;
        o.ack_time = c.ack_time;
        o.with_855 = with_855;
        auto r = pipeline::receive_bytes(*st, std::move(bytes), file, forced, all, o);
        if (!r.ok) {
            err << "edigw: " << file << ": " << r.error << '\n';
            status = std::max(status, r.transmission_id ? 1 : 2);
            continue;
        }
        out << "transmission " << r.transmission_id << " (" << file << ") from " << r.partner << ": " << r.status;
        if (r.status == "duplicate") {
            if (r.duplicate_of) out << " of transmission " << r.duplicate_of << ", answered with its acks";
            else out << " interchange, answered TA1 025 where the profile sends TA1s";
        } else {
            out << ", " << r.sets << " set(s), " << r.orders_accepted << " order(s) accepted, " << r.orders_rejected
                << " rejected";
        }
        if (r.acks_matched) out << ", " << r.acks_matched << " of our documents acknowledged";
        out << '\n';
        if (!write_answers(*st, r, "edigw receive", out, err)) status = 2;
        if (r.status == "rejected" || r.status == "partial") status = std::max(status, 1);
    }
    return status;
}

int reprocess_command(int argc, char** argv, std::ostream& out, std::ostream& err)
{
    if (has_help(argc, argv)) {
        out << "usage: edigw reprocess ID [--data DIR] [--partners DIR] [--received YYYY-MM-DD]\n\n"
               "Runs received transmission ID (rejected or partial) through the pipeline again from the\n"
               "archive, with today's partner profiles, catalog and stock: after a catalog fix, say. Its\n"
               "sets accepted before are skipped (no second 855); the others are judged again and\n"
               "answered with an 855 in DATA/outbox/<partner>/; no second 997/999/TA1 is sent. The new\n"
               "transmission and the original both record the reprocess in their audit trail.\n"
               "exit: 0 processed, 1 still rejected (or partly), 2 usage error or not reprocessable\n";
        return 0;
    }
    common c;
    if (int rc = parse("reprocess", argc, argv, {"--data", "--partners", "--received", "--date", "--time"}, c, err)) return rc;
    char* end = nullptr;
    long long id = c.positional.size() == 1 ? std::strtoll(c.positional[0].c_str(), &end, 10) : 0;
    if (id <= 0 || (end && *end)) {
        err << "edigw reprocess: give one transmission ID (see edigw log)\n";
        return 2;
    }
    std::vector<partners::profile> all;
    partners::profile const* forced = nullptr;
    if (int rc = load_partners("reprocess", c, all, forced, err)) return rc;
    auto st = open_store("reprocess", c, err);
    if (!st) return 2;
    pipeline::receive_options o;
    o.transport = "reprocess";
    o.actor = "edigw reprocess";
    o.received_date = c.received;
    o.ack_date = c.ack_date;
    o.ack_time = c.ack_time;
    o.with_855 = true;
    auto r = pipeline::reprocess(*st, id, all, o);
    if (!r.ok) {
        err << "edigw reprocess: " << r.error << '\n';
        return r.transmission_id ? 1 : 2;
    }
    out << "transmission " << r.transmission_id << " (reprocess of " << id << ") from " << r.partner << ": " << r.status << ", "
        << r.sets << " set(s), " << r.orders_accepted << " order(s) accepted, " << r.orders_rejected << " rejected\n";
    if (!write_answers(*st, r, "edigw reprocess", out, err)) return 2;
    return r.status == "processed" ? 0 : 1;
}

int log_command(int argc, char** argv, std::ostream& out, std::ostream& err)
{
    if (has_help(argc, argv)) {
        out << "usage: edigw log [--partner ID] [--direction in|out] [--status S] [--since DATE] [--limit N]\n"
               "                 [--format table|json|csv] [--data DIR]\n\n"
               "The transmission log, newest first: what came in and went out, from whom, when,\n"
               "its size and SHA-256, its status and how many of its sets were rejected.\n";
        return 0;
    }
    common c;
    c.format = "table";
    if (int rc = parse("log", argc, argv, {"--data", "--partner", "--direction", "--status", "--since", "--limit", "--format"}, c,
                       err))
        return rc;
    if (c.format != "table" && c.format != "json" && c.format != "csv") {
        err << "edigw log: --format is table, json or csv\n";
        return 2;
    }
    auto st = open_store("log", c, err);
    if (!st) return 2;
    log::transmission_filter f{c.partner, c.direction, c.status, c.since, c.limit, 0};
    auto rows = log::list_transmissions(*st, f);
    if (c.format == "json") {
        json::array a;
        for (auto const& t : rows) a.push_back(tx_json(t));
        out << json::serialize(a) << '\n';
    } else if (c.format == "csv") {
        out << "id,received_at,partner,direction,transport,document,status,sets,rejected_sets,size,remote_name,sha256\n";
        for (auto const& t : rows)
            out << t.id << ',' << t.received_at << ',' << csv(t.partner) << ',' << t.direction << ',' << t.transport << ','
                << t.document << ',' << t.status << ',' << t.sets << ',' << t.rejected << ',' << t.size << ','
                << csv(t.remote_name) << ',' << t.sha256 << '\n';
    } else {
        out << std::left << std::setw(6) << "ID" << std::setw(25) << "RECEIVED (UTC)" << std::setw(12) << "PARTNER" << std::setw(5)
            << "DIR" << std::setw(11) << "VIA" << std::setw(6) << "DOC" << std::setw(11) << "STATUS" << std::setw(6) << "SETS"
            << std::setw(6) << "REJ" << "NAME\n";
        for (auto const& t : rows)
            out << std::left << std::setw(6) << t.id << std::setw(25) << t.received_at << std::setw(12) << t.partner << std::setw(5)
                << t.direction << std::setw(11) << t.transport << std::setw(6) << t.document << std::setw(11) << t.status
                << std::setw(6) << t.sets << std::setw(6) << t.rejected << t.remote_name << '\n';
        if (rows.empty()) out << "(no transmissions)\n";
    }
    return 0;
}

int show_command(int argc, char** argv, std::ostream& out, std::ostream& err)
{
    if (has_help(argc, argv)) {
        out << "usage: edigw show ID|DOCUMENT-NUMBER [--data DIR]\n\n"
               "Everything about one transmission (or the latest one holding a PO, shipment or invoice number): its record, the raw X12 segment by segment with\n"
               "every finding marked under its position, the sets with their status and 855 decision,\n"
               "the acknowledgments both ways, and the audit trail.\n";
        return 0;
    }
    common c;
    if (int rc = parse("show", argc, argv, {"--data"}, c, err)) return rc;
    if (c.positional.size() != 1) {
        err << "edigw show: expected one transmission ID (see --help)\n";
        return 2;
    }
    auto st = open_store("show", c, err);
    if (!st) return 2;
    char* end = nullptr;
    long long id = std::strtoll(c.positional[0].c_str(), &end, 10);
    if (*end || id <= 0) {
        // Not a number: a document number (PO, shipment, invoice); its latest transmission.
        log::sql::statement q(st->db(), "SELECT i.transmission_id FROM sets s JOIN groups g ON s.group_id = g.id "
                                        "JOIN interchanges i ON g.interchange_id = i.id WHERE s.document_number = ? "
                                        "ORDER BY s.id DESC LIMIT 1");
        q.bind(1, c.positional[0]);
        if (!q.step()) {
            err << "edigw show: no transmission " << c.positional[0] << " and no document with that number\n";
            return 2;
        }
        id = q.integer(0);
    }
    auto d = log::show_transmission(*st, id);
    if (!d) {
        err << "edigw show: no transmission " << id << '\n';
        return 2;
    }
    auto const& t = d->t;
    out << "transmission " << t.id << ": " << t.direction << " " << t.document << " " << (t.direction == "in" ? "from " : "to ")
        << t.partner << " via " << t.transport << ", " << t.status << "\n"
        << "  name " << (t.remote_name.empty() ? "-" : t.remote_name) << ", " << t.size << " bytes, sha256 " << t.sha256 << "\n"
        << "  received " << t.received_at << (t.completed_at.empty() ? "" : ", completed " + t.completed_at) << "\n";
    if (t.duplicate_of) out << "  duplicate of transmission " << t.duplicate_of << "\n";
    if (t.reply_to) out << "  in reply to transmission " << t.reply_to << "\n";
    if (!t.message.empty()) out << "  " << t.message << "\n";

    auto raw = st->archived(t.sha256);
    std::map<std::int64_t, std::vector<log::finding_row const*>> by_segment;
    for (auto const& f : d->findings) by_segment[f.segment_index].push_back(&f);
    if (raw) {
        out << "\nraw X12 (findings marked under their place):\n";
        auto doc = x12::document::parse(*raw);
        for (auto const& s : doc.segments()) {
            char head[32];
            std::snprintf(head, sizeof head, "%6llu  ", static_cast<unsigned long long>(s.index()));
            out << head << s.text() << '\n';
            auto it = by_segment.find(static_cast<std::int64_t>(s.index()));
            if (it == by_segment.end()) continue;
            for (auto const* f : it->second) {
                std::size_t col = f->byte_offset >= static_cast<std::int64_t>(s.offset())
                                      ? static_cast<std::size_t>(f->byte_offset - static_cast<std::int64_t>(s.offset()))
                                      : 0;
                if (f->kind == "rule") col = 0;
                if (col > s.text().size()) col = s.text().size();
                out << "        " << std::string(col, ' ') << "^ " << f->severity << " [" << f->code << "] " << f->message
                    << (f->ack_code.empty() ? "" : " (ack code " + f->ack_code + ")") << '\n';
            }
        }
        for (auto const& f : d->findings)
            if (f.segment_index == 0 && f.kind != "rule")
                out << "        " << f.severity << " [" << f.code << "] " << f.message << '\n';
    } else {
        out << "\n(the raw bytes are no longer in the archive)\n";
    }
    if (!d->sets.empty()) {
        out << "\nsets:\n";
        for (auto const& s : d->sets) {
            out << "  " << s.type << " " << s.control_number << " (group " << s.group_control_number << ", interchange "
                << s.interchange_control_number << ")";
            if (!s.document_number.empty()) out << " " << s.document_number;
            out << ": " << s.status;
            if (!s.decision.empty()) out << ", 855 BAK02 " << s.decision;
            if (!s.reason.empty()) out << ", " << s.reason;
            if (!s.ack_status.empty()) out << ", their ack " << s.ack_status;
            out << '\n';
            for (auto const& f : d->findings)
                if (f.set_id == s.id && f.kind == "rule")
                    out << "    " << f.severity << " [" << f.code << "] " << f.message << " (" << where(f) << ")\n";
        }
    }
    if (!d->replies.empty()) {
        out << "\nwe answered:\n";
        for (auto const& r : d->replies) {
            out << "  transmission " << r.id << ": " << r.document << ", " << r.status << ", " << r.size << " bytes\n";
            if (auto bytes = st->archived(r.sha256)) {
                std::string text = *bytes;
                std::istringstream lines(text);
                std::string line;
                while (std::getline(lines, line)) out << "    " << line << '\n';
            }
        }
    }
    if (t.direction == "out") {
        // Their acknowledgments of what we sent.
        log::sql::statement q(st->db(), "SELECT g.functional_id, g.control_number, coalesce(g.status, ''), "
                                        "coalesce(g.ack_received_at, ''), coalesce(g.ack_due_at, ''), g.ack_expected, "
                                        "coalesce(g.ack_transmission_id, 0) FROM groups g JOIN interchanges i "
                                        "ON g.interchange_id = i.id WHERE i.transmission_id = ? ORDER BY g.id");
        q.bind(1, t.id);
        bool any = false;
        while (q.step()) {
            if (!q.integer(5)) continue;
            if (!any) out << "\ntheir acknowledgments:\n";
            any = true;
            out << "  group " << q.text(0) << " " << q.text(1) << ": ";
            if (q.text(3).empty()) out << "not acknowledged yet (due " << q.text(4) << ")\n";
            else out << "AK901 " << q.text(2) << " at " << q.text(3) << " (transmission " << q.integer(6) << ")\n";
        }
        log::sql::statement t1(st->db(), "SELECT control_number, coalesce(ta1_received_status, ''), coalesce(ta1_received_note, '') "
                                         "FROM interchanges WHERE transmission_id = ? AND ta1_received_status IS NOT NULL");
        t1.bind(1, t.id);
        while (t1.step()) out << "  TA1 for interchange " << t1.text(0) << ": " << t1.text(1) << " " << t1.text(2) << "\n";
    }
    out << "\naudit trail:\n";
    for (auto const& a : d->audit)
        out << "  " << a.at << "  " << a.actor << ": " << a.entity << " " << a.entity_id << " " << a.action
            << (a.old_value.empty() && a.new_value.empty() ? "" : " " + (a.old_value.empty() ? "-" : a.old_value) + " -> " + a.new_value)
            << (a.detail.empty() ? "" : " (" + a.detail + ")") << '\n';
    return 0;
}

int report_command(int argc, char** argv, std::ostream& out, std::ostream& err)
{
    if (argc >= 2 && std::string_view(argv[1]) == "overdue" && !has_help(argc, argv)) {
        common c;
        if (int rc = parse("report", argc - 1, argv + 1, {"--data", "--partner"}, c, err)) return rc;
        auto st = open_store("report", c, err);
        if (!st) return 2;
        auto rows = log::overdue_acks(*st, c.partner);
        for (auto const& r : rows) {
            if (r.functional_id == "MDN")
                out << r.partner << "  AS2 message " << r.control_number << "  (transmission " << r.transmission_id
                    << ")  no asynchronous MDN since it was due at " << r.due_at << '\n';
            else
                out << r.partner << "  group " << r.functional_id << " " << r.control_number << "  (transmission " << r.transmission_id
                    << ")  no 997/999 since it was due at " << r.due_at << '\n';
        }
        if (rows.empty()) out << "no overdue acknowledgments\n";
        return rows.empty() ? 0 : 1;
    }
    if (has_help(argc, argv) || argc < 2 || std::string_view(argv[1]) != "rejected") {
        (has_help(argc, argv) ? out : err)
            << "usage: edigw report rejected [--partner ID] [--since DATE] [--format text|csv|html] [--data DIR]\n"
               "       edigw report overdue [--partner ID] [--data DIR]   (our groups unacknowledged past the partner's window,\n"
               "                                                          and AS2 messages whose asynchronous MDN is late)\n\n"
               "The rejected-document report: for every rejected inbound document, the partner, file,\n"
               "time, interchange/group/set control numbers, PO number, every reason (code, message,\n"
               "segment position, element, offending value, the segment text) and what was sent back.\n"
               "--format html writes one self-contained page.\n";
        return has_help(argc, argv) ? 0 : 2;
    }
    common c;
    c.format = "text";
    if (int rc = parse("report", argc - 1, argv + 1, {"--data", "--partner", "--since", "--format"}, c, err)) return rc;
    if (c.format != "text" && c.format != "csv" && c.format != "html") {
        err << "edigw report: --format is text, csv or html\n";
        return 2;
    }
    auto st = open_store("report", c, err);
    if (!st) return 2;
    auto rows = log::rejected_report(*st, c.partner, c.since);
    if (c.format == "csv") {
        out << "partner,file,received_at,transmission,interchange,group,set,type,po_number,code,message,segment,set_position,"
               "element,value,segment_text,sent_back\n";
        for (auto const& r : rows) {
            std::string back;
            for (auto const& b : r.sent_back) back += (back.empty() ? "" : "; ") + b;
            auto line = [&](log::finding_row const* f) {
                out << csv(r.partner) << ',' << csv(r.file) << ',' << r.received_at << ',' << r.transmission_id << ','
                    << r.interchange << ',' << r.group << ',' << r.set_control << ',' << r.type << ',' << csv(r.po_number) << ','
                    << (f ? f->code : r.reason) << ',' << csv(f ? f->message : std::string()) << ','
                    << (f ? f->segment_tag : "") << ',' << (f ? f->set_position : 0) << ',' << (f ? f->element : 0) << ','
                    << csv(f ? f->value : std::string()) << ',' << csv(f ? f->segment_text : std::string()) << ',' << csv(back)
                    << '\n';
            };
            if (r.reasons.empty()) line(nullptr);
            for (auto const& f : r.reasons) line(&f);
        }
        return 0;
    }
    if (c.format == "html") {
        out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>edigw: rejected documents</title>\n"
               "<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.4em}"
               "table{border-collapse:collapse;width:100%;margin-bottom:1.5em}th,td{border:1px solid #ccc;padding:4px 8px;"
               "text-align:left;vertical-align:top}th{background:#f3f3f3}.doc{background:#fff4f4}code,pre{font-family:ui-monospace,"
               "monospace}pre{margin:0;white-space:pre-wrap}.muted{color:#777}</style></head><body>\n"
            << "<h1>Rejected documents</h1>\n<p class=\"muted\">" << rows.size() << " document(s)"
            << (c.partner.empty() ? "" : " from " + html(c.partner)) << (c.since.empty() ? "" : " since " + html(c.since))
            << ", generated " << log::now_iso() << "</p>\n";
        for (auto const& r : rows) {
            out << "<table><tr class=\"doc\"><th colspan=\"5\">" << html(r.partner) << " &middot; " << html(r.type) << " "
                << html(r.set_control) << (r.po_number.empty() ? "" : " &middot; PO " + html(r.po_number)) << " &middot; "
                << html(r.file) << " &middot; received " << html(r.received_at) << " &middot; transmission "
                << r.transmission_id << " &middot; interchange " << html(r.interchange) << ", group " << html(r.group)
                << "</th></tr>\n<tr><th>reason</th><th>where</th><th>value</th><th>segment</th><th>ack code</th></tr>\n";
            if (r.reasons.empty())
                out << "<tr><td colspan=\"5\">" << html(r.reason) << "</td></tr>\n";
            for (auto const& f : r.reasons)
                out << "<tr><td><code>" << html(f.code) << "</code> " << html(f.message) << "</td><td>" << html(where(f))
                    << "</td><td><code>" << html(f.value) << "</code></td><td><pre>" << html(f.segment_text) << "</pre></td><td>"
                    << html(f.ack_code) << "</td></tr>\n";
            out << "<tr><td colspan=\"5\" class=\"muted\">sent back: ";
            for (std::size_t i = 0; i < r.sent_back.size(); ++i) out << (i ? ", " : "") << html(r.sent_back[i]);
            if (r.sent_back.empty()) out << "nothing";
            out << "</td></tr></table>\n";
        }
        out << "</body></html>\n";
        return 0;
    }
    for (auto const& r : rows) {
        out << r.partner << "  " << r.type << " " << r.set_control << (r.po_number.empty() ? "" : "  PO " + r.po_number) << "  "
            << r.file << "  received " << r.received_at << "  (transmission " << r.transmission_id << ", interchange "
            << r.interchange << ", group " << r.group << ")\n";
        if (r.reasons.empty()) out << "    " << r.reason << '\n';
        for (auto const& f : r.reasons) {
            out << "    [" << f.code << "] " << f.message;
            auto w = where(f);
            if (!w.empty()) out << "  (" << w << ")";
            if (!f.ack_code.empty()) out << "  ack code " << f.ack_code;
            out << '\n';
            if (!f.segment_text.empty()) out << "      " << f.segment_text << '\n';
        }
        out << "    sent back: ";
        for (std::size_t i = 0; i < r.sent_back.size(); ++i) out << (i ? ", " : "") << r.sent_back[i];
        out << (r.sent_back.empty() ? "nothing\n" : "\n");
    }
    if (rows.empty()) out << "no rejected documents\n";
    return 0;
}

int prune_command(int argc, char** argv, std::ostream& out, std::ostream& err)
{
    if (has_help(argc, argv)) {
        out << "usage: edigw prune [--partner ID] [--dry-run] [--data DIR] [--partners DIR]\n\n"
               "Applies each partner's [log] retention_days to the archive: raw bytes older than that\n"
               "are removed (unless a newer transmission has the same bytes); the log keeps the\n"
               "records, marked purged, and the audit trail says so.\n";
        return 0;
    }
    common c;
    bool dry = false; // a flag: taken out before the options that take values
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (std::string_view(argv[i]) == "--dry-run") {
            dry = true;
            continue;
        }
        args.push_back(argv[i]);
    }
    if (int rc = parse("prune", static_cast<int>(args.size()), args.data(), {"--data", "--partners", "--partner"}, c, err)) return rc;
    std::vector<partners::profile> all;
    partners::profile const* forced = nullptr;
    if (int rc = load_partners("prune", c, all, forced, err)) return rc;
    auto st = open_store("prune", c, err);
    if (!st) return 2;
    for (auto const& p : all) {
        if (forced && forced != &p) continue;
        auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - std::chrono::hours(24) * p.retention_days);
        std::tm tm{};
        gmtime_r(&t, &tm);
        char before[32];
        std::strftime(before, sizeof before, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
        auto n = log::prune_archive(*st, p.id, before, dry);
        if (n < 0) {
            err << "edigw prune: " << st->db().last_error() << '\n';
            return 2;
        }
        out << p.id << ": " << n << " transmission(s) older than " << p.retention_days << " days "
            << (dry ? "would be" : "were") << " purged from the archive\n";
    }
    return 0;
}

int emit_command(int argc, char** argv, std::ostream& out, std::ostream& err)
{
    if (has_help(argc, argv) || argc < 2) {
        (has_help(argc, argv) ? out : err)
            << "usage: edigw emit 855 --partner ID --order FILE [--out FILE] [--data DIR] [--received YYYY-MM-DD]\n"
               "       edigw emit 856 --partner ID --shipment FILE.json [--out FILE] [--data DIR]\n"
               "       edigw emit 810 --partner ID (--invoice FILE.json | --shipment FILE.json --order FILE\n"
               "                      [--invoice-number N]) [--out FILE] [--data DIR]\n"
               "                 [--date CCYYMMDD --time HHMM]\n\n"
               "Renders the 855 for every 850 in FILE from the partner's template (its [templates] entry,\n"
               "else mappings/templates/855.x12t), with BAK02 and the ACK lines from the business rules.\n"
               "The interchange is parsed and validated before it is released; then its control numbers\n"
               "are taken from the log, it is recorded there as outbound (expecting their 997/999) and\n"
               "written to stdout (or --out).\n"
               "exit: 0 released, 1 not released (the error names the template line), 2 usage or I/O error\n";
        return has_help(argc, argv) ? 0 : 2;
    }
    std::string const doc = argv[1];
    if (doc != "855" && doc != "856" && doc != "810") {
        err << "edigw emit: '" << doc << "' is not a document edigw emits (855, 856, 810)\n";
        return 2;
    }
    common c;
    std::string order_file, out_file, shipment_file, invoice_file, invoice_number;
    std::vector<char*> args{argv[1]};
    for (int i = 2; i < argc; ++i) {
        std::string_view a = argv[i];
        if ((a == "--order" || a == "--out" || a == "--shipment" || a == "--invoice" || a == "--invoice-number") && i + 1 < argc) {
            (a == "--order" ? order_file : a == "--out" ? out_file : a == "--shipment" ? shipment_file
                                                        : a == "--invoice" ? invoice_file : invoice_number) = argv[++i];
            continue;
        }
        args.push_back(argv[i]);
    }
    auto read_json = [&](std::string const& file, json::value& v) -> int {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            err << "edigw: " << file << ": cannot read: " << std::strerror(errno) << '\n';
            return 2;
        }
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        boost::system::error_code jec;
        v = json::parse(text, jec);
        if (jec) {
            err << "edigw emit: " << file << ": not JSON: " << jec.message() << '\n';
            return 2;
        }
        return 0;
    };
    if (doc == "810") {
        if (int rc = parse("emit", static_cast<int>(args.size()), args.data(), {"--data", "--partners", "--partner", "--date", "--time", "--received"}, c, err))
            return rc;
        if (c.partner.empty() || (invoice_file.empty() && (shipment_file.empty() || order_file.empty()))) {
            err << "edigw emit 810: --partner and either --invoice FILE or --shipment FILE --order FILE are required\n";
            return 2;
        }
        std::vector<partners::profile> all;
        partners::profile const* p = nullptr;
        if (int rc = load_partners("emit", c, all, p, err)) return rc;
        auto st = open_store("emit", c, err);
        if (!st) return 2;
        pipeline::emit_options eo;
        eo.st = st.get();
        eo.date = c.ack_date;
        eo.time = c.ack_time;
        pipeline::emit_result r;
        if (!invoice_file.empty()) {
            json::value inv;
            if (int rc = read_json(invoice_file, inv)) return rc;
            r = pipeline::emit_810(*p, inv, eo);
        } else {
            json::value shipment;
            if (int rc = read_json(shipment_file, shipment)) return rc;
            pipeline::inbound_options io;
            io.partner = p;
            io.profiles = &all;
            io.received_date = c.received;
            auto an = pipeline::analyse_file(order_file, io);
            if (an.orders.empty()) {
                err << "edigw emit 810: " << order_file << " holds no 850\n";
                return 1;
            }
            std::string number = invoice_number.empty() ? "INV-" + an.orders.front().order.po_number : invoice_number;
            r = pipeline::emit_810_from(*p, an.orders.front().order, shipment, number, eo);
        }
        if (!r.ok) {
            err << "edigw emit 810: " << r.error << '\n';
            return 1;
        }
        if (!out_file.empty()) std::ofstream(out_file, std::ios::binary) << r.interchange;
        else out << r.interchange;
        return 0;
    }
    if (doc == "856") {
        if (int rc = parse("emit", static_cast<int>(args.size()), args.data(), {"--data", "--partners", "--partner", "--date", "--time"}, c, err))
            return rc;
        if (c.partner.empty() || shipment_file.empty()) {
            err << "edigw emit 856: --partner and --shipment are required (see --help)\n";
            return 2;
        }
        std::vector<partners::profile> all;
        partners::profile const* p = nullptr;
        if (int rc = load_partners("emit", c, all, p, err)) return rc;
        std::ifstream in(shipment_file, std::ios::binary);
        if (!in) {
            err << "edigw: " << shipment_file << ": cannot read: " << std::strerror(errno) << '\n';
            return 2;
        }
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        boost::system::error_code jec;
        auto shipment = json::parse(text, jec);
        if (jec) {
            err << "edigw emit: " << shipment_file << ": not JSON: " << jec.message() << '\n';
            return 2;
        }
        auto st = open_store("emit", c, err);
        if (!st) return 2;
        pipeline::emit_options eo;
        eo.st = st.get();
        eo.date = c.ack_date;
        eo.time = c.ack_time;
        auto r = pipeline::emit_856(*p, shipment, eo);
        if (!r.ok) {
            err << "edigw emit: " << shipment_file << ": " << r.error << '\n';
            return 1;
        }
        if (!out_file.empty()) std::ofstream(out_file, std::ios::binary) << r.interchange;
        else out << r.interchange;
        return 0;
    }
    if (int rc = parse("emit", static_cast<int>(args.size()), args.data(), {"--data", "--partners", "--partner", "--received", "--date", "--time"}, c,
                       err))
        return rc;
    if (c.partner.empty() || order_file.empty()) {
        err << "edigw emit: --partner and --order are required (see --help)\n";
        return 2;
    }
    std::vector<partners::profile> all;
    partners::profile const* p = nullptr;
    if (int rc = load_partners("emit", c, all, p, err)) return rc;
    auto st = open_store("emit", c, err);
    if (!st) return 2;
    pipeline::analysis an;
    {
        // An 850 (X12) or a canonical order (JSON, as edigw parse writes it).
        std::ifstream in(order_file, std::ios::binary);
        std::string head(64, '\0');
        in.read(head.data(), 64);
        head.resize(static_cast<std::size_t>(in.gcount()));
        auto first = head.find_first_not_of(" \t\r\n");
        if (in.gcount() > 0 || in.eof()) {
            if (first != std::string::npos && (head[first] == '{' || head[first] == '[')) {
                json::value v;
                if (int rc = read_json(order_file, v)) return rc;
                // `edigw parse` output holds {"orders": [...]}; a bare order is one object.
                std::vector<json::value const*> orders;
                if (v.is_object() && v.as_object().contains("orders") && v.at("orders").is_array())
                    for (auto const& o : v.at("orders").as_array()) orders.push_back(&o);
                else
                    orders.push_back(&v);
                for (auto const* ov : orders) {
                    pipeline::order_result res;
                    std::string e;
                    if (!mappings::from_json(*ov, res.order, e)) {
                        err << "edigw emit: " << order_file << ": " << e << '\n';
                        return 1;
                    }
                    partners::rule_context ctx;
                    // A canonical order carries no interchange date: as-sent is today.
                    ctx.received_date = c.received.empty() || c.received == "as-sent" ? pipeline::today_iso() : c.received;
                    res.decision = partners::apply_rules(res.order, *p, ctx);
                    an.orders.push_back(std::move(res));
                }
            }
        }
    }
    if (an.orders.empty()) {
        pipeline::inbound_options io;
        io.partner = p;
        io.profiles = &all;
        io.received_date = c.received;
        an = pipeline::analyse_file(order_file, io);
    }
    if (an.io_error) {
        err << "edigw: " << order_file << ": cannot read: " << an.io_message << '\n';
        return 2;
    }
    std::string text;
    int status = 0;
    std::size_t emitted = 0;
    for (auto const& o : an.orders) {
        if (!o.decision) {
            err << "edigw emit: PO " << o.order.po_number << " is not processed (" << o.not_processed
                << " rejected); no 855 (the 997/999 says why)\n";
            status = 1;
            continue;
        }
        pipeline::emit_options eo;
        eo.st = st.get();
        eo.date = c.ack_date;
        eo.time = c.ack_time;
        if (c.ack_date.size() == 8) eo.today = c.ack_date.substr(0, 4) + "-" + c.ack_date.substr(4, 2) + "-" + c.ack_date.substr(6, 2);
        auto r = pipeline::emit_855(*p, o.order, *o.decision, eo);
        if (!r.ok) {
            err << "edigw emit: PO " << o.order.po_number << ": " << r.error << '\n';
            status = 1;
            continue;
        }
        text += r.interchange;
        ++emitted;
    }
    if (an.orders.empty()) {
        err << "edigw emit: " << order_file << " holds no 850\n";
        return 1;
    }
    if (!out_file.empty()) {
        std::ofstream f(out_file, std::ios::binary);
        if (!(f << text)) {
            err << "edigw emit: " << out_file << ": cannot write\n";
            return 2;
        }
    } else {
        out << text;
    }
    return emitted ? status : 1;
}

int serve_command(int argc, char** argv, std::ostream& out, std::ostream& err)
{
    if (has_help(argc, argv)) {
        out << "usage: edigw serve [--config FILE] [--data DIR] [--partners DIR] [--admin-port N] [--as2-port N]\n"
               "                   [--as2-tls-port N --tls-cert PEM --tls-key PEM] [--received YYYY-MM-DD|as-sent]\n"
               "                   [--log-format text|json]\n\n"
               "Runs the gateway: every partner's drop folder ([transport.folder]) is watched; a file is\n"
               "taken when complete, received into the log exactly once, answered in the partner's\n"
               "outbound folder, and moved to its inbound .done/ folder. SIGTERM/SIGINT stop it\n"
               "gracefully. --admin-port serves /healthz and /metrics on 127.0.0.1, with the token in\n"
               "$EDIGW_ADMIN_TOKEN (Authorization: Bearer ...). A --config TOML holds the same:\n"
               "[service] data, partners, admin_address, admin_port, admin_token_env, poll_ms, workers,\n"
               "as2_address, as2_port, as2_max_connections, as2_read_timeout_s, as2_public_url.\n"
               "as2_tls_port, as2_tls_certificate, as2_tls_key.\n"
               "--as2-port listens for AS2 partners (RFC 4130) on 127.0.0.1 (as2_address opens it wider);\n"
               "--as2-tls-port the same over HTTPS with the server certificate and key given;\n"
               "--as2-public-url URL is where partners post the asynchronous MDNs we ask for.\n"
               "--log-format json writes one JSON object a line (ts, level, event, its fields, msg).\n"
               "--received fixes the business day the date rules judge by (default today); as-sent\n"
               "judges each interchange as of its own ISA date, for replaying old sample files.\n";
        return 0;
    }
    common c;
    std::string config_file, admin_port, as2_port, tls_port, tls_cert, tls_key, public_url, log_format;
    std::vector<char*> args{argv[0]};
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if ((a == "--config" || a == "--admin-port" || a == "--as2-port" || a == "--as2-tls-port" || a == "--tls-cert" || a == "--tls-key"
             || a == "--as2-public-url" || a == "--log-format")
            && i + 1 < argc) {
            (a == "--config" ? config_file : a == "--as2-port" ? as2_port : a == "--as2-tls-port" ? tls_port : a == "--tls-cert" ? tls_cert
                                            : a == "--tls-key"      ? tls_key
                                            : a == "--as2-public-url" ? public_url
                                            : a == "--log-format"     ? log_format
                                                                      : admin_port) = argv[++i];
            continue;
        }
        args.push_back(argv[i]);
    }
    if (int rc = parse("serve", static_cast<int>(args.size()), args.data(), {"--data", "--partners", "--received"}, c, err)) return rc;
    service::config cfg;
    if (!config_file.empty()) {
        service::config_error ce;
        if (!service::load_config(config_file, cfg, ce)) {
            err << "edigw serve: " << ce.what() << '\n';
            return 2;
        }
    }
    if (!c.data.empty()) cfg.data_dir = c.data;
    if (cfg.data_dir.empty()) cfg.data_dir = log::default_data_dir();
    if (!c.partners.empty()) cfg.partners_dir = c.partners;
    if (cfg.partners_dir.empty()) cfg.partners_dir = partners::default_partners_dir();
    cfg.received_date = c.received;
    if (!admin_port.empty()) {
        char* end = nullptr;
        long v = std::strtol(admin_port.c_str(), &end, 10);
        if (*end || v < 1 || v > 65535) {
            err << "edigw serve: --admin-port must be 1..65535\n";
            return 2;
        }
        cfg.admin_port = static_cast<std::uint16_t>(v);
        char const* t = std::getenv("EDIGW_ADMIN_TOKEN");
        if (!t || std::string_view(t).size() < 16) {
            err << "edigw serve: --admin-port needs EDIGW_ADMIN_TOKEN (16 characters or more)\n";
            return 2;
        }
        cfg.admin_token = t;
    }
    for (auto [text, into, name] : {std::tuple{&as2_port, &cfg.as2_port, "--as2-port"}, std::tuple{&tls_port, &cfg.as2_tls_port, "--as2-tls-port"}}) {
        if (text->empty()) continue;
        char* end = nullptr;
        long v = std::strtol(text->c_str(), &end, 10);
        if (*end || v < 1 || v > 65535) {
            err << "edigw serve: " << name << " must be 1..65535\n";
            return 2;
        }
        *into = static_cast<std::uint16_t>(v);
    }
    if (!public_url.empty()) cfg.as2_public_url = public_url;
    if (!log_format.empty()) {
        if (log_format != "text" && log_format != "json") {
            err << "edigw serve: --log-format must be text or json\n";
            return 2;
        }
        cfg.log_format = log_format;
    }
    if (!tls_cert.empty()) cfg.as2_tls_certificate = tls_cert;
    if (!tls_key.empty()) cfg.as2_tls_key = tls_key;
    if (cfg.as2_tls_port && (cfg.as2_tls_certificate.empty() || cfg.as2_tls_key.empty())) {
        err << "edigw serve: --as2-tls-port needs --tls-cert and --tls-key\n";
        return 2;
    }
    std::vector<partners::profile> all;
    partners::profile_error pe;
    if (!partners::load_profiles(cfg.partners_dir, all, pe)) {
        err << "edigw serve: " << pe.what() << '\n';
        return 2;
    }
    service::gateway g(cfg, std::move(all));
    return g.run([&](std::string const& line) { err << line << std::endl; });
}

int kpi_command(int argc, char** argv, std::ostream& out, std::ostream& err)
{
    if (has_help(argc, argv)) {
        out << "usage: edigw kpi [--partner ID] [--since DATE] [--format text|json] [--data DIR]\n\n"
               "Orders received, accepted, changed, rejected; exceptions per 1,000 orders; ack latency\n"
               "(ours and theirs); order-to-855 cycle time; overdue acknowledgments.\n";
        return 0;
    }
    common c;
    c.format = "text";
    if (int rc = parse("kpi", argc, argv, {"--data", "--partner", "--since", "--format"}, c, err)) return rc;
    auto st = open_store("kpi", c, err);
    if (!st) return 2;
    auto k = log::compute_kpis(*st, c.partner, c.since);
    if (c.format == "json") {
        out << json::serialize(log::to_json(k))
            << '\n';
        return 0;
    }
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "orders received           %lld (accepted %lld, changed %lld, rejected %lld, duplicate %lld)\n"
                  "exceptions per 1,000      %.1f\n"
                  "our ack latency           %s\n"
                  "their ack latency         %s\n"
                  "order-to-855 cycle time   %s\n"
                  "overdue acknowledgments   %lld\n"
                  "transmissions             %lld in, %lld out, %lld duplicate\n",
                  static_cast<long long>(k.orders_received), static_cast<long long>(k.orders_accepted),
                  static_cast<long long>(k.orders_changed), static_cast<long long>(k.orders_rejected),
                  static_cast<long long>(k.orders_duplicate), k.exceptions_per_1000,
                  k.our_acks ? (std::to_string(k.our_ack_latency_s).substr(0, 6) + " s mean over " + std::to_string(k.our_acks)).c_str()
                             : "n/a",
                  k.their_acks ? (std::to_string(k.their_ack_latency_s).substr(0, 8) + " s mean over " + std::to_string(k.their_acks)).c_str()
                               : "n/a (none received yet)",
                  k.orders_with_855 ? (std::to_string(k.order_to_855_s).substr(0, 8) + " s mean").c_str() : "n/a (no 855 sent yet)",
                  static_cast<long long>(k.overdue_acks), static_cast<long long>(k.transmissions_in),
                  static_cast<long long>(k.transmissions_out), static_cast<long long>(k.duplicates));
    out << buf;
    return 0;
}

} // namespace edigw::cli
