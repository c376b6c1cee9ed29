// Reading the log for people: the transmission list, one transmission in
// full, the rejected-document report and the KPIs. Plain rows; the CLI (and
// later the REST API) format them.
#pragma once

#include "gateway/log/store.hpp"

#include <optional>
#include <string>
#include <vector>

namespace edigw::log {

struct transmission_filter {
    std::string partner, direction, status, since; // empty = any; since is an ISO date or time
    std::size_t limit = 200, offset = 0;
};

struct transmission_row {
    std::int64_t id = 0;
    std::string partner, direction, transport, remote_name, sha256, received_at, completed_at, status, document, message;
    std::int64_t size = 0, duplicate_of = 0, reply_to = 0;
    std::int64_t sets = 0, rejected = 0;
};

std::vector<transmission_row> list_transmissions(store& st, transmission_filter const& f);
std::optional<transmission_row> get_transmission(store& st, std::int64_t id);

struct finding_row {
    std::int64_t set_id = 0;
    std::string kind, code, severity, message, ack_code, segment_tag, value, segment_text;
    std::int64_t byte_offset = 0, line = 0, column = 0, segment_index = 0, set_position = 0, element = 0, component = 0;
};

struct set_row {
    std::int64_t id = 0, group_id = 0;
    std::string type, control_number, document_number, status, syntax_status, decision, reason, ack_status;
    std::string group_control_number, interchange_control_number, sender;
    std::int64_t byte_offset = 0;
};

struct audit_row {
    std::string at, actor, entity, action, old_value, new_value, detail;
    std::int64_t entity_id = 0;
};

struct transmission_detail {
    transmission_row t;
    std::vector<set_row> sets;
    std::vector<finding_row> findings;
    std::vector<transmission_row> replies;   // what we sent back for it
    std::vector<audit_row> audit;            // of the transmission, its sets and its replies
};

std::optional<transmission_detail> show_transmission(store& st, std::int64_t id);

struct rejected_row {
    std::string partner, file, received_at, interchange, group, set_control, type, po_number, status, reason;
    std::int64_t transmission_id = 0, set_id = 0;
    std::vector<finding_row> reasons;
    std::vector<std::string> sent_back; // "997 (transmission 12)", ...
};

std::vector<rejected_row> rejected_report(store& st, std::string const& partner, std::string const& since);

struct kpis {
    std::int64_t orders_received = 0, orders_accepted = 0, orders_changed = 0, orders_rejected = 0, orders_duplicate = 0;
    double exceptions_per_1000 = 0;      // rejected or changed orders per 1,000 received
    double our_ack_latency_s = 0;        // receipt -> our 997/999 ready (mean)
    std::int64_t our_acks = 0;
    double their_ack_latency_s = 0;      // our document -> their 997/999 (mean)
    std::int64_t their_acks = 0;
    double order_to_855_s = 0;           // receipt of an 850 -> our 855 (mean; 855s come with the templates)
    std::int64_t orders_with_855 = 0;
    std::int64_t overdue_acks = 0;       // our groups unacknowledged past their window
    std::int64_t transmissions_in = 0, transmissions_out = 0, duplicates = 0;
};

kpis compute_kpis(store& st, std::string const& partner, std::string const& since);

// Per day (UTC), for the dashboard's charts: 850s received and how they were
// decided, our ack latency, and our groups that became overdue that day.
struct day_row {
    std::string day; // YYYY-MM-DD
    std::int64_t orders = 0, accepted = 0, changed = 0, rejected = 0, overdue_acks = 0;
    double our_ack_latency_s = 0;
};
std::vector<day_row> kpis_by_day(store& st, std::string const& partner, std::string const& since);

// A 997/999 we wait for past the partner's window (functional_id PR, SH, IN
// ...; control_number our GS06), or an asynchronous AS2 MDN past its
// timeout (functional_id "MDN"; control_number our Message-ID).
struct overdue_row {
    std::string partner, control_number, functional_id, due_at;
    std::int64_t transmission_id = 0;
};
std::vector<overdue_row> overdue_acks(store& st, std::string const& partner);

// Retention: removes from the archive the raw bytes of a partner's
// transmissions received before `before` (ISO), unless a later transmission
// still refers to the same bytes; their records stay, marked purged_at.
// Returns how many transmissions were purged; -1 on a database error.
std::int64_t prune_archive(store& st, std::string const& partner, std::string const& before, bool dry_run);

} // namespace edigw::log
