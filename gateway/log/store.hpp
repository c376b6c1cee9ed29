// The transmission log: one SQLite database (edigw.db) and a content-addressed
// archive of raw bytes (archive/ab/abcdef...) under a data directory.
//
// What it keeps, per partner: transmissions (direction, transport, remote
// name, size, SHA-256, times, status), their interchanges, groups and
// transaction sets (with every finding), the acknowledgments expected,
// sent and received, the outbound control-number sequences, and an
// append-only audit trail of every state change.
//
// The schema is created and upgraded by numbered migrations when the store is
// opened (PRAGMA user_version); a database newer than this program is refused.
//
// Threading: a store is one SQLite connection, used by one thread at a time;
// blocking work, so the service calls it from its thread pool, never from an
// I/O thread. Several processes may open the same data directory at once.
#pragma once

#include "gateway/log/sqlite.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace edigw::log {

inline constexpr int schema_version = 6;

// $EDIGW_DATA, else ./var.
std::filesystem::path default_data_dir();
// "2026-11-27T07:05:12.123Z" (UTC, milliseconds; sorts as text).
std::string now_iso();
// Lower-case hex SHA-256 (OpenSSL).
std::string sha256_hex(std::string_view bytes);

class store {
public:
    // Opens the store in `data_dir` (created when missing), migrating the
    // schema. Null and a message when that cannot be done.
    static std::unique_ptr<store> open(std::filesystem::path const& data_dir, std::string& err);

    sql::connection& db() noexcept { return db_; }
    std::filesystem::path const& data_dir() const noexcept { return dir_; }
    std::filesystem::path database_path() const { return dir_ / "edigw.db"; }

    // The archive, content-addressed by SHA-256. Bytes up to
    // `inline_limit` live in the database (table archive_blobs): written in
    // the caller's transaction, durable with its commit, no file to create
    // and no sync of its own (a partner's typical 2 KB order and our acks).
    // Larger bytes are files under archive/ab/abcdef...
    static constexpr std::size_t inline_limit = 256 * 1024;

    // Stores `bytes` durably (a file: temporary name, fsync, rename, the
    // directory fsynced; inline: the statement's own commit when no
    // transaction is open). Idempotent.
    [[nodiscard]] bool archive(std::string_view bytes, std::string& sha256, std::string& err);
    // The same without waiting for the disk: a file is made durable by the
    // next sync_archive(), which must come before the commit of any record
    // that refers to it (the files fsynced together, then their folders,
    // rather than each on its own). Inline bytes share the commit.
    [[nodiscard]] bool archive_deferred(std::string_view bytes, std::string& sha256, std::string& err);
    // A no-op unless archive_deferred() wrote a file since the last call.
    [[nodiscard]] bool sync_archive(std::string& err);
    std::optional<std::string> archived(std::string_view sha256) const;
    std::optional<std::uint64_t> archived_size(std::string_view sha256) const;
    bool has_archived(std::string_view sha256) const { return archived_size(sha256).has_value(); }
    // Removes the bytes (retention); the records that name them stay.
    void purge_archived(std::string_view sha256);
    std::filesystem::path archive_path(std::string_view sha256) const;

    // The next control number of `kind` ("isa", "gs", "st") for a partner:
    // taken in the caller's transaction (or its own), never reused, wrapping
    // from 999999999 to 1. Empty on a database error.
    std::optional<std::uint64_t> next_control_number(std::string_view partner, std::string_view kind);
    // `count` consecutive numbers (wrapping the same way) in one statement: the first.
    std::optional<std::uint64_t> next_control_numbers(std::string_view partner, std::string_view kind, std::uint64_t count);

    // Appends to the audit trail (which refuses updates and deletes).
    [[nodiscard]] bool audit(std::string_view actor, std::string_view entity, std::int64_t entity_id, std::string_view action,
                             std::string_view old_value = {}, std::string_view new_value = {}, std::string_view detail = {});

    int version() const noexcept { return version_; }

    // A prepared statement kept for the life of the store, reset and ready to
    // bind: statements run per set or per order are prepared once, not per call.
    sql::statement& cached(std::string_view sql);

private:
    sql::connection db_;
    std::unordered_map<std::string, std::unique_ptr<sql::statement>> cache_;
    std::filesystem::path dir_;
    std::vector<std::filesystem::path> pending_files_; // archive_deferred() wrote them, not yet synced
    int version_ = 0;
};

// The migrations, exposed so tests can build an older database.
struct migration {
    int version;
    char const* sql;
};
std::vector<migration> const& migrations();

} // namespace edigw::log
