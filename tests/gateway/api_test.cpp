// The REST API and the dashboard as their users meet them: a real `edigw
// serve` on 127.0.0.1 over a log filled from the samples, curl for every
// endpoint (with and without the token), and headless Chromium (Debian's
// `chromium`, installed by scripts/setup.sh) loading every dashboard page,
// checking what it shows and saving a screenshot to build/tests/screenshots/.
#include "harness.hpp"
#include "support.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using edigw::test::read_file;

namespace {

using edigw::test::free_port;

std::string sh(std::string const& cmd, int* code = nullptr)
{
    auto r = edigw::test::shell(cmd);
    if (code) *code = r.code;
    return r.out;
}

std::string const token = "api-test-token-0123456789";

struct gateway {
    fs::path root, data;
    std::uint16_t port = free_port();
    pid_t pid = -1;

    gateway()
    {
        root = fs::temp_directory_path() / ("edigw-api-" + std::to_string(::getpid()));
        fs::remove_all(root);
        data = root / "data";
        // The log, filled the way a day of traffic would: every sample received.
        for (auto const& e : fs::directory_iterator(EDIGW_SAMPLES_DIR))
            if (e.path().extension() == ".x12")
                sh(std::string(EDIGW_BINARY) + " receive '" + e.path().string() + "' --with-855 --received 2024-03-15 --data '" + data.string()
                   + "' --partners '" + EDIGW_SOURCE_DIR + "/partners' >/dev/null 2>&1");
        pid = edigw::test::spawn_edigw({"serve", "--data", data.string(), "--partners", std::string(EDIGW_SOURCE_DIR) + "/partners",
                                        "--admin-port", std::to_string(port), "--received", "2024-03-15"},
                                       root / "serve.log", {{"EDIGW_ADMIN_TOKEN", token}});
        for (int i = 0; i < 100 && get("/healthz").body != "ok\n"; ++i) std::this_thread::sleep_for(50ms);
    }
    ~gateway()
    {
        ::kill(pid, SIGTERM);
        int st = 0;
        ::waitpid(pid, &st, 0);
        fs::remove_all(root);
    }

    struct answer {
        int status = 0;
        std::string body, headers;
        json::value json() const { return json::parse(body); }
    };

    answer call(std::string const& method, std::string const& path, bool with_token = true, std::string const& body_file = {}) const
    {
        fs::path head = root / "h", out = root / "b";
        std::string cmd = "curl -s -m 10 -X " + method + " -D '" + head.string() + "' -o '" + out.string() + "' -w '%{http_code}' "
                          + (with_token ? "-H 'Authorization: Bearer " + token + "' " : "")
                          + (body_file.empty() ? "" : "--data-binary @'" + body_file + "' ") + "'http://127.0.0.1:" + std::to_string(port)
                          + path + "'";
        answer a;
        a.status = std::atoi(sh(cmd).c_str());
        a.body = fs::exists(out) ? read_file(out.string()) : "";
        a.headers = fs::exists(head) ? read_file(head.string()) : "";
        return a;
    }
    answer get(std::string const& path, bool with_token = true) const { return call("GET", path, with_token); }

    // Headless Chromium: the page after its scripts ran (fetches included), and a screenshot.
    std::string browse(std::string const& page, std::string const& shot) const
    {
        fs::path dir = fs::path(EDIGW_BINARY).parent_path().parent_path() / "tests" / "screenshots";
        fs::create_directories(dir);
        std::string url = "http://127.0.0.1:" + std::to_string(port) + "/#token=" + token + "&go=" + page;
        std::string base = "chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=8000 "
                           "--user-data-dir='" + (root / "chromium").string() + "' ";
        sh(base + "--window-size=1280,1400 --screenshot='" + (dir / (shot + ".png")).string() + "' '" + url + "' >/dev/null 2>&1");
        CHECK(fs::exists(dir / (shot + ".png")));
        return sh(base + "--dump-dom '" + url + "' 2>/dev/null");
    }
};

} // namespace

