// `edigw serve`: one process running every partner's transports around the
// inbound pipeline. This first cut has the drop-folder transport and the
// admin endpoint; SFTP and AS2 join it (issue 6).
//
// Threads: one Boost.Asio I/O thread (timers, the admin HTTP listener,
// signals) and a pool of workers for blocking work (file I/O, SQLite, the
// pipeline). The I/O thread never touches SQLite; each worker has its own
// store connection.
//
// Exactly once, for a drop folder: a file is taken when it is complete (its
// size unchanged across two polls), then received (archived, processed and
// logged in one transaction); only after that commit are its acks written to
// the partner's outbound folder (temporary name, fsync, rename) and the file
// moved out of the inbound folder. After a crash at any point a restart finds
// the file still there: received already, it is recognised by its SHA-256 and
// its acks are delivered if and only if they were not before.
#pragma once

#include "partners/profile.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace edigw::service {

struct config {
    std::filesystem::path data_dir;      // the log and archive
    std::filesystem::path partners_dir;
    std::string admin_address = "127.0.0.1";
    std::uint16_t admin_port = 0;        // 0: no admin endpoint
    std::string admin_token;             // required on every admin request (Authorization: Bearer ...)
    std::uint32_t poll_ms = 500;
    std::uint32_t workers = 2;
    std::string received_date;           // for the date rules (tests, replays); empty = today
    // AS2: partners POST here. Loopback unless the operator opens it.
    std::string as2_address = "127.0.0.1";
    std::uint16_t as2_port = 0;          // 0: no AS2 listener
    std::uint32_t as2_max_connections = 64;
    std::uint32_t as2_read_timeout_s = 30; // for the headers and for the body
    std::string as2_public_url;          // where partners post asynchronous MDNs to us (our client asks for them there)
    std::uint16_t as2_tls_port = 0;      // 0: no HTTPS listener
    std::filesystem::path as2_tls_certificate, as2_tls_key; // PEM: the server's chain and key
    // text: "TIME [level: ]message"; json: one object a line with ts, level,
    // event, the event's fields (partner, transport, file, message_id,
    // transmission, status ...) and msg, for log shippers.
    std::string log_format = "text";
};

struct config_error {
    std::string file;
    std::uint32_t line = 0, column = 0;
    std::string message;
    std::string what() const;
};

// Reads `edigw serve --config FILE` (TOML, strict like the partner profiles):
//   [service] data, partners, admin_address, admin_port, admin_token_env, poll_ms, workers,
//             as2_address, as2_port, as2_max_connections, as2_read_timeout_s, as2_public_url,
//             as2_tls_port, as2_tls_certificate, as2_tls_key, log_format
bool load_config(std::filesystem::path const& file, config& out, config_error& err);

// Counters for /metrics (Prometheus text format).
struct metrics {
    std::atomic<std::uint64_t> files_received{0}, files_duplicate{0}, files_failed{0};
    std::atomic<std::uint64_t> sets{0}, orders_accepted{0}, orders_rejected{0}, acks_sent{0};
    std::atomic<std::uint64_t> queue_depth{0};
    std::atomic<std::uint64_t> ack_latency_us_sum{0}, ack_latency_count{0};
    std::atomic<std::uint64_t> as2_messages{0}, as2_refused{0}, as2_mdns_sent{0}, as2_sent{0}, as2_send_failed{0};
    std::atomic<std::uint64_t> as2_connections{0};
    std::atomic<std::uint64_t> log_checkpoints{0}, log_wal_frames{0};
    std::string text() const;
};

class gateway {
public:
    gateway(config cfg, std::vector<partners::profile> profiles);
    ~gateway();

    // Runs until stop() or SIGTERM/SIGINT: stops taking new work, lets the
    // workers finish what they hold, then returns 0 (2 on a start-up error,
    // with the reason on `log`).
    int run(std::function<void(std::string const&)> log);
    void stop();

    metrics const& stats() const noexcept;
    std::uint16_t admin_port() const noexcept; // the bound port (when config asked for 0 and a listener)
    std::uint16_t as2_port() const noexcept;
    std::uint16_t as2_tls_port() const noexcept;

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

} // namespace edigw::service
