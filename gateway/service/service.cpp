#include "gateway/service/service.hpp"

#include "gateway/service/api.hpp"
#include "gateway/service/dashboard.hpp"

#include "gateway/log/store.hpp"
#include "gateway/pipeline/receive.hpp"
#include "gateway/transport/as2_client.hpp"
#include "gateway/transport/sftp.hpp"
#include "x12/document.hpp"

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <toml++/toml.h>

#include <chrono>
#include <array>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <condition_variable>
#include <stop_token>
#include <thread>
#include <set>
#include <sstream>
#include <malloc.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

namespace edigw::service {

namespace {

// A whole file in one read of its size (a 10 MB interchange through a
// streambuf iterator costs more than parsing it).
bool read_whole(std::filesystem::path const& path, std::string& out)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat sb {};
    bool ok = ::fstat(fd, &sb) == 0;
    out.clear();
    if (ok) out.resize(static_cast<std::size_t>(sb.st_size));
    std::size_t done = 0;
    while (ok) {
        if (done == out.size()) out.resize(out.size() + 65536); // grew while we read: take the rest too
        ssize_t n = ::read(fd, out.data() + done, out.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) ok = false;
        else if (n == 0) break;
        else done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    out.resize(done);
    return ok;
}

// Crash points for the crash tests (EDIGW_CRASH_AT), as in the pipeline.
void crash_point(char const* name)
{
    static char const* at = std::getenv("EDIGW_CRASH_AT");
    if (at && std::strcmp(at, name) == 0) std::raise(SIGKILL);
}
} // namespace

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;

std::string config_error::what() const
{
    std::string s = file;
    if (line) s += ":" + std::to_string(line) + ":" + std::to_string(column);
    return s + ": " + message;
}

bool load_config(fs::path const& file, config& out, config_error& err)
{
    err = config_error{file.string(), 0, 0, {}};
    toml::table root;
    try {
        root = toml::parse_file(file.string());
    } catch (toml::parse_error const& e) {
        err.line = static_cast<std::uint32_t>(e.source().begin.line);
        err.column = static_cast<std::uint32_t>(e.source().begin.column);
        err.message = std::string(e.description());
        return false;
    }
    auto fail = [&](toml::node const& n, std::string m) {
        err.line = static_cast<std::uint32_t>(n.source().begin.line);
        err.column = static_cast<std::uint32_t>(n.source().begin.column);
        err.message = std::move(m);
        return false;
    };
    for (auto const& [k, v] : root)
        if (k.str() != "service") return fail(v, "unknown table '" + std::string(k.str()) + "' (expected [service])");
    auto const* svc = root["service"].as_table();
    if (!svc) return true;
    for (auto const& [k, v] : *svc) {
        std::string key(k.str());
        auto str = [&](std::string& into) {
            if (!v.is_string()) return fail(v, "'service." + key + "' must be a string");
            into = v.as_string()->get();
            return true;
        };
        auto num = [&](auto& into, std::int64_t lo, std::int64_t hi) {
            if (!v.is_integer() || v.as_integer()->get() < lo || v.as_integer()->get() > hi)
                return fail(v, "'service." + key + "' must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
            into = static_cast<std::remove_reference_t<decltype(into)>>(v.as_integer()->get());
            return true;
        };
        std::string s;
        if (key == "data") { if (!str(s)) return false; out.data_dir = file.parent_path() / s; }
        else if (key == "partners") { if (!str(s)) return false; out.partners_dir = file.parent_path() / s; }
        else if (key == "admin_address") {
            if (!str(out.admin_address)) return false;
            if (out.admin_address != "127.0.0.1" && out.admin_address != "::1")
                return fail(v, "'service.admin_address' must be a loopback address (127.0.0.1 or ::1): the admin surface is not for the network");
        } else if (key == "admin_port") { if (!num(out.admin_port, 0, 65535)) return false; }
        else if (key == "admin_token_env") {
            if (!str(s)) return false;
            char const* t = std::getenv(s.c_str());
            if (!t || std::string_view(t).size() < 16)
                return fail(v, "the environment variable " + s + " must hold the admin token (16 characters or more)");
            out.admin_token = t;
        } else if (key == "poll_ms") { if (!num(out.poll_ms, 50, 3600000)) return false; }
        else if (key == "workers") { if (!num(out.workers, 1, 64)) return false; }
        else if (key == "as2_address") { if (!str(out.as2_address)) return false; }
        else if (key == "as2_port") { if (!num(out.as2_port, 0, 65535)) return false; }
        else if (key == "as2_max_connections") { if (!num(out.as2_max_connections, 1, 100000)) return false; }
        else if (key == "as2_read_timeout_s") { if (!num(out.as2_read_timeout_s, 1, 3600)) return false; }
        else if (key == "as2_public_url") { if (!str(out.as2_public_url)) return false; }
        else if (key == "as2_tls_port") { if (!num(out.as2_tls_port, 0, 65535)) return false; }
        else if (key == "as2_tls_certificate") { if (!str(s)) return false; out.as2_tls_certificate = file.parent_path() / s; }
        else if (key == "as2_tls_key") { if (!str(s)) return false; out.as2_tls_key = file.parent_path() / s; }
        else if (key == "log_format") {
            if (!str(out.log_format)) return false;
            if (out.log_format != "text" && out.log_format != "json") return fail(v, "'service.log_format' must be text or json");
        } else return fail(v, "unknown key 'service." + key + "' (expected data, partners, admin_address, admin_port, admin_token_env, "
                            "poll_ms, workers, as2_address, as2_port, as2_max_connections, as2_read_timeout_s, as2_public_url, "
                            "as2_tls_port, as2_tls_certificate, as2_tls_key, log_format)");
    }
    if (out.as2_tls_port && (out.as2_tls_certificate.empty() || out.as2_tls_key.empty()))
        return fail(*svc, "as2_tls_port needs as2_tls_certificate and as2_tls_key (PEM files)");
    if (out.admin_port && out.admin_token.empty())
        return fail(*svc, "an admin_port needs admin_token_env: the admin endpoint always asks for a token");
    return true;
}

std::string metrics::text() const
{
    std::ostringstream o;
    auto counter = [&](char const* name, char const* help, std::uint64_t v) {
        o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n" << name << ' ' << v << '\n';
    };
    counter("edigw_files_received_total", "Inbound files processed.", files_received);
    counter("edigw_files_duplicate_total", "Inbound files recognised as sent before.", files_duplicate);
    counter("edigw_files_failed_total", "Inbound files that could not be processed (kept for a retry).", files_failed);
    counter("edigw_sets_total", "Transaction sets received.", sets);
    counter("edigw_orders_accepted_total", "Orders accepted (with or without changes).", orders_accepted);
    counter("edigw_orders_rejected_total", "Orders rejected.", orders_rejected);
    counter("edigw_acks_sent_total", "Acknowledgments delivered.", acks_sent);
    counter("edigw_as2_messages_total", "AS2 messages received and processed.", as2_messages);
    counter("edigw_as2_refused_total", "AS2 messages refused (MDN with an error, or an HTTP error).", as2_refused);
    counter("edigw_as2_mdns_sent_total", "MDNs sent (synchronous and asynchronous).", as2_mdns_sent);
    counter("edigw_as2_sent_total", "Our documents delivered over AS2 (MDN checked).", as2_sent);
    counter("edigw_as2_send_failed_total", "AS2 sends that failed and will be retried.", as2_send_failed);
    o << "# HELP edigw_as2_connections Open AS2 connections.\n# TYPE edigw_as2_connections gauge\nedigw_as2_connections "
      << as2_connections << '\n';
    counter("edigw_log_checkpoints_total", "Checkpoints of the log's WAL into its database, made off the writers' path.", log_checkpoints);
    o << "# HELP edigw_log_wal_frames WAL frames not yet in the database at the last checkpoint.\n"
         "# TYPE edigw_log_wal_frames gauge\nedigw_log_wal_frames "
      << log_wal_frames << '\n';
    o << "# HELP edigw_queue_depth Files waiting for a worker.\n# TYPE edigw_queue_depth gauge\nedigw_queue_depth " << queue_depth
      << '\n';
    o << "# HELP edigw_ack_latency_seconds Receipt of a file to its acknowledgments delivered.\n"
         "# TYPE edigw_ack_latency_seconds summary\n"
      << "edigw_ack_latency_seconds_sum " << static_cast<double>(ack_latency_us_sum) / 1e6 << '\n'
      << "edigw_ack_latency_seconds_count " << ack_latency_count << '\n';
    return o.str();
}

struct gateway::impl {
    config cfg;
    std::vector<partners::profile> profiles;
    asio::io_context ioc;
    std::unique_ptr<asio::thread_pool> pool;
    asio::steady_timer timer{ioc};
    asio::signal_set signals{ioc, SIGINT, SIGTERM};
    std::unique_ptr<asio::ip::tcp::acceptor> acceptor;
    std::uint16_t bound_port = 0;
    metrics m;
    std::function<void(std::string const&)> log;
    std::atomic<bool> stopping{false};

    std::mutex mu;                                   // guards the three below
    std::set<std::string> in_flight;                 // files a worker holds
    std::map<std::string, std::uintmax_t> last_size; // for "complete": the size seen at the last poll
    std::set<std::string> closed;                    // the kernel saw them renamed in or closed after writing

    // inotify on the drop folders: a file renamed into place (IN_MOVED_TO)
    // or closed after writing (IN_CLOSE_WRITE) is complete at once, and a
    // poll runs then, instead of two polls apart. Without events (a network
    // file system, or inotify unavailable) the size check stays the rule.
    std::unique_ptr<asio::posix::stream_descriptor> inotify;
    std::map<int, fs::path> watched; // watch descriptor -> folder
    std::array<char, 16384> inotify_buf{};
    std::atomic<bool> poll_soon{false};

    impl(config c, std::vector<partners::profile> p) : cfg(std::move(c)), profiles(std::move(p)) {}

    // One log line: an event with its fields. No key, password or token is
    // ever a field; file names and Message-IDs are JSON-escaped in json.
    struct kv {
        std::string_view key;
        std::string value;
    };
    void event(std::string_view level, std::string_view name, std::string const& msg, std::initializer_list<kv> fields = {})
    {
        if (!log) return;
        if (cfg.log_format == "json") {
            boost::json::object o;
            o["ts"] = log::now_iso();
            o["level"] = level;
            o["event"] = name;
            for (auto const& f : fields) o[f.key] = f.value;
            o["msg"] = msg;
            log(boost::json::serialize(o));
        } else {
            log(log::now_iso() + " " + (level == "info" ? std::string() : std::string(level) + ": ") + msg);
        }
    }
    // A plain line; "error: ..." is an error.
    void say(std::string const& s)
    {
        bool const err = s.rfind("error: ", 0) == 0;
        event(err ? "error" : "info", err ? "error" : "note", err ? s.substr(7) : s);
    }

    // ---- drop folders -------------------------------------------------------------------

    void watch_folders()
    {
        int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0) {
            say("drop folders: no inotify (" + std::string(std::strerror(errno)) + "); files are taken by polling alone");
            return;
        }
        for (auto const& p : profiles)
            if (p.folder) {
                fs::path in = p.dir / p.folder->inbound;
                int wd = ::inotify_add_watch(fd, in.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE);
                if (wd >= 0) watched[wd] = in;
            }
        inotify = std::make_unique<asio::posix::stream_descriptor>(ioc, fd);
        read_events();
    }

    void read_events()
    {
        inotify->async_read_some(asio::buffer(inotify_buf), [this](boost::system::error_code ec, std::size_t n) {
            if (ec || stopping) return;
            bool any = false;
            for (std::size_t at = 0; at + sizeof(inotify_event) <= n;) {
                auto const* ev = reinterpret_cast<inotify_event const*>(inotify_buf.data() + at);
                at += sizeof(inotify_event) + ev->len;
                auto w = watched.find(ev->wd);
                if (w == watched.end() || ev->len == 0 || (ev->mask & IN_ISDIR)) continue;
                std::string const name(ev->name); // NUL-padded
                if (name.empty() || name[0] == '.') continue;
                std::lock_guard lock(mu);
                closed.insert((w->second / name).string());
                any = true;
            }
            // One poll on a worker for a burst of events (the folder listing is blocking I/O).
            if (any && !poll_soon.exchange(true))
                asio::post(*pool, [this] {
                    poll_soon = false;
                    poll_folders();
                });
            read_events();
        });
    }

    void schedule()
    {
        if (stopping) return;
        timer.expires_after(std::chrono::milliseconds(cfg.poll_ms));
        timer.async_wait([this](boost::system::error_code ec) {
            if (ec || stopping) return;
            // Listing folders is blocking I/O: done on a worker.
            asio::post(*pool, [this] { poll(); });
            schedule();
        });
    }

    void poll()
    {
        auto const now = std::chrono::steady_clock::now();
        for (auto const& p : profiles) {
            if (!p.sftp) continue;
            {
                std::lock_guard lock(mu);
                auto& next = next_sftp[p.id];
                if (now < next) continue; // the partner's poll_seconds
                next = now + std::chrono::seconds(p.sftp->poll_seconds);
            }
            asio::post(*pool, [this, &p] { poll_sftp(p); });
        }
        for (auto const& p : profiles) {
            if (!p.as2 || p.as2->url.empty() || !as2_creds.count(p.id)) continue;
            {
                std::lock_guard lock(mu);
                if (now < next_as2[p.id]) continue;
            }
            asio::post(*pool, [this, &p] { as2_deliver(p); }); // answers not sent yet (after a failure or a crash)
        }
        poll_folders(true);
    }

    // `deliver_too`: also send what waits for folder partners (the timer's poll).
    void poll_folders(bool deliver_too = false)
    {
        for (auto const& p : profiles) {
            if (!p.folder) continue;
            // Documents made with edigw emit (856, 810 ...) for this partner go out too.
            if (deliver_too)
                if (log::store* st = store()) deliver(*st, 0, "folder", folder_sink(p), p.id);
            fs::path in = p.dir / p.folder->inbound;
            std::error_code ec;
            if (!fs::is_directory(in, ec)) continue;
            std::set<std::string> listed;
            for (auto const& e : fs::directory_iterator(in, ec)) {
                if (stopping) return;
                std::string name = e.path().filename().string();
                listed.insert(e.path().string());
                // Partners write under a temporary name or a dot name, then rename.
                if (!e.is_regular_file() || name.empty() || name[0] == '.' || name.size() > 200
                    || (name.size() > 4 && name.substr(name.size() - 4) == ".tmp"))
                    continue;
                std::uintmax_t size = e.file_size(ec);
                if (ec) continue;
                std::string key = e.path().string();
                {
                    std::lock_guard lock(mu);
                    if (in_flight.count(key)) continue;
                    // Complete when the kernel saw it renamed in or closed after
                    // writing, or else when its size did not change since the last poll.
                    if (!closed.erase(key)) {
                        auto it = last_size.find(key);
                        if (it == last_size.end() || it->second != size) {
                            last_size[key] = size;
                            continue;
                        }
                    }
                    last_size.erase(key);
                    in_flight.insert(key);
                }
                ++m.queue_depth;
                asio::post(*pool, [this, &p, path = e.path()] {
                    --m.queue_depth;
                    take(p, path);
                    std::lock_guard lock(mu);
                    in_flight.erase(path.string());
                });
            }
            // Forget what was seen of files gone before they were taken (a
            // partner's temporary names, a file taken back): nothing piles up.
            std::string const prefix = (in / "").string();
            std::lock_guard lock(mu);
            std::erase_if(closed, [&](std::string const& k) { return k.rfind(prefix, 0) == 0 && !listed.count(k); });
            std::erase_if(last_size, [&](auto const& kv) { return kv.first.rfind(prefix, 0) == 0 && !listed.count(kv.first); });
        }
    }

    log::store* store()
    {
        // One connection per worker thread: SQLite connections are not shared.
        thread_local std::unique_ptr<log::store> st;
        thread_local fs::path for_dir;
        if (!st || for_dir != cfg.data_dir) {
            std::string err;
            st = log::store::open(cfg.data_dir, err);
            for_dir = cfg.data_dir;
            if (!st) say("error: " + err);
            // The checkpointer copies the WAL into the database (see
            // checkpoints()); a writer does it itself only past 64 MB of WAL
            // (4 KiB pages), when the checkpointer cannot keep up.
            else if (!st->db().exec("PRAGMA wal_autocheckpoint=16384")) say("error: " + st->db().last_error());
        }
        return st.get();
    }

    // SQLite copies the WAL into the database when a commit leaves it over
    // 1,000 pages, in the committing thread with the write lock held: a
    // 10,000-order file's commit spent half its 25-30 ms there, and an AS2
    // message that met one waited for it. Here a thread of its own does it
    // every 250 ms with a passive checkpoint, which waits for no reader and
    // holds up no writer.
    std::jthread checkpointer;
    void checkpoints(std::stop_token stop)
    {
        std::string err;
        auto st = log::store::open(cfg.data_dir, err);
        if (!st) {
            say("error: the checkpointer cannot open the log: " + err);
            return;
        }
        std::mutex mu;
        std::condition_variable_any cv;
        std::string said; // a failure is logged once, not every round
        while (!stop.stop_requested()) {
            {
                std::unique_lock lock(mu);
                cv.wait_for(lock, stop, std::chrono::milliseconds(250), [] { return false; });
            }
            std::int64_t pending = 0;
            if (!st->db().checkpoint_passive(pending)) {
                // Busy is normal (another checkpoint is running): the next round.
                bool const busy = (sqlite3_errcode(st->db().handle()) & 0xff) == SQLITE_BUSY;
                if (!busy && st->db().last_error() != said) {
                    said = st->db().last_error();
                    say("error: cannot checkpoint the log: " + said);
                }
                continue;
            }
            said.clear();
            ++m.log_checkpoints;
            m.log_wal_frames = static_cast<std::uint64_t>(pending);
        }
    }

    static bool write_durably(fs::path const& target, std::string const& bytes)
    {
        fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp");
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        if (fd < 0) return false;
        bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && ::fsync(fd) == 0;
        ::close(fd);
        std::error_code ec;
        if (ok) fs::rename(tmp, target, ec);
        return ok && !ec;
    }

    // Where a partner's answers go: a name (our ISA13 and the document) and the
    // bytes; `flush` makes everything put so far durable (one sync for a batch).
    struct sink {
        std::function<bool(std::string const& name, std::string const& bytes, std::string& where)> put;
        std::function<bool()> flush;
    };

    // Each answer written under a dot name, fsynced and renamed into place;
    // the flush makes the renames durable with one fsync of the folder
    // (syncfs would wait for everything anyone wrote on the file system).
    sink folder_sink(partners::profile const& p)
    {
        fs::path out = p.dir / p.folder->outbound;
        return {[out](std::string const& name, std::string const& bytes, std::string& where) {
                    std::error_code ec;
                    fs::create_directories(out, ec);
                    fs::path target = out / name;
                    where = target.string();
                    return fs::exists(target) || write_durably(target, bytes);
                },
                [out] {
                    int fd = ::open(out.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                    if (fd < 0) return false;
                    bool ok = ::fsync(fd) == 0;
                    ::close(fd);
                    return ok;
                }};
    }

    // Delivers the answers to inbound transmission `original` not delivered
    // yet: all put, flushed once, then marked sent in one transaction. A crash
    // before the marks re-puts the same files under the same names (skipped
    // when still there); an answer marked sent is never put again.
    std::size_t deliver(log::store& st, std::int64_t original, std::string const& transport, sink const& to,
                        std::string const& partner = {}, pipeline::phases* steps = nullptr)
    {
        // original 0: the partner's documents made on their own (edigw emit), and the
        // 855s of a reprocess run through the API, waiting to go.
        log::sql::statement q(st.db(), original ? "SELECT id, document, sha256, status FROM transmissions WHERE reply_to = ?1 "
                                                  "AND direction = 'out' ORDER BY id"
                                                : "SELECT id, document, sha256, status FROM transmissions WHERE (reply_to IS NULL "
                                                  "OR reply_to IN (SELECT id FROM transmissions WHERE transport = 'reprocess')) "
                                                  "AND direction = 'out' AND status = 'ready' AND partner = ?2 ORDER BY id");
        if (original) q.bind(1, original);
        else q.bind(2, partner);
        std::vector<std::tuple<std::int64_t, std::string, std::string, std::string>> pending;
        while (q.step())
            if (q.text(3) == "ready") pending.emplace_back(q.integer(0), q.text(1), q.text(2), q.text(3)); // not sent, written or returned
        struct put_one {
            std::int64_t id;
            std::string name, where, old_status;
        };
        std::vector<put_one> done;
        for (auto const& [id, doc, sha, status] : pending) {
            auto bytes = st.archived(sha);
            if (!bytes) continue;
            // Our own control number names it: ISA13 sits at a fixed place in our ISA.
            std::string isa13 = bytes->size() > 99 ? bytes->substr(90, 9) : std::to_string(id);
            if (!std::all_of(isa13.begin(), isa13.end(), [](char c) { return c >= '0' && c <= '9'; })) isa13 = std::to_string(id);
            std::string const name = isa13 + "-" + doc + ".x12";
            std::string where;
            if (!to.put(name, *bytes, where)) {
                event("error", "answer.not_delivered", "cannot deliver " + name + " to " + where,
                      {{"file", name}, {"transport", transport}, {"transmission", std::to_string(id)}});
                continue;
            }
            done.push_back({id, name, where, status});
        }
        if (steps) steps->lap("deliver-put");
        if (done.empty()) return 0;
        if (to.flush && !to.flush()) {
            say("error: cannot flush the answers to transmission " + std::to_string(original));
            return 0;
        }
        if (steps) steps->lap("deliver-flush");
        log::sql::transaction tx(st.db());
        std::string const now = log::now_iso();
        for (auto const& d : done) {
            auto& u = st.cached("UPDATE transmissions SET status = 'sent', transport = ?, remote_name = ?, completed_at = ? WHERE id = ?");
            u.bind(1, transport).bind(2, d.name).bind(3, now).bind(4, d.id);
            if (u.run()) (void)st.audit("edigw serve", "transmission", d.id, "sent", d.old_status, "sent", d.where);
        }
        if (!tx.commit()) return 0;
        if (steps) steps->lap("deliver-mark");
        m.acks_sent += done.size();
        return done.size();
    }

    // A file received, in the metrics. A resend (a duplicate) is answered
    // again with the first file's answers, made ready to go once more.
    // Returns the transmission whose answers go out.
    std::int64_t account(log::store& st, pipeline::receive_result const& r)
    {
        if (r.status == "duplicate" && r.duplicate_of) {
            ++m.files_duplicate;
            log::sql::statement reset(st.db(), "UPDATE transmissions SET status = 'ready' WHERE reply_to = ? AND direction = 'out'");
            reset.bind(1, r.duplicate_of);
            (void)reset.run();
            return r.duplicate_of;
        }
        ++m.files_received;
        m.sets += r.sets;
        m.orders_accepted += r.orders_accepted;
        m.orders_rejected += r.orders_rejected;
        return r.transmission_id;
    }

    void take(partners::profile const& p, fs::path const& path)
    {
        take_file(p, path, "folder", folder_sink(p), p.dir / p.folder->inbound / ".done");
    }

    // Takes one complete local file (a drop folder's, or one fetched over
    // SFTP into the spool): received once, answered once, then moved to
    // `done_dir` and marked taken. True when the file is taken.
    bool take_file(partners::profile const& p, fs::path const& path, std::string const& transport, sink const& to,
                   fs::path const& done_dir)
    {
        if (stopping) return false; // parked: the next start takes it
        auto const t0 = std::chrono::steady_clock::now();
        pipeline::phases steps;
        log::store* st = store();
        if (!st) {
            ++m.files_failed;
            return false;
        }
        std::string bytes;
        if (!read_whole(path, bytes)) {
            ++m.files_failed;
            return false;
        }
        steps.lap("read");
        std::string const sha = log::sha256_hex(bytes);
        std::error_code ec;
        fs::create_directories(done_dir, ec);
        fs::path done = done_dir / (sha.substr(0, 16) + "-" + path.filename().string());

        // Recovery: this very file was received before a crash and is still here.
        std::int64_t original = 0;
        {
            log::sql::statement q(st->db(), "SELECT t.id FROM transmissions t WHERE t.partner = ? AND t.direction = 'in' "
                                            "AND t.sha256 = ? AND t.status IN ('processed', 'partial', 'rejected') "
                                            "AND NOT EXISTS (SELECT 1 FROM audit a WHERE a.entity = 'transmission' "
                                            "AND a.entity_id = t.id AND a.action = 'taken') ORDER BY t.id DESC LIMIT 1");
            q.bind(1, p.id).bind(2, sha);
            if (q.step()) original = q.integer(0);
        }
        steps.lap("recovery-check");
        if (original) {
            event("info", "file.recovering", "recovering " + path.filename().string() + " (transmission " + std::to_string(original) + ")",
                  {{"partner", p.id}, {"transport", transport}, {"file", path.filename().string()}, {"transmission", std::to_string(original)}});
        } else {
            pipeline::receive_options o;
            o.transport = transport;
            o.remote_name = path.filename().string();
            o.actor = "edigw serve";
            o.received_date = cfg.received_date;
            o.with_855 = true; // decisions -> 855 -> delivery, as the service's pipeline
            o.sha256 = sha;
            auto r = pipeline::receive_bytes(*st, std::move(bytes), path.string(), &p, profiles, o);
            steps.add(r.steps);
            if (!r.ok) {
                ++m.files_failed;
                event("error", "file.failed", path.string() + ": " + r.error,
                      {{"partner", p.id}, {"transport", transport}, {"file", path.filename().string()}});
                if (!r.transmission_id) return false; // nothing recorded: left in place, retried at the next poll
            }
            original = account(*st, r);
            event("info", "file.received", "received " + path.filename().string() + " from " + p.id + " via " + transport + ": " + r.status,
                  {{"partner", p.id},
                   {"transport", transport},
                   {"file", path.filename().string()},
                   {"transmission", std::to_string(r.transmission_id)},
                   {"status", r.status},
                   {"sets", std::to_string(r.sets)},
                   {"orders_accepted", std::to_string(r.orders_accepted)},
                   {"orders_rejected", std::to_string(r.orders_rejected)}});
            // A large file's analysis (every order, every finding) is freed on
            // another worker while this one delivers the answers.
            if (r.sets > 1000) asio::post(*pool, [an = std::make_shared<pipeline::analysis>(std::move(r.an))] {});
            steps.lap("account");
            if (r.status == "duplicate" && r.duplicate_of) {
                deliver(*st, original, transport, to);
                fs::rename(path, done, ec);
                return !ec;
            }
        }
        deliver(*st, original, transport, to, {}, &steps);
        crash_point("serve-after-deliver");
        // Moved out first, then marked: a crash in between leaves a moved file
        // and an unmarked record, which nothing acts on again.
        fs::rename(path, done, ec);
        if (ec) {
            say("error: cannot move " + path.string() + ": " + ec.message());
            return false;
        }
        steps.lap("move");
        (void)st->audit("edigw serve", "transmission", original, "taken", "", "", done.string());
        steps.lap("mark");
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
        event("info", "file.taken", path.filename().string() + " taken in " + std::to_string(us / 1000) + " ms (" + steps.text() + ")",
              {{"partner", p.id}, {"transport", transport}, {"file", path.filename().string()},
               {"transmission", std::to_string(original)}, {"ms", std::to_string(us / 1000)}, {"steps", steps.text()}});
        m.ack_latency_us_sum += static_cast<std::uint64_t>(us);
        ++m.ack_latency_count;
        return true;
    }

    // ---- SFTP: we poll the partner's server ---------------------------------------------

    std::map<std::string, std::uint32_t> sftp_failures; // per partner, for the back-off (worker-side, under mu)
    std::map<std::string, std::uint32_t> sftp_skip;
    std::map<std::string, std::chrono::steady_clock::time_point> next_sftp;

    void poll_sftp(partners::profile const& p)
    {
        {
            std::lock_guard lock(mu);
            if (in_flight.count("sftp:" + p.id)) return;
            if (sftp_skip[p.id] > 0) {
                --sftp_skip[p.id]; // backing off after failures
                return;
            }
            in_flight.insert("sftp:" + p.id);
        }
        auto done = [&] {
            std::lock_guard lock(mu);
            in_flight.erase("sftp:" + p.id);
        };
        auto const& s = *p.sftp;
        std::string err;
        auto c = transport::sftp_connection::open(s, p.dir, err);
        if (!c) {
            std::lock_guard lock(mu);
            auto& f = sftp_failures[p.id];
            f = std::min<std::uint32_t>(f + 1, 6);
            sftp_skip[p.id] = (1u << f) - 1; // 1, 3, 7 ... 63 polls
            in_flight.erase("sftp:" + p.id);
            event("error", "sftp.error", "sftp " + p.id + ": " + err, {{"partner", p.id}});
            return;
        }
        {
            std::lock_guard lock(mu);
            sftp_failures[p.id] = 0;
        }
        fs::path spool = cfg.data_dir / "spool" / p.id;
        std::error_code ec;
        fs::create_directories(spool, ec);
        sink upload{[&](std::string const& name, std::string const& bytes, std::string& where) {
                        where = "sftp://" + s.host + s.outbound_dir + "/" + name;
                        std::string e;
                        bool ok = c->put(s.outbound_dir, name, bytes, e);
                        if (!ok) event("error", "sftp.error", "sftp " + p.id + ": " + e, {{"partner", p.id}});
                        return ok;
                    },
                    {}};
        // Files fetched before a crash and not taken yet go first.
        for (auto const& e : fs::directory_iterator(spool, ec))
            if (e.is_regular_file() && e.path().filename().string()[0] != '.')
                take_file(p, e.path(), "sftp", upload, spool / ".done");
        std::vector<transport::remote_file> files;
        if (!c->list(s.inbound_dir, s.pattern, files, err)) {
            event("error", "sftp.error", "sftp " + p.id + ": " + err, {{"partner", p.id}});
            done();
            return;
        }
        log::store* st = store();
        if (st) deliver(*st, 0, "sftp", upload, p.id); // documents made with edigw emit for this partner
        for (auto const& f : files) {
            if (stopping || !st) break;
            std::string const remote = s.inbound_dir + "/" + f.name;
            if (s.after_download == "leave") {
                log::sql::statement q(st->db(), "SELECT 1 FROM remote_seen WHERE partner = ? AND name = ? AND size = ? AND mtime = ?");
                q.bind(1, p.id).bind(2, f.name).bind(3, f.size).bind(4, f.mtime);
                if (q.step()) continue; // fetched before, left in place
            }
            std::string bytes;
            if (!c->read(remote, bytes, err) || bytes.size() != f.size) {
                say("sftp " + p.id + ": " + (err.empty() ? remote + " changed while it was read; retried" : err));
                continue; // never a half file: the next poll tries again
            }
            // Durable locally (temporary name, fsync, rename) before anything else.
            fs::path local = spool / transport::safe_name(f.name);
            if (!write_durably(local, bytes)) {
                say("error: cannot spool " + local.string());
                continue;
            }
            std::string const sha = log::sha256_hex(bytes);
            bool const ours = recorded_not_disposed(*st, p.id, sha);
            if (ours) {
                // Received and answered before a crash kept us from removing it
                // remotely: only the disposal is left.
                fs::remove(local, ec);
            } else if (!take_file(p, local, "sftp", upload, spool / ".done")) {
                continue;
            }
            bool disposed = true;
            if (s.after_download == "delete") {
                disposed = c->remove(remote, err);
            } else if (s.after_download == "move") {
                // A partner resending a file under the same name finds the first
                // one in the archive: this one goes beside it, named by its digest.
                std::string const to = s.move_to + "/" + f.name;
                disposed = c->rename(remote, to, err)
                           || (c->exists(to) && c->rename(remote, to + "." + sha.substr(0, 16), err));
            } else {
                log::sql::statement ins(st->db(), "INSERT OR IGNORE INTO remote_seen(partner, name, size, mtime, seen_at) VALUES (?,?,?,?,?)");
                ins.bind(1, p.id).bind(2, f.name).bind(3, f.size).bind(4, f.mtime).bind(5, log::now_iso());
                disposed = ins.run();
            }
            if (!disposed) {
                // Taken and answered; the next poll only tries the disposal again.
                event("error", "sftp.error", "sftp " + p.id + ": " + err, {{"partner", p.id}});
                continue;
            }
            mark_disposed(*st, p.id, sha);
        }
        done();
    }

    // An inbound file taken but not yet removed from the partner's server.
    static bool recorded_not_disposed(log::store& st, std::string const& partner, std::string const& sha)
    {
        log::sql::statement q(st.db(), "SELECT 1 FROM transmissions t WHERE t.partner = ? AND t.direction = 'in' AND t.sha256 = ? "
                                       "AND t.status IN ('processed', 'partial', 'rejected') AND EXISTS (SELECT 1 FROM audit a "
                                       "WHERE a.entity = 'transmission' AND a.entity_id = t.id AND a.action = 'taken') "
                                       "AND NOT EXISTS (SELECT 1 FROM audit a WHERE a.entity = 'transmission' AND a.entity_id = t.id "
                                       "AND a.action = 'disposed') LIMIT 1");
        q.bind(1, partner).bind(2, sha);
        return q.step();
    }

    static void mark_disposed(log::store& st, std::string const& partner, std::string const& sha)
    {
        log::sql::statement q(st.db(), "SELECT id FROM transmissions WHERE partner = ? AND direction = 'in' AND sha256 = ? "
                                       "AND status IN ('processed', 'partial', 'rejected') ORDER BY id DESC LIMIT 1");
        q.bind(1, partner).bind(2, sha);
        if (q.step()) (void)st.audit("edigw serve", "transmission", q.integer(0), "disposed", "", "", "removed from the partner's server");
    }

    // ---- AS2: partners post to us ---------------------------------------------------------------

    std::unique_ptr<asio::ip::tcp::acceptor> as2_acceptor;
    std::uint16_t as2_bound_port = 0;
    std::map<std::string, transport::as2::credentials> as2_creds; // per partner id, loaded at start-up, read-only after
    std::map<std::string, std::uint32_t> as2_failures;             // under mu
    std::map<std::string, std::chrono::steady_clock::time_point> next_as2;

    partners::profile const* as2_partner(std::string const& from, std::string const& to) const
    {
        for (auto const& p : profiles)
            if (p.as2 && p.as2->their_as2_id == from && p.as2->our_as2_id == to) return &p;
        return nullptr;
    }

    std::uint64_t as2_body_limit() const
    {
        std::uint64_t lim = 1024;
        for (auto const& p : profiles)
            if (p.as2) lim = std::max(lim, p.as2->max_body_bytes);
        return lim;
    }

    // One listener per scheme: plain HTTP and HTTPS share everything after the handshake.
    std::unique_ptr<asio::ip::tcp::acceptor> as2_tls_acceptor;
    std::uint16_t as2_tls_bound_port = 0;
    std::unique_ptr<asio::ssl::context> tls;

    void as2_accept(asio::ip::tcp::acceptor& acc, bool secure)
    {
        acc.async_accept([this, &acc, secure](boost::system::error_code ec, asio::ip::tcp::socket s) {
            if (ec || stopping) return;
            if (m.as2_connections >= cfg.as2_max_connections) {
                // Over the limit: refused now (a 503 on plain HTTP) rather than queued where nobody sees it.
                ++m.as2_refused;
                auto res = std::make_shared<http::response<http::string_body>>(http::status::service_unavailable, 11);
                res->set(http::field::retry_after, "5");
                res->body() = "too many connections; retry later\n";
                res->prepare_payload();
                auto sock = std::make_shared<asio::ip::tcp::socket>(std::move(s));
                if (secure) {
                    boost::system::error_code ignore;
                    sock->close(ignore);
                } else {
                    http::async_write(*sock, *res, [sock, res](boost::system::error_code, std::size_t) {
                        boost::system::error_code ignore;
                        sock->shutdown(asio::ip::tcp::socket::shutdown_both, ignore);
                    });
                }
            } else if (secure) {
                auto c = std::make_shared<as2_conn<beast::ssl_stream<beast::tcp_stream>>>(m, std::move(s), *tls);
                beast::get_lowest_layer(c->stream).expires_after(std::chrono::seconds(cfg.as2_read_timeout_s));
                c->stream.async_handshake(asio::ssl::stream_base::server, [this, c](boost::system::error_code ec) {
                    if (ec) {
                        say("as2: TLS handshake failed: " + ec.message());
                        return;
                    }
                    as2_read(c);
                });
            } else {
                as2_read(std::make_shared<as2_conn<beast::tcp_stream>>(m, std::move(s)));
            }
            as2_accept(acc, secure);
        });
    }

    template <class Stream>
    struct as2_conn {
        Stream stream;
        beast::flat_buffer buf;
        std::optional<http::request_parser<http::string_body>> parser;
        http::response<http::string_body> res;
        metrics& m;
        template <class... A>
        explicit as2_conn(metrics& mm, A&&... a) : stream(std::forward<A>(a)...), m(mm)
        {
            ++m.as2_connections;
        }
        ~as2_conn() { --m.as2_connections; }
    };

    template <class C>
    void as2_read(std::shared_ptr<C> c)
    {
        c->parser.emplace();
        c->parser->header_limit(16 * 1024);
        c->parser->body_limit(as2_body_limit());
        beast::get_lowest_layer(c->stream).expires_after(std::chrono::seconds(cfg.as2_read_timeout_s));
        http::async_read_header(c->stream, c->buf, *c->parser, [this, c](boost::system::error_code ec, std::size_t) {
            if (ec) return as2_error(c, ec);
            auto& req = c->parser->get();
            // The partner's own limit, known from its headers, before the body is read.
            auto const* p = as2_partner(transport::as2::unquote(std::string(req["AS2-From"])),
                                        transport::as2::unquote(std::string(req["AS2-To"])));
            if (p) {
                // Beast checks Content-Length against the limit when the header ends, so a
                // partner's own (smaller) limit is checked here.
                if (auto len = c->parser->content_length(); len && *len > p->as2->max_body_bytes)
                    return as2_error(c, http::error::body_limit);
                c->parser->body_limit(p->as2->max_body_bytes); // chunked bodies
            }
            if (req.method() != http::verb::post) return as2_reply(c, http::status::method_not_allowed, "AS2 takes POST\n");
            beast::get_lowest_layer(c->stream).expires_after(std::chrono::seconds(cfg.as2_read_timeout_s));
            http::async_read(c->stream, c->buf, *c->parser, [this, c](boost::system::error_code ec, std::size_t) {
                if (ec) return as2_error(c, ec);
                beast::get_lowest_layer(c->stream).expires_never();
                // Crypto, SQLite and the pipeline: on a worker, never here.
                asio::post(*pool, [this, c] {
                    auto res = as2_handle(c->parser->release());
                    asio::post(c->stream.get_executor(), [this, c, res = std::move(res)]() mutable {
                        c->res = std::move(res);
                        as2_write(c);
                    });
                });
            });
        });
    }

    template <class C>
    void as2_error(std::shared_ptr<C> const& c, boost::system::error_code ec)
    {
        if (ec == http::error::body_limit) {
            ++m.as2_refused;
            say("as2: refused a body over the partner's limit");
            return as2_reply(c, http::status::payload_too_large, "the body is larger than this partner may send\n");
        }
        if (ec == http::error::header_limit) return as2_reply(c, http::status::request_header_fields_too_large, "headers too large\n");
        if (ec == beast::error::timeout) {
            say("as2: a connection timed out before its request was complete");
            return; // the stream is closed by the timeout
        }
        if (ec == http::error::end_of_stream || ec == asio::error::eof) return;
        as2_reply(c, http::status::bad_request, "malformed HTTP request: " + ec.message() + "\n");
    }

    template <class C>
    void as2_reply(std::shared_ptr<C> const& c, http::status st, std::string text)
    {
        c->res = http::response<http::string_body>(st, 11);
        c->res.set(http::field::content_type, "text/plain");
        c->res.body() = std::move(text);
        as2_write(c);
    }

    template <class C>
    void as2_write(std::shared_ptr<C> const& c)
    {
        c->res.set(http::field::server, "edigw");
        c->res.keep_alive(false);
        c->res.prepare_payload();
        beast::get_lowest_layer(c->stream).expires_after(std::chrono::seconds(cfg.as2_read_timeout_s));
        http::async_write(c->stream, c->res, [c](boost::system::error_code, std::size_t) {
            if constexpr (std::is_same_v<std::decay_t<decltype(c->stream)>, beast::tcp_stream>) {
                boost::system::error_code ignore;
                c->stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignore);
            } else {
                c->stream.async_shutdown([c](boost::system::error_code) {}); // close_notify, then the socket goes with c
            }
        });
    }

    using as2_response = http::response<http::string_body>;

    static as2_response text_response(http::status st, std::string text)
    {
        as2_response r(st, 11);
        r.set(http::field::content_type, "text/plain");
        r.body() = std::move(text);
        return r;
    }

    as2_response mdn_response(transport::as2::mdn_fields const& f, transport::as2::credentials const* sign_with,
                              std::string const& micalg)
    {
        auto mdn = transport::as2::build_mdn(f, sign_with, micalg);
        as2_response r(http::status::ok, 11);
        for (auto const& [k, v] : mdn.head.list) r.set(k, v);
        r.set("AS2-Version", "1.2");
        r.set("AS2-From", "\"" + f.our_as2_id + "\"");
        r.set("AS2-To", "\"" + f.their_as2_id + "\"");
        r.set("Message-ID", mdn.message_id);
        r.set("MIME-Version", "1.0");
        r.body() = std::move(mdn.body);
        ++m.as2_mdns_sent;
        return r;
    }

    // One AS2 POST, on a worker: what to answer over HTTP.
    as2_response as2_handle(http::request<http::string_body> req)
    {
        namespace as2 = transport::as2;
        as2::headers h;
        for (auto const& f : req) h.list.emplace_back(std::string(f.name_string()), std::string(f.value()));
        std::string const from = as2::unquote(h.get("AS2-From")), to = as2::unquote(h.get("AS2-To"));
        std::string const message_id = as2::unquote(h.get("Message-ID")).empty() ? "" : std::string(as2::unquote(h.get("Message-ID")));
        std::string const ct = h.get("Content-Type");
        auto const ask = as2::read_mdn_request(h);
        as2::mdn_fields f;
        f.original_message_id = h.get("Message-ID");
        f.our_as2_id = to;
        f.their_as2_id = from;
        auto const* p = as2_partner(from, to);
        if (from.empty() || to.empty() || message_id.empty()) {
            ++m.as2_refused;
            return text_response(http::status::bad_request, "AS2-From, AS2-To and Message-ID are required\n");
        }
        if (!p) {
            ++m.as2_refused;
            event("warning", "as2.unknown_partner", "as2: refused a message from unknown partner '" + from + "' to '" + to + "'",
                  {{"as2_from", from}, {"as2_to", to}});
            // Unknown senders get no asynchronous MDN: we post nowhere a stranger names.
            if (!ask.wanted || !ask.async_url.empty())
                return text_response(http::status::forbidden, "unknown trading partner: no profile for AS2-From '" + from + "' and AS2-To '" + to + "'\n");
            f.disposition = "processed/error: unknown-trading-partner";
            f.text = "No trading partner agreement exists for AS2-From '" + from + "' and AS2-To '" + to + "'.";
            return mdn_response(f, nullptr, {});
        }
        auto const it = as2_creds.find(p->id);
        if (it == as2_creds.end()) {
            ++m.as2_refused;
            return text_response(http::status::service_unavailable, "AS2 for this partner is not available on our side (see our start-up log)\n");
        }
        auto const& creds = it->second;
        auto const* sign_with = ask.want_signed ? &creds : nullptr;

        // An asynchronous MDN for something we sent.
        if (auto mt = as2::media_type(ct); mt == "multipart/report" || mt == "multipart/signed") {
            auto mdn = as2::read_mdn(ct, req.body(), creds);
            if (mdn.ok) return as2_take_mdn(*p, mdn);
        }

        auto opened = as2::open(ct, h.get("Content-Transfer-Encoding"), req.body(), creds, *p->as2, ask.micalg,
                                h.get("Content-Disposition"));
        auto answer = [&](as2_response r, std::int64_t transmission) {
            // A message that did not authenticate gets its MDN in the response: we
            // post to no URL that an unauthenticated request names.
            if (ask.async_url.empty() || !opened.failure.empty()) return r;
            // Asynchronous: the HTTP answer now, the MDN posted after.
            asio::post(*pool, [this, p, r = std::move(r), url = ask.async_url, transmission]() mutable {
                post_async_mdn(*p, std::move(r), url, transmission);
            });
            return text_response(http::status::ok, "");
        };
        if (!opened.failure.empty()) {
            ++m.as2_refused;
            event("warning", "as2.refused", "as2 " + p->id + ": " + message_id + " refused (" + opened.failure + "): " + opened.detail,
                  {{"partner", p->id}, {"message_id", message_id}, {"disposition", opened.failure}});
            // In the log as received, for ops and for the partner's support call.
            if (log::store* st = store()) {
                std::string e;
                if (!pipeline::record_refused(*st, p->id, "as2", message_id, req.body(), "AS2",
                                              "AS2 " + opened.failure + ": " + opened.detail, "edigw serve", e))
                    say("error: cannot record the refused message: " + e);
            }
            if (!ask.wanted) return text_response(http::status::bad_request, opened.failure + ": " + opened.detail + "\n");
            f.disposition = "processed/error: " + opened.failure;
            f.text = "The message could not be processed: " + opened.detail;
            return answer(mdn_response(f, sign_with, ask.micalg), 0);
        }
        f.mic = opened.mic;
        // Echoed as the partner spelled it: some want "sha1", others "sha-1".
        f.mic_alg = ask.micalg_as_asked.empty() ? opened.mic_alg : ask.micalg_as_asked;
        log::store* st = store();
        if (!st) return text_response(http::status::service_unavailable, "the log is not available; retry later\n");

        // A repeated Message-ID: answered, not processed again.
        std::int64_t original = 0;
        {
            auto& q = st->cached("SELECT id FROM transmissions WHERE partner = ? AND direction = 'in' AND transport = 'as2' "
                                 "AND remote_name = ? AND NOT (status = 'rejected' AND document = 'AS2') ORDER BY id LIMIT 1");
            q.bind(1, p->id).bind(2, message_id);
            if (q.step()) original = q.integer(0);
            q.reset(); // a kept statement is not left open on a row
        }
        if (original) {
            event("info", "as2.duplicate", "as2 " + p->id + ": " + message_id + " was received before (transmission " + std::to_string(original) + "): duplicate",
                  {{"partner", p->id}, {"message_id", message_id}, {"transmission", std::to_string(original)}});
            ++m.files_duplicate;
            f.disposition = "processed/warning: duplicate-document";
            f.text = "This message was received before (same Message-ID) and is not processed again.";
            (void)st->audit("edigw serve", "transmission", original, "mdn", "", f.disposition, message_id);
            return answer(mdn_response(f, sign_with, ask.micalg), original);
        }
        pipeline::receive_options o;
        o.transport = "as2";
        o.remote_name = message_id;
        o.actor = "edigw serve";
        o.received_date = cfg.received_date;
        o.with_855 = true;
        // The MDN we answer with, audited in the file's own transaction.
        o.also_record = [&](log::store& s, std::int64_t id) {
            return s.audit("edigw serve", "transmission", id, "mdn", "", "processed", message_id);
        };
        std::string const label = "as2:" + p->id + "/" + (opened.filename.empty() ? message_id : opened.filename);
        auto r = pipeline::receive_bytes(*st, opened.payload, label, p, profiles, o);
        if (!r.ok && !r.transmission_id) {
            ++m.files_failed;
            say("error: " + label + ": " + r.error);
            f.disposition = "processed/error: unexpected-processing-error";
            f.text = "The message was not recorded and should be sent again: " + r.error;
            return answer(mdn_response(f, sign_with, ask.micalg), 0);
        }
        ++m.as2_messages;
        original = account(*st, r);
        event("info", "file.received",
              "received " + label + " via as2: " + r.status + (opened.was_signed ? ", signed" : "") + (opened.was_encrypted ? ", encrypted" : "")
                  + (opened.was_compressed ? ", compressed" : ""),
              {{"partner", p->id},
               {"transport", "as2"},
               {"file", opened.filename},
               {"message_id", message_id},
               {"transmission", std::to_string(r.transmission_id)},
               {"status", r.status},
               {"signed", opened.was_signed ? "yes" : "no"},
               {"encrypted", opened.was_encrypted ? "yes" : "no"}});
        crash_point("as2-after-receive");
        f.disposition = "processed";
        f.text = "The message was received and recorded (transmission " + std::to_string(r.transmission_id) + ").";
        // Our answers go back over AS2 when the partner has a URL, else they wait for another transport.
        if (!p->as2->url.empty() && as2_creds.count(p->id)) asio::post(*pool, [this, p] { as2_deliver(*p); });
        return answer(mdn_response(f, sign_with, ask.micalg), r.transmission_id);
    }

    as2_response as2_take_mdn(partners::profile const& p, transport::as2::mdn_read const& mdn)
    {
        log::store* st = store();
        if (!st) return text_response(http::status::service_unavailable, "the log is not available; retry later\n");
        std::string const id = transport::as2::unquote(mdn.original_message_id);
        // Our Message-IDs name the document: <edigw-SHA256PREFIX@OURID>.
        std::int64_t tid = 0;
        if (id.rfind("<edigw-", 0) == 0 && id.find('@') == 47) {
            log::sql::statement q(st->db(), "SELECT id FROM transmissions WHERE partner = ? AND direction = 'out' AND sha256 LIKE ? "
                                            "ORDER BY id DESC LIMIT 1");
            q.bind(1, p.id).bind(2, id.substr(7, 40) + "%");
            if (q.step()) tid = q.integer(0);
        }
        if (!tid) {
            say("as2 " + p.id + ": an MDN for a message we did not send (" + id + ")");
            return text_response(http::status::ok, "");
        }
        // Recorded now; checked against the MIC we sent once both are in the log (a
        // fast partner's MDN can come before our 'sent' mark, made once the batch is out).
        std::string const outcome = transport::as2::disposition_outcome(mdn.disposition);
        (void)st->audit("edigw serve", "transmission", tid, "mdn-received", "", outcome,
                        id + " MIC " + mdn.mic + (mdn.was_signed ? " signed" : " unsigned"));
        event("info", "as2.mdn_received", "as2 " + p.id + ": asynchronous MDN for " + id + ": " + outcome,
              {{"partner", p.id}, {"message_id", id}, {"transmission", std::to_string(tid)}, {"disposition", outcome}});
        verify_async_mdns(*st, p);
        return text_response(http::status::ok, "");
    }

    // Each asynchronous MDN against what we sent: the Message-ID, the MIC we
    // computed, a signature when we asked for one. The verdict is an audit
    // entry 'mdn-verified' ("processed", or why it is refused).
    std::mutex verify_mu; // one verifier at a time: a verdict is written once

    // What we sent asking for an asynchronous MDN is waited for in
    // mdns_expected, due after the profile's mdn_timeout_minutes: `edigw
    // report overdue`, the KPIs and the API list it when it does not come.
    // Taken from the 'sent' marks (so a crash between the send and this
    // leaves nothing untracked), once, looking back a week.
    void track_expected_mdns(log::store& st, partners::profile const& p)
    {
        if (!p.as2 || p.as2->mdn != "async") return;
        log::sql::statement q(st.db(), "SELECT t.id, s.detail, s.at, (SELECT min(r.at) FROM audit r WHERE r.entity = 'transmission' "
                                       "AND r.entity_id = t.id AND r.action = 'mdn-received') FROM transmissions t JOIN audit s ON "
                                       "s.entity = 'transmission' AND s.entity_id = t.id AND s.action = 'sent' WHERE t.partner = ? "
                                       "AND t.direction = 'out' AND t.transport = 'as2' AND t.completed_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days') "
                                       "AND s.detail LIKE '%(MDN to come)' AND NOT EXISTS (SELECT 1 FROM mdns_expected e "
                                       "WHERE e.transmission_id = t.id)");
        q.bind(1, p.id);
        struct row {
            std::int64_t id;
            std::string message_id, sent_at, received_at;
        };
        std::vector<row> rows;
        while (q.step()) {
            std::string const d = q.text(1); // "URL <message-id> MIC ... (MDN to come)"
            auto const a = d.find(" <"), b = d.find("> ", a == std::string::npos ? 0 : a);
            if (a == std::string::npos || b == std::string::npos) continue;
            rows.push_back({q.integer(0), d.substr(a + 1, b - a), q.text(2), q.is_null(3) ? std::string() : q.text(3)});
        }
        for (auto const& r : rows) {
            log::sql::statement ins(st.db(), "INSERT OR IGNORE INTO mdns_expected(transmission_id, partner, message_id, sent_at, due_at, "
                                             "received_at) VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', ?, ?), ?)");
            ins.bind(1, r.id).bind(2, p.id).bind(3, r.message_id).bind(4, r.sent_at).bind(5, r.sent_at);
            ins.bind(6, "+" + std::to_string(p.as2->mdn_timeout_minutes) + " minutes");
            if (r.received_at.empty()) ins.bind_null(7);
            else ins.bind(7, r.received_at);
            (void)ins.run();
        }
    }

    void verify_async_mdns(log::store& st, partners::profile const& p)
    {
        std::lock_guard lock(verify_mu);
        track_expected_mdns(st, p);
        log::sql::statement q(st.db(), "SELECT r.entity_id, r.new_value, r.detail, s.detail FROM audit r JOIN transmissions t ON "
                                       "t.id = r.entity_id AND t.partner = ? JOIN audit s ON s.entity = 'transmission' AND "
                                       "s.entity_id = r.entity_id AND s.action = 'sent' WHERE r.entity = 'transmission' AND "
                                       "r.action = 'mdn-received' AND NOT EXISTS (SELECT 1 FROM audit v WHERE v.entity = 'transmission' "
                                       "AND v.entity_id = r.entity_id AND v.action = 'mdn-verified')");
        q.bind(1, p.id);
        std::vector<std::pair<std::int64_t, std::string>> verdicts;
        while (q.step()) {
            std::string const got = q.text(2), sent = q.text(3);
            auto field = [](std::string const& d, std::string const& key) {
                auto at = d.find(" " + key + " ");
                return at == std::string::npos ? std::string() : d.substr(at + key.size() + 2, d.find(' ', at + key.size() + 2) - at - key.size() - 2);
            };
            std::string const id = got.substr(0, got.find(' '));
            std::string verdict = q.text(1);
            if (sent.find(" " + id + " ") == std::string::npos) verdict = "refused: an MDN for another message (" + id + ")";
            else if (p.as2->mdn_signed && got.find(" unsigned") != std::string::npos) verdict = "refused: unsigned, and we asked for a signed MDN";
            else if (field(got, "MIC") != field(sent, "MIC"))
                verdict = "refused: Received-Content-MIC " + field(got, "MIC") + " is not ours (" + field(sent, "MIC") + ")";
            verdicts.emplace_back(q.integer(0), verdict);
        }
        for (auto const& [tid, verdict] : verdicts) {
            (void)st.audit("edigw serve", "transmission", tid, "mdn-verified", "", verdict, "asynchronous MDN");
            log::sql::statement u(st.db(), "UPDATE mdns_expected SET received_at = coalesce(received_at, ?), verdict = ? WHERE transmission_id = ?");
            u.bind(1, log::now_iso()).bind(2, verdict).bind(3, tid);
            (void)u.run();
            if (verdict.rfind("refused", 0) == 0)
                event("error", "as2.mdn_refused", "as2 " + p.id + ": transmission " + std::to_string(tid) + ": MDN " + verdict,
                      {{"partner", p.id}, {"transmission", std::to_string(tid)}});
        }
    }

    void post_async_mdn(partners::profile const& p, as2_response mdn, std::string const& url, std::int64_t transmission)
    {
        std::vector<std::pair<std::string, std::string>> h;
        for (auto const& f : mdn)
            if (f.name() != http::field::content_length && f.name() != http::field::server)
                h.emplace_back(std::string(f.name_string()), std::string(f.value()));
        std::string const& ca = as2_creds.at(p.id).tls_ca;
        std::string last;
        for (int attempt = 0; attempt < 4 && !stopping; ++attempt) {
            if (attempt) std::this_thread::sleep_for(std::chrono::milliseconds(250 << attempt));
            auto r = transport::as2::http_post(url, h, mdn.body(), ca, std::chrono::seconds(15));
            if (r.ok && r.status / 100 == 2) {
                if (transmission)
                    if (log::store* st = store())
                        (void)st->audit("edigw serve", "transmission", transmission, "mdn-posted", "", "", url);
                return;
            }
            last = r.ok ? "HTTP " + std::to_string(r.status) : r.error;
        }
        say("as2 " + p.id + ": the asynchronous MDN could not be posted to " + url + ": " + last);
    }

    // Our answers and documents for an AS2 partner that are not sent yet, one
    // sender per partner at a time.
    void as2_deliver(partners::profile const& p)
    {
        {
            std::lock_guard lock(mu);
            if (!in_flight.insert("as2out:" + p.id).second) return;
        }
        if (log::store* st = store()) {
            auto const& creds = as2_creds.at(p.id);
            sink post{[&](std::string const& name, std::string const& bytes, std::string& where) {
                          where = p.as2->url;
                          // One Message-ID per document, derived from its bytes: a resend after a
                          // crash between the partner's MDN and our mark is a duplicate to them.
                          std::string id;
                          for (char ch : p.as2->our_as2_id) id += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                          id = "<edigw-" + log::sha256_hex(bytes).substr(0, 40) + "@" + id + ">";
                          auto r = transport::as2::send(bytes, name, *p.as2, creds, cfg.as2_public_url, std::chrono::seconds(30), id);
                          if (!r.delivered) {
                              ++m.as2_send_failed;
                              event("error", "as2.not_delivered", "as2 " + p.id + ": " + name + " not delivered: " + r.error,
                                    {{"partner", p.id}, {"file", name}, {"message_id", id}});
                              return false;
                          }
                          ++m.as2_sent;
                          crash_point("as2-after-send");
                          where = p.as2->url + " " + r.message_id + " MIC " + r.mic
                                  + (r.mdn_pending ? " (MDN to come)" : " MDN " + r.disposition);
                          return true;
                      },
                      {}};
            log::sql::statement q(st->db(), "SELECT DISTINCT reply_to FROM transmissions WHERE partner = ? AND direction = 'out' "
                                            "AND status = 'ready' AND reply_to IS NOT NULL");
            q.bind(1, p.id);
            std::vector<std::int64_t> originals;
            while (q.step()) originals.push_back(q.integer(0));
            std::size_t const failed_before = m.as2_send_failed;
            for (auto o : originals) deliver(*st, o, "as2", post);
            deliver(*st, 0, "as2", post, p.id);
            verify_async_mdns(*st, p); // the MDNs that came before our 'sent' marks
            // Back off while the partner fails: 1, 2, 4 ... 64 polls.
            std::lock_guard lock(mu);
            auto& f = as2_failures[p.id];
            f = m.as2_send_failed != failed_before ? std::min<std::uint32_t>(f + 1, 6) : 0;
            next_as2[p.id] = std::chrono::steady_clock::now() + std::chrono::milliseconds(cfg.poll_ms) * ((1u << f) - 1);
        }
        std::lock_guard lock(mu);
        in_flight.erase("as2out:" + p.id);
    }

    // ---- the admin endpoint -------------------------------------------------------------------

    void accept()
    {
        acceptor->async_accept([this](boost::system::error_code ec, asio::ip::tcp::socket s) {
            if (ec || stopping) return;
            serve_one(std::move(s));
            accept();
        });
    }

    void serve_one(asio::ip::tcp::socket s)
    {
        struct session {
            asio::ip::tcp::socket sock;
            beast::flat_buffer buf;
            http::request<http::string_body> req;
            http::response<http::string_body> res;
            asio::steady_timer deadline;
            explicit session(asio::ip::tcp::socket so) : sock(std::move(so)), deadline(sock.get_executor()) {}
        };
        auto ss = std::make_shared<session>(std::move(s));
        ss->deadline.expires_after(std::chrono::seconds(10)); // a deadline before every read
        ss->deadline.async_wait([ss](boost::system::error_code ec) {
            if (!ec) ss->sock.close();
        });
        http::async_read(ss->sock, ss->buf, ss->req, [this, ss](boost::system::error_code ec, std::size_t) {
            if (ec) return;
            auto& res = ss->res;
            res.version(ss->req.version());
            res.set(http::field::server, "edigw");
            res.set("X-Content-Type-Options", "nosniff");
            res.set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
            res.set("Referrer-Policy", "no-referrer");
            auto write = [ss] {
                ss->res.prepare_payload();
                http::async_write(ss->sock, ss->res, [ss](boost::system::error_code, std::size_t) {
                    ss->deadline.cancel();
                    boost::system::error_code ignore;
                    ss->sock.shutdown(asio::ip::tcp::socket::shutdown_both, ignore);
                });
            };
            std::string const target(ss->req.target());
            std::string const path = target.substr(0, target.find('?'));
            // The dashboard's files hold no data (it all comes from the API), so they need no token.
            if (ss->req.method() == http::verb::get && (path == "/" || path == "/index.html" || path == "/app.js" || path == "/app.css")) {
                auto asset = find_dashboard_asset(path == "/" ? "index.html" : path.substr(1));
                res.result(http::status::ok);
                res.set(http::field::content_type, asset.content_type);
                res.body() = std::string(asset.bytes);
                return write();
            }
            std::string const auth(ss->req[http::field::authorization]);
            std::string const want = "Bearer " + cfg.admin_token;
            bool const ok = auth.size() == want.size() && CRYPTO_memcmp_like(auth, want);
            res.set(http::field::cache_control, "no-store");
            if (!ok) {
                res.result(http::status::unauthorized);
                res.set(http::field::www_authenticate, "Bearer");
                res.set(http::field::content_type, "application/json");
                res.body() = "{\"error\":\"a token is required (Authorization: Bearer ...)\"}\n";
                return write();
            }
            if (path == "/healthz") {
                res.result(http::status::ok);
                res.set(http::field::content_type, "text/plain");
                res.body() = stopping ? "stopping\n" : "ok\n";
                return write();
            }
            if (path == "/metrics") {
                res.result(http::status::ok);
                res.set(http::field::content_type, "text/plain; version=0.0.4");
                res.body() = m.text();
                return write();
            }
            if (path.rfind("/api/", 0) == 0) {
                // SQLite and the pipeline: on a worker; the answer comes back here to be written.
                api_request areq{std::string(ss->req.method_string()), target, ss->req.body()};
                asio::post(*pool, [this, ss, areq = std::move(areq), write] {
                    api_response ar;
                    if (log::store* st = store()) ar = handle_api(api_context{*st, profiles, cfg.received_date}, areq);
                    else ar = {503, "application/json", "{\"error\":\"the log is not available\"}\n"};
                    asio::post(ss->sock.get_executor(), [ss, ar = std::move(ar), write] {
                        ss->res.result(static_cast<http::status>(ar.status));
                        ss->res.set(http::field::content_type, ar.content_type);
                        ss->res.body() = std::move(ar.body);
                        write();
                    });
                });
                return;
            }
            res.result(http::status::not_found);
            res.set(http::field::content_type, "application/json");
            res.body() = "{\"error\":\"not found\"}\n";
            write();
        });
    }

    // A comparison whose time does not depend on where the strings differ.
    static bool CRYPTO_memcmp_like(std::string const& a, std::string const& b)
    {
        unsigned char diff = 0;
        for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
        return diff == 0;
    }
};

gateway::gateway(config cfg, std::vector<partners::profile> profiles)
    : impl_(std::make_unique<impl>(std::move(cfg), std::move(profiles)))
{
}

gateway::~gateway() = default;

metrics const& gateway::stats() const noexcept { return impl_->m; }
std::uint16_t gateway::admin_port() const noexcept { return impl_->bound_port; }
std::uint16_t gateway::as2_port() const noexcept { return impl_->as2_bound_port; }
std::uint16_t gateway::as2_tls_port() const noexcept { return impl_->as2_tls_bound_port; }

void gateway::stop()
{
    asio::post(impl_->ioc, [this] {
        impl_->stopping = true;
        impl_->timer.cancel();
        impl_->signals.cancel();
        boost::system::error_code ignore;
        if (impl_->acceptor) impl_->acceptor->close(ignore);
        if (impl_->as2_acceptor) impl_->as2_acceptor->close(ignore);
        if (impl_->as2_tls_acceptor) impl_->as2_tls_acceptor->close(ignore);
        if (impl_->inotify) impl_->inotify->close(ignore);
    });
}

int gateway::run(std::function<void(std::string const&)> log)
{
    auto& m = *impl_;
    m.log = std::move(log);
    // A large file takes a few hundred MB for a moment (its analysis, its
    // answers). glibc hands memory back as soon as it is freed (munmap above
    // 128 KiB, heap trims by mprotect) and faults it in again for the next
    // step or file: some 20,000 mprotect calls and a fifth of the CPU in page
    // faults for a 10,000-order file. The service keeps what it freed (up to
    // 512 MiB) for the next file instead.
    ::mallopt(M_MMAP_THRESHOLD, 64 << 20);
    ::mallopt(M_TRIM_THRESHOLD, 512 << 20);
    ::mallopt(M_TOP_PAD, 16 << 20);
    {
        // The store opens (and migrates) once before anything runs.
        std::string err;
        if (!log::store::open(m.cfg.data_dir, err)) {
            m.say("error: " + err);
            return 2;
        }
    }
    m.pool = std::make_unique<asio::thread_pool>(m.cfg.workers);
    m.checkpointer = std::jthread([&m](std::stop_token stop) { m.checkpoints(stop); });
    if (m.cfg.admin_port) {
        try {
            auto addr = asio::ip::make_address(m.cfg.admin_address);
            m.acceptor = std::make_unique<asio::ip::tcp::acceptor>(m.ioc, asio::ip::tcp::endpoint(addr, m.cfg.admin_port));
            m.bound_port = m.acceptor->local_endpoint().port();
        } catch (std::exception const& e) { // start-up only
            m.say(std::string("error: cannot listen on ") + m.cfg.admin_address + ":" + std::to_string(m.cfg.admin_port) + ": " + e.what());
            return 2;
        }
        m.accept();
        m.say("admin endpoint on http://" + m.cfg.admin_address + ":" + std::to_string(m.bound_port) + " (/healthz, /metrics; token required)");
    }
    for (auto const& p : m.profiles) {
        if (!p.as2) continue;
        std::string err;
        // One partner's missing keys do not stop the others: its AS2 is off, said loudly here.
        transport::as2::credentials c;
        if (!transport::as2::load_credentials(*p.as2, p.dir, c, err))
            m.say("error: partner " + p.id + ": AS2 disabled: " + err);
        else
            m.as2_creds.emplace(p.id, std::move(c));
    }
    auto listen = [&](std::uint16_t port, std::unique_ptr<asio::ip::tcp::acceptor>& acc, std::uint16_t& bound, bool secure) {
        try {
            auto addr = asio::ip::make_address(m.cfg.as2_address);
            acc = std::make_unique<asio::ip::tcp::acceptor>(m.ioc, asio::ip::tcp::endpoint(addr, port));
            bound = acc->local_endpoint().port();
        } catch (std::exception const& e) { // start-up only
            m.say(std::string("error: cannot listen for AS2 on ") + m.cfg.as2_address + ":" + std::to_string(port) + ": " + e.what());
            return false;
        }
        m.as2_accept(*acc, secure);
        m.say(std::string("AS2 on ") + (secure ? "https://" : "http://") + m.cfg.as2_address + ":" + std::to_string(bound) + "/ for "
              + std::to_string(m.as2_creds.size()) + " partner(s)");
        return true;
    };
    if (m.cfg.as2_port && !listen(m.cfg.as2_port, m.as2_acceptor, m.as2_bound_port, false)) return 2;
    if (m.cfg.as2_tls_port) {
        m.tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
        boost::system::error_code ec;
        m.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3
                           | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
        m.tls->use_certificate_chain_file(m.cfg.as2_tls_certificate.string(), ec);
        if (ec) {
            m.say("error: as2_tls_certificate " + m.cfg.as2_tls_certificate.string() + ": " + ec.message());
            return 2;
        }
        m.tls->use_private_key_file(m.cfg.as2_tls_key.string(), asio::ssl::context::pem, ec);
        if (ec) {
            m.say("error: as2_tls_key " + m.cfg.as2_tls_key.string() + ": " + ec.message()); // the path, never the key
            return 2;
        }
        if (!listen(m.cfg.as2_tls_port, m.as2_tls_acceptor, m.as2_tls_bound_port, true)) return 2;
    }
    m.signals.async_wait([this](boost::system::error_code ec, int sig) {
        if (ec) return;
        impl_->say(std::string("signal ") + (sig == SIGTERM ? "TERM" : "INT") + ": stopping, finishing work in hand");
        stop();
    });
    std::size_t folders = 0;
    for (auto const& p : m.profiles)
        if (p.sftp) m.say("partner " + p.id + ": SFTP " + p.sftp->user + "@" + p.sftp->host + ":" + std::to_string(p.sftp->port) + p.sftp->inbound_dir);
    for (auto const& p : m.profiles)
        if (p.folder) {
            ++folders;
            std::error_code ec;
            fs::create_directories(p.dir / p.folder->inbound, ec);
            fs::create_directories(p.dir / p.folder->outbound, ec);
            m.say("partner " + p.id + ": drop folder " + (p.dir / p.folder->inbound).string());
        }
    m.say("serving " + std::to_string(m.profiles.size()) + " partner(s), " + std::to_string(folders) + " drop folder(s); data in "
          + m.cfg.data_dir.string());
    m.watch_folders();
    m.schedule();
    m.ioc.run();
    m.pool->join(); // the workers finish what they hold (or park it: take() checks `stopping`)
    m.checkpointer = {}; // stopped and joined (the last connection to close checkpoints what is left)
    m.say("stopped");
    return 0;
}

} // namespace edigw::service