TEST_CASE("API: every endpoint answers JSON with the token and refuses without it", "[api][service]")
{
    gateway g;
    REQUIRE(g.get("/healthz").body == "ok\n");
    for (std::string path : {"/api/transmissions", "/api/transmissions/1", "/api/rejected", "/api/kpis", "/api/partners", "/metrics"}) {
        INFO(path);
        auto a = g.get(path, false);
        CHECK(a.status == 401);
        CHECK(a.headers.find("WWW-Authenticate: Bearer") != std::string::npos);
        CHECK(a.body.find("transmission") == std::string::npos); // nothing of the log leaks
    }
    CHECK(g.call("POST", "/api/transmissions/6/reprocess", false).status == 401);
    // A wrong token of the right length is refused too.
    auto wrong = g.call("GET", "/api/partners", false);
    CHECK(wrong.status == 401);

    SECTION("partners")
    {
        auto a = g.get("/api/partners");
        REQUIRE(a.status == 200);
        CHECK(a.headers.find("Content-Type: application/json") != std::string::npos);
        CHECK(a.headers.find("Cache-Control: no-store") != std::string::npos);
        auto ps = a.json().at("partners").as_array();
        REQUIRE(ps.size() == 2);
        CHECK(ps[0].at("id") == "acme");
        CHECK(ps[1].at("id") == "buyerco");
        CHECK(ps[1].at("functional_ack") == "999");
    }
    SECTION("transmissions: filters and paging")
    {
        auto all = g.get("/api/transmissions?limit=1000").json();
        auto const total = all.at("items").as_array().size();
        CHECK(total >= 20);
        CHECK(all.at("next_offset").is_null());
        auto page1 = g.get("/api/transmissions?limit=5").json();
        CHECK(page1.at("items").as_array().size() == 5);
        CHECK(page1.at("next_offset") == 5);
        auto page2 = g.get("/api/transmissions?limit=5&offset=5").json();
        CHECK(page2.at("items").as_array()[0].at("id") != page1.at("items").as_array()[0].at("id"));
        auto rejected = g.get("/api/transmissions?status=rejected&direction=in&partner=acme").json().at("items").as_array();
        REQUIRE_FALSE(rejected.empty());
        for (auto const& t : rejected) {
            CHECK(t.at("status") == "rejected");
            CHECK(t.at("partner") == "acme");
            CHECK(t.at("direction") == "in");
        }
        CHECK(g.get("/api/transmissions?limit=0").status == 400);
        CHECK(g.get("/api/transmissions?direction=sideways").status == 400);
        CHECK(g.get("/api/transmissions?partner=%zz").status == 400);
    }
    SECTION("one transmission: raw segments, findings at their places, orders, answers, audit")
    {
        auto list = g.get("/api/transmissions?direction=in&limit=1000").json().at("items").as_array();
        std::int64_t bad_date = 0;
        for (auto const& t : list)
            if (t.at("remote_name") == "850-005010-bad-date.x12") bad_date = t.at("id").as_int64();
        REQUIRE(bad_date);
        auto d = g.get("/api/transmissions/" + std::to_string(bad_date)).json();
        CHECK(d.at("transmission").at("status") == "partial");
        CHECK(d.at("raw").as_string().starts_with("ISA*00*"));
        auto const& segs = d.at("segments").as_array();
        CHECK(segs.size() == 21);
        bool located = false;
        for (auto const& f : d.at("findings").as_array())
            if (f.at("code") == "element_invalid_date") {
                CHECK(f.at("value") == "20240231");
                CHECK(f.at("element") == 5);
                auto const& seg = segs[static_cast<std::size_t>(f.at("segment_index").as_int64() - 1)].as_object();
                CHECK(seg.at("tag") == "BEG");
                // The offset points at the bad value inside the segment's text.
                auto const at = f.at("byte_offset").as_int64() - seg.at("offset").as_int64();
                CHECK(seg.at("text").as_string().subview().substr(static_cast<std::size_t>(at), 8) == "20240231");
                located = true;
            }
        CHECK(located);
        CHECK(d.at("orders").as_array().size() == 2);
        CHECK(d.at("orders").as_array()[0].at("po_number") == "PO-7001");
        CHECK(d.at("sets").as_array().size() == 2);
        auto const& replies = d.at("replies").as_array();
        REQUIRE(replies.size() == 3);
        CHECK(replies[1].at("document") == "999");
        CHECK(replies[1].at("raw").as_string().starts_with("ISA"));
        CHECK_FALSE(d.at("audit").as_array().empty());
        CHECK(g.get("/api/transmissions/999999").status == 404);
        CHECK(g.get("/api/transmissions/abc").status == 404);
        CHECK(g.call("DELETE", "/api/transmissions/1").status == 405);
    }
    SECTION("rejected documents and KPIs")
    {
        auto r = g.get("/api/rejected?partner=acme").json().at("rejected").as_array();
        REQUIRE_FALSE(r.empty());
        bool missing_po = false;
        for (auto const& x : r)
            for (auto const& f : x.at("reasons").as_array())
                if (f.at("segment_tag") == "BEG" && f.at("element") == 3) missing_po = true;
        CHECK(missing_po);
        auto k = g.get("/api/kpis").json();
        CHECK(k.at("totals").at("orders_received").as_int64() >= 8);
        REQUIRE_FALSE(k.at("by_day").as_array().empty());
        CHECK(k.at("by_day").as_array()[0].at("orders").as_int64() >= 8);
        CHECK(k.at("overdue").is_array());
    }
    SECTION("actions: reprocess and replay")
    {
        auto list = g.get("/api/transmissions?direction=in&status=rejected&partner=acme").json().at("items").as_array();
        REQUIRE_FALSE(list.empty());
        auto const id = list[0].at("id").as_int64();
        CHECK(g.call("GET", "/api/transmissions/" + std::to_string(id) + "/reprocess").status == 405);
        auto rp = g.call("POST", "/api/transmissions/" + std::to_string(id) + "/reprocess");
        INFO(rp.body);
        CHECK(rp.status == 201);
        CHECK(rp.json().at("reprocess_of") == id);
        // What we sent cannot be reprocessed.
        auto out = g.get("/api/transmissions?direction=out&limit=1").json().at("items").as_array();
        CHECK(g.call("POST", "/api/transmissions/" + std::to_string(out[0].at("id").as_int64()) + "/reprocess").status == 409);

        auto sample = std::string(EDIGW_SAMPLES_DIR) + "/acme-850-two-orders.x12";
        auto rep = g.call("POST", "/api/replay?name=again.x12", true, sample);
        REQUIRE(rep.status == 201);
        CHECK(rep.json().at("status") == "duplicate"); // received before: answered with its first acks
        CHECK(rep.json().at("answers").as_array().size() == 2); // its 997 and 855, again
        fs::path fresh = g.root / "fresh.x12";
        std::string bytes = read_file(sample);
        for (auto at = bytes.find("4711"); at != std::string::npos; at = bytes.find("4711", at + 1)) bytes.replace(at, 4, "4799");
        for (auto at = bytes.find("A-881"); at != std::string::npos; at = bytes.find("A-881", at + 1)) bytes.replace(at, 5, "A-991");
        std::ofstream(fresh, std::ios::binary) << bytes;
        auto rep2 = g.call("POST", "/api/replay?name=fresh.x12&received=2026-11-20", true, fresh.string());
        INFO(rep2.body);
        REQUIRE(rep2.status == 201);
        CHECK(rep2.json().at("status") == "processed");
        auto answers = rep2.json().at("answers").as_array();
        REQUIRE(answers.size() == 2);
        CHECK(answers[0].at("document") == "997");
        CHECK(answers[1].at("document") == "855");
        // Returned in the response, not queued for the partner.
        auto t = g.get("/api/transmissions/" + std::to_string(answers[1].at("transmission_id").as_int64())).json();
        CHECK(t.at("transmission").at("status") == "returned");
        CHECK(g.call("POST", "/api/replay?partner=nobody", true, fresh.string()).status == 404);
    }
}

