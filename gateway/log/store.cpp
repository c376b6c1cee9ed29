#include "gateway/log/store.hpp"

#include <algorithm>
#include <openssl/evp.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace edigw::log {

namespace fs = std::filesystem;

std::vector<migration> const& migrations()
{
    static std::vector<migration> const list = {
        {1, R"sql(
CREATE TABLE transmissions(
  id INTEGER PRIMARY KEY,
  partner TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  transport TEXT NOT NULL,
  remote_name TEXT,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  received_at TEXT NOT NULL,
  completed_at TEXT,
  status TEXT NOT NULL,
  document TEXT,
  duplicate_of INTEGER REFERENCES transmissions(id),
  reply_to INTEGER REFERENCES transmissions(id),
  message TEXT
);
CREATE INDEX transmissions_partner_time ON transmissions(partner, received_at);
CREATE INDEX transmissions_sha ON transmissions(partner, direction, sha256);
CREATE INDEX transmissions_reply ON transmissions(reply_to);

CREATE TABLE interchanges(
  id INTEGER PRIMARY KEY,
  transmission_id INTEGER NOT NULL REFERENCES transmissions(id),
  partner TEXT NOT NULL,
  direction TEXT NOT NULL,
  control_number TEXT NOT NULL,
  sender TEXT NOT NULL,
  receiver TEXT NOT NULL,
  version TEXT,
  test INTEGER NOT NULL DEFAULT 0,
  date TEXT,
  time TEXT,
  status TEXT NOT NULL,
  ta1_sent_status TEXT,
  ta1_sent_note TEXT,
  ta1_received_status TEXT,
  ta1_received_note TEXT,
  ta1_received_at TEXT
);
CREATE INDEX interchanges_duplicate ON interchanges(partner, direction, sender, control_number);
CREATE INDEX interchanges_transmission ON interchanges(transmission_id);

CREATE TABLE groups(
  id INTEGER PRIMARY KEY,
  interchange_id INTEGER NOT NULL REFERENCES interchanges(id),
  partner TEXT NOT NULL,
  direction TEXT NOT NULL,
  functional_id TEXT,
  control_number TEXT NOT NULL,
  version TEXT,
  status TEXT,
  declared_sets INTEGER,
  received_sets INTEGER,
  accepted_sets INTEGER,
  ack_expected INTEGER NOT NULL DEFAULT 0,
  ack_due_at TEXT,
  ack_received_at TEXT,
  ack_transmission_id INTEGER REFERENCES transmissions(id)
);
CREATE INDEX groups_lookup ON groups(partner, direction, control_number);
CREATE INDEX groups_interchange ON groups(interchange_id);

CREATE TABLE sets(
  id INTEGER PRIMARY KEY,
  group_id INTEGER NOT NULL REFERENCES groups(id),
  partner TEXT NOT NULL,
  direction TEXT NOT NULL,
  type TEXT NOT NULL,
  control_number TEXT NOT NULL,
  document_number TEXT,
  fingerprint TEXT,
  status TEXT NOT NULL,
  syntax_status TEXT,
  decision TEXT,
  reason TEXT,
  received_at TEXT NOT NULL,
  ack_status TEXT,
  byte_offset INTEGER
);
CREATE INDEX sets_document ON sets(partner, direction, type, document_number);
CREATE INDEX sets_control ON sets(partner, direction, control_number);
CREATE INDEX sets_group ON sets(group_id);

CREATE TABLE findings(
  id INTEGER PRIMARY KEY,
  transmission_id INTEGER NOT NULL REFERENCES transmissions(id),
  set_id INTEGER REFERENCES sets(id),
  kind TEXT NOT NULL,
  code TEXT NOT NULL,
  severity TEXT NOT NULL,
  message TEXT NOT NULL,
  ack_code TEXT,
  byte_offset INTEGER,
  line INTEGER,
  col INTEGER,
  segment_index INTEGER,
  set_position INTEGER,
  segment_tag TEXT,
  element INTEGER,
  component INTEGER,
  value TEXT,
  segment_text TEXT
);
CREATE INDEX findings_set ON findings(set_id);
CREATE INDEX findings_transmission ON findings(transmission_id);

CREATE TABLE control_numbers(
  partner TEXT NOT NULL,
  kind TEXT NOT NULL,
  last INTEGER NOT NULL,
  PRIMARY KEY (partner, kind)
);

CREATE TABLE audit(
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id INTEGER,
  action TEXT NOT NULL,
  old_value TEXT,
  new_value TEXT,
  detail TEXT
);
CREATE INDEX audit_entity ON audit(entity, entity_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
)sql"},
        // 2: acknowledgments partners send us, matched to what we sent; the
        // archive's retention; the index behind the rejected-document report.
        {2, R"sql(
CREATE TABLE acks_received(
  id INTEGER PRIMARY KEY,
  transmission_id INTEGER NOT NULL REFERENCES transmissions(id),
  partner TEXT NOT NULL,
  kind TEXT NOT NULL,
  for_control_number TEXT NOT NULL,
  status TEXT NOT NULL,
  codes TEXT,
  matched_interchange_id INTEGER REFERENCES interchanges(id),
  matched_group_id INTEGER REFERENCES groups(id),
  received_at TEXT NOT NULL
);
CREATE INDEX acks_received_partner ON acks_received(partner, received_at);
ALTER TABLE transmissions ADD COLUMN purged_at TEXT;
CREATE INDEX sets_report ON sets(direction, status, received_at);
)sql"},
        // 3: what an SFTP partner's server held that we fetched and left in
        // place (after_download = "leave"), so nothing is fetched twice.
        {3, R"sql(
CREATE TABLE remote_seen(
  partner TEXT NOT NULL,
  name TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime INTEGER NOT NULL,
  seen_at TEXT NOT NULL,
  PRIMARY KEY (partner, name, size, mtime)
);
)sql"},
        // 4: small archived bytes inside the database, committed with the
        // records that refer to them (no file create and no syncfs per message).
        {4, R"sql(
CREATE TABLE archive_blobs(
  sha256 TEXT PRIMARY KEY,
  bytes BLOB NOT NULL
) WITHOUT ROWID;
)sql"},
        // 5: the asynchronous MDNs we wait for (AS2 documents we sent asking
        // for one): due by when, received when, verified how.
        {5, R"sql(
CREATE TABLE mdns_expected(
  transmission_id INTEGER PRIMARY KEY REFERENCES transmissions(id),
  partner TEXT NOT NULL,
  message_id TEXT NOT NULL,
  sent_at TEXT NOT NULL,
  due_at TEXT NOT NULL,
  received_at TEXT,
  verdict TEXT
);
CREATE INDEX mdns_expected_open ON mdns_expected(received_at, due_at);
)sql"},
        // 6: a transmission by the name it came under: the AS2 server asks
        // whether a Message-ID came before for every message it takes, which
        // without this scanned all of the partner's transmissions.
        {6, R"sql(
CREATE INDEX transmissions_remote ON transmissions(partner, direction, remote_name);
)sql"},
    };
    return list;
}

fs::path default_data_dir()
{
    if (char const* env = std::getenv("EDIGW_DATA"); env && *env) return env;
    return "var";
}

std::string now_iso()
{
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char b[40];
    std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03dZ", b, static_cast<int>(ms));
    return out;
}

std::string sha256_hex(std::string_view bytes)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
    static char const hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (unsigned i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

std::unique_ptr<store> store::open(fs::path const& data_dir, std::string& err)
{
    auto s = std::unique_ptr<store>(new store());
    s->dir_ = data_dir;
    std::error_code ec;
    fs::create_directories(data_dir / "archive", ec);
    if (ec) {
        err = data_dir.string() + ": cannot create the data directory: " + ec.message();
        return nullptr;
    }
    if (!s->db_.open(s->database_path().string(), true, err)) return nullptr;

    auto& db = s->db_;
    sql::transaction tx(db);
    if (!tx.began()) {
        err = s->database_path().string() + ": " + db.last_error();
        return nullptr;
    }
    int current = 0;
    {
        sql::statement st(db, "PRAGMA user_version");
        if (st.step()) current = static_cast<int>(st.integer(0));
    }
    int const latest = migrations().back().version;
    if (current > latest) {
        err = s->database_path().string() + ": the database is at schema version " + std::to_string(current)
              + ", newer than this edigw understands (" + std::to_string(latest) + "); use a newer edigw";
        return nullptr;
    }
    for (auto const& m : migrations()) {
        if (m.version <= current) continue;
        if (!db.exec(m.sql) || !db.exec("PRAGMA user_version = " + std::to_string(m.version))) {
            err = s->database_path().string() + ": migration to schema version " + std::to_string(m.version)
                  + " failed: " + db.last_error();
            return nullptr;
        }
        current = m.version;
    }
    if (!tx.commit()) {
        err = s->database_path().string() + ": " + db.last_error();
        return nullptr;
    }
    s->version_ = current;
    return s;
}

fs::path store::archive_path(std::string_view sha) const
{
    return dir_ / "archive" / std::string(sha.substr(0, 2)) / std::string(sha);
}

namespace {

bool fsync_path(fs::path const& p, bool directory)
{
    int fd = ::open(p.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

} // namespace

namespace {

bool write_archive_file(fs::path const& target, std::string_view bytes, bool sync, std::string& err)
{
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    fs::path tmp = target;
    tmp += ".tmp." + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        err = tmp.string() + ": " + std::strerror(errno);
        return false;
    }
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            err = tmp.string() + ": " + std::strerror(errno);
            ::close(fd);
            fs::remove(tmp, ec);
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    if ((sync && ::fsync(fd) != 0) || ::close(fd) != 0) {
        err = tmp.string() + ": cannot flush to disk: " + std::strerror(errno);
        fs::remove(tmp, ec);
        return false;
    }
    fs::rename(tmp, target, ec);
    if (ec) {
        err = target.string() + ": " + ec.message();
        return false;
    }
    if (sync) fsync_path(target.parent_path(), true);
    return true;
}

// An archived file counts only when its content is what its name says (a
// crash before a deferred sync can leave a file of the right size and wrong bytes).
bool archived_intact(fs::path const& target, std::string_view bytes, std::string_view sha)
{
    std::error_code ec;
    if (!fs::exists(target, ec) || fs::file_size(target, ec) != bytes.size()) return false;
    std::ifstream in(target, std::ios::binary);
    std::string have((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return sha256_hex(have) == sha;
}

} // namespace

bool store::archive(std::string_view bytes, std::string& sha, std::string& err)
{
    sha = sha256_hex(bytes);
    if (bytes.size() <= inline_limit) return archive_deferred(bytes, sha, err);
    fs::path target = archive_path(sha);
    if (archived_intact(target, bytes, sha)) return true; // content-addressed: already there
    return write_archive_file(target, bytes, true, err);
}

bool store::archive_deferred(std::string_view bytes, std::string& sha, std::string& err)
{
    sha = sha256_hex(bytes);
    if (bytes.size() <= inline_limit) {
        auto& st = cached("INSERT OR IGNORE INTO archive_blobs(sha256, bytes) VALUES (?, ?)");
        st.bind(1, sha).bind_blob(2, bytes);
        if (!st.run()) {
            err = "cannot archive in the database: " + db_.last_error();
            return false;
        }
        return true;
    }
    fs::path target = archive_path(sha);
    if (archived_intact(target, bytes, sha)) return true;
    if (!write_archive_file(target, bytes, false, err)) return false;
    pending_files_.push_back(std::move(target));
    return true;
}

bool store::sync_archive(std::string& err)
{
    // Each file written since the last sync, then the folders that name them.
    // (Not syncfs(): that flushes every writer's dirty pages on the file
    // system, which on a busy machine costs far more than our few files.)
    std::vector<fs::path> dirs;
    for (auto const& f : pending_files_) {
        int fd = ::open(f.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::fsync(fd) != 0) {
            err = "cannot flush " + f.string() + " to disk: " + std::strerror(errno);
            if (fd >= 0) ::close(fd);
            return false;
        }
        ::close(fd);
        // Its folder, and the archive's own (the shard folder may be new).
        for (auto const& d : {f.parent_path(), f.parent_path().parent_path()})
            if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.push_back(d);
    }
    for (auto const& d : dirs)
        if (!fsync_path(d, true)) {
            err = "cannot flush " + d.string() + " to disk: " + std::strerror(errno);
            return false;
        }
    pending_files_.clear();
    return true;
}

std::optional<std::string> store::archived(std::string_view sha) const
{
    {
        sql::statement q(const_cast<sql::connection&>(db_), "SELECT bytes FROM archive_blobs WHERE sha256 = ?");
        q.bind(1, sha);
        if (q.step()) return q.blob(0);
    }
    std::ifstream in(archive_path(sha), std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::optional<std::uint64_t> store::archived_size(std::string_view sha) const
{
    {
        sql::statement q(const_cast<sql::connection&>(db_), "SELECT length(bytes) FROM archive_blobs WHERE sha256 = ?");
        q.bind(1, sha);
        if (q.step()) return static_cast<std::uint64_t>(q.integer(0));
    }
    std::error_code ec;
    auto n = fs::file_size(archive_path(sha), ec);
    if (ec) return std::nullopt;
    return n;
}

void store::purge_archived(std::string_view sha)
{
    sql::statement d(db_, "DELETE FROM archive_blobs WHERE sha256 = ?");
    d.bind(1, sha);
    (void)d.run();
    std::error_code ec;
    fs::remove(archive_path(sha), ec);
}

std::optional<std::uint64_t> store::next_control_number(std::string_view partner, std::string_view kind)
{
    // One statement: insert at 1 or step the last one, wrapping after 999999999.
    auto& st = cached("INSERT INTO control_numbers(partner, kind, last) VALUES (?1, ?2, 1) "
                      "ON CONFLICT(partner, kind) DO UPDATE SET last = CASE WHEN last >= 999999999 THEN 1 ELSE last + 1 END "
                      "RETURNING last");
    st.bind(1, partner).bind(2, kind);
    if (!st.step()) return std::nullopt;
    auto v = static_cast<std::uint64_t>(st.integer(0));
    (void)st.run(); // to its end (RETURNING leaves the statement open)
    return v;
}

std::optional<std::uint64_t> store::next_control_numbers(std::string_view partner, std::string_view kind, std::uint64_t count)
{
    constexpr std::int64_t m = 999999999;
    if (count == 0 || count > static_cast<std::uint64_t>(m)) return std::nullopt;
    auto& st = cached("INSERT INTO control_numbers(partner, kind, last) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT(partner, kind) DO UPDATE SET last = (last + ?3 - 1) % 999999999 + 1 RETURNING last");
    st.bind(1, partner).bind(2, kind).bind(3, static_cast<std::int64_t>(count));
    if (!st.step()) return std::nullopt;
    std::int64_t const last = st.integer(0);
    (void)st.run(); // to its end (RETURNING leaves the statement open)
    // last - count + 1, in 1..999999999
    return static_cast<std::uint64_t>(((last - static_cast<std::int64_t>(count)) % m + m) % m + 1);
}

sql::statement& store::cached(std::string_view sql)
{
    auto& slot = cache_[std::string(sql)];
    if (!slot) slot = std::make_unique<sql::statement>(db_, sql);
    slot->reset();
    return *slot;
}

bool store::audit(std::string_view actor, std::string_view entity, std::int64_t entity_id, std::string_view action,
                  std::string_view old_value, std::string_view new_value, std::string_view detail)
{
    auto& st = cached("INSERT INTO audit(at, actor, entity, entity_id, action, old_value, new_value, detail) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, now_iso()).bind(2, actor).bind(3, entity).bind(4, entity_id).bind(5, action);
    st.bind_opt(6, old_value).bind_opt(7, new_value).bind_opt(8, detail);
    return st.run();
}

} // namespace edigw::log
