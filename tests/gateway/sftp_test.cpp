// SFTP against a real OpenSSH sshd started by the test on 127.0.0.1 with its
// own config, host key and user key: the client (pinned host key, key auth,
// list, read, put with rename, remove), a changed host key refused, and
// `edigw serve` pulling a partner's files and pushing its answers.
#include "harness.hpp"
#include "support.hpp"

#include "gateway/log/store.hpp"
#include "gateway/transport/sftp.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace edigw;

using test::shell;
using test::sshd;
using test::wait_for;

TEST_CASE("SFTP client against OpenSSH: pinned host key, key auth, list, read, put, remove", "[sftp]")
{
    sshd d;
    REQUIRE(d.fingerprint.rfind("SHA256:", 0) == 0);
    std::ofstream(d.dir / "remote" / "outbox" / "po1.x12") << "ISA*...";
    std::ofstream(d.dir / "remote" / "outbox" / "notes.txt") << "not for us";
    std::ofstream(d.dir / "remote" / "outbox" / ".partial.x12") << "being written";
    std::string err;
    auto c = transport::sftp_connection::open(d.settings(), "/", err);
    INFO(err);
    REQUIRE(c);
    std::vector<transport::remote_file> files;
    REQUIRE(c->list(d.settings().inbound_dir, "*.x12", files, err));
    REQUIRE(files.size() == 1); // the pattern, and no dot files (still being written)
    CHECK(files[0].name == "po1.x12");
    CHECK(files[0].size == 7);
    std::string bytes;
    REQUIRE(c->read(d.settings().inbound_dir + "/po1.x12", bytes, err));
    CHECK(bytes == "ISA*...");
    REQUIRE(c->put(d.settings().outbound_dir, "000000001-997.x12", "ack bytes", err));
    CHECK(test::read_file((d.dir / "remote" / "inbox" / "000000001-997.x12").string()) == "ack bytes");
    CHECK_FALSE(fs::exists(d.dir / "remote" / "inbox" / ".000000001-997.x12.part"));
    REQUIRE(c->rename(d.settings().inbound_dir + "/po1.x12", (d.dir / "remote" / "archive" / "po1.x12").string(), err));
    CHECK(fs::exists(d.dir / "remote" / "archive" / "po1.x12"));
    REQUIRE(c->remove((d.dir / "remote" / "archive" / "po1.x12").string(), err));
    CHECK_FALSE(fs::exists(d.dir / "remote" / "archive" / "po1.x12"));
}

TEST_CASE("SFTP refuses a server whose host key is not the pinned one, and says so without secrets", "[sftp]")
{
    sshd d;
    auto s = d.settings();
    s.host_key_sha256 = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    std::string err;
    CHECK(transport::sftp_connection::open(s, "/", err) == nullptr);
    CHECK(err.find("host key of 127.0.0.1") != std::string::npos);
    CHECK(err.find(d.fingerprint) != std::string::npos);
    CHECK(err.find("refused") != std::string::npos);
    CHECK(err.find("user_key") == std::string::npos); // never the key
    // And a wrong user key is an authentication failure, not a host-key one.
    auto t = d.settings();
    fs::path other = d.dir / "other_key";
    shell("ssh-keygen -q -t ed25519 -N '' -f '" + other.string() + "'");
    t.private_key = other.string();
    CHECK(transport::sftp_connection::open(t, "/", err) == nullptr);
    CHECK(err.find("authentication as") != std::string::npos);
    CHECK(err.find(other.string()) == std::string::npos);
}

