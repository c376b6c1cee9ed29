// The edigw binary as a user runs it: exit codes, JSON on stdout, one-line errors.
#include "support.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
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
