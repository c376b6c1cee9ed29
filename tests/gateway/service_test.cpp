// `edigw serve` as partners meet it: a real process on 127.0.0.1 with drop
// folders, the admin endpoint (token, loopback) queried with curl, graceful
// SIGTERM, and SIGKILL at every step of taking a file: afterwards every file
// was processed once and every ack delivered once (counted).
#include "harness.hpp"
#include "support.hpp"

#include "gateway/log/store.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <chrono>
#include <fcntl.h>
#include <functional>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <random>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using edigw::test::free_port;

std::string const token = "test-token-0123456789";

struct site {
    fs::path root, partners, data, in, out;
    std::uint16_t port = 0;
    site()
    {
        static int n = 0;
        root = fs::temp_directory_path() / ("edigw-serve-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        fs::remove_all(root);
        partners = root / "partners";
        data = root / "data";
        fs::create_directories(partners);
        fs::copy(fs::path(EDIGW_SOURCE_DIR) / "partners" / "buyerco", partners / "buyerco", fs::copy_options::recursive);
        fs::copy(fs::path(EDIGW_SOURCE_DIR) / "partners" / "buyerco.toml", partners / "buyerco.toml");
        std::ofstream(partners / "buyerco.toml", std::ios::app)
            << "\n[transport.folder]\ninbound = \"../drop/in\"\noutbound = \"../drop/out\"\n";
        in = root / "drop" / "in";
        out = root / "drop" / "out";
        fs::create_directories(in);
        port = free_port();
    }
    ~site() { fs::remove_all(root); }

    pid_t start(char const* crash_at = nullptr, std::vector<std::string> extra = {}) const
    {
        std::vector<std::pair<std::string, std::string>> env{{"EDIGW_ADMIN_TOKEN", token}};
        if (crash_at) env.emplace_back("EDIGW_CRASH_AT", crash_at);
        std::vector<std::string> args{"serve", "--data", data.string(), "--partners", partners.string(), "--admin-port",
                                      std::to_string(port), "--received", "2024-03-15"};
        args.insert(args.end(), extra.begin(), extra.end());
        pid_t pid = edigw::test::spawn_edigw(args, root / "serve.log", env);
        // Up when /healthz answers.
        for (int i = 0; i < 100; ++i) {
            if (curl("/healthz", true).find("ok") != std::string::npos) break;
            std::this_thread::sleep_for(50ms);
        }
        return pid;
    }

    std::string curl(std::string const& path, bool with_token) const
    {
        std::string cmd = "curl -s -m 5 -w ' HTTP%{http_code}' " + std::string(with_token ? "-H 'Authorization: Bearer " + token + "' " : "")
                          + "http://127.0.0.1:" + std::to_string(port) + path + " 2>/dev/null";
        FILE* p = ::popen(cmd.c_str(), "r");
        std::string r;
        char b[4096];
        std::size_t n;
        while ((n = std::fread(b, 1, sizeof b, p)) > 0) r.append(b, n);
        ::pclose(p);
        return r;
    }

    void drop(std::string const& name, std::string const& bytes) const
    {
        // As a partner does: a temporary name, then a rename.
        std::ofstream(in / ("." + name)) << bytes;
        fs::rename(in / ("." + name), in / name);
    }

    std::size_t count(fs::path const& dir) const
    {
        std::error_code ec;
        std::size_t n = 0;
        if (!fs::is_directory(dir, ec)) return 0;
        for (auto const& e : fs::directory_iterator(dir))
            if (e.is_regular_file() && e.path().filename().string()[0] != '.') ++n;
        return n;
    }

    bool wait_for(std::function<bool()> const& done, std::chrono::milliseconds limit = 15s) const
    {
        auto until = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < until) {
            if (done()) return true;
            std::this_thread::sleep_for(50ms);
        }
        return done();
    }

    std::int64_t sql(std::string const& q) const
    {
        std::string err;
        auto st = edigw::log::store::open(data, err);
        REQUIRE(st);
        edigw::log::sql::statement s(st->db(), q);
        REQUIRE(s.step());
        return s.integer(0);
    }
};

int stop(pid_t pid, int sig)
{
    ::kill(pid, sig);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

std::string order(int n)
{
    std::string cn = std::to_string(100000000 + n);
    return "ISA*00*          *00*          *ZZ*BUYERID        *ZZ*SELLERID       *240315*0930*^*00501*" + cn + "*0*P*:~"
           "GS*PO*BUYERID*SELLERID*20240315*0930*" + std::to_string(n) + "*X*005010~ST*850*0001~BEG*00*SA*PO-S" + std::to_string(n)
           + "**20240315~DTM*038*20240319~N1*ST*BUYERCO DC 17*92*0017~PO1*1*10*EA*4.25*PE*UP*012345678905~CTT*1*10~SE*7*0001~"
             "GE*1*" + std::to_string(n) + "~IEA*1*" + cn + "~";
}

} // namespace