TEST_CASE("serve pulls a partner's files over SFTP and pushes the answers, once", "[sftp][service]")
{
    sshd d;
    fs::path root = d.dir / "gw";
    fs::create_directories(root / "partners");
    fs::copy(fs::path(EDIGW_SOURCE_DIR) / "partners" / "buyerco", root / "partners" / "buyerco", fs::copy_options::recursive);
    fs::copy(fs::path(EDIGW_SOURCE_DIR) / "partners" / "buyerco.toml", root / "partners" / "buyerco.toml");
    auto s = d.settings();
    std::ofstream(root / "partners" / "buyerco.toml", std::ios::app) << d.toml();
    // Written as a partner would: a dot name, then a rename.
    std::ofstream(d.dir / "remote" / "outbox" / ".po.x12") << test::read_file(std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12");
    fs::rename(d.dir / "remote" / "outbox" / ".po.x12", d.dir / "remote" / "outbox" / "po.x12");

    pid_t pid = test::spawn_edigw({"serve", "--data", (root / "data").string(), "--partners", (root / "partners").string(), "--received",
                                   "2024-03-15"},
                                  root / "serve.log");
    bool done = wait_for([&] { return d.files("outbox") == 0 && d.files("inbox") == 3; }); // TA1 (ISA14 = 1), 999, 855
    INFO(test::read_file((root / "serve.log").string()));
    CHECK(done);
    CHECK(d.files("archive") == 1); // moved on their server only after our commit
    // Nothing fetched twice over the next polls.
    std::this_thread::sleep_for(2500ms);
    CHECK(d.files("inbox") == 3);
    CHECK(d.files("archive") == 1);

    // The partner sends the same file again under the same name, their first
    // answers still in their inbox: a duplicate, answered again with the same
    // interchanges (replacing the files of those names, which OpenSSH's SFTP
    // rename does not do by itself), and archived beside the first one.
    std::ofstream(d.dir / "remote" / "outbox" / ".po.x12") << test::read_file(std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12");
    fs::rename(d.dir / "remote" / "outbox" / ".po.x12", d.dir / "remote" / "outbox" / "po.x12");
    done = wait_for([&] { return d.files("outbox") == 0 && d.files("archive") == 2; });
    CHECK(done);
    std::this_thread::sleep_for(2500ms); // and only once
    CHECK(d.files("archive") == 2);
    CHECK(d.files("inbox") == 3);
    CHECK(test::read_file((root / "serve.log").string()).find("cannot") == std::string::npos);

    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    std::string err;
    auto st = log::store::open(root / "data", err);
    REQUIRE(st);
    log::sql::statement q(st->db(), "SELECT (SELECT count(*) FROM transmissions WHERE direction = 'in' AND transport = 'sftp' AND status <> 'duplicate'), "
                                    "(SELECT count(*) FROM transmissions WHERE direction = 'in' AND status = 'duplicate'), "
                                    "(SELECT count(*) FROM transmissions WHERE direction = 'out' AND status = 'sent' AND transport = 'sftp'), "
                                    "(SELECT count(*) FROM audit WHERE action = 'sent')");
    REQUIRE(q.step());
    CHECK(q.integer(0) == 1);
    CHECK(q.integer(1) == 1);
    CHECK(q.integer(2) == 3);
    CHECK(q.integer(3) == 6); // each answer sent twice: once per copy of the file
    CHECK(test::read_file((root / "serve.log").string()).find(s.private_key) == std::string::npos); // no key in the log
}

TEST_CASE("serve over SFTP killed after the commit and after delivery: answered once, moved once", "[sftp][service][crash]")
{
    sshd d;
    fs::path root = d.dir / "gw";
    fs::create_directories(root / "partners");
    fs::copy(fs::path(EDIGW_SOURCE_DIR) / "partners" / "buyerco", root / "partners" / "buyerco", fs::copy_options::recursive);
    fs::copy(fs::path(EDIGW_SOURCE_DIR) / "partners" / "buyerco.toml", root / "partners" / "buyerco.toml");
    std::ofstream(root / "partners" / "buyerco.toml", std::ios::app) << d.toml();
    auto run = [&](char const* crash_at) {
        std::vector<std::pair<std::string, std::string>> env;
        if (crash_at) env.emplace_back("EDIGW_CRASH_AT", crash_at);
        return test::spawn_edigw({"serve", "--data", (root / "data").string(), "--partners", (root / "partners").string(), "--received",
                                  "2024-03-15"},
                                 root / "serve.log", env);
    };
    int n = 0;
    for (char const* point : {"after-commit", "serve-after-deliver"}) {
        INFO(point);
        ++n;
        std::string po = test::read_file(std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12");
        po.replace(po.find("000000101"), 9, "00000010" + std::to_string(n)); // ISA13
        po.replace(po.find("IEA*1*000000101"), 15, "IEA*1*00000010" + std::to_string(n));
        po.replace(po.find("PO-7001"), 7, "PO-800" + std::to_string(n));
        std::ofstream(d.dir / "remote" / "outbox" / ".f.x12") << po;
        fs::rename(d.dir / "remote" / "outbox" / ".f.x12", d.dir / "remote" / "outbox" / ("f" + std::to_string(n) + ".x12"));
        pid_t pid = run(point);
        int status = 0;
        REQUIRE(wait_for([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }));
        CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
        pid = run(nullptr);
        bool done = wait_for([&] { return d.files("outbox") == 0 && d.files("archive") == static_cast<std::size_t>(n); });
        INFO(test::read_file((root / "serve.log").string()));
        CHECK(done);
        std::this_thread::sleep_for(1500ms); // a further poll finds nothing to do again
        ::kill(pid, SIGTERM);
        ::waitpid(pid, nullptr, 0);
        CHECK(d.files("inbox") == static_cast<std::size_t>(3 * n)); // TA1, 999, 855 per file: once
    }
    std::string err;
    auto st = log::store::open(root / "data", err);
    REQUIRE(st);
    log::sql::statement q(st->db(), "SELECT (SELECT count(*) FROM transmissions WHERE direction = 'in'), "
                                    "(SELECT count(*) FROM transmissions WHERE direction = 'out' AND status = 'sent')");
    REQUIRE(q.step());
    CHECK(q.integer(0) == n);
    CHECK(q.integer(1) == 3 * n);
}
