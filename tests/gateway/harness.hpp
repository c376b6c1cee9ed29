// What the gateway tests share to run real counterparts on 127.0.0.1: free
// ports, shell commands, polling with a limit, and an OpenSSH sshd of the
// test's own (config, host key, user key) that stops when the test is done.
#pragma once

#include "partners/profile.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace edigw::test {

// A port on 127.0.0.1 that was free a moment ago (the kernel's pick).
std::uint16_t free_port();

struct shell_result {
    int code = -1; // the exit status, -1 when killed by a signal
    std::string out;
};
// Runs `cmd` with /bin/sh and returns its standard output (and its stderr too when `with_stderr`).
shell_result shell(std::string const& cmd, bool with_stderr = false);

// Polls `done` every 50 ms for up to `limit`; its last answer.
bool wait_for(std::function<bool()> const& done, std::chrono::milliseconds limit = std::chrono::seconds(20));

// Starts the edigw binary with `args` (after the program name), stdout and
// stderr appended to `log`, `env` added to its environment; its pid.
pid_t spawn_edigw(std::vector<std::string> const& args, std::filesystem::path const& log,
                  std::vector<std::pair<std::string, std::string>> const& env = {});

// True once something accepts connections on 127.0.0.1:port.
bool port_open(std::uint16_t port);

// An sshd of our own, on a free port of 127.0.0.1, serving the directory
// dir/remote (with outbox/, inbox/, archive/), stopped (SIGTERM) and removed
// when the fixture goes.
struct sshd {
    std::filesystem::path dir;
    std::uint16_t port = 0;
    pid_t pid = -1;
    std::string fingerprint, user; // the host key's "SHA256:..." and the user we log in as
    std::filesystem::path user_key;

    sshd();
    ~sshd();
    sshd(sshd const&) = delete;
    sshd& operator=(sshd const&) = delete;

    // A partner whose server this is: we fetch from remote/outbox and put into remote/inbox.
    partners::sftp_settings settings() const;
    // The same as a profile's [transport.sftp] table (poll every second, files
    // moved to remote/archive); `prefix` gives a second partner its own
    // folders (remote/PREFIXoutbox, PREFIXinbox, PREFIXarchive).
    std::string toml(std::string const& pattern = "*.x12", std::string const& prefix = "") const;
    // Regular files in remote/SUB, dot names (uploads in progress) not counted.
    std::size_t files(std::string const& sub) const;
};

} // namespace edigw::test