TEST_CASE("serve: a drop folder, answered once, and a resend answered again, and the admin endpoint", "[service]")
{
    site s;
    pid_t pid = s.start();
    s.drop("a.x12", order(1));
    // The order's 999 and its 855 (accepted: the decisions go out as an 855).
    REQUIRE(s.wait_for([&] { return s.count(s.out) == 2 && s.count(s.in) == 0; }));
    CHECK(s.count(s.in / ".done") == 1);
    CHECK(s.sql("SELECT count(*) FROM transmissions WHERE direction = 'in' AND status = 'processed'") == 1);
    CHECK(s.sql("SELECT count(*) FROM transmissions WHERE direction = 'out' AND status = 'sent'") == 2);
    CHECK(s.sql("SELECT count(*) FROM transmissions WHERE direction = 'out' AND document = '855'") == 1);

    // The same bytes again under another name: a duplicate, answered with the first 999.
    s.drop("a-again.x12", order(1));
    REQUIRE(s.wait_for([&] { return s.count(s.in) == 0 && s.sql("SELECT count(*) FROM transmissions WHERE status = 'duplicate'") == 1; }));
    CHECK(s.sql("SELECT count(*) FROM transmissions WHERE direction = 'out'") == 2); // no second 999 or 855 made

    auto unauth = s.curl("/metrics", false);
    CHECK(unauth.find("HTTP401") != std::string::npos);
    auto metrics = s.curl("/metrics", true);
    CHECK(metrics.find("HTTP200") != std::string::npos);
    CHECK(metrics.find("edigw_files_received_total 1") != std::string::npos);
    CHECK(metrics.find("edigw_files_duplicate_total 1") != std::string::npos);
    CHECK(metrics.find("# TYPE edigw_ack_latency_seconds summary") != std::string::npos);
    CHECK(s.curl("/healthz", true).find("ok") != std::string::npos);
    CHECK(s.curl("/nothing", true).find("HTTP404") != std::string::npos);
    // The WAL goes into the database by the service's checkpointer, within a round or two of 250 ms.
    CHECK(s.wait_for([&] {
        auto m = s.curl("/metrics", true);
        return m.find("edigw_log_wal_frames 0\n") != std::string::npos && m.find("edigw_log_checkpoints_total 0\n") == std::string::npos
               && m.find("edigw_log_checkpoints_total") != std::string::npos;
    }));

    int status = stop(pid, SIGTERM);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0)); // graceful
}

TEST_CASE("serve --log-format json: one JSON object a line, events with their fields, no secrets", "[service]")
{
    site s;
    pid_t pid = s.start(nullptr, {"--log-format", "json"});
    s.drop("a.x12", order(1));
    REQUIRE(s.wait_for([&] { return s.count(s.out) == 2 && s.count(s.in) == 0; }));
    s.drop("bad.x12", "ISA*00*this is not an interchange~");
    REQUIRE(s.wait_for([&] { return s.count(s.in) == 0; }));
    int status = stop(pid, SIGTERM);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    std::istringstream lines(edigw::test::read_file((s.root / "serve.log").string()));
    std::size_t n = 0, received = 0, taken = 0;
    for (std::string line; std::getline(lines, line);) {
        INFO(line);
        boost::system::error_code ec;
        auto v = boost::json::parse(line, ec);
        REQUIRE(!ec);
        auto const& o = v.as_object();
        ++n;
        CHECK(o.contains("ts"));
        CHECK(o.contains("level"));
        CHECK(o.contains("event"));
        CHECK(o.contains("msg"));
        if (o.at("event") == "file.received" && o.at("file") == "a.x12") {
            ++received;
            CHECK(o.at("partner") == "buyerco");
            CHECK(o.at("transport") == "folder");
            CHECK(o.at("status") == "processed");
            CHECK(o.at("orders_accepted") == "1");
            CHECK(!o.at("transmission").as_string().empty());
        }
        if (o.at("event") == "file.taken" && o.at("file") == "a.x12") {
            ++taken;
            // Where the time went, step by step, in the order the steps ran.
            std::string const steps(o.at("steps").as_string());
            auto at = [&](char const* step) { return steps.find(std::string(step) + "="); };
            CHECK(at("read") == 0);
            CHECK(at("archive") < at("analyse"));
            CHECK(at("analyse") < at("855-render"));
            CHECK(at("855-render") < at("commit"));
            CHECK(at("commit") < at("deliver-put"));
            CHECK(at("mark") != std::string::npos);
        }
        CHECK(line.find(token) == std::string::npos); // the admin token is never logged
    }
    CHECK(n >= 4); // start-up lines, both files, the stop
    CHECK(received == 1);
    CHECK(taken == 1);
    // A wrong format is refused up front.
    auto r = edigw::test::shell(std::string(EDIGW_BINARY) + " serve --log-format yaml --data '" + s.data.string() + "'", true);
    CHECK(r.code == 2);
    CHECK(r.out.find("--log-format must be text or json") != std::string::npos);
}

