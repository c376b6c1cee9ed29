#include "gateway/log/sqlite.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

namespace edigw::log::sql {

bool connection::open(std::string const& path, bool create, std::string& err)
{
    sqlite3* raw = nullptr;
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    db_.reset(raw);
    if (rc != SQLITE_OK) {
        err = path + ": cannot open the database: " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
        db_.reset();
        return false;
    }
    // Writers from other processes wait (up to 30 s) instead of failing.
    sqlite3_busy_timeout(raw, 30000);
    // This process's writers of the same file queue on one mutex (see transaction).
    {
        static std::mutex registry_lock;
        static std::map<std::string, std::weak_ptr<writer_gate>> registry;
        std::error_code ec;
        auto key = std::filesystem::weakly_canonical(path, ec).string();
        if (ec) key = path;
        std::lock_guard lock(registry_lock);
        auto& slot = registry[key];
        if (auto shared = slot.lock()) writers_ = shared;
        else slot = writers_;
    }
    // A whole file's sets go in one transaction: a 32 MB page cache keeps a
    // 10,000-order file's index pages in memory until the commit.
    // Switching a new file to WAL takes an exclusive lock, and SQLite can
    // answer "database is locked" there without calling the busy handler
    // (several first `edigw receive`s at once); so it is tried again here.
    bool wal = exec("PRAGMA journal_mode=WAL");
    for (int tries = 0; !wal && (sqlite3_errcode(raw) & 0xff) == SQLITE_BUSY && tries < 3000; ++tries) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        wal = exec("PRAGMA journal_mode=WAL");
    }
    if (!wal || !exec("PRAGMA foreign_keys=ON") || !exec("PRAGMA synchronous=FULL")
        || !exec("PRAGMA cache_size=-32768")) {
        err = path + ": " + error_;
        db_.reset();
        return false;
    }
    return true;
}

bool connection::checkpoint_passive(std::int64_t& pending)
{
    int frames = 0, copied = 0;
    int rc = sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    if (rc != SQLITE_OK) {
        error_ = sqlite3_errmsg(db_.get());
        return false;
    }
    pending = frames > copied ? frames - copied : 0;
    return true;
}

bool connection::exec(std::string_view sql)
{
    char* msg = nullptr;
    std::string text(sql);
    int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &msg);
    if (rc != SQLITE_OK) {
        error_ = msg ? msg : sqlite3_errstr(rc);
        sqlite3_free(msg);
        return false;
    }
    return true;
}

statement::statement(connection& c, std::string_view sql) : c_(c)
{
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(c.handle(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK) {
        c.set_error(std::string(sqlite3_errmsg(c.handle())) + " in: " + std::string(sql.substr(0, 120)));
        failed_ = true;
    }
    s_.reset(raw);
}

statement& statement::bind(int i, std::string_view v)
{
    if (s_) sqlite3_bind_text(s_.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}

statement& statement::bind(int i, std::int64_t v)
{
    if (s_) sqlite3_bind_int64(s_.get(), i, v);
    return *this;
}

statement& statement::bind(int i, double v)
{
    if (s_) sqlite3_bind_double(s_.get(), i, v);
    return *this;
}

statement& statement::bind_blob(int i, std::string_view v)
{
    if (s_) sqlite3_bind_blob64(s_.get(), i, v.data(), v.size(), SQLITE_TRANSIENT);
    return *this;
}

statement& statement::bind_null(int i)
{
    if (s_) sqlite3_bind_null(s_.get(), i);
    return *this;
}

bool statement::step()
{
    if (!s_) return false;
    int rc = sqlite3_step(s_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) {
        failed_ = true;
        c_.set_error(sqlite3_errmsg(c_.handle()));
    }
    return false;
}

bool statement::run()
{
    while (step()) {
    }
    return !failed_;
}

void statement::reset()
{
    if (s_) {
        sqlite3_reset(s_.get());
        sqlite3_clear_bindings(s_.get());
    }
    failed_ = !s_;
}

std::string statement::text(int col) const
{
    auto const* p = reinterpret_cast<char const*>(sqlite3_column_text(s_.get(), col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_.get(), col))) : std::string();
}

std::string statement::blob(int col) const
{
    auto const* p = static_cast<char const*>(sqlite3_column_blob(s_.get(), col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_.get(), col))) : std::string();
}

std::int64_t statement::integer(int col) const { return sqlite3_column_int64(s_.get(), col); }
double statement::real(int col) const { return sqlite3_column_double(s_.get(), col); }
bool statement::is_null(int col) const { return sqlite3_column_type(s_.get(), col) == SQLITE_NULL; }

transaction::transaction(connection& c) : c_(c)
{
    gated_ = c_.writers().enter(std::chrono::seconds(30));
    began_ = c_.exec("BEGIN IMMEDIATE");
}

transaction::~transaction()
{
    if (began_ && !done_) {
        // Never throws; a failed rollback leaves the journal for SQLite's recovery.
        sqlite3_exec(c_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    if (gated_) c_.writers().leave();
}

bool transaction::commit()
{
    if (!began_ || done_) return false;
    done_ = c_.exec("COMMIT");
    if (done_ && gated_) {
        c_.writers().leave();
        gated_ = false;
    }
    return done_;
}

} // namespace edigw::log::sql
