#include "gateway/transport/sftp.hpp"

#include <libssh2.h>
#include <libssh2_sftp.h>

#include <arpa/inet.h>
#include <cstdlib>
#include <cstring>
#include <fnmatch.h>
#include <mutex>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace edigw::transport {

namespace {

struct session_deleter {
    void operator()(LIBSSH2_SESSION* s) const noexcept
    {
        libssh2_session_disconnect(s, "edigw done");
        libssh2_session_free(s);
    }
};
struct sftp_deleter {
    void operator()(LIBSSH2_SFTP* s) const noexcept { libssh2_sftp_shutdown(s); }
};
struct handle_deleter {
    void operator()(LIBSSH2_SFTP_HANDLE* h) const noexcept { libssh2_sftp_close_handle(h); }
};
using handle_ptr = std::unique_ptr<LIBSSH2_SFTP_HANDLE, handle_deleter>;

// A socket that closes itself.
struct socket_fd {
    int fd = -1;
    ~socket_fd()
    {
        if (fd >= 0) ::close(fd);
    }
};

void library_init()
{
    static std::once_flag once;
    std::call_once(once, [] { libssh2_init(0); });
}

// Connects with a timeout (the socket is blocking again afterwards).
int connect_to(std::string const& host, std::uint16_t port, int timeout_ms, std::string& err)
{
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0) {
        err = "cannot resolve " + host + ": " + gai_strerror(rc);
        return -1;
    }
    int fd = -1;
    for (auto* a = res; a; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        int flags = ::fcntl(fd, F_GETFL);
        ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
        int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            int soerr = 0;
            socklen_t len = sizeof soerr;
            if (::poll(&p, 1, timeout_ms) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0) rc = 0;
        }
        if (rc == 0) {
            ::fcntl(fd, F_SETFL, flags);
            break;
        }
        ::close(fd);
        fd = -1;
    }
    ::freeaddrinfo(res);
    if (fd < 0) err = "cannot connect to " + host + ":" + std::to_string(port);
    return fd;
}

std::string last_error(LIBSSH2_SESSION* s)
{
    char* msg = nullptr;
    libssh2_session_last_error(s, &msg, nullptr, 0);
    return msg ? msg : "unknown libssh2 error";
}

} // namespace

std::string openssh_fingerprint(unsigned char const* d)
{
    static char const b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out = "SHA256:";
    for (int i = 0; i < 32; i += 3) {
        unsigned v = static_cast<unsigned>(d[i]) << 16;
        if (i + 1 < 32) v |= static_cast<unsigned>(d[i + 1]) << 8;
        if (i + 2 < 32) v |= d[i + 2];
        out += b64[(v >> 18) & 63];
        out += b64[(v >> 12) & 63];
        if (i + 1 < 32) out += b64[(v >> 6) & 63];
        if (i + 2 < 32) out += b64[v & 63];
    }
    return out;
}

std::string safe_name(std::string_view remote)
{
    std::string out;
    for (char c : remote) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
        out += ok ? c : '_';
        if (out.size() >= 120) break;
    }
    while (!out.empty() && out[0] == '.') out[0] = '_';
    if (out.empty()) out = "_";
    return out;
}

struct sftp_connection::impl {
    socket_fd sock;
    std::unique_ptr<LIBSSH2_SESSION, session_deleter> session;
    std::unique_ptr<LIBSSH2_SFTP, sftp_deleter> sftp;
    std::string where; // "user@host:port", for messages

    std::string error(std::string const& what) const
    {
        std::string e = what + " on " + where + ": " + last_error(session.get());
        if (sftp) e += " (SFTP status " + std::to_string(libssh2_sftp_last_error(sftp.get())) + ")";
        return e;
    }
};