TEST_CASE("serve: killed at every step of taking a file, each file is processed once and answered once", "[service][crash]")
{
    site s;
    int n = 0;
    for (char const* point : {"after-archive", "after-begin", "before-commit", "after-commit", "serve-after-deliver"}) {
        INFO(point);
        ++n;
        pid_t pid = s.start(point);
        s.drop("order" + std::to_string(n) + ".x12", order(n));
        int status = 0;
        bool died = s.wait_for([&] { return ::waitpid(pid, &status, WNOHANG) == pid; });
        REQUIRE(died);
        CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
        pid = s.start();
        REQUIRE(s.wait_for([&] { return s.count(s.in) == 0; }));
        stop(pid, SIGTERM);
        CHECK(s.count(s.out) == static_cast<std::size_t>(2 * n)); // one 999 and one 855 per file, never two
    }
    CHECK(s.sql("SELECT count(*) FROM transmissions WHERE direction = 'in'") == n);
    CHECK(s.sql("SELECT count(*) FROM transmissions WHERE direction = 'in' AND status = 'processed'") == n);
    CHECK(s.sql("SELECT count(*) FROM transmissions WHERE direction = 'out'") == 2 * n);
    CHECK(s.sql("SELECT count(*) FROM transmissions WHERE direction = 'out' AND status = 'sent'") == 2 * n);
    CHECK(s.sql("SELECT count(*) FROM transmissions WHERE direction = 'out' AND document = '855'") == n);
    CHECK(s.sql("SELECT count(*) FROM sets WHERE direction = 'in'") == n);
}

TEST_CASE("serve: SIGKILL at random moments while files arrive, and nothing lost, nothing twice", "[service][crash]")
{
    site s;
    std::mt19937 rng(20261127);
    int dropped = 0;
    for (int round = 0; round < 6; ++round) {
        pid_t pid = s.start();
        for (int k = 0; k < 3; ++k) {
            ++dropped;
            s.drop("r" + std::to_string(dropped) + ".x12", order(1000 + dropped));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 1500)(rng)));
        stop(pid, SIGKILL);
    }
    pid_t pid = s.start();
    REQUIRE(s.wait_for([&] { return s.count(s.in) == 0; }, 30s));
    CHECK((stop(pid, SIGTERM) & 0x7f) == 0);
    CHECK(s.sql("SELECT count(*) FROM transmissions WHERE direction = 'in'") == dropped);
    CHECK(s.sql("SELECT count(*) FROM transmissions WHERE direction = 'in' AND status = 'processed'") == dropped);
    CHECK(s.sql("SELECT count(*) FROM transmissions WHERE direction = 'out' AND status = 'sent'") == 2 * dropped);
    CHECK(s.sql("SELECT count(*) FROM transmissions WHERE direction = 'out' AND document = '855'") == dropped);
    CHECK(s.count(s.out) == static_cast<std::size_t>(2 * dropped));
    CHECK(s.count(s.in / ".done") == static_cast<std::size_t>(dropped));
}

TEST_CASE("serve sends the documents made with edigw emit (856, 810) through the partner's transport", "[service]")
{
    site s;
    std::string const d = " --data '" + s.data.string() + "' --partners '" + s.partners.string() + "'";
    std::string const samples = EDIGW_SAMPLES_DIR;
    REQUIRE(std::system((std::string(EDIGW_BINARY) + " emit 856 --partner buyerco --shipment '" + samples
                         + "/shipment-buyerco-SHP-9001.json'" + d + " > /dev/null").c_str())
            == 0);
    REQUIRE(std::system((std::string(EDIGW_BINARY) + " emit 810 --partner buyerco --invoice '" + samples
                         + "/invoice-buyerco-INV-3001.json'" + d + " > /dev/null").c_str())
            == 0);
    CHECK(s.sql("SELECT count(*) FROM transmissions WHERE direction = 'out' AND status = 'ready'") == 2);
    pid_t pid = s.start();
    REQUIRE(s.wait_for([&] { return s.count(s.out) == 2; }));
    std::this_thread::sleep_for(1200ms); // later polls send nothing again
    stop(pid, SIGTERM);
    CHECK(s.count(s.out) == 2);
    CHECK(s.sql("SELECT count(*) FROM transmissions WHERE direction = 'out' AND status = 'sent' AND document IN ('856', '810')") == 2);
}
