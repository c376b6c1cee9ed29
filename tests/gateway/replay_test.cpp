// `edigw replay` against a running `edigw serve` over the partners' own
// transports: Acme's samples put on Acme's SFTP server (a real sshd of the
// test's own) for the gateway to fetch, the answers read back from where it
// uploads them; BuyerCo's samples posted to the gateway's AS2 listener signed
// and encrypted with BuyerCo's key, the signed MDN checked. Every sample must
// match its goldens; an edited golden must fail with the segment that differs.
// (The drop-folder and API routes are in api_test.cpp.)
#include "harness.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace edigw;
using test::read_file;

namespace {

std::string const token = "replay-test-token-0123456789";

// `edigw serve` over `partners`, its admin API on a free port; SIGTERM when done.
struct serve {
    fs::path root;
    std::uint16_t admin = test::free_port(), as2 = test::free_port();
    pid_t pid = -1;

    serve(fs::path r, std::string const& received, std::string const& data_dir = "data") : root(std::move(r))
    {
        pid = test::spawn_edigw({"serve", "--data", (root / data_dir).string(), "--partners", (root / "partners").string(), "--admin-port",
                                 std::to_string(admin), "--as2-port", std::to_string(as2), "--received", received},
                                root / "serve.log", {{"EDIGW_ADMIN_TOKEN", token}});
        test::wait_for([&] { return test::port_open(admin) && test::port_open(as2); });
    }
    ~serve()
    {
        ::kill(pid, SIGTERM);
        ::waitpid(pid, nullptr, 0);
    }
    std::string log() const { return read_file((root / "serve.log").string()); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(admin); }
};

// The partner's profile from partners/, its transports replaced by `transport`.
void profile(fs::path const& partners, std::string const& id, std::string const& transport)
{
    fs::create_directories(partners);
    fs::copy(fs::path(EDIGW_SOURCE_DIR) / "partners" / id, partners / id, fs::copy_options::recursive);
    std::string t = read_file(std::string(EDIGW_SOURCE_DIR) + "/partners/" + id + ".toml");
    std::ofstream(partners / (id + ".toml")) << t.substr(0, t.find("[transport")) << transport;
}

// The samples of one partner, in a stable order (a duplicate after its original).
std::vector<fs::path> samples(std::vector<std::string> const& prefixes)
{
    std::vector<fs::path> r;
    for (auto const& e : fs::directory_iterator(EDIGW_SAMPLES_DIR))
        for (auto const& p : prefixes)
            if (e.path().extension() == ".x12" && e.path().filename().string().rfind(p, 0) == 0) r.push_back(e.path());
    std::sort(r.begin(), r.end());
    return r;
}

std::string quoted(std::vector<fs::path> const& files)
{
    std::string s;
    for (auto const& f : files) s += " '" + f.string() + "'";
    return s;
}

} // namespace