sftp_connection::sftp_connection(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
sftp_connection::~sftp_connection()
{
    // The SFTP channel goes before the session, the session before the socket.
    if (impl_) {
        impl_->sftp.reset();
        impl_->session.reset();
    }
}

std::unique_ptr<sftp_connection> sftp_connection::open(partners::sftp_settings const& s, std::filesystem::path const& base,
                                                       std::string& err)
{
    library_init();
    auto im = std::make_unique<impl>();
    im->where = s.user + "@" + s.host + ":" + std::to_string(s.port);
    im->sock.fd = connect_to(s.host, s.port, 10000, err);
    if (im->sock.fd < 0) return nullptr;
    im->session.reset(libssh2_session_init());
    if (!im->session) {
        err = "cannot create an SSH session";
        return nullptr;
    }
    auto* ses = im->session.get();
    libssh2_session_set_blocking(ses, 1);
    libssh2_session_set_timeout(ses, 30000);
    if (libssh2_session_handshake(ses, im->sock.fd) != 0) {
        err = im->error("SSH handshake failed");
        return nullptr;
    }
    // The pinned host key, before anything is sent that identifies us.
    auto const* hash = reinterpret_cast<unsigned char const*>(libssh2_hostkey_hash(ses, LIBSSH2_HOSTKEY_HASH_SHA256));
    if (!hash) {
        err = "the server " + s.host + " offered no host key hash";
        return nullptr;
    }
    std::string const seen = openssh_fingerprint(hash);
    std::string pinned = s.host_key_sha256;
    while (!pinned.empty() && pinned.back() == '=') pinned.pop_back();
    if (seen != pinned) {
        err = "host key of " + s.host + ":" + std::to_string(s.port) + " is " + seen + ", not the pinned " + s.host_key_sha256
              + ": connection refused (a changed or unknown host key)";
        return nullptr;
    }
    int rc = -1;
    if (!s.private_key.empty()) {
        std::filesystem::path key = s.private_key;
        if (key.is_relative()) key = base / key;
        rc = libssh2_userauth_publickey_fromfile(ses, s.user.c_str(), nullptr, key.c_str(), nullptr);
    } else if (!s.password_env.empty()) {
        char const* pw = std::getenv(s.password_env.c_str());
        if (pw) rc = libssh2_userauth_password(ses, s.user.c_str(), pw);
    }
    if (rc != 0) {
        err = "authentication as " + s.user + " on " + s.host + " failed"; // never the key or password
        return nullptr;
    }
    im->sftp.reset(libssh2_sftp_init(ses));
    if (!im->sftp) {
        err = im->error("cannot start SFTP");
        return nullptr;
    }
    return std::unique_ptr<sftp_connection>(new sftp_connection(std::move(im)));
}

bool sftp_connection::list(std::string const& dir, std::string const& pattern, std::vector<remote_file>& out, std::string& err)
{
    out.clear();
    handle_ptr h(libssh2_sftp_opendir(impl_->sftp.get(), dir.c_str()));
    if (!h) {
        err = impl_->error("cannot list " + dir);
        return false;
    }
    char name[512];
    LIBSSH2_SFTP_ATTRIBUTES attrs;
    for (;;) {
        int n = libssh2_sftp_readdir(h.get(), name, sizeof name, &attrs);
        if (n < 0) {
            err = impl_->error("cannot read " + dir);
            return false;
        }
        if (n == 0) break;
        std::string nm(name, static_cast<std::size_t>(n));
        if (nm.empty() || nm[0] == '.') continue; // partners write under dot names, then rename
        if (!(attrs.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) || !LIBSSH2_SFTP_S_ISREG(attrs.permissions)) continue;
        if (::fnmatch(pattern.c_str(), nm.c_str(), 0) != 0) continue;
        out.push_back({nm, attrs.filesize, attrs.mtime});
    }
    return true;
}

bool sftp_connection::read(std::string const& path, std::string& bytes, std::string& err)
{
    bytes.clear();
    handle_ptr h(libssh2_sftp_open(impl_->sftp.get(), path.c_str(), LIBSSH2_FXF_READ, 0));
    if (!h) {
        err = impl_->error("cannot open " + path);
        return false;
    }
    char buf[32768];
    for (;;) {
        ssize_t n = libssh2_sftp_read(h.get(), buf, sizeof buf);
        if (n < 0) {
            err = impl_->error("cannot read " + path);
            return false;
        }
        if (n == 0) break;
        bytes.append(buf, static_cast<std::size_t>(n));
    }
    return true;
}

bool sftp_connection::remove(std::string const& path, std::string& err)
{
    if (libssh2_sftp_unlink(impl_->sftp.get(), path.c_str()) != 0) {
        err = impl_->error("cannot remove " + path);
        return false;
    }
    return true;
}

bool sftp_connection::rename(std::string const& from, std::string const& to, std::string& err)
{
    if (libssh2_sftp_rename_ex(impl_->sftp.get(), from.c_str(), static_cast<unsigned>(from.size()), to.c_str(),
                               static_cast<unsigned>(to.size()),
                               LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE)
        != 0) {
        err = impl_->error("cannot rename " + from + " to " + to);
        return false;
    }
    return true;
}

bool sftp_connection::put(std::string const& dir, std::string const& name, std::string const& bytes, std::string& err)
{
    std::string const tmp = dir + "/." + name + ".part";
    std::string const final_path = dir + "/" + name;
    {
        handle_ptr h(libssh2_sftp_open(impl_->sftp.get(), tmp.c_str(), LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC,
                                       LIBSSH2_SFTP_S_IRUSR | LIBSSH2_SFTP_S_IWUSR | LIBSSH2_SFTP_S_IRGRP));
        if (!h) {
            err = impl_->error("cannot create " + tmp);
            return false;
        }
        std::size_t done = 0;
        while (done < bytes.size()) {
            ssize_t n = libssh2_sftp_write(h.get(), bytes.data() + done, bytes.size() - done);
            if (n < 0) {
                err = impl_->error("cannot write " + tmp);
                return false;
            }
            done += static_cast<std::size_t>(n);
        }
        libssh2_sftp_fsync(h.get()); // best effort: not every server has the extension
    }
    // Into place only when complete, so the partner never takes half a file.
    if (rename(tmp, final_path, err)) return true;
    // SFTP v3 (OpenSSH) refuses to rename over an existing file. Our names
    // carry our control numbers, so a file of that name still there is this
    // very interchange sent before (a resend for a duplicate): replaced.
    std::string ignored;
    if (exists(final_path) && remove(final_path, ignored) && rename(tmp, final_path, err)) {
        err.clear();
        return true;
    }
    (void)remove(tmp, ignored);
    return false;
}

bool sftp_connection::exists(std::string const& path)
{
    LIBSSH2_SFTP_ATTRIBUTES a{};
    return libssh2_sftp_stat(impl_->sftp.get(), path.c_str(), &a) == 0;
}

} // namespace edigw::transport
