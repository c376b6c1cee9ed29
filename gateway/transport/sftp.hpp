// SFTP client side (libssh2): we poll a partner's server for their files and
// put ours there.
//
// The server's host key must match the SHA-256 fingerprint pinned in the
// partner's profile ("SHA256:..." as `ssh-keygen -lf` prints it); an unknown
// or changed key refuses the connection before any authentication. Keys
// (ed25519 or RSA) are read from files; a password only from the environment
// variable the profile names. Neither ever appears in a message.
//
// Blocking (libssh2 in blocking mode, with a timeout): call it from a worker
// thread, never from an I/O thread. One connection per thread.
#pragma once

#include "partners/profile.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace edigw::transport {

struct remote_file {
    std::string name;
    std::uint64_t size = 0;
    std::uint64_t mtime = 0;
};

class sftp_connection {
public:
    // Connects, checks the host key, authenticates. Null and `err` otherwise.
    // `base` resolves the profile's relative key path.
    static std::unique_ptr<sftp_connection> open(partners::sftp_settings const& s, std::filesystem::path const& base,
                                                 std::string& err);
    ~sftp_connection();

    // Regular files of `dir` whose names match the glob `pattern`.
    bool list(std::string const& dir, std::string const& pattern, std::vector<remote_file>& out, std::string& err);
    // Reads a remote file whole.
    bool read(std::string const& path, std::string& bytes, std::string& err);
    bool remove(std::string const& path, std::string& err);
    // Fails when `to` exists (SFTP v3 servers such as OpenSSH do not overwrite).
    bool rename(std::string const& from, std::string const& to, std::string& err);
    bool exists(std::string const& path);
    // Writes under a temporary name in `dir`, then renames into place,
    // replacing a file of that name.
    bool put(std::string const& dir, std::string const& name, std::string const& bytes, std::string& err);

    struct impl;

private:
    explicit sftp_connection(std::unique_ptr<impl> i);
    std::unique_ptr<impl> impl_;
};

// "SHA256:<base64 without padding>" of a raw 32-byte digest, as OpenSSH prints it.
std::string openssh_fingerprint(unsigned char const* sha256);

// A remote file name made safe for the local file system: letters, digits,
// '.', '-', '_' kept, anything else '_', no leading dot, at most 120 bytes.
std::string safe_name(std::string_view remote);

} // namespace edigw::transport