TEST_CASE("edigw replay over SFTP: every sample of both partners through their servers, answers read where the gateway uploads them", "[replay][sftp][service]")
{
    test::sshd d;
    fs::path root = d.dir / "gw";
    // Acme's files are *.edi on its server: replay renames sample.x12 to sample.edi.
    profile(root / "partners", "acme", d.toml("*.edi"));
    profile(root / "partners", "buyerco", d.toml("*.x12", "b-"));
    serve gw(root, "as-sent"); // each sample judged as of its own ISA date
    // All but §6.2 (850-005010-bad-date), which repeats §6.1's PO: it is
    // replayed on a fresh gateway in the AS2 test.
    auto const acme = samples({"acme-"}), buyerco = samples({"850-005010-original", "buyerco-"});
    REQUIRE(acme.size() >= 11);
    REQUIRE(buyerco.size() >= 13);
    std::size_t const n = acme.size() + buyerco.size();
    std::string const cmd = "EDIGW_ADMIN_TOKEN=" + token + " " + EDIGW_BINARY + " replay" + quoted(acme) + quoted(buyerco) + " --gateway "
                            + gw.url() + " --partners '" + (root / "partners").string() + "' --via sftp --timeout 40";
    auto r = test::shell(cmd, true);
    INFO(r.out << gw.log());
    CHECK(r.code == 0);
    CHECK(r.out.find("[" + std::to_string(n) + "/" + std::to_string(n) + "] PASS") != std::string::npos);
    CHECK(r.out.find("FAIL") == std::string::npos);
    // Every sample fetched from its partner's server and moved once; every answer uploaded there.
    CHECK(d.files("outbox") == 0);
    CHECK(d.files("archive") == acme.size());
    CHECK(d.files("inbox") >= acme.size());
    CHECK(d.files("b-outbox") == 0);
    CHECK(d.files("b-archive") == buyerco.size());
    CHECK(d.files("b-inbox") >= buyerco.size());
    for (auto const& e : fs::directory_iterator(d.dir / "remote" / "archive")) CHECK(e.path().extension() == ".edi");

    // An edited golden fails with a readable, segment-level diff.
    fs::path edited = root / "edited.x12";
    fs::copy_file(std::string(EDIGW_SAMPLES_DIR) + "/acme-850-stock-short.x12", edited);
    fs::copy_file(std::string(EDIGW_SAMPLES_DIR) + "/acme-850-stock-short.report", root / "edited.report");
    std::string want = read_file(std::string(EDIGW_SAMPLES_DIR) + "/acme-850-stock-short.expect");
    auto at = want.find("ACK*IQ*36");
    REQUIRE(at != std::string::npos);
    want.replace(at, 9, "ACK*IQ*37");
    std::ofstream(root / "edited.expect", std::ios::binary) << want;
    // The same bytes under a new name: a duplicate file to the gateway, answered with the first answers.
    auto bad = test::shell("EDIGW_ADMIN_TOKEN=" + token + " " + EDIGW_BINARY + " replay '" + edited.string() + "' --gateway " + gw.url()
                               + " --partners '" + (root / "partners").string() + "' --via sftp --partner acme --timeout 40",
                           true);
    INFO(bad.out << gw.log());
    CHECK(bad.code == 1);
    CHECK(bad.out.find("expected ACK*IQ*37") != std::string::npos);
    CHECK(bad.out.find("got      ACK*IQ*36") != std::string::npos);
}

