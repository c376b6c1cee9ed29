#include "gateway/log/queries.hpp"

#include <algorithm>
#include <map>

namespace edigw::log {

using sql::statement;

namespace {

// "2026-11-27" and "2026-11-27T08:00" both compare as text against stored times.
std::string since_or_min(std::string const& s) { return s.empty() ? std::string("0000") : s; }

transmission_row read_tx(statement& q)
{
    transmission_row r;
    r.id = q.integer(0);
    r.partner = q.text(1);
    r.direction = q.text(2);
    r.transport = q.text(3);
    r.remote_name = q.text(4);
    r.size = q.integer(5);
    r.sha256 = q.text(6);
    r.received_at = q.text(7);
    r.completed_at = q.text(8);
    r.status = q.text(9);
    r.document = q.text(10);
    r.duplicate_of = q.integer(11);
    r.reply_to = q.integer(12);
    r.message = q.text(13);
    r.sets = q.integer(14);
    r.rejected = q.integer(15);
    return r;
}

constexpr char const* tx_columns =
    "t.id, t.partner, t.direction, t.transport, t.remote_name, t.size, t.sha256, t.received_at, t.completed_at, t.status, "
    "t.document, t.duplicate_of, t.reply_to, t.message, "
    "(SELECT count(*) FROM sets s JOIN groups g ON s.group_id = g.id JOIN interchanges i ON g.interchange_id = i.id "
    " WHERE i.transmission_id = t.id), "
    "(SELECT count(*) FROM sets s JOIN groups g ON s.group_id = g.id JOIN interchanges i ON g.interchange_id = i.id "
    " WHERE i.transmission_id = t.id AND s.status = 'rejected')";

finding_row read_finding(statement& q, int c)
{
    finding_row f;
    f.set_id = q.integer(c + 0);
    f.kind = q.text(c + 1);
    f.code = q.text(c + 2);
    f.severity = q.text(c + 3);
    f.message = q.text(c + 4);
    f.ack_code = q.text(c + 5);
    f.byte_offset = q.integer(c + 6);
    f.line = q.integer(c + 7);
    f.column = q.integer(c + 8);
    f.segment_index = q.integer(c + 9);
    f.set_position = q.integer(c + 10);
    f.segment_tag = q.text(c + 11);
    f.element = q.integer(c + 12);
    f.component = q.integer(c + 13);
    f.value = q.text(c + 14);
    f.segment_text = q.text(c + 15);
    return f;
}

constexpr char const* finding_columns =
    "f.set_id, f.kind, f.code, f.severity, f.message, f.ack_code, f.byte_offset, f.line, f.col, f.segment_index, "
    "f.set_position, f.segment_tag, f.element, f.component, f.value, f.segment_text";

} // namespace

std::vector<transmission_row> list_transmissions(store& st, transmission_filter const& f)
{
    std::string sql = std::string("SELECT ") + tx_columns
                      + " FROM transmissions t WHERE (?1 = '' OR t.partner = ?1) AND (?2 = '' OR t.direction = ?2) "
                        "AND (?3 = '' OR t.status = ?3) AND t.received_at >= ?4 ORDER BY t.id DESC LIMIT ?5 OFFSET ?6";
    statement q(st.db(), sql);
    q.bind(1, f.partner).bind(2, f.direction).bind(3, f.status).bind(4, since_or_min(f.since));
    q.bind(5, static_cast<std::int64_t>(f.limit)).bind(6, static_cast<std::int64_t>(f.offset));
    std::vector<transmission_row> out;
    while (q.step()) out.push_back(read_tx(q));
    return out;
}

std::optional<transmission_row> get_transmission(store& st, std::int64_t id)
{
    statement q(st.db(), std::string("SELECT ") + tx_columns + " FROM transmissions t WHERE t.id = ?");
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    return read_tx(q);
}

std::optional<transmission_detail> show_transmission(store& st, std::int64_t id)
{
    auto t = get_transmission(st, id);
    if (!t) return std::nullopt;
    transmission_detail d;
    d.t = *t;
    {
        statement q(st.db(), "SELECT s.id, s.group_id, s.type, s.control_number, s.document_number, s.status, s.syntax_status, "
                             "s.decision, s.reason, s.ack_status, g.control_number, i.control_number, i.sender, s.byte_offset "
                             "FROM sets s JOIN groups g ON s.group_id = g.id JOIN interchanges i ON g.interchange_id = i.id "
                             "WHERE i.transmission_id = ? ORDER BY s.id");
        q.bind(1, id);
        while (q.step()) {
            set_row s;
            s.id = q.integer(0);
            s.group_id = q.integer(1);
            s.type = q.text(2);
            s.control_number = q.text(3);
            s.document_number = q.text(4);
            s.status = q.text(5);
            s.syntax_status = q.text(6);
            s.decision = q.text(7);
            s.reason = q.text(8);
            s.ack_status = q.text(9);
            s.group_control_number = q.text(10);
            s.interchange_control_number = q.text(11);
            s.sender = q.text(12);
            s.byte_offset = q.integer(13);
            d.sets.push_back(std::move(s));
        }
    }
    {
        statement q(st.db(), std::string("SELECT ") + finding_columns + " FROM findings f WHERE f.transmission_id = ? ORDER BY f.id");
        q.bind(1, id);
        while (q.step()) d.findings.push_back(read_finding(q, 0));
    }
    {
        statement q(st.db(), std::string("SELECT ") + tx_columns + " FROM transmissions t WHERE t.reply_to = ? ORDER BY t.id");
        q.bind(1, id);
        while (q.step()) d.replies.push_back(read_tx(q));
    }
    {
        statement q(st.db(), "SELECT at, actor, entity, entity_id, action, old_value, new_value, detail FROM audit "
                             "WHERE (entity = 'transmission' AND (entity_id = ?1 OR entity_id IN "
                             "  (SELECT id FROM transmissions WHERE reply_to = ?1))) "
                             "OR (entity = 'set' AND entity_id IN (SELECT s.id FROM sets s JOIN groups g ON s.group_id = g.id "
                             "  JOIN interchanges i ON g.interchange_id = i.id WHERE i.transmission_id = ?1)) "
                             "OR (entity = 'group' AND entity_id IN (SELECT g.id FROM groups g JOIN interchanges i "
                             "  ON g.interchange_id = i.id WHERE i.transmission_id = ?1)) ORDER BY id");
        q.bind(1, id);
        while (q.step())
            d.audit.push_back({q.text(0), q.text(1), q.text(2), q.text(4), q.text(5), q.text(6), q.text(7), q.integer(3)});
    }
    return d;
}

std::vector<rejected_row> rejected_report(store& st, std::string const& partner, std::string const& since)
{
    std::vector<rejected_row> out;
    std::map<std::int64_t, std::size_t> by_set;
    {
        statement q(st.db(),
                    "SELECT s.id, t.id, t.partner, coalesce(t.remote_name, ''), t.received_at, i.control_number, g.control_number, "
                    "s.control_number, s.type, coalesce(s.document_number, ''), s.status, coalesce(s.reason, '') "
                    "FROM sets s JOIN groups g ON s.group_id = g.id JOIN interchanges i ON g.interchange_id = i.id "
                    "JOIN transmissions t ON i.transmission_id = t.id "
                    "WHERE s.direction = 'in' AND s.status = 'rejected' AND s.received_at >= ?2 AND (?1 = '' OR s.partner = ?1) "
                    "ORDER BY s.id DESC");
        q.bind(1, partner).bind(2, since_or_min(since));
        while (q.step()) {
            rejected_row r;
            r.set_id = q.integer(0);
            r.transmission_id = q.integer(1);
            r.partner = q.text(2);
            r.file = q.text(3);
            r.received_at = q.text(4);
            r.interchange = q.text(5);
            r.group = q.text(6);
            r.set_control = q.text(7);
            r.type = q.text(8);
            r.po_number = q.text(9);
            r.status = q.text(10);
            r.reason = q.text(11);
            by_set[r.set_id] = out.size();
            out.push_back(std::move(r));
        }
    }
    if (out.empty()) return out;
    {
        // Every finding of those sets in one pass, rather than a query per set.
        statement q(st.db(), std::string("SELECT ") + finding_columns
                                 + " FROM findings f JOIN sets s ON f.set_id = s.id WHERE s.direction = 'in' AND s.status = 'rejected' "
                                   "AND s.received_at >= ?2 AND (?1 = '' OR s.partner = ?1) AND f.severity != 'warning' "
                                   "ORDER BY f.id");
        q.bind(1, partner).bind(2, since_or_min(since));
        while (q.step()) {
            auto f = read_finding(q, 0);
            auto it = by_set.find(f.set_id);
            if (it != by_set.end()) out[it->second].reasons.push_back(std::move(f));
        }
    }
    {
        std::map<std::int64_t, std::vector<std::size_t>> by_tx;
        for (std::size_t i = 0; i < out.size(); ++i) by_tx[out[i].transmission_id].push_back(i);
        statement q(st.db(), "SELECT t.reply_to, t.document, t.id, t.status FROM transmissions t WHERE t.reply_to IN "
                             "(SELECT DISTINCT i.transmission_id FROM sets s JOIN groups g ON s.group_id = g.id "
                             " JOIN interchanges i ON g.interchange_id = i.id WHERE s.direction = 'in' AND s.status = 'rejected' "
                             " AND s.received_at >= ?2 AND (?1 = '' OR s.partner = ?1))");
        q.bind(1, partner).bind(2, since_or_min(since));
        while (q.step()) {
            std::string what = q.text(1) + " (transmission " + std::to_string(q.integer(2)) + ", " + q.text(3) + ")";
            auto it = by_tx.find(q.integer(0));
            if (it != by_tx.end())
                for (auto i : it->second) out[i].sent_back.push_back(what);
        }
    }
    return out;
}

kpis compute_kpis(store& st, std::string const& partner, std::string const& since)
{
    kpis k;
    std::string const s = since_or_min(since);
    {
        statement q(st.db(), "SELECT status, count(*) FROM sets WHERE direction = 'in' AND type = '850' AND received_at >= ?2 "
                             "AND (?1 = '' OR partner = ?1) GROUP BY status");
        q.bind(1, partner).bind(2, s);
        while (q.step()) {
            auto n = q.integer(1);
            auto status = q.text(0);
            k.orders_received += n;
            if (status == "accepted" || status == "cancelled") k.orders_accepted += n;
            else if (status == "changed") k.orders_changed += n;
            else if (status == "rejected") k.orders_rejected += n;
            else if (status == "duplicate" || status == "ignored") k.orders_duplicate += n;
        }
    }
    if (k.orders_received)
        k.exceptions_per_1000 = 1000.0 * static_cast<double>(k.orders_rejected + k.orders_changed) / static_cast<double>(k.orders_received);
    {
        // Ours: an inbound file's receipt to the 997/999 recorded for it.
        statement q(st.db(), "SELECT avg((julianday(o.received_at) - julianday(t.received_at)) * 86400.0), count(*) "
                             "FROM transmissions o JOIN transmissions t ON o.reply_to = t.id WHERE o.direction = 'out' "
                             "AND o.document IN ('997', '999') AND t.received_at >= ?2 AND (?1 = '' OR t.partner = ?1)");
        q.bind(1, partner).bind(2, s);
        if (q.step()) {
            k.our_ack_latency_s = q.real(0);
            k.our_acks = q.integer(1);
        }
    }
    {
        // Theirs: our document's creation to their 997/999.
        statement q(st.db(), "SELECT avg((julianday(g.ack_received_at) - julianday(t.received_at)) * 86400.0), count(*) "
                             "FROM groups g JOIN interchanges i ON g.interchange_id = i.id JOIN transmissions t ON i.transmission_id = t.id "
                             "WHERE g.direction = 'out' AND g.ack_expected = 1 AND g.ack_received_at IS NOT NULL "
                             "AND t.received_at >= ?2 AND (?1 = '' OR g.partner = ?1)");
        q.bind(1, partner).bind(2, s);
        if (q.step()) {
            k.their_ack_latency_s = q.real(0);
            k.their_acks = q.integer(1);
        }
    }
    {
        statement q(st.db(), "SELECT avg((julianday(o.received_at) - julianday(t.received_at)) * 86400.0), count(*) "
                             "FROM transmissions o JOIN transmissions t ON o.reply_to = t.id WHERE o.direction = 'out' "
                             "AND o.document = '855' AND t.received_at >= ?2 AND (?1 = '' OR t.partner = ?1)");
        q.bind(1, partner).bind(2, s);
        if (q.step()) {
            k.order_to_855_s = q.real(0);
            k.orders_with_855 = q.integer(1);
        }
    }
    k.overdue_acks = static_cast<std::int64_t>(overdue_acks(st, partner).size());
    {
        statement q(st.db(), "SELECT direction, status, count(*) FROM transmissions WHERE received_at >= ?2 "
                             "AND (?1 = '' OR partner = ?1) GROUP BY direction, status");
        q.bind(1, partner).bind(2, s);
        while (q.step()) {
            (q.text(0) == "in" ? k.transmissions_in : k.transmissions_out) += q.integer(2);
            if (q.text(1) == "duplicate") k.duplicates += q.integer(2);
        }
    }
    return k;
}

std::vector<day_row> kpis_by_day(store& st, std::string const& partner, std::string const& since)
{
    std::map<std::string, day_row> days;
    std::string const s = since_or_min(since);
    {
        statement q(st.db(), "SELECT substr(received_at, 1, 10), status, count(*) FROM sets WHERE direction = 'in' AND type = '850' "
                             "AND received_at >= ?2 AND (?1 = '' OR partner = ?1) GROUP BY 1, 2");
        q.bind(1, partner).bind(2, s);
        while (q.step()) {
            auto& d = days[q.text(0)];
            auto const n = q.integer(2);
            auto const status = q.text(1);
            d.orders += n;
            if (status == "accepted" || status == "cancelled") d.accepted += n;
            else if (status == "changed") d.changed += n;
            else if (status == "rejected") d.rejected += n;
        }
    }
    {
        statement q(st.db(), "SELECT substr(t.received_at, 1, 10), avg((julianday(o.received_at) - julianday(t.received_at)) * 86400.0) "
                             "FROM transmissions o JOIN transmissions t ON o.reply_to = t.id WHERE o.direction = 'out' "
                             "AND o.document IN ('997', '999') AND t.received_at >= ?2 AND (?1 = '' OR t.partner = ?1) GROUP BY 1");
        q.bind(1, partner).bind(2, s);
        while (q.step()) days[q.text(0)].our_ack_latency_s = q.real(1);
    }
    for (auto const& o : overdue_acks(st, partner))
        if (o.due_at >= s) days[o.due_at.substr(0, 10)].overdue_acks += 1;
    std::vector<day_row> out;
    for (auto& [day, d] : days) {
        d.day = day;
        out.push_back(d);
    }
    return out;
}

std::vector<overdue_row> overdue_acks(store& st, std::string const& partner)
{
    std::vector<overdue_row> out;
    statement q(st.db(), "SELECT g.partner, g.control_number, g.functional_id, g.ack_due_at, i.transmission_id FROM groups g "
                         "JOIN interchanges i ON g.interchange_id = i.id WHERE g.direction = 'out' AND g.ack_expected = 1 "
                         "AND g.ack_received_at IS NULL AND g.ack_due_at < ?2 AND (?1 = '' OR g.partner = ?1) ORDER BY g.ack_due_at");
    q.bind(1, partner).bind(2, now_iso());
    while (q.step()) out.push_back({q.text(0), q.text(1), q.text(2), q.text(3), q.integer(4)});
    statement m(st.db(), "SELECT partner, message_id, 'MDN', due_at, transmission_id FROM mdns_expected WHERE received_at IS NULL "
                         "AND due_at < ?2 AND (?1 = '' OR partner = ?1) ORDER BY due_at");
    m.bind(1, partner).bind(2, now_iso());
    while (m.step()) out.push_back({m.text(0), m.text(1), m.text(2), m.text(3), m.integer(4)});
    std::sort(out.begin(), out.end(), [](overdue_row const& a, overdue_row const& b) { return a.due_at < b.due_at; });
    return out;
}

std::int64_t prune_archive(store& st, std::string const& partner, std::string const& before, bool dry_run)
{
    sql::transaction tx(st.db());
    if (!tx.began()) return -1;
    statement q(st.db(), "SELECT t.id, t.sha256 FROM transmissions t WHERE t.partner = ?1 AND t.received_at < ?2 "
                         "AND t.purged_at IS NULL AND NOT EXISTS (SELECT 1 FROM transmissions n WHERE n.sha256 = t.sha256 "
                         "AND n.received_at >= ?2)");
    q.bind(1, partner).bind(2, before);
    std::vector<std::pair<std::int64_t, std::string>> victims;
    while (q.step()) victims.emplace_back(q.integer(0), q.text(1));
    if (q.failed()) return -1;
    if (dry_run) return static_cast<std::int64_t>(victims.size());
    std::string const now = now_iso();
    for (auto const& [id, sha] : victims) {
        statement u(st.db(), "UPDATE transmissions SET purged_at = ? WHERE id = ?");
        u.bind(1, now).bind(2, id);
        if (!u.run() || !st.audit("edigw prune", "transmission", id, "purged", "archived", "purged",
                                  "raw bytes removed by the partner's retention")) return -1;
    }
    if (!tx.commit()) return -1;
    // Files go after the commit: a crash in between leaves bytes with a
    // purged record (removed next time), never a record without its bytes
    // that claims to have them.
    for (auto const& v : victims) st.purge_archived(v.second);
    return static_cast<std::int64_t>(victims.size());
}

} // namespace edigw::log