TEST_CASE("dashboard: every page in headless Chromium, against a running gateway", "[api][browser][service]")
{
    int code = 0;
    sh("chromium --version >/dev/null 2>&1", &code);
    REQUIRE(code == 0); // scripts/setup.sh installs Debian's chromium
    gateway g;
    // The files themselves need no token and hold no data; they are locked down.
    auto index = g.get("/", false);
    CHECK(index.status == 200);
    CHECK(index.headers.find("Content-Security-Policy: default-src 'self'") != std::string::npos);
    CHECK(g.get("/app.js", false).headers.find("text/javascript") != std::string::npos);
    CHECK(g.get("/nothing", false).status == 401);

    SECTION("the transmission log with its filters")
    {
        auto dom = g.browse("/", "transmissions");
        CHECK(dom.find("data-ready=\"transmissions\"") != std::string::npos);
        CHECK(dom.find("<h1>Transmission log</h1>") != std::string::npos);
        CHECK(dom.find("acme-850-two-orders.x12") != std::string::npos);
        CHECK(dom.find("buyerco — BuyerCo Inc.") != std::string::npos); // the partner filter
        auto filtered = g.browse("/?partner=acme&status=rejected", "transmissions-filtered");
        CHECK(filtered.find("acme-850-missing-po-number.x12") != std::string::npos);
        CHECK(filtered.find("850-005010-bad-date.x12") == std::string::npos);
    }
    SECTION("a transmission: raw X12 with the error at its place, the parsed orders, the answers, reprocess")
    {
        auto list = g.get("/api/transmissions?direction=in&limit=1000").json().at("items").as_array();
        std::int64_t id = 0;
        for (auto const& t : list)
            if (t.at("remote_name") == "850-005010-bad-date.x12") id = t.at("id").as_int64();
        auto dom = g.browse("/t/" + std::to_string(id), "transmission");
        CHECK(dom.find("<h1>Transmission " + std::to_string(id) + "</h1>") != std::string::npos);
        CHECK(dom.find("<mark title=\"BEG05 '20240231' is not a valid date\">20240231</mark>") != std::string::npos);
        CHECK(dom.find("class=\"seg bad\"") != std::string::npos);
        CHECK(dom.find("error [element_invalid_date]") != std::string::npos);
        CHECK(dom.find("PO PO-7001") != std::string::npos);  // the parsed view
        CHECK(dom.find("999") != std::string::npos);         // what we answered
        CHECK(dom.find("id=\"reprocess\"") != std::string::npos);
        CHECK(dom.find("Audit trail") != std::string::npos);
    }
    SECTION("the rejected-documents report")
    {
        auto dom = g.browse("/rejected", "rejected");
        CHECK(dom.find("<h1>Rejected documents</h1>") != std::string::npos);
        CHECK(dom.find("acme-850-missing-po-number.x12") != std::string::npos);
        CHECK(dom.find("ISA 000004713") != std::string::npos);
    }
    SECTION("KPIs and their charts")
    {
        auto dom = g.browse("/kpis", "kpis");
        CHECK(dom.find("<h1>KPIs</h1>") != std::string::npos);
        CHECK(dom.find("exceptions per 1,000 orders") != std::string::npos);
        for (char const* chart : {"chart-orders", "chart-exceptions", "chart-latency", "chart-overdue"}) {
            INFO(chart);
            CHECK(dom.find(std::string("id=\"") + chart + "\"") != std::string::npos);
        }
        CHECK(dom.find("<rect") != std::string::npos);
    }
    SECTION("partners, and a wrong token asks again")
    {
        auto dom = g.browse("/partners", "partners");
        CHECK(dom.find("Acme Retail Stores") != std::string::npos);
        std::string url = "http://127.0.0.1:" + std::to_string(g.port) + "/#token=wrong-token-000000000000";
        auto refused = sh("chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 --user-data-dir='" + (g.root / "c2").string()
                          + "' --dump-dom '" + url + "' 2>/dev/null");
        CHECK(refused.find("The token was not accepted.") != std::string::npos);
        CHECK(refused.find("acme-850") == std::string::npos);
    }
}