TEST_CASE("edigw replay over AS2: every sample of both partners posted signed and encrypted as its partner, MDN verified", "[replay][as2][service]")
{
    fs::path root = fs::temp_directory_path() / ("edigw-replay-as2-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root / "keys");
    for (char const* who : {"sellerco", "buyerco", "acme"}) {
        auto r = test::shell("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" + std::string(who) + " -keyout '"
                                 + (root / "keys" / (std::string(who) + "-key.pem")).string() + "' -out '"
                                 + (root / "keys" / (std::string(who) + "-cert.pem")).string() + "'",
                             true);
        REQUIRE(r.code == 0);
    }
    auto k = [&](std::string const& f) { return (root / "keys" / f).string(); };
    profile(root / "partners", "buyerco",
            "[transport.as2]\ntheir_as2_id = \"BUYERCO\"\nour_as2_id = \"SELLERCO\"\ntheir_certificate = \"" + k("buyerco-cert.pem")
                + "\"\nour_certificate = \"" + k("sellerco-cert.pem") + "\"\nour_private_key = \"" + k("sellerco-key.pem")
                + "\"\nsign = \"sha256\"\nencrypt = \"aes256-cbc\"\nmdn = \"sync\"\nmdn_signed = true\n");
    // Acme on AS2 too (SHA-1 and 3DES, as older partners still send), so every sample goes this way.
    profile(root / "partners", "acme",
            "[transport.as2]\ntheir_as2_id = \"ACME\"\nour_as2_id = \"SELLERCO\"\ntheir_certificate = \"" + k("acme-cert.pem")
                + "\"\nour_certificate = \"" + k("sellerco-cert.pem") + "\"\nour_private_key = \"" + k("sellerco-key.pem")
                + "\"\nsign = \"sha1\"\nencrypt = \"des-ede3-cbc\"\nmdn = \"sync\"\nmdn_signed = true\n");
    std::string const s = std::string(EDIGW_SAMPLES_DIR) + "/";
    std::string const base = "EDIGW_ADMIN_TOKEN=" + token + " " + EDIGW_BINARY + " replay";
    auto opts = [&](serve const& gw, std::string const& key) {
        return " --gateway " + gw.url() + " --partners '" + (root / "partners").string() + "' --via as2 --as2-url http://127.0.0.1:"
               + std::to_string(gw.as2) + "/as2 --as2-key '" + k(key) + "' --timeout 40";
    };
    {
        serve gw(root, "as-sent");
        auto const files = samples({"buyerco-850-"});
        REQUIRE(files.size() >= 12);
        auto r = test::shell(base + " '" + s + "850-005010-original.x12'" + quoted(files) + opts(gw, "buyerco-key.pem"), true);
        INFO(r.out << gw.log());
        CHECK(r.code == 0);
        CHECK(r.out.find("[" + std::to_string(files.size() + 1) + "/" + std::to_string(files.size() + 1) + "] PASS") != std::string::npos);
        CHECK(r.out.find("FAIL") == std::string::npos);

        auto const acme = samples({"acme-"});
        REQUIRE(acme.size() >= 11);
        auto ra = test::shell(base + quoted(acme) + opts(gw, "acme-key.pem"), true);
        INFO(ra.out << gw.log());
        CHECK(ra.code == 0);
        CHECK(ra.out.find("[" + std::to_string(acme.size()) + "/" + std::to_string(acme.size()) + "] PASS") != std::string::npos);

        // Sent again (a new message, the same bytes): a duplicate file, answered with the first answers.
        auto again = test::shell(base + " '" + s + "850-005010-original.x12'" + opts(gw, "buyerco-key.pem"), true);
        INFO(again.out);
        CHECK(again.code == 0);
        CHECK(again.out.find("duplicate") != std::string::npos);

        // Not BuyerCo's key: refused before anything is sent, saying which files do not match.
        auto wrong = test::shell(base + " '" + s + "850-005010-original.x12'" + opts(gw, "sellerco-key.pem"), true);
        INFO(wrong.out);
        CHECK(wrong.code == 1);
        CHECK(wrong.out.find("ERROR") != std::string::npos);
        CHECK(wrong.out.find("does not belong to") != std::string::npos);

        // A sample the gateway answers differently from its golden: a readable diff.
        fs::copy_file(s + "850-005010-original.x12", root / "edited.x12");
        fs::copy_file(s + "850-005010-original.report", root / "edited.report");
        std::string want = read_file(s + "850-005010-original.expect");
        auto at = want.find("AK9*A*1*1*1");
        REQUIRE(at != std::string::npos);
        want.replace(at, 11, "AK9*R*1*1*0");
        std::ofstream(root / "edited.expect", std::ios::binary) << want;
        auto bad = test::shell(base + " '" + (root / "edited.x12").string() + "'" + opts(gw, "buyerco-key.pem") + " --partner buyerco", true);
        INFO(bad.out);
        CHECK(bad.code == 1);
        CHECK(bad.out.find("expected AK9*R*1*1*0") != std::string::npos);
        CHECK(bad.out.find("got      AK9*A*1*1*1") != std::string::npos);
    }
    {
        // §6.2 repeats §6.1's PO-7001: on the gateway that took §6.1 it is a
        // duplicate PO (as it should be), so its golden is met on a fresh one.
        serve gw(root, "as-sent", "data-2");
        auto r = test::shell(base + " '" + s + "850-005010-bad-date.x12'" + opts(gw, "buyerco-key.pem"), true);
        INFO(r.out << gw.log());
        CHECK(r.code == 0);
        CHECK(r.out.find("PASS") != std::string::npos);
    }
    fs::remove_all(root);
}
