// The edigw binary as a user runs it: exit codes, JSON on stdout, one-line errors.
#include "support.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/wait.h>

using namespace edigw::test;
namespace fs = std::filesystem;

namespace {

struct result {
    int code;
    std::string out, err;
};

result run(std::string const& args)
{
    static int n = 0;
    fs::path err_file = fs::temp_directory_path() / ("edigw_cli_test_err_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    std::string cmd = std::string(EDIGW_BINARY) + " " + args + " 2>" + err_file.string();
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p);
    std::string out;
    char buf[4096];
    std::size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, got);
    int status = ::pclose(p);
    std::string err = read_file(err_file.string());
    fs::remove(err_file);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, err};
}

fs::path temp_file(std::string const& name, std::string const& bytes)
{
    fs::path p = fs::temp_directory_path() / ("edigw_cli_test_" + std::to_string(::getpid()) + "_" + name);
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
}

std::string quoted(fs::path const& p) { return "'" + p.string() + "'"; }

} // namespace

TEST_CASE("edigw parse prints one JSON document with orders, envelopes and diagnostics", "[cli]")
{
    auto good = corpus_dir() + "/apimeister__x12-types/004010_850.edi";
    auto r = run("parse '" + good + "'");
    CHECK(r.code == 0);
    auto v = boost::json::parse(r.out).as_object();
    REQUIRE(v.at("orders").as_array().size() == 1);
    CHECK_FALSE(v.at("orders").as_array()[0].as_object().at("po_number").as_string().empty());
    CHECK(v.at("envelopes").as_array().size() == 1);
    CHECK(v.at("diagnostics").as_array().empty());

    auto bad = corpus_dir() + "/azoner__pyx12/trailer_errors.txt";
    r = run("parse '" + bad + "' '" + good + "'");
    CHECK(r.code == 1);
    v = boost::json::parse(r.out).as_object();
    auto const& diags = v.at("diagnostics").as_array();
    REQUIRE_FALSE(diags.empty());
    bool saw_001 = false;
    for (auto const& d : diags) {
        auto const& o = d.as_object();
        CHECK(o.contains("code"));
        CHECK(o.contains("severity"));
        CHECK(o.at("position").as_object().at("file").as_string() == bad);
        if (o.at("code").as_string() == "isa_control_number_mismatch") {
            saw_001 = true;
            CHECK(o.at("ack").as_object().at("ta1").as_string() == "001");
            CHECK(o.at("position").as_object().at("segment").as_string() == "IEA");
            CHECK(o.at("position").as_object().at("element").as_int64() == 2);
        }
    }
    CHECK(saw_001);
    CHECK(v.at("orders").as_array().size() == 1);
}

TEST_CASE("unreadable, empty, binary and non-X12 input get a one-line error", "[cli]")
{
    auto empty = temp_file("empty.x12", "");
    auto binary = temp_file("binary.x12", std::string("\x7F" "ELF\x02\x01\x01\0\0\0\0\0", 12));
    auto text = temp_file("text.x12", "hello, this is not X12\n");

    auto r = run("parse /nonexistent/file.x12");
    CHECK(r.code == 2);
    CHECK(r.err == "edigw: /nonexistent/file.x12: cannot open: No such file or directory\n");
    CHECK(boost::json::parse(r.out).as_object().at("files").as_array().size() == 1); // still valid JSON

    for (auto const& f : {empty, binary, text}) {
        CAPTURE(f);
        r = run("parse " + quoted(f));
        CHECK(r.code == 1);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        CHECK(r.err.find(f.string()) != std::string::npos);
        r = run("inspect " + quoted(f));
        CHECK(r.code == 1);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        fs::remove(f);
    }
}