TEST_CASE("edigw replay against a running gateway: every sample over its partner's drop folder, and through the API", "[api][replay][service]")
{
    fs::path root = fs::temp_directory_path() / ("edigw-replay-gw-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::path partners = root / "partners";
    fs::create_directories(partners);
    for (std::string id : {"acme", "buyerco"}) {
        fs::copy(fs::path(EDIGW_SOURCE_DIR) / "partners" / id, partners / id, fs::copy_options::recursive);
        std::string t = read_file(std::string(EDIGW_SOURCE_DIR) + "/partners/" + id + ".toml");
        t = t.substr(0, t.find("[transport"));
        std::ofstream(partners / (id + ".toml")) << t << "[transport.folder]\ninbound = \"../drop/" << id << "/in\"\noutbound = \"../drop/" << id
                                                 << "/out\"\n";
    }
    std::uint16_t const port = free_port();
    pid_t pid = edigw::test::spawn_edigw({"serve", "--data", (root / "data").string(), "--partners", partners.string(), "--admin-port",
                                          std::to_string(port), "--received", "as-sent"},
                                         root / "serve.log", {{"EDIGW_ADMIN_TOKEN", token}});
    std::string const env = "EDIGW_ADMIN_TOKEN=" + token + " ";
    std::string const gw = " --gateway http://127.0.0.1:" + std::to_string(port) + " --partners '" + partners.string() + "'";
    for (int i = 0; i < 100; ++i) {
        if (sh("curl -s -m 2 -H 'Authorization: Bearer " + token + "' http://127.0.0.1:" + std::to_string(port) + "/healthz") == "ok\n") break;
        std::this_thread::sleep_for(50ms);
    }
    std::string const s = std::string(EDIGW_SAMPLES_DIR) + "/";
    // Every sample of both partners (one per kind of error and business rule),
    // each over its partner's folder, judged as of its own ISA date (--received
    // as-sent). Not §6.2 (850-005010-bad-date), which repeats §6.1's PO: the
    // AS2 replay test takes it on a fresh gateway.
    std::vector<fs::path> list;
    for (auto const& e : fs::directory_iterator(EDIGW_SAMPLES_DIR)) {
        std::string const f = e.path().filename().string();
        if (e.path().extension() == ".x12" && (f.rfind("acme-", 0) == 0 || f.rfind("buyerco-", 0) == 0 || f == "850-005010-original.x12"))
            list.push_back(e.path());
    }
    std::sort(list.begin(), list.end()); // §6.1's original before buyerco-...
    std::string files;
    for (auto const& f : list) files += " '" + f.string() + "'";
    std::size_t const n = list.size();
    REQUIRE(n >= 24);
    int code = -1;
    auto folder = sh(env + EDIGW_BINARY + " replay " + files + gw + " --via folder --timeout 30 2>&1", &code);
    INFO(folder << read_file((root / "serve.log").string()));
    CHECK(code == 0);
    CHECK(folder.find("[" + std::to_string(n) + "/" + std::to_string(n) + "] PASS") != std::string::npos);
    CHECK(folder.find("FAIL") == std::string::npos);

    // Through the API. The stranger's sample (no profile: no answer) can only come this way; the
    // others again, each a duplicate now, answered with its first answers.
    auto api = sh(env + EDIGW_BINARY + " replay '" + s + "850-004010-control-mismatch.x12' " + files + gw + " --via api 2>&1", &code);
    INFO(api);
    CHECK(code == 0);
    CHECK(api.find("[" + std::to_string(n + 1) + "/" + std::to_string(n + 1) + "] PASS") != std::string::npos);
    CHECK(api.find("no answer, as expected") != std::string::npos);

    // A golden edited to differ fails, with the segment that differs.
    fs::copy_file(s + "acme-850-unknown-item-and-price.x12", root / "edited.x12");
    fs::copy_file(s + "acme-850-unknown-item-and-price.report", root / "edited.report");
    std::string want = read_file(s + "acme-850-unknown-item-and-price.expect");
    want.replace(want.find("ACK*IR*6*EA"), 11, "ACK*IA*6*EA");
    std::ofstream(root / "edited.expect", std::ios::binary) << want;
    auto bad = sh(env + EDIGW_BINARY + " replay '" + (root / "edited.x12").string() + "'" + gw + " --via folder --partner acme 2>&1", &code);
    INFO(bad);
    CHECK(code == 1);
    CHECK(bad.find("FAIL") != std::string::npos);
    CHECK(bad.find("expected ACK*IA*6*EA") != std::string::npos);
    CHECK(bad.find("got      ACK*IR*6*EA") != std::string::npos);

    // Without the token, or with --via and no gateway: refused plainly.
    CHECK(sh(std::string("EDIGW_ADMIN_TOKEN= ") + EDIGW_BINARY + " replay '" + s + "acme-850-two-orders.x12'" + gw + " 2>&1", &code)
              .find("$EDIGW_ADMIN_TOKEN") != std::string::npos);
    CHECK(code == 2);
    sh(std::string(EDIGW_BINARY) + " replay x.x12 --via folder 2>&1", &code);
    CHECK(code == 2);
    ::kill(pid, SIGTERM);
    int st = 0;
    ::waitpid(pid, &st, 0);
    fs::remove_all(root);
}
