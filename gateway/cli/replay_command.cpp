// `edigw replay`: sends each sample through the gateway the way its partner
// would and compares what comes back with the expected outputs stored beside
// it (SAMPLE.expect: every interchange the gateway answers with, in order).
// Without --gateway it replays in-process, on a fresh data directory per
// sample, with the sample's own interchange date as "today". With --gateway
// it goes to a running `edigw serve`: --via api posts to its replay endpoint;
// --via folder drops the file into the partner's inbound folder as the
// partner would and waits for the answers to be delivered to its outbound
// folder (watched through the API). Dates, times and control numbers are
// ignored in the comparison, which is shown segment by segment.
#include "gateway/cli/commands.hpp"

#include "gateway/log/json.hpp"
#include "gateway/log/queries.hpp"
#include "gateway/pipeline/emit.hpp"
#include "gateway/pipeline/receive.hpp"
#include "gateway/transport/as2_client.hpp"
#include "gateway/transport/sftp.hpp"
#include "x12/document.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <fnmatch.h>
#include <functional>
#include <thread>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace edigw::cli {

namespace fs = std::filesystem;

namespace {

// One segment per line, the fields that differ from run to run blanked:
// ISA09/10/13, GS04/05/06, ST02, SE02, GE02, IEA02, BAK09 (our ack date);
// TA102/103 and AK2 stay (they echo the partner's).
std::vector<std::string> normalised(std::string const& x12)
{
    std::vector<std::string> out;
    auto doc = x12::document::parse(x12);
    for (auto const& s : doc.segments()) {
        std::vector<std::string> el;
        for (std::size_t i = 1; i <= s.size(); ++i) el.emplace_back(s[i]);
        auto blank = [&](std::size_t n) {
            if (n <= el.size() && !el[n - 1].empty()) el[n - 1] = "#";
        };
        std::string tag(s.tag());
        if (tag == "ISA") { blank(9); blank(10); blank(13); }
        if (tag == "GS") { blank(4); blank(5); blank(6); }
        if (tag == "ST" || tag == "SE") blank(2); // our set control numbers run on in a live gateway
        if (tag == "GE" || tag == "IEA") blank(2);
        if (tag == "BAK") blank(9);
        std::string line = tag;
        for (auto const& e : el) line += "*" + e;
        out.push_back(std::move(line));
    }
    return out;
}

std::string read(fs::path const& f)
{
    std::ifstream in(f, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The sample's interchange date as an ISO date (20YY-MM-DD), for the date rules.
std::string isa_date(std::string const& bytes)
{
    auto doc = x12::document::parse(bytes);
    if (doc.interchanges().empty()) return {};
    auto const& d = doc.interchanges()[0].date;
    if (d.size() != 6) return {};
    return "20" + d.substr(0, 2) + "-" + d.substr(2, 2) + "-" + d.substr(4, 2);
}

struct gateway_target {
    std::string url, token, via;
    std::string as2_url, as2_key; // --via as2: the gateway's AS2 listener, and the partner's private key
    std::chrono::seconds timeout{30};
    std::vector<std::pair<std::string, std::string>> auth() const { return {{"Authorization", "Bearer " + token}}; }
};

struct answers {
    bool ok = false;
    std::string bytes;  // every interchange the gateway answered with, in order
    std::string status; // of the transmission
    std::vector<std::string> report; // the report lines: the transmission's status, each set's outcome
    std::string error;
};

// The report lines of a transmission (the log's view, as the dashboard shows
// it): its status, then per set its type, ST02, document number, status,
// 855 decision and reason. A resend is reported as the first time it came.
std::vector<std::string> report_lines(std::string const& status, boost::json::array const& sets)
{
    std::vector<std::string> out{"transmission " + status};
    for (auto const& v : sets) {
        auto const& o = v.as_object();
        auto str = [&](char const* k) { return std::string(o.at(k).as_string()); };
        std::string line = str("type") + " " + str("control_number") + " " + (str("document_number").empty() ? "-" : str("document_number"))
                           + " " + str("status");
        if (!str("decision").empty()) line += " 855 " + str("decision");
        if (!str("reason").empty()) line += " (" + str("reason") + ")";
        out.push_back(std::move(line));
    }
    return out;
}

// One transmission's report lines through the API (following a duplicate to its original).
bool report_via_api(gateway_target const& g, std::int64_t id, std::vector<std::string>& out, std::string& error)
{
    for (int hop = 0; hop < 2; ++hop) {
        auto r = transport::as2::http_get(g.url + "/api/transmissions/" + std::to_string(id), g.auth(), {}, g.timeout);
        if (!r.ok || r.status != 200) {
            error = g.url + ": transmission " + std::to_string(id) + ": " + (r.ok ? "HTTP " + std::to_string(r.status) : r.error);
            return false;
        }
        auto const v = boost::json::parse(r.body);
        auto const& t = v.at("transmission");
        if (!t.at("duplicate_of").is_null()) {
            id = t.at("duplicate_of").as_int64();
            continue;
        }
        out = report_lines(std::string(t.at("status").as_string()), v.at("sets").as_array());
        return true;
    }
    error = "transmission " + std::to_string(id) + ": a duplicate of a duplicate";
    return false;
}

answers via_api(gateway_target const& g, std::string const& bytes, std::string const& name, std::string const& partner,
                std::string const& received)
{
    answers a;
    std::string url = g.url + "/api/replay?name=" + name + (partner.empty() ? "" : "&partner=" + partner)
                      + (received.empty() ? "" : "&received=" + received);
    auto r = transport::as2::http_post(url, g.auth(), bytes, {}, g.timeout);
    if (!r.ok) {
        a.error = g.url + ": " + r.error;
        return a;
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    if (ec || !v.is_object()) {
        a.error = g.url + " answered HTTP " + std::to_string(r.status) + " without JSON";
        return a;
    }
    if (r.status != 201) {
        a.error = g.url + " answered HTTP " + std::to_string(r.status) + ": "
                  + (v.as_object().contains("error") ? std::string(v.at("error").as_string()) : std::string());
        return a;
    }
    for (auto const& x : v.at("answers").as_array()) a.bytes += std::string(x.at("x12").as_string());
    a.status = std::string(v.at("status").as_string());
    if (!report_via_api(g, v.at("transmission_id").as_int64(), a.report, a.error)) return a;
    a.ok = true;
    return a;
}

// Watches the gateway's log (through its API) for the transmission received
// as `remote_name`, then for its answers; `need_sent`: until they are all
// delivered, read by `fetch` under the names they were delivered as (else the
// answers' bytes as the log holds them).
answers wait_for_answers(gateway_target const& g, std::string const& partner, std::string const& remote_name, bool need_sent,
                         std::function<bool(std::string const&, std::string&, std::string&)> const& fetch)
{
    answers a;
    auto const until = std::chrono::steady_clock::now() + g.timeout;
    std::int64_t id = 0;
    while (std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        if (!id) {
            auto r = transport::as2::http_get(g.url + "/api/transmissions?direction=in&limit=200&partner=" + partner, g.auth(), {}, g.timeout);
            if (!r.ok || r.status != 200) {
                a.error = g.url + ": " + (r.ok ? "HTTP " + std::to_string(r.status) : r.error);
                return a;
            }
            auto const list = boost::json::parse(r.body); // kept: the loop below holds references into it
            for (auto const& t : list.at("items").as_array())
                if (t.at("remote_name").as_string() == remote_name) {
                    id = t.at("id").as_int64();
                    a.status = std::string(t.at("status").as_string());
                    if (!t.at("duplicate_of").is_null()) id = t.at("duplicate_of").as_int64(); // answered with the first file's answers
                }
            if (!id) continue;
        }
        auto r = transport::as2::http_get(g.url + "/api/transmissions/" + std::to_string(id), g.auth(), {}, g.timeout);
        if (!r.ok || r.status != 200) continue;
        auto v = boost::json::parse(r.body);
        bool all_sent = true;
        for (auto const& reply : v.at("replies").as_array())
            if (reply.at("status") != "sent" || reply.at("remote_name").as_string().empty()) all_sent = false;
        if (need_sent && !all_sent) continue;
        std::string got;
        for (auto const& reply : v.at("replies").as_array()) {
            std::string bytes;
            if (need_sent) {
                if (!fetch(std::string(reply.at("remote_name").as_string()), bytes, a.error)) return a;
            } else if (reply.as_object().contains("raw")) {
                bytes = std::string(reply.at("raw").as_string());
            }
            got += bytes;
        }
        a.bytes = std::move(got);
        if (!report_via_api(g, id, a.report, a.error)) return a;
        a.ok = true;
        return a;
    }
    a.error = "no answer " + std::string(need_sent ? "delivered" : "recorded") + " within " + std::to_string(g.timeout.count()) + " s";
    return a;
}

answers via_folder(gateway_target const& g, std::string const& bytes, std::string const& name, partners::profile const& p)
{
    answers a;
    if (!p.folder) {
        a.error = "partner " + p.id + " has no [transport.folder] to drop into";
        return a;
    }
    fs::path const in = p.dir / p.folder->inbound, out = p.dir / p.folder->outbound;
    // As a partner does: a dot name, then the rename.
    {
        std::ofstream f(in / ("." + name), std::ios::binary);
        if (!(f << bytes)) {
            a.error = "cannot write into " + in.string();
            return a;
        }
    }
    std::error_code ec;
    fs::rename(in / ("." + name), in / name, ec);
    if (ec) {
        a.error = "cannot write into " + in.string() + ": " + ec.message();
        return a;
    }
    return wait_for_answers(g, p.id, name, true, [&](std::string const& delivered, std::string& bytes, std::string& err) {
        fs::path f = out / delivered;
        if (!fs::is_regular_file(f)) {
            err = "the gateway says it delivered " + f.string() + ", which is not there";
            return false;
        }
        bytes = read(f);
        return true;
    });
}

// Puts the sample on the partner's SFTP server where the gateway fetches from
// (the partner's outbox), as the partner would: a dot name, then a rename.
// The answers are read back from where the gateway uploads them.
answers via_sftp(gateway_target const& g, std::string const& bytes, std::string const& name, partners::profile const& p)
{
    answers a;
    if (!p.sftp) {
        a.error = "partner " + p.id + " has no [transport.sftp]";
        return a;
    }
    auto const& s = *p.sftp;
    // Under a name the gateway fetches: a sample.x12 for a partner whose files
    // are *.edi goes up as sample.edi.
    std::string remote = name;
    if (::fnmatch(s.pattern.c_str(), remote.c_str(), 0) != 0) {
        if (s.pattern.size() > 1 && s.pattern[0] == '*' && s.pattern.find_first_of("*?[", 1) == std::string::npos)
            remote = fs::path(name).stem().string() + s.pattern.substr(1);
        else {
            a.error = "the gateway fetches only " + s.pattern + " from " + p.id + "'s server, and " + name + " is not one";
            return a;
        }
    }
    auto c = transport::sftp_connection::open(s, p.dir, a.error);
    if (!c) return a;
    if (!c->put(s.inbound_dir, remote, bytes, a.error)) return a;
    return wait_for_answers(g, p.id, remote, true, [&](std::string const& delivered, std::string& out, std::string& err) {
        return c->read(s.outbound_dir + "/" + delivered, out, err);
    });
}

// Posts the sample as the partner's AS2 software does (signed and encrypted
// per its profile, with the partner's key) and checks the MDN; the answers
// are what the gateway recorded for the partner (whatever its URL).
answers via_as2(gateway_target const& g, std::string const& bytes, std::string const& name, partners::profile const& p)
{
    answers a;
    if (!p.as2) {
        a.error = "partner " + p.id + " has no [transport.as2]";
        return a;
    }
    partners::as2_settings as_partner = *p.as2;
    as_partner.their_as2_id = p.as2->our_as2_id;
    as_partner.our_as2_id = p.as2->their_as2_id;
    auto resolve = [&](std::string const& f) { return fs::path(f).is_absolute() ? f : (p.dir / f).string(); };
    as_partner.their_certificate = resolve(p.as2->our_certificate);
    as_partner.our_certificate = resolve(p.as2->their_certificate);
    as_partner.our_private_key = g.as2_key;
    as_partner.url = g.as2_url;
    as_partner.mdn = "sync";
    as_partner.mdn_signed = true;
    transport::as2::credentials keys;
    if (!transport::as2::load_credentials(as_partner, "/", keys, a.error)) return a;
    std::string const id = "<" + name + "@replay.edigw>";
    auto r = transport::as2::send(bytes, name, as_partner, keys, {}, g.timeout, id);
    if (!r.delivered) {
        a.error = "AS2: " + r.error;
        return a;
    }
    return wait_for_answers(g, p.id, id, false, {});
}

// A shipment (856) or invoice (810) sample: our own documents, rendered
// in-process from the JSON as `edigw emit` does and dated by the JSON's own
// date. The partner is --partner's, else the one the file is named for
// (shipment-ID-..., invoice-ID-...). The report line: "856 SHP-1 released".
bool emit_sample(std::string const& bytes, fs::path const& sample, partners::profile const* forced,
                 std::vector<partners::profile> const& all, std::string& got, std::vector<std::string>& report, std::string& error)
{
    boost::system::error_code ec;
    auto v = boost::json::parse(bytes, ec);
    if (ec || !v.is_object()) {
        error = "not a JSON object" + (ec ? ": " + ec.message() : std::string());
        return false;
    }
    auto const& o = v.as_object();
    bool const shipment = o.contains("shipment_id"), invoice = o.contains("invoice_number");
    if (shipment == invoice) {
        error = "neither a shipment (shipment_id) nor an invoice (invoice_number)";
        return false;
    }
    partners::profile const* p = forced;
    if (!p) {
        std::string const name = sample.filename().string();
        for (auto const& c : all)
            for (std::string prefix : {"shipment-", "invoice-"})
                if (name.rfind(prefix + c.id + "-", 0) == 0) p = &c;
    }
    if (!p) {
        error = "no partner named in the file name (shipment-ID-..., invoice-ID-...): name one with --partner";
        return false;
    }
    std::string const date = o.contains("date") && o.at("date").is_string() ? std::string(o.at("date").as_string()) : "";
    pipeline::emit_options eo;
    eo.actor = "edigw replay";
    if (date.size() == 10) {
        eo.today = date;
        eo.date = date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
        eo.time = "1200";
    }
    auto r = shipment ? pipeline::emit_856(*p, v, eo) : pipeline::emit_810(*p, v, eo);
    if (!r.ok) {
        error = r.error;
        return false;
    }
    got = r.interchange;
    auto const& id = o.at(shipment ? "shipment_id" : "invoice_number");
    report = {std::string(shipment ? "856 " : "810 ") + (id.is_string() ? std::string(id.as_string()) : "?") + " released to " + p->id};
    return true;
}

partners::profile const* sender_profile(std::string const& bytes, std::vector<partners::profile> const& all)
{
    auto doc = x12::document::parse(bytes);
    if (doc.interchanges().empty()) return nullptr;
    auto const& ic = doc.interchanges()[0];
    for (auto const& p : all)
        if (p.their.isa_id == ic.sender_id && p.their.isa_qualifier == ic.sender_qualifier) return &p;
    return nullptr;
}

} // namespace

int replay_command(int argc, char** argv, std::ostream& out, std::ostream& err)
{
    bool update = false;
    std::string partners_dir, forced_partner;
    gateway_target gw;
    std::vector<std::string> samples;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--help" || a == "-h") {
            out << "usage: edigw replay SAMPLE.x12|SAMPLE.json... [--partners DIR] [--partner ID] [--update]\n"
                   "                    [--gateway URL [--via api|folder|sftp|as2] [--timeout S]\n"
                   "                     [--as2-url URL --as2-key PEM]]\n\n"
                   "Receives each sample as its partner would send it, collects every interchange the\n"
                   "gateway answers with (TA1, 997/999, 855) and compares them with SAMPLE.expect,\n"
                   "ignoring dates, times and control numbers, and the report lines (the transmission's\n"
                   "status, each set's outcome, 855 decision and reason) with SAMPLE.report. Prints a\n"
                   "verdict per sample and a diff when one differs; --update writes both instead.\n\n"
                   "Without --gateway: in-process, on a fresh data directory per sample, dated by the\n"
                   "sample's own ISA date. With --gateway http://127.0.0.1:PORT (a running `edigw serve`'s\n"
                   "admin port; the token in $EDIGW_ADMIN_TOKEN): --via api (default) posts each sample to\n"
                   "its replay endpoint; --via folder drops it into the partner's inbound folder (from\n"
                   "--partners, as the gateway uses them) and waits up to --timeout seconds (default 30)\n"
                   "for the answers in its outbound folder; --via sftp puts it on the partner's SFTP\n"
                   "server (its profile's host, key and pinned host key) where the gateway fetches, and\n"
                   "reads the answers it uploads; --via as2 posts it to --as2-url signed and encrypted\n"
                   "as the partner (its private key: --as2-key), checks the MDN, and takes the answers\n"
                   "from the gateway's log. A running gateway remembers: a sample sent\n"
                   "twice is a duplicate, answered with the first answers. Over a folder, SFTP or AS2\n"
                   "the date rules use the gateway's own day; through the api, the sample's ISA date.\n\n"
                   "Shipment and invoice samples (SAMPLE.json: shipment-PARTNER-....json,\n"
                   "invoice-PARTNER-....json) are our own documents: always rendered in-process, as\n"
                   "`edigw emit 856|810` would, dated by the JSON's date, and compared the same way.\n"
                   "exit: 0 all match, 1 something differs, 2 usage or I/O error\n";
            return 0;
        }
        if (a == "--update") update = true;
        else if (a == "--partners" && i + 1 < argc) partners_dir = argv[++i];
        else if (a == "--partner" && i + 1 < argc) forced_partner = argv[++i];
        else if (a == "--gateway" && i + 1 < argc) gw.url = argv[++i];
        else if (a == "--via" && i + 1 < argc) gw.via = argv[++i];
        else if (a == "--as2-url" && i + 1 < argc) gw.as2_url = argv[++i];
        else if (a == "--as2-key" && i + 1 < argc) gw.as2_key = fs::absolute(argv[++i]).string();
        else if (a == "--timeout" && i + 1 < argc) {
            long t = std::strtol(argv[++i], nullptr, 10);
            if (t < 1 || t > 3600) {
                err << "edigw replay: --timeout must be 1..3600 seconds\n";
                return 2;
            }
            gw.timeout = std::chrono::seconds(t);
        }
        else if (a.size() > 1 && a[0] == '-') {
            err << "edigw replay: unknown option '" << a << "' (see --help)\n";
            return 2;
        } else samples.emplace_back(a);
    }
    if (samples.empty()) {
        err << "edigw replay: no SAMPLE given (see --help)\n";
        return 2;
    }
    if (!gw.via.empty() && gw.url.empty()) {
        err << "edigw replay: --via needs --gateway URL (without it the replay is in-process)\n";
        return 2;
    }
    if (!gw.url.empty()) {
        if (gw.via.empty()) gw.via = "api";
        if (gw.via != "api" && gw.via != "folder" && gw.via != "sftp" && gw.via != "as2") {
            err << "edigw replay: --via must be api, folder, sftp or as2\n";
            return 2;
        }
        if (gw.via == "as2" && (gw.as2_url.empty() || gw.as2_key.empty())) {
            err << "edigw replay: --via as2 needs --as2-url (the gateway's AS2 listener) and --as2-key (the partner's private key, PEM)\n";
            return 2;
        }
        while (!gw.url.empty() && gw.url.back() == '/') gw.url.pop_back();
        char const* t = std::getenv("EDIGW_ADMIN_TOKEN");
        if (!t || !*t) {
            err << "edigw replay: --gateway needs the gateway's admin token in $EDIGW_ADMIN_TOKEN\n";
            return 2;
        }
        gw.token = t;
        if (update) {
            err << "edigw replay: --update writes goldens from the in-process replay only (a running gateway has history)\n";
            return 2;
        }
    }
    std::vector<partners::profile> all;
    partners::profile_error pe;
    if (!partners::load_profiles(partners_dir.empty() ? partners::default_partners_dir() : fs::path(partners_dir), all, pe)) {
        err << "edigw replay: " << pe.what() << '\n';
        return 2;
    }
    int status_code = 0;
    std::size_t k = 0;
    for (auto const& sample : samples) {
        ++k;
        std::string bytes = read(sample);
        if (bytes.empty()) {
            err << "edigw: " << sample << ": cannot read or empty\n";
            status_code = 2;
            continue;
        }
        if (samples.size() > 1) out << "[" << k << "/" << samples.size() << "] " << std::flush;
        partners::profile const* forced = nullptr;
        if (!forced_partner.empty()) {
            for (auto const& p : all)
                if (p.id == forced_partner) forced = &p;
            if (!forced) {
                err << "edigw replay: no partner '" << forced_partner << "'\n";
                return 2;
            }
        }
        std::string got, status, error;
        std::vector<std::string> report;
        bool recorded = true;
        if (fs::path(sample).extension() == ".json") {
            // Ours to send, not the partner's: always rendered here, running gateway or not.
            if (!emit_sample(bytes, sample, forced, all, got, report, error)) {
                out << "ERROR  " << sample << ": " << error << '\n';
                recorded = false;
            }
            status = "released";
        } else if (!gw.url.empty()) {
            std::string const name = "replay-" + std::to_string(::getpid()) + "-" + std::to_string(k) + "-"
                                     + transport::safe_name(fs::path(sample).filename().string());
            answers a;
            if (gw.via == "api") {
                a = via_api(gw, bytes, name, forced_partner, isa_date(bytes));
            } else {
                auto const* p = forced ? forced : sender_profile(bytes, all);
                if (!p) a.error = "no partner profile for the sender of this sample (name one with --partner)";
                else if (gw.via == "folder") a = via_folder(gw, bytes, name, *p);
                else if (gw.via == "sftp") a = via_sftp(gw, bytes, name, *p);
                else a = via_as2(gw, bytes, name, *p);
            }
            if (!a.ok) {
                out << "ERROR  " << sample << ": " << a.error << '\n';
                status = "error";
                recorded = false;
            }
            got = std::move(a.bytes);
            status = a.status;
            report = std::move(a.report);
        } else {
            fs::path data = fs::temp_directory_path() / ("edigw-replay-" + std::to_string(::getpid()) + "-" + std::to_string(k));
            fs::remove_all(data);
            std::string e;
            auto st = log::store::open(data, e);
            if (!st) {
                err << "edigw replay: " << e << '\n';
                return 2;
            }
            pipeline::receive_options o;
            o.transport = "replay";
            o.actor = "edigw replay";
            o.received_date = isa_date(bytes);
            o.with_855 = true;
            if (!o.received_date.empty()) {
                o.ack_date = o.received_date.substr(0, 4) + o.received_date.substr(5, 2) + o.received_date.substr(8, 2);
                o.ack_time = "1200";
            }
            auto r = pipeline::receive_bytes(*st, bytes, sample, forced, all, o);
            for (auto const& a : r.acks) got += a.bytes;
            for (auto const& d : r.documents) got += d.bytes;
            if (r.transmission_id)
                if (auto d = log::show_transmission(*st, r.transmission_id)) {
                    boost::json::array sets;
                    for (auto const& x : d->sets) sets.push_back(log::to_json(x));
                    report = report_lines(d->t.status, sets);
                }
            st.reset();
            fs::remove_all(data);
            status = r.status;
            error = r.error;
            if (!r.ok && r.transmission_id == 0) {
                out << "ERROR  " << sample << ": " << r.error << '\n';
                recorded = false;
            }
        }
        if (!recorded) {
            status_code = std::max(status_code, 1);
            continue;
        }
        fs::path expect = fs::path(sample).replace_extension(".expect");
        fs::path const report_file = fs::path(sample).replace_extension(".report");
        if (update) {
            std::ofstream(expect, std::ios::binary) << got;
            std::ofstream rf(report_file, std::ios::binary);
            for (auto const& l : report) rf << l << '\n';
            out << "WROTE  " << expect.string() << " and " << report_file.filename().string() << '\n';
            continue;
        }
        if (!fs::exists(expect) || !fs::exists(report_file)) {
            out << "NO EXPECTED OUTPUT  " << sample << " (" << (fs::exists(expect) ? report_file : expect).string()
                << " is missing; --update writes it)\n";
            status_code = std::max(status_code, 1);
            continue;
        }
        auto want = normalised(read(expect));
        auto have = normalised(got);
        std::vector<std::string> want_report;
        {
            std::istringstream lines(read(report_file));
            for (std::string l; std::getline(lines, l);)
                if (!l.empty()) want_report.push_back(l);
        }
        if (want_report != report) {
            status_code = std::max(status_code, 1);
            out << "FAIL   " << sample << "  (the report differs from " << report_file.filename().string() << ")\n";
            for (std::size_t i = 0; i < std::max(want_report.size(), report.size()); ++i) {
                std::string const& w = i < want_report.size() ? want_report[i] : std::string("(nothing)");
                std::string const& h = i < report.size() ? report[i] : std::string("(nothing)");
                if (w != h) out << "         expected " << w << "\n         got      " << h << '\n';
            }
            continue;
        }
        if (want == have) {
            if (have.empty())
                out << "PASS   " << sample << "  (no answer, as expected: " << status
                    << (error.empty() ? std::string() : "; " + error) << ")\n";
            else
                out << "PASS   " << sample << "  (" << have.size() << " segments: " << status << ")\n";
            continue;
        }
        status_code = std::max(status_code, 1);
        out << "FAIL   " << sample << '\n';
        // Segment by segment: the first differences, with their numbers.
        std::size_t shown = 0;
        for (std::size_t i = 0; i < std::max(want.size(), have.size()) && shown < 12; ++i) {
            std::string const& w = i < want.size() ? want[i] : std::string("(nothing)");
            std::string const& h = i < have.size() ? have[i] : std::string("(nothing)");
            if (w == h) continue;
            out << "       segment " << i + 1 << ":\n         expected " << w << "\n         got      " << h << '\n';
            ++shown;
        }
        if (want.size() != have.size())
            out << "       expected " << want.size() << " segments, got " << have.size() << '\n';
    }
    return status_code;
}

} // namespace edigw::cli
