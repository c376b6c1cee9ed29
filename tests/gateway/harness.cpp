#include "harness.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace edigw::test {

namespace {
sockaddr_in loopback(std::uint16_t port)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
}
} // namespace

std::uint16_t free_port()
{
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback(0);
    ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(s);
    return ntohs(a.sin_port);
}

shell_result shell(std::string const& cmd, bool with_stderr)
{
    FILE* p = ::popen((with_stderr ? cmd + " 2>&1" : cmd).c_str(), "r");
    shell_result r;
    if (!p) return r;
    char b[4096];
    std::size_t n;
    while ((n = std::fread(b, 1, sizeof b, p)) > 0) r.out.append(b, n);
    int st = ::pclose(p);
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

bool wait_for(std::function<bool()> const& done, std::chrono::milliseconds limit)
{
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return done();
}

pid_t spawn_edigw(std::vector<std::string> const& args, fs::path const& log, std::vector<std::pair<std::string, std::string>> const& env)
{
    std::vector<std::string> all{EDIGW_BINARY};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
        for (auto const& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::dup2(fd, 2);
        ::dup2(fd, 1);
        ::execv(EDIGW_BINARY, argv.data());
        ::_exit(127);
    }
    return pid;
}

bool port_open(std::uint16_t port)
{
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback(port);
    bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
    return ok;
}

sshd::sshd()
{
    static int n = 0;
    dir = fs::temp_directory_path() / ("edigw-sshd-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(dir);
    for (char const* sub : {"outbox", "inbox", "archive"}) fs::create_directories(dir / "remote" / sub);
    fs::create_directories("/run/sshd"); // sshd's privilege separation directory
    shell("ssh-keygen -q -t ed25519 -N '' -f '" + (dir / "host_key").string() + "'", true);
    shell("ssh-keygen -q -t ed25519 -N '' -f '" + (dir / "user_key").string() + "'", true);
    fs::copy_file(dir / "user_key.pub", dir / "authorized_keys");
    user_key = dir / "user_key";
    // "256 SHA256:abc... comment (ED25519)"
    std::string fp = shell("ssh-keygen -l -E sha256 -f '" + (dir / "host_key.pub").string() + "'").out;
    auto a = fp.find("SHA256:");
    if (a != std::string::npos) fingerprint = fp.substr(a, fp.find(' ', a) - a);
    user = shell("id -un").out;
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
    wait_for([&] { return port_open(port); }); // up when the port accepts
}

sshd::~sshd()
{
    if (pid > 0) {
        ::kill(pid, SIGTERM);
        ::waitpid(pid, nullptr, 0);
    }
    fs::remove_all(dir);
}

partners::sftp_settings sshd::settings() const
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

std::string sshd::toml(std::string const& pattern, std::string const& prefix) const
{
    auto s = settings();
    fs::path const r = dir / "remote";
    for (char const* sub : {"outbox", "inbox", "archive"}) fs::create_directories(r / (prefix + sub));
    return "\n[transport.sftp]\nhost = \"127.0.0.1\"\nport = " + std::to_string(s.port) + "\nuser = \"" + s.user + "\"\nprivate_key = \""
           + s.private_key + "\"\nhost_key_sha256 = \"" + s.host_key_sha256 + "\"\ninbound_dir = \"" + (r / (prefix + "outbox")).string()
           + "\"\noutbound_dir = \"" + (r / (prefix + "inbox")).string() + "\"\npattern = \"" + pattern
           + "\"\npoll_seconds = 1\nafter_download = \"move\"\nmove_to = \"" + (r / (prefix + "archive")).string() + "\"\n";
}

std::size_t sshd::files(std::string const& sub) const
{
    std::size_t n = 0;
    for (auto const& e : fs::directory_iterator(dir / "remote" / sub))
        if (e.is_regular_file() && e.path().filename().string()[0] != '.') ++n;
    return n;
}

} // namespace edigw::test