TEST_CASE("edigw inspect shows delimiters, the envelope tree, numbered segments and carets", "[cli]")
{
    auto r = run("inspect '" + corpus_dir() + "/azoner__pyx12/trailer_errors.txt'");
    CHECK(r.code == 1);
    CHECK(r.out.find("delimiters: element '*', component ':', repetition none, segment '~'") != std::string::npos);
    CHECK(r.out.find("group GS06 1 ") != std::string::npos);
    CHECK(r.out.find("IEA02 333 does not match ISA13 000484950") != std::string::npos);
    CHECK(r.out.find("\n    ^\n") == std::string::npos); // carets point at the element, not column 0
    CHECK(r.out.find("BHT01=") != std::string::npos);
}

TEST_CASE("usage errors and help", "[cli]")
{
    CHECK(run("").code == 2);
    CHECK(run("frobnicate").code == 2);
    CHECK(run("parse").code == 2);
    CHECK(run("parse --bogus x").code == 2);
    CHECK(run("inspect").code == 2);
    auto h = run("--help");
    CHECK(h.code == 0);
    CHECK(h.out.find("parse FILE") != std::string::npos);
    CHECK(run("parse --help").code == 0);
    CHECK(run("inspect --help").code == 0);
}

TEST_CASE("edigw inspect lists the 850 mapping's content errors with the envelope ones", "[cli]")
{
    // §6.2 of the reference: BEG05 20240231 is not a date; the envelope is clean.
    auto r = run("inspect '" + std::string(EDIGW_SAMPLES_DIR) + "/850-005010-bad-date.x12'");
    CHECK(r.code == 1);
    auto at = r.out.find("\ndiagnostics:\n");
    REQUIRE(at != std::string::npos);
    CHECK(r.out.find("BEG05", at) != std::string::npos);
    CHECK(r.out.find("20240231", at) != std::string::npos);
    CHECK(run("inspect '" + std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12'").code == 0);
}

namespace {
std::string partners_dir() { return std::string(EDIGW_SOURCE_DIR) + "/partners"; }
std::string acks_golden(std::string const& n) { return std::string(EDIGW_GOLDEN_DIR) + "/acks/" + n; }
} // namespace

TEST_CASE("edigw ack prints only the acknowledgment interchanges", "[cli][ack]")
{
    auto r = run("ack '" + acks_golden("6.2-inbound.x12") + "' --partners '" + partners_dir() + "' --date 20240315 --time 1005");
    CHECK(r.code == 1); // set 0002 is rejected
    CHECK(r.err.empty());
    // stdout is X12 and nothing else: a TA1 interchange (ISA14 = 1), then the 999 one.
    auto doc = edigw::x12::document::parse(r.out);
    CHECK_FALSE(doc.has_errors());
    REQUIRE(doc.interchanges().size() == 2);
    CHECK(doc.interchanges()[0].ta1s.size() == 1);
    CHECK(doc.interchanges()[0].ta1s[0].status == "A");
    CHECK(r.out.find("ST*999*0001*005010X231A1~") != std::string::npos);
    CHECK(r.out.find("IK4*3*66*I9~") != std::string::npos); // buyerco's ship-to rule
    CHECK(r.out.find("*240315*1005*") != std::string::npos);

    // Forced to acme's profile (a 997, TA1 only on error): the partner rule is not reported.
    auto a = run("ack '" + acks_golden("6.2-inbound.x12") + "' --partners '" + partners_dir() + "' --partner acme");
    CHECK(a.code == 1);
    CHECK(a.out.find("TA1*") == std::string::npos);
    CHECK(a.out.find("ST*997*0001~") != std::string::npos);
    CHECK(a.out.find("I9") == std::string::npos);
    CHECK(a.out.find("AK2*850*0001") == std::string::npos); // acme: no detail for accepted sets
    CHECK(a.out.find("U*00401*") != std::string::npos);      // acme's outbound version

    // No profile for the sender: the defaults (999 for 005010, TA1 as requested).
    auto empty = fs::temp_directory_path() / ("edigw-no-partners-" + std::to_string(::getpid()));
    fs::create_directories(empty);
    auto d = run("ack '" + acks_golden("6.2-inbound.x12") + "' --partners '" + empty.string() + "'");
    fs::remove_all(empty);
    CHECK(d.out.find("ST*999") != std::string::npos);
    CHECK(d.out.find("TA1*000000102") != std::string::npos);
    CHECK(d.out.find("I9") == std::string::npos); // no partner guide, no implementation errors
}

TEST_CASE("edigw ack and validate refuse bad usage, unknown partners and unreadable files", "[cli][ack]")
{
    CHECK(run("ack").code == 2);
    CHECK(run("ack --help").code == 0);
    CHECK(run("validate --help").code == 0);
    auto u = run("ack x.x12 --partner nobody --partners '" + partners_dir() + "'");
    CHECK(u.code == 2);
    CHECK(u.err.find("no partner 'nobody'") != std::string::npos);
    CHECK(u.err.find("acme") != std::string::npos);
    auto m = run("ack /nonexistent/file.x12 --partners '" + partners_dir() + "'");
    CHECK(m.code == 2);
    CHECK(m.err.find("/nonexistent/file.x12") != std::string::npos);
    CHECK(run("validate x.x12 --format yaml").code == 2);
    CHECK(run("validate x.x12 --received 15/03/2024").code == 2);
    auto bin = temp_file("binary.x12", std::string("\x00\x01\x02garbage", 10));
    auto b = run("ack " + quoted(bin) + " --partners '" + partners_dir() + "'");
    CHECK(b.code == 2);
    CHECK(std::count(b.err.begin(), b.err.end(), '\n') == 1);
    fs::remove(bin);
}

TEST_CASE("edigw validate reports syntax and business rules per set and order", "[cli][validate]")
{
    auto r = run("validate '" + std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12' --received 2024-03-15 --partners '"
                 + partners_dir() + "'");
    CHECK(r.code == 0); // line 2 is partly backordered: a change, not a rejection
    CHECK(r.out.find("partner buyerco") != std::string::npos);
    CHECK(r.out.find("order ACCEPTED (855 BAK02 AC)") != std::string::npos);
    CHECK(r.out.find("line 2: IQ 3 CA (2024-03-19); IB 2 CA (2024-04-05);") != std::string::npos);

    auto j = run("validate '" + acks_golden("6.2-inbound.x12") + "' --received 2024-03-15 --format json --partners '"
                 + partners_dir() + "'");
    CHECK(j.code == 1);
    auto v = boost::json::parse(j.out);
    CHECK(v.at("accepted") == false);
    auto const& sets = v.at("interchanges").at(0).at("groups").at(0).at("sets").as_array();
    REQUIRE(sets.size() == 2);
    CHECK(sets[0].at("business").at("bak02") == "AD");
    CHECK(sets[1].at("syntax").at("status") == "rejected");
    auto const& diags = sets[1].at("syntax").at("diagnostics").as_array();
    bool saw_date = false, saw_impl = false;
    for (auto const& d : diags) {
        if (d.at("code") == "element_invalid_date") {
            saw_date = true;
            CHECK(d.at("position").at("set_position") == 2);
            CHECK(d.at("position").at("element") == 5);
            CHECK(d.at("data_element") == "373");
            CHECK(d.at("ack").at("ak403") == "8");
        }
        if (d.at("code") == "element_impl_missing") {
            saw_impl = true;
            CHECK(d.at("implementation") == true);
        }
    }
    CHECK(saw_date);
    CHECK(saw_impl);
    CHECK(sets[1].at("business").at("reason") == "syntax");

    // The dates of the worked example are in the past today: the date rule says so.
    auto late = run("validate '" + std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12' --partners '" + partners_dir() + "'");
    CHECK(late.code == 1);
    CHECK(late.out.find("[date-in-past]") != std::string::npos);

    // As of the day it was sent (ISA09 240315), for replaying old files: no longer late.
    auto as_sent = run("validate '" + std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12' --received as-sent --partners '"
                       + partners_dir() + "'");
    CHECK(as_sent.code == 0);
    CHECK(as_sent.out.find("[date-in-past]") == std::string::npos);
    // ...while Acme's late order is late on its own day too.
    auto acme_late = run("validate '" + std::string(EDIGW_SAMPLES_DIR) + "/acme-850-past-date.x12' --received as-sent --partners '"
                         + partners_dir() + "'");
    CHECK(acme_late.out.find("[date-in-past]") != std::string::npos);

    // Not a date: refused, by every command that takes one.
    for (std::string cmd : {"validate", "receive", "serve"})
        for (std::string bad : {"2024-02-30", "2023-02-29", "2024-13-01", "yesterday"}) {
            INFO(cmd << " --received " << bad);
            auto b = run(cmd + " '" + std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12' --received " + bad + " --partners '"
                         + partners_dir() + "'");
            CHECK(b.code == 2);
            CHECK(b.err.find("--received must be a date YYYY-MM-DD or as-sent") != std::string::npos);
        }
    CHECK(run("validate '" + std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12' --received 2024-02-29 --partners '" + partners_dir() + "'")
              .code
          != 2); // a leap day is a day
}

TEST_CASE("a PO number repeated within one file is a duplicate (until the log remembers across files)", "[cli][validate]")
{
    std::string isa = "ISA*00*          *00*          *ZZ*BUYERID        *ZZ*SELLERID       *240315*0930*^*00501*000000777*0*P*:~";
    std::string set1 = "ST*850*0001~BEG*00*SA*PO-9001**20240315~N1*ST*DC 17*92*0017~PO1*1*2*EA*4.25*PE*VP*WID-100~CTT*1*2~SE*6*0001~";
    std::string set2 = "ST*850*0002~BEG*00*SA*PO-9001**20240315~N1*ST*DC 17*92*0017~PO1*1*2*EA*4.25*PE*VP*WID-100~CTT*1*2~SE*6*0002~";
    std::string set3 = "ST*850*0003~BEG*07*SA*PO-9001**20240315~N1*ST*DC 17*92*0017~PO1*1*2*EA*4.25*PE*VP*WID-100~CTT*1*2~SE*6*0003~";
    auto f = temp_file("dup.x12", isa + "GS*PO*BUYERID*SELLERID*20240315*0930*77*X*005010~" + set1 + set2 + set3
                                      + "GE*3*77~IEA*1*000000777~");
    auto r = run("validate " + quoted(f) + " --received 2024-03-15 --format json --partners '" + partners_dir() + "'");
    fs::remove(f);
    CHECK(r.code == 1);
    auto v = boost::json::parse(r.out);
    auto const& sets = v.at("interchanges").at(0).at("groups").at(0).at("sets").as_array();
    REQUIRE(sets.size() == 3);
    CHECK(sets[0].at("business").at("action") == "process");
    CHECK(sets[1].at("business").at("action") == "reject");
    CHECK(sets[1].at("business").at("outcomes").at(0).at("code") == "duplicate-po");
    CHECK(sets[2].at("business").at("action") == "ignore"); // BEG01 07: a duplicate copy, recognised
}

TEST_CASE("edigw receive, log, show, report rejected and kpi on one data directory", "[cli][log]")
{
    auto data = fs::temp_directory_path() / ("edigw-cli-log-" + std::to_string(::getpid()));
    fs::remove_all(data);
    std::string const d = " --data '" + data.string() + "' --partners '" + partners_dir() + "'";
    std::string const dd = " --data '" + data.string() + "'";
    auto r1 = run("receive '" + std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12' --received 2024-03-15" + d);
    CHECK(r1.code == 0);
    CHECK(r1.out.find("transmission 1 ") != std::string::npos);
    CHECK(r1.out.find("processed") != std::string::npos);
    CHECK(r1.out.find("999 -> ") != std::string::npos);
    auto r2 = run("receive '" + std::string(EDIGW_SAMPLES_DIR) + "/850-005010-bad-date.x12' --received 2024-03-15" + d);
    CHECK(r2.code == 1);
    auto r3 = run("receive '" + std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12' --received 2024-03-15" + d);
    CHECK(r3.code == 0);
    CHECK(r3.out.find("duplicate of transmission 1") != std::string::npos);

    auto table = run("log" + dd);
    CHECK(table.code == 0);
    CHECK(table.out.find("duplicate") != std::string::npos);
    auto j = run("log --format json --direction in" + dd);
    auto rows = boost::json::parse(j.out).as_array();
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].at("status") == "duplicate"); // newest first
    CHECK(rows[2].at("status") == "processed");
    auto c = run("log --format csv --status rejected" + dd); // PO-7001 again (duplicate) and PO-7002 (syntax)
    CHECK(std::count(c.out.begin(), c.out.end(), '\n') == 2); // header + one row
    CHECK(run("log --direction sideways" + dd).code == 2);

    auto partial_id = std::to_string(rows[1].at("id").as_int64());
    auto s = run("show " + partial_id + dd);
    CHECK(s.code == 0);
    CHECK(s.out.find("^ error [element_invalid_date]") != std::string::npos);
    CHECK(s.out.find("we answered:") != std::string::npos);
    CHECK(s.out.find("IK4*5*373*8*20240231~") != std::string::npos);
    CHECK(s.out.find("audit trail:") != std::string::npos);
    CHECK(run("show 999" + dd).code == 2);
    auto by_po = run("show PO-7002" + dd); // by document number: its latest transmission
    CHECK(by_po.code == 0);
    CHECK(by_po.out.find("transmission " + partial_id + ":") == 0);
    CHECK(run("show NO-SUCH-PO" + dd).code == 2);

    auto rep = run("report rejected" + dd);
    CHECK(rep.code == 0);
    CHECK(rep.out.find("PO PO-7002") != std::string::npos);
    CHECK(rep.out.find("BEG*00*SA*PO-7002**20240231") != std::string::npos);
    CHECK(rep.out.find("sent back: TA1") != std::string::npos);
    auto html = run("report rejected --format html --partner buyerco" + dd);
    CHECK(html.out.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(html.out.find("PO-7002") != std::string::npos);
    CHECK(html.out.find("</html>") != std::string::npos);
    auto csvr = run("report rejected --format csv" + dd);
    CHECK(csvr.out.find("element_invalid_date") != std::string::npos);
    CHECK(run("report" + dd).code == 2);
    auto overdue = run("report overdue" + dd);
    CHECK(overdue.code == 0);
    CHECK(overdue.out.find("no overdue acknowledgments") != std::string::npos);

    auto k = run("kpi --format json" + dd);
    auto kv = boost::json::parse(k.out);
    CHECK(kv.at("orders_received") == 3);
    CHECK(kv.at("orders_rejected") == 2);
    CHECK(kv.at("duplicates") == 1);
    CHECK(kv.at("our_acks") == 2);
    CHECK(run("kpi" + dd).out.find("exceptions per 1,000") != std::string::npos);
    fs::remove_all(data);
}

TEST_CASE("edigw emit 855, 856 and 810: X12 on stdout, recorded in the log", "[cli][emit]")
{
    auto data = fs::temp_directory_path() / ("edigw-cli-emit-" + std::to_string(::getpid()));
    fs::remove_all(data);
    std::string const d = " --data '" + data.string() + "' --partners '" + partners_dir() + "'";
    std::string const s = std::string(EDIGW_SAMPLES_DIR);
    auto a = run("emit 855 --partner buyerco --order '" + s + "/850-005010-original.x12' --received 2024-03-15" + d);
    CHECK(a.code == 0);
    CHECK(a.out.find("ST*855*") != std::string::npos);
    CHECK(a.out.find("ACK*IB*2*CA*068*20240405~") != std::string::npos);
    auto parsed = run("parse '" + s + "/850-005010-original.x12'");
    auto json_file = temp_file("orders.json", parsed.out);
    auto j = run("emit 855 --partner buyerco --order " + quoted(json_file) + " --received 2024-03-15" + d);
    CHECK(j.code == 0);
    CHECK(j.out.find("BAK*00*AC*PO-7001*") != std::string::npos);
    fs::remove(json_file);
    auto b = run("emit 856 --partner buyerco --shipment '" + s + "/shipment-buyerco-SHP-9001.json'" + d);
    CHECK(b.code == 0);
    CHECK(b.out.find("CTT*6*13~") != std::string::npos);
    auto c = run("emit 810 --partner buyerco --invoice '" + s + "/invoice-buyerco-INV-3001.json'" + d);
    CHECK(c.code == 0);
    CHECK(c.out.find("TDS*14750*13250*14485*265~") != std::string::npos);
    auto c2 = run("emit 810 --partner acme --shipment '" + s + "/shipment-buyerco-SHP-9001.json' --order '" + s
                  + "/850-005010-original.x12' --received 2024-03-15" + d);
    CHECK(c2.code == 0);
    CHECK(c2.out.find("*U*00401*") != std::string::npos);
    auto log = run("log --direction out --format json --data '" + data.string() + "'");
    auto rows = boost::json::parse(log.out).as_array();
    CHECK(rows.size() == 5);
    CHECK(run("emit 999 --partner buyerco" + d).code == 2);
    CHECK(run("emit 855 --order x" + d).code == 2);
    CHECK(run("emit --help").code == 0);
    fs::remove_all(data);
}

TEST_CASE("edigw replay: every sample's answers match its goldens, and an edited golden fails with a diff", "[cli][replay]")
{
    std::string samples = EDIGW_SAMPLES_DIR;
    std::string list;
    std::size_t n = 0;
    for (auto const& e : fs::directory_iterator(samples))
        if (e.path().extension() == ".x12" || e.path().extension() == ".json") { // 850s, and shipments and invoices
            list += " " + quoted(e.path());
            ++n;
            INFO(e.path());
            CHECK(fs::exists(fs::path(e.path()).replace_extension(".expect")));
            CHECK(fs::exists(fs::path(e.path()).replace_extension(".report")));
        }
    REQUIRE(n >= 31);
    auto r = run("replay" + list + " --partners " + partners_dir());
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    std::size_t passes = 0;
    for (auto pos = r.out.find("PASS "); pos != std::string::npos; pos = r.out.find("PASS ", pos + 1)) ++passes;
    CHECK(passes == n);

    // A golden that says the second line is accepted while the gateway rejects it.
    fs::path dir = fs::temp_directory_path() / ("edigw_replay_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    fs::copy_file(samples + "/acme-850-unknown-item-and-price.x12", dir / "s.x12", fs::copy_options::overwrite_existing);
    fs::copy_file(samples + "/acme-850-unknown-item-and-price.report", dir / "s.report", fs::copy_options::overwrite_existing);
    std::string want = read_file(samples + "/acme-850-unknown-item-and-price.expect");
    auto at = want.find("ACK*IR*6*EA");
    REQUIRE(at != std::string::npos);
    want.replace(at, 11, "ACK*IA*6*EA");
    std::ofstream(dir / "s.expect", std::ios::binary) << want;
    auto f = run("replay " + quoted(dir / "s.x12") + " --partners " + partners_dir());
    INFO(f.out);
    CHECK(f.code == 1);
    CHECK(f.out.find("FAIL") != std::string::npos);
    CHECK(f.out.find("expected ACK*IA*6*EA") != std::string::npos);
    CHECK(f.out.find("got      ACK*IR*6*EA") != std::string::npos);

    // A shipment's 856 is compared the same way.
    fs::copy_file(samples + "/shipment-acme-SHP-4711.json", dir / "shipment-acme-X.json", fs::copy_options::overwrite_existing);
    fs::copy_file(samples + "/shipment-acme-SHP-4711.report", dir / "shipment-acme-X.report", fs::copy_options::overwrite_existing);
    std::string asn = read_file(samples + "/shipment-acme-SHP-4711.expect");
    auto sn = asn.find("SN1**12*PK");
    REQUIRE(sn != std::string::npos);
    asn.replace(sn, 10, "SN1**10*PK");
    std::ofstream(dir / "shipment-acme-X.expect", std::ios::binary) << asn;
    auto g = run("replay " + quoted(dir / "shipment-acme-X.json") + " --partners " + partners_dir());
    INFO(g.out);
    CHECK(g.code == 1);
    CHECK(g.out.find("expected SN1**10*PK") != std::string::npos);

    // The report lines are goldens too: a different decision reason fails.
    std::ofstream(dir / "s.expect", std::ios::binary) << read_file(samples + "/acme-850-unknown-item-and-price.expect");
    std::ofstream(dir / "s.report") << "transmission processed\n850 0001 A-88130 changed 855 AC (price-mismatch)\n";
    auto rep = run("replay " + quoted(dir / "s.x12") + " --partners " + partners_dir());
    INFO(rep.out);
    CHECK(rep.code == 1);
    CHECK(rep.out.find("the report differs") != std::string::npos);
    CHECK(rep.out.find("got      850 0001 A-88130 changed 855 AC (sku-unknown)") != std::string::npos);

    // A sample with no golden is not a pass.
    fs::remove(dir / "s.expect");
    auto m = run("replay " + quoted(dir / "s.x12") + " --partners " + partners_dir());
    CHECK(m.code == 1);
    CHECK(m.out.find("NO EXPECTED OUTPUT") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("the samples hold every business rule: each code partners/rules.hpp lists is raised by one of them", "[cli][replay]")
{
    // The codes, from the header's own list ("//   code   what   outcome").
    std::set<std::string> codes;
    {
        std::istringstream in(read_file(std::string(EDIGW_SOURCE_DIR) + "/partners/rules.hpp"));
        bool in_list = false;
        for (std::string line; std::getline(in, line);) {
            if (line.find("Codes (stable") != std::string::npos) in_list = true;
            else if (line.find("Threading") != std::string::npos) in_list = false;
            else if (in_list && line.rfind("//   ", 0) == 0) {
                std::istringstream w(line.substr(5));
                std::string code;
                w >> code;
                if (!code.empty()) codes.insert(code);
            }
        }
    }
    REQUIRE(codes.size() >= 20);
    std::set<std::string> raised;
    for (auto const& e : fs::directory_iterator(EDIGW_SAMPLES_DIR)) {
        if (e.path().extension() != ".x12") continue;
        auto r = run("validate " + quoted(e.path()) + " --received as-sent --format json --partners " + partners_dir());
        if (r.out.empty()) continue; // the stranger's sample: no partner, no rules
        auto v = boost::json::parse(r.out);
        for (auto const& ic : v.at("interchanges").as_array())
            for (auto const& g : ic.at("groups").as_array())
                for (auto const& set : g.at("sets").as_array())
                    if (auto const* b = set.as_object().if_contains("business"); b && b->is_object())
                        if (auto const* oc = b->as_object().if_contains("outcomes"))
                            for (auto const& o : oc->as_array()) raised.insert(std::string(o.at("code").as_string()));
    }
    for (auto const& c : codes) {
        INFO("no sample raises " << c);
        CHECK(raised.count(c));
    }
}

TEST_CASE("edigw reprocess: a rejected order judged again after the cause is fixed, audited, no second ack", "[cli][reprocess]")
{
    fs::path data = fs::temp_directory_path() / ("edigw_reprocess_" + std::to_string(::getpid()));
    fs::remove_all(data);
    std::string const d = " --data '" + data.string() + "' --partners " + partners_dir();
    std::string const sample = std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12";
    // Received "today": the requested delivery date (2024-03-19) is in the past, so the order is rejected.
    auto first = run("receive '" + sample + "' --with-855 --received 2026-11-27" + d);
    CHECK(first.code == 1);
    CHECK(first.out.find("transmission 1 ") != std::string::npos);
    CHECK(first.out.find("rejected") != std::string::npos);
    // Not reprocessable: what we sent, unknown ids, bad usage.
    CHECK(run("reprocess 2" + d).code == 2);
    CHECK(run("reprocess 99" + d).err.find("no transmission 99") != std::string::npos);
    CHECK(run("reprocess x" + d).code == 2);

    // "Fixed": judged as of the day it was sent. Accepted now, answered with an 855 only.
    auto again = run("reprocess 1 --received 2024-03-15" + d);
    INFO(again.out << again.err);
    CHECK(again.code == 0);
    CHECK(again.out.find("(reprocess of 1)") != std::string::npos);
    CHECK(again.out.find("processed, 1 set(s), 1 order(s) accepted") != std::string::npos);
    CHECK(again.out.find("855 ->") != std::string::npos);
    CHECK(again.out.find("999 ->") == std::string::npos);
    CHECK(again.out.find("TA1 ->") == std::string::npos);

    std::string const data_only = " --data '" + data.string() + "'";
    auto show = run("show 1" + data_only);
    CHECK(show.out.find("reprocessed - -> processed (as transmission 5)") != std::string::npos);
    auto show5 = run("show 5" + data_only);
    CHECK(show5.out.find("reprocess of transmission 1:") != std::string::npos);
    CHECK(show5.out.find("reprocessed - -> processed (from transmission 1)") != std::string::npos);
    // Once is enough.
    auto twice = run("reprocess 1 --received 2024-03-15" + d);
    CHECK(twice.code == 2);
    CHECK(twice.err.find("reprocessed already, as transmission 5") != std::string::npos);
    fs::remove_all(data);
}

TEST_CASE("edigw demo: from nothing to the reports, every sample over its partner's transport", "[cli][demo]")
{
    fs::path dir = fs::temp_directory_path() / ("edigw_demo_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    // Run where the partners and samples are, as the README's command does.
    auto r = run("demo --dir '" + dir.string() + "'");
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(r.out.find("all answered") != std::string::npos);
    CHECK(r.out.find("850-005010-original.x12  signed + encrypted; MDN processed, MIC verified") != std::string::npos);
    CHECK(r.out.find("acme-850-two-orders.x12") != std::string::npos);
    for (char const* heading : {"== transmission log ==", "== rejected documents ==", "== KPIs =="}) CHECK(r.out.find(heading) != std::string::npos);
    CHECK(r.out.find("[element_mandatory_missing] mandatory element BEG03 is missing") != std::string::npos);
    CHECK(r.out.find("overdue acknowledgments   0") != std::string::npos);
    // The token is in a private file and nowhere in what was printed or logged.
    auto const token = read_file((dir / "admin-token").string());
    CHECK(token.size() >= 16);
    CHECK((fs::status(dir / "admin-token").permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
    CHECK(r.out.find(token) == std::string::npos);
    CHECK(read_file((dir / "serve.log").string()).find(token) == std::string::npos);
    CHECK((fs::status(dir / "keys" / "sellerco-key.pem").permissions() & fs::perms::others_all) == fs::perms::none);
    // Run again: the previous demo is replaced; a directory that is not a demo is not.
    CHECK(run("demo --dir '" + dir.string() + "'").code == 0);
    fs::path other = dir / "not-a-demo";
    fs::create_directories(other);
    auto refused = run("demo --dir '" + other.string() + "'");
    CHECK(refused.code == 2);
    CHECK(refused.err.find("not a demo directory") != std::string::npos);
    fs::remove_all(dir);
}
