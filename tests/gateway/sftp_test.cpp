// SFTP against a real OpenSSH sshd started by the test on 127.0.0.1 with its
// own config, host key and user key: the client (pinned host key, key auth,
// list, read, put with rename, remove), a changed host key refused, and
// `edigw serve` pulling a partner's files and pushing its answers.
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

namespace {

std::uint16_t free_port()
{
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(s);
    return ntohs(a.sin_port);
}

std::string shell(std::string const& cmd)
{
    FILE* p = ::popen(cmd.c_str(), "r");
    std::string r;
    char b[4096];
    std::size_t n;
    while ((n = std::fread(b, 1, sizeof b, p)) > 0) r.append(b, n);
    ::pclose(p);
    return r;
}

bool wait_for(std::function<bool()> const& done, std::chrono::milliseconds limit = 20s)
{
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (done()) return true;
        std::this_thread::sleep_for(50ms);
    }
    return done();
}

// An sshd of our own: stopped (SIGTERM) when the fixture goes.
struct sshd {
    fs::path dir;
    std::uint16_t port = 0;
    pid_t pid = -1;
    std::string fingerprint, user;
    fs::path user_key;

    sshd()
    {
        static int n = 0;
        dir = fs::temp_directory_path() / ("edigw-sshd-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        fs::remove_all(dir);
        fs::create_directories(dir / "remote" / "outbox");
        fs::create_directories(dir / "remote" / "inbox");
        fs::create_directories(dir / "remote" / "archive");
        fs::create_directories("/run/sshd"); // sshd's privilege separation directory
        shell("ssh-keygen -q -t ed25519 -N '' -f '" + (dir / "host_key").string() + "' 2>&1");
        shell("ssh-keygen -q -t ed25519 -N '' -f '" + (dir / "user_key").string() + "' 2>&1");
        fs::copy_file(dir / "user_key.pub", dir / "authorized_keys");
        user_key = dir / "user_key";
        // "256 SHA256:abc... comment (ED25519)"
        std::string fp = shell("ssh-keygen -l -E sha256 -f '" + (dir / "host_key.pub").string() + "'");
        auto a = fp.find("SHA256:");
        fingerprint = fp.substr(a, fp.find(' ', a) - a);
        user = shell("id -un");
        while (!user.empty() && user.back() == '\n') user.pop_back();
        port = free_port();
        std::ofstream(dir / "sshd_config") << "Port " << port << "\nListenAddress 127.0.0.1\n"
                                           << "HostKey " << (dir / "host_key").string() << "\n"
                                           << "PidFile " << (dir / "sshd.pid").string() << "\n"
                                           << "AuthorizedKeysFile " << (dir / "authorized_keys").string() << "\n"
                                           << "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
                                           << "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
                                           << "Subsystem sftp internal-sftp\n";
        pid = ::fork();
        if (pid == 0) {
            int fd = ::open((dir / "sshd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            ::dup2(fd, 2);
            ::execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", (dir / "sshd_config").c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        // Up when the port accepts.
        wait_for([&] {
            int s = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            a.sin_port = htons(port);
            bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
            ::close(s);
            return ok;
        });
    }
    ~sshd()
    {
        if (pid > 0) {
            ::kill(pid, SIGTERM);
            ::waitpid(pid, nullptr, 0);
        }
        fs::remove_all(dir);
    }

    partners::sftp_settings settings() const
    {
        partners::sftp_settings s;
        s.host = "127.0.0.1";
        s.port = port;
        s.user = user;
        s.private_key = user_key.string();
        s.host_key_sha256 = fingerprint;
        s.inbound_dir = (dir / "remote" / "outbox").string();
        s.outbound_dir = (dir / "remote" / "inbox").string();
        s.pattern = "*.x12";
        return s;
    }

    std::size_t files(std::string const& sub) const
    {
        std::size_t n = 0;
        for (auto const& e : fs::directory_iterator(dir / "remote" / sub))
            if (e.is_regular_file() && e.path().filename().string()[0] != '.') ++n;
        return n;
    }
};

} // namespace

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
    std::ofstream(root / "partners" / "buyerco.toml", std::ios::app)
        << "\n[transport.sftp]\nhost = \"127.0.0.1\"\nport = " << s.port << "\nuser = \"" << s.user << "\"\nprivate_key = \""
        << s.private_key << "\"\nhost_key_sha256 = \"" << s.host_key_sha256 << "\"\ninbound_dir = \"" << s.inbound_dir
        << "\"\noutbound_dir = \"" << s.outbound_dir << "\"\npattern = \"*.x12\"\npoll_seconds = 1\nafter_download = \"move\"\nmove_to = \""
        << (d.dir / "remote" / "archive").string() << "\"\n";
    // Written as a partner would: a dot name, then a rename.
    std::ofstream(d.dir / "remote" / "outbox" / ".po.x12") << test::read_file(std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12");
    fs::rename(d.dir / "remote" / "outbox" / ".po.x12", d.dir / "remote" / "outbox" / "po.x12");

    pid_t pid = ::fork();
    if (pid == 0) {
        int fd = ::open((root / "serve.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::dup2(fd, 2);
        ::execl(EDIGW_BINARY, EDIGW_BINARY, "serve", "--data", (root / "data").c_str(), "--partners", (root / "partners").c_str(),
                "--received", "2024-03-15", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    bool done = wait_for([&] { return d.files("outbox") == 0 && d.files("inbox") == 3; }); // TA1 (ISA14 = 1), 999, 855
    INFO(test::read_file((root / "serve.log").string()));
    CHECK(done);
    CHECK(d.files("archive") == 1); // moved on their server only after our commit
    // Nothing fetched twice over the next polls.
    std::this_thread::sleep_for(2500ms);
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    CHECK(d.files("inbox") == 3);
    std::string err;
    auto st = log::store::open(root / "data", err);
    REQUIRE(st);
    log::sql::statement q(st->db(), "SELECT (SELECT count(*) FROM transmissions WHERE direction = 'in' AND transport = 'sftp'), "
                                    "(SELECT count(*) FROM transmissions WHERE direction = 'out' AND status = 'sent' AND transport = 'sftp')");
    REQUIRE(q.step());
    CHECK(q.integer(0) == 1);
    CHECK(q.integer(1) == 3);
    CHECK(test::read_file((root / "serve.log").string()).find(s.private_key) == std::string::npos); // no key in the log
}

TEST_CASE("serve over SFTP killed after the commit and after delivery: answered once, moved once", "[sftp][service][crash]")
{
    sshd d;
    fs::path root = d.dir / "gw";
    fs::create_directories(root / "partners");
    fs::copy(fs::path(EDIGW_SOURCE_DIR) / "partners" / "buyerco", root / "partners" / "buyerco", fs::copy_options::recursive);
    fs::copy(fs::path(EDIGW_SOURCE_DIR) / "partners" / "buyerco.toml", root / "partners" / "buyerco.toml");
    auto s = d.settings();
    std::ofstream(root / "partners" / "buyerco.toml", std::ios::app)
        << "\n[transport.sftp]\nhost = \"127.0.0.1\"\nport = " << s.port << "\nuser = \"" << s.user << "\"\nprivate_key = \""
        << s.private_key << "\"\nhost_key_sha256 = \"" << s.host_key_sha256 << "\"\ninbound_dir = \"" << s.inbound_dir
        << "\"\noutbound_dir = \"" << s.outbound_dir << "\"\npattern = \"*.x12\"\npoll_seconds = 1\nafter_download = \"move\"\nmove_to = \""
        << (d.dir / "remote" / "archive").string() << "\"\n";
    auto run = [&](char const* crash_at) {
        pid_t pid = ::fork();
        if (pid == 0) {
            if (crash_at) ::setenv("EDIGW_CRASH_AT", crash_at, 1);
            int fd = ::open((root / "serve.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            ::dup2(fd, 2);
            ::execl(EDIGW_BINARY, EDIGW_BINARY, "serve", "--data", (root / "data").c_str(), "--partners",
                    (root / "partners").c_str(), "--received", "2024-03-15", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        return pid;
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
