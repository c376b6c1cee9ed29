// A thin RAII layer over the SQLite C API, in the manner of SQLiteCpp: every
// handle is owned by a smart pointer with its deleter, a transaction rolls
// back in its destructor unless committed, and nothing throws: calls return
// false and the connection keeps the message (`last_error()`).
//
// Threading: a connection and its statements belong to one thread at a time
// (SQLite's "multi-thread" mode). Several processes may open the same file:
// WAL lets readers run beside the one writer, and a busy timeout makes
// writers queue instead of failing.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace edigw::log::sql {

struct db_closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct stmt_finalizer {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};

class connection {
public:
    // Opens (creating when asked) the database file: WAL, foreign keys on,
    // a busy timeout. False and a message when that fails.
    [[nodiscard]] bool open(std::string const& path, bool create, std::string& err);

    [[nodiscard]] bool exec(std::string_view sql);
    sqlite3* handle() const noexcept { return db_.get(); }

    // A checkpoint that waits for no one (SQLITE_CHECKPOINT_PASSIVE): the
    // WAL's frames copied into the database as far as readers allow. False
    // when SQLite refused (another checkpoint running, say); `pending` is
    // then left as it was, else set to the frames still in the WAL only.
    bool checkpoint_passive(std::int64_t& pending);
    std::string const& last_error() const noexcept { return error_; }
    void set_error(std::string e) { error_ = std::move(e); }
    std::int64_t last_insert_id() const noexcept { return sqlite3_last_insert_rowid(db_.get()); }
    int changes() const noexcept { return sqlite3_changes(db_.get()); }
    // Shared by every connection of this process to the same file: see transaction.
    class writer_gate {
    public:
        // Waits its turn, `patience` at most (false then: not entered).
        bool enter(std::chrono::seconds patience)
        {
            std::unique_lock lock(m_);
            if (!free_.wait_for(lock, patience, [&] { return !busy_; })) return false;
            busy_ = true;
            return true;
        }
        void leave()
        {
            {
                std::lock_guard lock(m_);
                busy_ = false;
            }
            free_.notify_one();
        }

    private:
        std::mutex m_;
        std::condition_variable free_;
        bool busy_ = false;
    };
    writer_gate& writers() const noexcept { return *writers_; }

private:
    std::unique_ptr<sqlite3, db_closer> db_;
    std::string error_;
    std::shared_ptr<writer_gate> writers_ = std::make_shared<writer_gate>();
};

class statement {
public:
    statement(connection& c, std::string_view sql);
    bool ok() const noexcept { return s_ != nullptr; }

    statement& bind(int i, std::string_view v);
    statement& bind(int i, char const* v) { return bind(i, std::string_view(v)); }
    statement& bind(int i, std::int64_t v);
    statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
    statement& bind(int i, std::uint64_t v) { return bind(i, static_cast<std::int64_t>(v)); }
    statement& bind(int i, std::uint32_t v) { return bind(i, static_cast<std::int64_t>(v)); }
    statement& bind(int i, double v);
    statement& bind_null(int i);
    statement& bind_blob(int i, std::string_view bytes); // raw bytes (X12 may hold any octet)
    // Binds an empty string as NULL (optional text columns).
    statement& bind_opt(int i, std::string_view v) { return v.empty() ? bind_null(i) : bind(i, v); }

    // true: a row is ready; false: done or an error (see failed()).
    bool step();
    // Runs to completion; false on error.
    [[nodiscard]] bool run();
    void reset();
    bool failed() const noexcept { return failed_; }

    std::string text(int col) const;
    std::string blob(int col) const;
    std::int64_t integer(int col) const;
    double real(int col) const;
    bool is_null(int col) const;

private:
    connection& c_;
    std::unique_ptr<sqlite3_stmt, stmt_finalizer> s_;
    bool failed_ = false;
};

// BEGIN IMMEDIATE (the write lock up front, so two writers never deadlock
// upgrading a read lock) ... COMMIT; rolls back when destroyed uncommitted.
//
// Writers of this process queue at a gate of the file's before they ask
// SQLite: its busy handler waits by sleeping 1, 2, 5, 10 ... ms and trying
// again, which put tens of milliseconds on an AS2 message whenever two workers
// committed at once. Writers of other processes still meet the busy handler;
// a writer that waits here 30 s goes on to it too.
class transaction {
public:
    explicit transaction(connection& c);
    ~transaction();
    transaction(transaction const&) = delete;
    transaction& operator=(transaction const&) = delete;
    bool began() const noexcept { return began_; }
    [[nodiscard]] bool commit();

private:
    connection& c_;
    bool gated_ = false; // entered the file's writer gate
    bool began_ = false, done_ = false;
};

} // namespace edigw::log::sql
