#include "gateway/pipeline/receive.hpp"

#include "gateway/pipeline/emit.hpp"
#include "x12/document.hpp"
#include "x12/isa.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <latch>
#include <map>
#include <optional>
#include <thread>
#include <tuple>
#include <unistd.h>

namespace edigw::pipeline {

namespace fs = std::filesystem;
using log::sql::statement;

namespace {

// Crash points for the crash tests: EDIGW_CRASH_AT=<name> kills the process
// there with SIGKILL, as a power cut or `kill -9` would.
void crash_point(char const* name)
{
    static char const* at = std::getenv("EDIGW_CRASH_AT");
    if (at && std::strcmp(at, name) == 0) std::raise(SIGKILL);
}

std::string iso_after_minutes(std::int64_t minutes)
{
    auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + std::chrono::minutes(minutes));
    std::tm tm{};
    gmtime_r(&t, &tm);
    char b[40];
    std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    return b;
}

std::string iso_days_ago(std::int64_t days) { return iso_after_minutes(-days * 24 * 60); }

std::string hex64(std::uint64_t v)
{
    char b[20];
    std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
    return b;
}

char const* severity_name(x12::severity s)
{
    return s == x12::severity::warning ? "warning" : s == x12::severity::error ? "error" : "fatal";
}

std::string ack_code(x12::diagnostic const& d)
{
    for (auto c : {x12::ta1_note_code(d.code), x12::ak905_code(d.code), x12::ak502_code(d.code), x12::ak304_code(d.code),
                   x12::ak403_code(d.code)})
        if (!c.empty()) return std::string(c);
    return {};
}

// The sender of the first interchange, read from its ISA without a full parse.
partners::profile const* sender_profile(std::string_view bytes, std::vector<partners::profile> const& all)
{
    auto at = bytes.find("ISA");
    if (at == std::string_view::npos || at > 4096) return nullptr;
    x12::isa_header h;
    auto r = x12::read_isa(bytes.substr(at), true, h);
    if (r.status != x12::isa_status::ok) return nullptr;
    auto trim = [](std::string_view v) {
        while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
        return v;
    };
    return partners::find_by_sender(all, h.field(5), trim(h.field(6)));
}

// Its statements come from the store's cache, kept prepared on the
// connection: a one-order file (an AS2 message) would otherwise prepare a
// dozen of them each time, and a large file looks each up once.
class recorder {
public:
    recorder(log::store& st, std::string actor) : st_(st), db_(st.db()), actor_(std::move(actor)) {}

    std::int64_t transmission(std::string_view partner, std::string_view direction, std::string_view transport,
                              std::string_view remote, std::size_t size, std::string_view sha, std::string_view status,
                              std::string_view document, std::int64_t reply_to, std::int64_t duplicate_of,
                              std::string_view message)
    {
        auto& s = kept(transmission_ins_, "INSERT INTO transmissions(partner, direction, transport, remote_name, size, sha256, "
                                          "received_at, status, document, reply_to, duplicate_of, message) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
        s.bind(1, partner).bind(2, direction).bind(3, transport).bind_opt(4, remote).bind(5, static_cast<std::int64_t>(size));
        s.bind(6, sha).bind(7, log::now_iso()).bind(8, status).bind_opt(9, document);
        if (reply_to) s.bind(10, reply_to); else s.bind_null(10);
        if (duplicate_of) s.bind(11, duplicate_of); else s.bind_null(11);
        s.bind_opt(12, message);
        if (!s.run()) return 0;
        return db_.last_insert_id();
    }

    std::int64_t interchange(std::int64_t tx, std::string_view partner, std::string_view direction,
                             x12::interchange_summary const& ic, std::string_view status, std::string_view ta1_status,
                             std::string_view ta1_note)
    {
        auto& s = kept(interchange_ins_, "INSERT INTO interchanges(transmission_id, partner, direction, control_number, sender, "
                                         "receiver, version, test, date, time, status, ta1_sent_status, ta1_sent_note) "
                                         "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
        s.bind(1, tx).bind(2, partner).bind(3, direction).bind(4, ic.control_number);
        s.bind(5, ic.sender_qualifier + "/" + ic.sender_id).bind(6, ic.receiver_qualifier + "/" + ic.receiver_id);
        s.bind(7, ic.version).bind(8, ic.usage == "T" ? 1 : 0).bind(9, ic.date).bind(10, ic.time).bind(11, status);
        s.bind_opt(12, ta1_status).bind_opt(13, ta1_note);
        if (!s.run()) return 0;
        return db_.last_insert_id();
    }

    std::int64_t group(std::int64_t ic, std::string_view partner, std::string_view direction, x12::group_summary const& g,
                       std::string_view status, std::size_t received, std::size_t accepted, bool ack_expected,
                       std::string_view due)
    {
        auto& s = kept(group_ins_, "INSERT INTO groups(interchange_id, partner, direction, functional_id, control_number, version, "
                                   "status, declared_sets, received_sets, accepted_sets, ack_expected, ack_due_at) "
                                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
        s.bind(1, ic).bind(2, partner).bind(3, direction).bind(4, g.functional_id).bind(5, g.control_number).bind(6, g.version);
        s.bind_opt(7, status);
        if (g.declared_sets) s.bind(8, static_cast<std::int64_t>(*g.declared_sets)); else s.bind_null(8);
        s.bind(9, static_cast<std::int64_t>(received)).bind(10, static_cast<std::int64_t>(accepted));
        s.bind(11, ack_expected ? 1 : 0).bind_opt(12, due);
        if (!s.run()) return 0;
        return db_.last_insert_id();
    }

    std::int64_t set(std::int64_t group, std::string_view partner, std::string_view direction, std::string_view type,
                     std::string_view control, std::string_view doc_number, std::string_view fingerprint, std::string_view status,
                     std::string_view syntax, std::string_view decision, std::string_view reason, std::uint64_t offset)
    {
        if (now_.empty()) now_ = log::now_iso();
        auto& s = kept(set_ins_, "INSERT INTO sets(group_id, partner, direction, type, control_number, document_number, fingerprint, "
                                 "status, syntax_status, decision, reason, received_at, byte_offset) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
        s.bind(1, group).bind(2, partner).bind(3, direction).bind(4, type).bind(5, control).bind_opt(6, doc_number);
        s.bind_opt(7, fingerprint).bind(8, status).bind_opt(9, syntax).bind_opt(10, decision).bind_opt(11, reason);
        s.bind(12, now_).bind(13, static_cast<std::int64_t>(offset));
        if (!s.run()) return 0;
        return db_.last_insert_id();
    }

    bool finding(std::int64_t tx, std::int64_t set_id, std::string_view kind, std::string_view code, std::string_view severity,
                 std::string_view message, std::string_view ack, x12::position const& w, std::string_view value,
                 std::string_view text)
    {
        auto& s = kept(find_ins_, "INSERT INTO findings(transmission_id, set_id, kind, code, severity, message, ack_code, "
                                  "byte_offset, line, col, segment_index, set_position, segment_tag, element, component, value, "
                                  "segment_text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
        s.bind(1, tx);
        if (set_id) s.bind(2, set_id); else s.bind_null(2);
        s.bind(3, kind).bind(4, code).bind(5, severity).bind(6, message).bind_opt(7, ack);
        s.bind(8, static_cast<std::int64_t>(w.offset)).bind(9, static_cast<std::int64_t>(w.line));
        s.bind(10, static_cast<std::int64_t>(w.column)).bind(11, static_cast<std::int64_t>(w.segment_index));
        s.bind(12, static_cast<std::int64_t>(w.set_position)).bind_opt(13, w.tag).bind(14, static_cast<std::int64_t>(w.element));
        s.bind(15, static_cast<std::int64_t>(w.component)).bind_opt(16, value).bind_opt(17, text);
        return s.run();
    }

    bool diagnostic(std::int64_t tx, std::int64_t set_id, std::string_view kind, x12::diagnostic const& d)
    {
        return finding(tx, set_id, kind, x12::name(d.code), severity_name(d.severity), d.message, ack_code(d), d.where, d.value,
                       d.excerpt);
    }

    // The same row as store::audit, with one timestamp for the file (a
    // 10,000-order file writes an audit row per set).
    bool audit(std::string_view entity, std::int64_t id, std::string_view action, std::string_view old_v,
               std::string_view new_v, std::string_view detail = {})
    {
        if (now_.empty()) now_ = log::now_iso();
        auto& s = kept(audit_ins_, "INSERT INTO audit(at, actor, entity, entity_id, action, old_value, new_value, detail) "
                                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        s.bind(1, now_).bind(2, actor_).bind(3, entity).bind(4, id).bind(5, action);
        s.bind_opt(6, old_v).bind_opt(7, new_v).bind_opt(8, detail);
        return s.run();
    }

    // Records an interchange we send (an ack or a document), with its groups
    // and sets; `expect_ack` for documents the partner must acknowledge.
    // `parsed`: these bytes parsed already (by the release rule), else parsed here.
    bool outbound_interchanges(std::int64_t tx, std::string_view partner, std::string const& bytes, bool expect_ack,
                               std::int64_t window_minutes, x12::document const* parsed = nullptr)
    {
        std::optional<x12::document> own;
        if (!parsed) own.emplace(x12::document::parse(bytes));
        auto const& doc = parsed ? *parsed : *own;
        std::size_t set_index = 0;
        auto sets = doc.sets();
        for (std::size_t i = 0; i < doc.interchanges().size(); ++i) {
            auto const& ic = doc.interchanges()[i];
            std::int64_t icid = interchange(tx, partner, "out", ic, "sent", {}, {});
            if (!icid) return false;
            for (std::size_t g = 0; g < ic.groups.size(); ++g) {
                auto const& grp = ic.groups[g];
                bool const fa = grp.functional_id == "FA";
                std::int64_t gid = group(icid, partner, "out", grp, expect_ack && !fa ? "pending" : "", grp.set_count, 0,
                                         expect_ack && !fa, expect_ack && !fa ? iso_after_minutes(window_minutes) : "");
                if (!gid) return false;
                for (; set_index < sets.size() && sets[set_index].interchange == i && sets[set_index].group == g; ++set_index) {
                    auto ts = doc.transaction(sets[set_index]);
                    std::string number;
                    if (ts.segments.size() > 1) {
                        auto const& s1 = ts.segments[1];
                        if (s1.tag() == "BAK") number.assign(s1[3]);
                        else if (s1.tag() == "BSN") number.assign(s1[2]);
                        else if (s1.tag() == "BIG") number.assign(s1[2]);
                        else if (s1.tag() == "AK1") number.assign(s1[2]);
                    }
                    if (!set(gid, partner, "out", ts.id, ts.control_number, number, {}, "sent", {}, {}, {},
                             ts.segments.empty() ? 0 : ts.segments.front().offset()))
                        return false;
                }
            }
        }
        return true;
    }

private:
    log::store& st_;
    log::sql::connection& db_;
    std::string actor_;
    // A statement of the store's cache, looked up once for this recorder,
    // reset for each use.
    statement& kept(statement*& slot, std::string_view sql)
    {
        if (!slot) slot = &st_.cached(sql);
        else slot->reset();
        return *slot;
    }
    statement *transmission_ins_ = nullptr, *interchange_ins_ = nullptr, *group_ins_ = nullptr, *set_ins_ = nullptr,
              *find_ins_ = nullptr, *audit_ins_ = nullptr;
    std::string now_;
};

std::string first_set_id(std::string const& x12_text)
{
    auto doc = x12::document::parse(x12_text);
    if (doc.sets().empty()) return "X12";
    return std::string(doc.transaction(doc.sets()[0]).id);
}

bool uses_999(partners::profile const* p, std::string_view gs08)
{
    auto kind = p ? p->acks.kind : x12::fa_kind::by_version;
    return kind == x12::fa_kind::always_999 || (kind == x12::fa_kind::by_version && x12::is_5010_or_later(gs08));
}

} // namespace

bool write_outbox(log::store& st, std::string const& partner, std::string const& name, std::string const& bytes, std::string& err)
{
    fs::path dir = st.data_dir() / "outbox" / partner;
    std::error_code ec;
    fs::create_directories(dir, ec);
    fs::path tmp = dir / ("." + name + ".tmp");
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        err = tmp.string() + ": " + std::strerror(errno);
        return false;
    }
    bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
        err = tmp.string() + ": cannot write";
        return false;
    }
    fs::rename(tmp, dir / name, ec);
    if (ec) {
        err = (dir / name).string() + ": " + ec.message();
        return false;
    }
    return true;
}

receive_result receive_bytes(log::store& st, std::string bytes, std::string const& file_name, partners::profile const* forced,
                             std::vector<partners::profile> const& profiles, receive_options const& opts)
{
    receive_result r;
    auto& db = st.db();
    recorder rec(st, opts.actor);
    // A transaction that rolled back recorded nothing: no transmission id
    // for the caller to answer with (an AS2 'processed' MDN, say).
    auto rolled_back = [&r] {
        r.transmission_id = 0;
        r.acks.clear();
        r.documents.clear();
        r.status.clear();
    };

    // 1. The archive. Every caller's sender keeps the bytes until we answer
    // (the folder's file stays, the SFTP file is not removed, the AS2 partner
    // has no MDN yet), so the bytes need to be durable only by the time the
    // log refers to them. A small file goes into the log's own transaction (one
    // commit, not two: each is an fsync); a large one (a file of its own) is
    // written and synced on another thread while it is analysed, and that
    // thread is joined before the transaction begins.
    std::string sha, err;
    bool const large = bytes.size() > log::store::inline_limit;
    bool archived = false;
    std::string archive_err;
    std::jthread archiving;
    auto const said_sha = [&](std::string const& own) {
        if (opts.sha256.empty() || own == opts.sha256) return true;
        archive_err = "the bytes' SHA-256 is " + own + ", not " + opts.sha256 + " as the caller said";
        return false;
    };
    if (!large) {
        sha = log::sha256_hex(bytes);
        if (!said_sha(sha)) {
            r.error = "cannot archive the file: " + archive_err;
            return r;
        }
    } else {
        sha = opts.sha256.empty() ? log::sha256_hex(bytes) : opts.sha256;
        archiving = std::jthread([&] {
            std::string own;
            archived = st.archive(bytes, own, archive_err) && said_sha(own);
            if (archived) crash_point("after-archive");
        });
    }
    r.steps.lap("archive");
    // Waits for a large file's archive; false (r.error said) when it failed.
    auto archive_done = [&] {
        if (!large) return true;
        if (archiving.joinable()) archiving.join();
        if (!archived) r.error = "cannot archive the file: " + archive_err;
        return archived;
    };
    // A small file's bytes, in the transaction just begun.
    auto archive_small = [&] {
        if (large) return true;
        std::string own;
        if (!st.archive_deferred(bytes, own, archive_err)) {
            r.error = "cannot archive the file: " + archive_err;
            return false;
        }
        crash_point("after-archive");
        return true;
    };

    partners::profile const* partner = forced ? forced : sender_profile(bytes, profiles);
    r.partner = partner ? partner->id : std::string("unknown");
    std::string const remote = opts.remote_name.empty() ? fs::path(file_name).filename().string() : opts.remote_name;

    if (!partner) {
        // Recorded (nothing received is ever lost), then refused.
        if (!archive_done()) return r;
        log::sql::transaction tx(db);
        if (!archive_small()) return r;
        r.transmission_id = rec.transmission(r.partner, "in", opts.transport, remote, bytes.size(), sha, "rejected", "X12", 0, 0,
                                             "no partner profile for the interchange sender");
        rec.audit("transmission", r.transmission_id, "received", {}, "rejected", "no partner profile for the sender");
        if (opts.also_record && !opts.also_record(st, r.transmission_id)) {
            r.error = "cannot record with the file: " + db.last_error();
            rolled_back();
            return r;
        }
        if (!tx.commit()) {
            r.error = db.last_error();
            rolled_back();
            return r;
        }
        r.error = "no partner profile for the sender of " + file_name + " (name one with --partner)";
        r.status = "rejected";
        return r;
    }

    // 2. The same bytes again from this partner: answered, not processed.
    if (!opts.reprocess_of) {
        auto& q = st.cached("SELECT id FROM transmissions WHERE partner = ? AND direction = 'in' AND sha256 = ? "
                        "AND status IN ('processed', 'partial', 'rejected') ORDER BY id LIMIT 1");
        q.bind(1, partner->id).bind(2, sha);
        if (q.step()) r.duplicate_of = q.integer(0);
        q.reset(); // a kept statement is not left open on a row
    }
    if (r.duplicate_of) {
        if (!archive_done()) return r;
        log::sql::transaction tx(db);
        if (!archive_small()) return r;
        r.transmission_id = rec.transmission(partner->id, "in", opts.transport, remote, bytes.size(), sha, "duplicate", "X12", 0,
                                             r.duplicate_of, "the same file was received as transmission "
                                                                 + std::to_string(r.duplicate_of));
        rec.audit("transmission", r.transmission_id, "received", {}, "duplicate",
                  "same SHA-256 as transmission " + std::to_string(r.duplicate_of) + "; answered with its acks");
        statement q(db, "SELECT id, document, sha256 FROM transmissions WHERE reply_to = ? AND direction = 'out' ORDER BY id");
        q.bind(1, r.duplicate_of);
        while (q.step()) {
            outbound_doc d;
            d.transmission_id = q.integer(0);
            d.document = q.text(1);
            d.bytes = st.archived(q.text(2)).value_or(std::string());
            r.acks.push_back(std::move(d));
        }
        if (opts.also_record && !opts.also_record(st, r.transmission_id)) {
            r.error = "cannot record with the file: " + db.last_error();
            rolled_back();
            return r;
        }
        if (!tx.commit()) {
            r.error = db.last_error();
            rolled_back();
            return r;
        }
        r.status = "duplicate";
        r.ok = true;
        return r;
    }

    r.steps.lap("duplicate-file");

    // 3. Analyse with the log's memory.
    inbound_options io;
    io.partner = forced;
    io.profiles = &profiles;
    io.received_date = opts.received_date;
    io.ack_date = opts.ack_date;
    io.ack_time = opts.ack_time;
    io.build_acks = false;
    io.known_pos = [&](partners::profile const* p, std::vector<std::string_view> const& pos) {
        std::vector<bool> out(pos.size(), false);
        if (!p || pos.empty()) return out;
        // One statement for the batch: the numbers go in as a JSON array,
        // and json_each's key says which of them the log holds.
        boost::json::array list;
        list.reserve(pos.size());
        for (auto po : pos) list.emplace_back(po);
        auto& q = st.cached("SELECT j.key FROM json_each(?3) j WHERE EXISTS (SELECT 1 FROM sets s WHERE s.partner = ?1 "
                            "AND s.direction = 'in' AND s.type = '850' AND s.document_number = j.value "
                            "AND s.status IN ('accepted', 'changed', 'cancelled') AND s.received_at >= ?2)");
        q.bind(1, p->id).bind(2, iso_days_ago(p->rules.duplicate_window_days)).bind(3, boost::json::serialize(list));
        while (q.step()) {
            auto k = static_cast<std::size_t>(q.integer(0));
            if (k < out.size()) out[k] = true;
        }
        q.reset();
        return out;
    };
    io.known_interchange = [&](partners::profile const* p, x12::interchange_summary const& ic) {
        if (opts.reprocess_of) return false; // the same interchange on purpose, not a partner's resend
        auto& q = st.cached("SELECT 1 FROM interchanges WHERE partner = ? AND direction = 'in' AND sender = ? "
                        "AND control_number = ? AND status = 'accepted' LIMIT 1");
        q.bind(1, p ? p->id : partner->id).bind(2, ic.sender_qualifier + "/" + ic.sender_id).bind(3, ic.control_number);
        bool const hit = q.step();
        q.reset();
        return hit;
    };
    // The analysis gets its own copy: the parser works in place, and the
    // archive still needs the original (a large file's thread is reading it,
    // a small one goes into the transaction).
    r.an = analyse_bytes(bytes, file_name, io);
    auto& an = r.an;
    r.steps.lap("analyse");

    // The same set again (same GS06, ST02 and content): recorded, not processed.
    std::map<std::tuple<std::size_t, std::size_t, std::size_t>, bool> duplicate_set;
    {
        auto& q = st.cached("SELECT 1 FROM sets s JOIN groups g ON s.group_id = g.id WHERE s.partner = ? AND s.direction = 'in' "
                        "AND g.control_number = ? AND s.control_number = ? AND s.fingerprint = ? "
                        "AND s.status IN ('accepted', 'changed', 'cancelled', 'ignored') LIMIT 1");
        // Only a group whose control number the partner used before can hold one.
        auto& seen_group = st.cached("SELECT 1 FROM groups WHERE partner = ? AND direction = 'in' AND control_number = ? LIMIT 1");
        for (std::size_t i = 0; i < an.interchanges.size(); ++i)
            for (std::size_t g = 0; g < an.interchanges[i].groups.size(); ++g) {
                auto const& grp = an.interchanges[i].groups[g];
                seen_group.reset();
                seen_group.bind(1, partner->id).bind(2, grp.summary.control_number);
                if (!seen_group.step()) continue;
                for (std::size_t s = 0; s < grp.sets.size(); ++s) {
                    q.reset();
                    q.bind(1, partner->id).bind(2, grp.summary.control_number).bind(3, grp.sets[s].control_number);
                    q.bind(4, hex64(grp.sets[s].fingerprint));
                    if (q.step()) duplicate_set[{i, g, s}] = true;
                }
            }
        q.reset();
        seen_group.reset();
        for (auto& o : an.orders)
            if (duplicate_set.count({o.interchange, o.group, o.set})) {
                o.decision.reset();
                o.not_processed = "duplicate";
            }
    }

    r.steps.lap("duplicate-sets");

    if (!archive_done()) return r;
    r.steps.lap("archive-wait");

    // 4. One transaction for everything this file leads to.
    log::sql::transaction tx(db);
    if (!tx.began()) {
        r.error = "the log is not writable: " + db.last_error();
        return r;
    }
    crash_point("after-begin");
    if (!archive_small()) return r;
    bool ok = true;
    auto fail = [&](std::string what) {
        if (ok) r.error = what + ": " + db.last_error();
        ok = false;
    };
    x12::control_numbers numbers;
    numbers.next_interchange = [&] { return st.next_control_number(partner->id, "isa").value_or(0); };
    numbers.next_group = [&] { return st.next_control_number(partner->id, "gs").value_or(0); };
    io.numbers = &numbers;
    build_acks(an, io);
    r.steps.lap("acks");

    std::int64_t const tx_id = rec.transmission(partner->id, "in", opts.transport, remote, bytes.size(), sha,
                                                "received", "X12", 0, 0, {});
    if (!tx_id) fail("recording the transmission");
    r.transmission_id = tx_id;

    // The 855 for every processed order, released (validated) or reported, in
    // this same transaction: a crash leaves either the file with its 855s or
    // neither. All the file's 855s go in one interchange per partner, one set
    // per order. Their numbers are taken now (after the acks', as ever); they
    // are made on other threads while this one records the file, and
    // recorded after it.
    struct answer_batch {
        partners::profile const* p = nullptr;
        std::vector<order_result const*> list;
        emit_options eo;
        batch_numbers numbers;
        prepared_batch prepared;
    };
    std::vector<answer_batch> batches;
    if (ok && opts.with_855) {
        std::map<partners::profile const*, std::vector<order_result const*>> by_partner;
        for (auto const& o : an.orders) {
            if (!o.decision || !o.decision->send_855()) continue;
            auto const* p = o.interchange < an.results.size() && an.results[o.interchange].partner ? an.results[o.interchange].partner
                                                                                               : partner;
            by_partner[p].push_back(&o);
        }
        for (auto& [p, list] : by_partner) {
            answer_batch b;
            b.p = p;
            b.list = std::move(list);
            b.eo.st = &st;
            b.eo.in_transaction = true;
            b.eo.reply_to = tx_id;
            b.eo.transport = opts.transport;
            b.eo.actor = opts.actor;
            b.eo.date = opts.ack_date;
            b.eo.time = opts.ack_time;
            if (opts.ack_date.size() == 8)
                b.eo.today = opts.ack_date.substr(0, 4) + "-" + opts.ack_date.substr(4, 2) + "-" + opts.ack_date.substr(6, 2);
            auto n = take_numbers(*p, b.list.size(), b.eo, err);
            if (!n) {
                fail("taking the 855s' control numbers");
                break;
            }
            b.numbers = *n;
            batches.push_back(std::move(b));
        }
    }
    // Each order's data is a view made where it is rendered (see prepare_batch).
    //
    // This thread records the file's sets once the 855s are rendered (which
    // takes both cores), while the release rule parses them (which takes one).
    std::latch rendered(static_cast<std::ptrdiff_t>(batches.size()));
    std::jthread answers;
    if (!batches.empty())
        answers = std::jthread([&batches, &rendered, &st] {
            for (auto& b : batches) {
                bool told = false;
                auto tell = [&] {
                    if (!told) rendered.count_down();
                    told = true;
                };
                b.prepared = prepare_batch(
                    *b.p, "855", "PR", b.list.size(),
                    [&b](std::size_t i, std::unique_ptr<mappings::data_source>& keep) {
                        auto view = std::make_unique<data_855_view>(b.list[i]->order, *b.list[i]->decision, b.eo);
                        auto root = view->data();
                        keep = std::move(view);
                        return root;
                    },
                    b.numbers, b.eo, tell);
                tell(); // a batch that stopped before it rendered
                // A large interchange (a file of the archive's own) is archived
                // and synced here, beside the log's thread, as a large inbound
                // file is. Should it fail, record_batch archives it and says why.
                auto const& out = b.prepared.result.interchange;
                std::string sha, err;
                if (b.prepared.result.ok && out.size() > log::store::inline_limit && st.archive(out, sha, err))
                    b.prepared.archived_sha256 = std::move(sha);
            }
        });
    rendered.wait();
    r.steps.lap("855-render-wait");
    for (auto const& d : an.file_diagnostics)
        if (!rec.diagnostic(tx_id, 0, "envelope", d)) fail("recording a finding");

    std::size_t accepted_orders = 0, rejected_orders = 0, rejected_sets = 0;
    std::map<std::tuple<std::size_t, std::size_t, std::size_t>, order_result const*> order_at;
    for (auto const& o : an.orders) order_at[{o.interchange, o.group, o.set}] = &o;
    for (std::size_t i = 0; ok && i < an.interchanges.size(); ++i) {
        auto const& ic = an.interchanges[i];
        auto const& res = an.results[i];
        bool const dup_ic = std::any_of(ic.diagnostics.begin(), ic.diagnostics.end(), [](x12::diagnostic const& d) {
            return d.code == x12::error::isa_duplicate_control_number;
        });
        std::string const ic_status = dup_ic ? "duplicate" : res.acks.ta1_status == "R" ? "rejected" : "accepted";
        std::int64_t icid = rec.interchange(tx_id, partner->id, "in", ic.summary, ic_status,
                                            res.acks.ta1.empty() ? "" : res.acks.ta1_status, res.acks.ta1.empty() ? "" : res.acks.ta1_note);
        if (!icid) {
            fail("recording an interchange");
            break;
        }
        for (auto const& d : ic.diagnostics) rec.diagnostic(tx_id, 0, "envelope", d);
        for (std::size_t g = 0; ok && g < ic.groups.size(); ++g) {
            auto const& grp = ic.groups[g];
            bool const fa = grp.summary.functional_id == "FA";
            bool const is999 = uses_999(res.partner ? res.partner : partner, grp.summary.version);
            std::size_t accepted = 0;
            for (auto const& s : grp.sets) accepted += (is999 ? s.accepted_999() : s.accepted_997()) ? 1 : 0;
            bool const group_error = std::any_of(grp.diagnostics.begin(), grp.diagnostics.end(), [&](x12::diagnostic const& d) {
                return d.severity != x12::severity::warning && !x12::ak905_code(d.code, grp.summary.version).empty();
            });
            std::string const gstatus = fa ? "read" : ic_status != "accepted" ? "R" : group_error || accepted == 0 ? "R"
                                                                              : accepted < grp.sets.size() ? "P" : "A";
            std::int64_t gid = rec.group(icid, partner->id, "in", grp.summary, gstatus, grp.sets.size(),
                                         gstatus == "R" ? 0 : accepted, false, {});
            if (!gid) {
                fail("recording a group");
                break;
            }
            for (auto const& d : grp.diagnostics) rec.diagnostic(tx_id, 0, "envelope", d);
            for (std::size_t s = 0; ok && s < grp.sets.size(); ++s) {
                auto const& set = grp.sets[s];
                ++r.sets;
                bool const syntax_ok = (is999 ? set.accepted_999() : set.accepted_997()) && gstatus != "R";
                auto oit = order_at.find({i, g, s});
                order_result const* ord = oit == order_at.end() ? nullptr : oit->second;
                std::string status, decision, reason, number;
                if (fa) status = "read";
                else if (duplicate_set.count({i, g, s})) status = "duplicate", reason = "same GS06, ST02 and content as before";
                else if (!syntax_ok) status = "rejected", reason = ic_status != "accepted" || group_error ? "envelope" : "syntax";
                else status = "accepted";
                if (ord) {
                    number = ord->order.po_number;
                    if (ord->decision) {
                        decision = ord->decision->bak02;
                        switch (ord->decision->action) {
                        case partners::order_action::process: status = decision == "AC" ? "changed" : "accepted"; break;
                        case partners::order_action::cancel: status = "cancelled"; break;
                        case partners::order_action::ignore: status = "ignored"; break;
                        case partners::order_action::reject: status = "rejected"; break;
                        }
                        for (auto const& oc : ord->decision->outcomes)
                            if (oc.severity == partners::rule_severity::reject && reason.empty()) reason = oc.code;
                    } else if (status == "accepted") {
                        status = "rejected";
                        reason = ord->not_processed;
                    }
                    if (status == "rejected") ++rejected_orders;
                    else if (status == "accepted" || status == "changed" || status == "cancelled") ++accepted_orders;
                }
                if (status == "rejected") ++rejected_sets;
                std::int64_t sid = rec.set(gid, partner->id, "in", set.id, set.control_number, number, hex64(set.fingerprint),
                                           status, fa ? "" : (syntax_ok ? "accepted" : "rejected"), decision, reason, set.offset);
                if (!sid) {
                    fail("recording a set");
                    break;
                }
                for (auto const& d : set.diagnostics)
                    if (!rec.diagnostic(tx_id, sid, "syntax", d)) fail("recording a finding");
                if (ord) {
                    for (auto const& d : ord->mapping_diagnostics) rec.diagnostic(tx_id, sid, "mapping", d);
                    if (ord->decision)
                        for (std::size_t k = 0; k < ord->decision->outcomes.size(); ++k) {
                            auto const& oc = ord->decision->outcomes[k];
                            x12::position w;
                            w.set_position = oc.set_position;
                            w.tag = oc.tag;
                            w.element = oc.element;
                            rec.finding(tx_id, sid, "rule", oc.code, partners::severity_name(oc.severity), oc.message, {}, w,
                                        oc.value, k < ord->outcome_segments.size() ? ord->outcome_segments[k] : std::string());
                        }
                }
                if (!fa) rec.audit("set", sid, "decided", {}, status, reason.empty() ? decision : reason);
            }
        }
    }

    r.steps.lap("record-sets");

    // Acknowledgments partners sent us, matched to what we sent.
    for (auto const& a : an.inbound_acks) {
        statement u(db, "UPDATE groups SET status = ?, accepted_sets = ?, ack_received_at = ?, ack_transmission_id = ? "
                        "WHERE partner = ? AND direction = 'out' AND control_number = ? AND functional_id = ? "
                        "AND ack_expected = 1 RETURNING id");
        u.bind(1, a.status).bind(2, static_cast<std::int64_t>(a.accepted)).bind(3, log::now_iso()).bind(4, tx_id);
        u.bind(5, partner->id).bind(6, a.group_control_number).bind(7, a.functional_id);
        std::int64_t gid = 0;
        if (u.step()) gid = u.integer(0);
        (void)u.run(); // to its end (RETURNING leaves the statement open)
        if (gid) {
            ++r.acks_matched;
            rec.audit("group", gid, "acknowledged", "pending", a.status, a.kind + " in transmission " + std::to_string(tx_id));
            for (auto const& s : a.sets) {
                statement us(db, "UPDATE sets SET ack_status = ? WHERE group_id = ? AND control_number = ?");
                us.bind(1, s.status).bind(2, gid).bind(3, s.control_number);
                if (!us.run()) fail("matching an ack");
            }
        }
        std::string codes;
        for (auto const& c : a.codes) codes += (codes.empty() ? "" : " ") + c;
        statement ins(db, "INSERT INTO acks_received(transmission_id, partner, kind, for_control_number, status, codes, "
                          "matched_group_id, received_at) VALUES (?,?,?,?,?,?,?,?)");
        ins.bind(1, tx_id).bind(2, partner->id).bind(3, a.kind).bind(4, a.group_control_number).bind(5, a.status);
        ins.bind_opt(6, codes);
        if (gid) ins.bind(7, gid); else ins.bind_null(7);
        ins.bind(8, log::now_iso());
        if (!ins.run()) fail("recording an ack");
    }
    for (auto const& t : an.inbound_ta1s) {
        statement u(db, "UPDATE interchanges SET ta1_received_status = ?, ta1_received_note = ?, ta1_received_at = ? "
                        "WHERE partner = ? AND direction = 'out' AND control_number = ? RETURNING id");
        u.bind(1, t.status).bind(2, t.note_code).bind(3, log::now_iso()).bind(4, partner->id).bind(5, t.control_number);
        std::int64_t icid = 0;
        if (u.step()) icid = u.integer(0);
        (void)u.run(); // to its end (RETURNING leaves the statement open)
        if (icid) ++r.acks_matched;
        statement ins(db, "INSERT INTO acks_received(transmission_id, partner, kind, for_control_number, status, codes, "
                          "matched_interchange_id, received_at) VALUES (?,?,'TA1',?,?,?,?,?)");
        ins.bind(1, tx_id).bind(2, partner->id).bind(3, t.control_number).bind(4, t.status).bind_opt(5, t.note_code);
        if (icid) ins.bind(6, icid); else ins.bind_null(6);
        ins.bind(7, log::now_iso());
        if (!ins.run()) fail("recording a TA1");
    }

    // Our answers: archived and recorded as outbound, ready to send.
    for (auto const& res : an.results) {
        for (auto const* text : {&res.acks.ta1, &res.acks.functional}) {
            if (text->empty() || !ok || opts.reprocess_of) continue; // a reprocess sends no second ack
            outbound_doc d;
            d.bytes = *text;
            d.document = text == &res.acks.ta1 ? "TA1" : first_set_id(*text);
            std::string osha;
            if (!st.archive_deferred(d.bytes, osha, err)) {
                r.error = "cannot archive an ack: " + err;
                ok = false;
                break;
            }
            d.transmission_id = rec.transmission(partner->id, "out", opts.transport, {}, d.bytes.size(), osha, "ready", d.document,
                                                 tx_id, 0, {});
            if (!d.transmission_id || !rec.outbound_interchanges(d.transmission_id, partner->id, d.bytes, false, 0)) {
                fail("recording an ack we send");
                break;
            }
            rec.audit("transmission", d.transmission_id, "created", {}, "ready", d.document + " for transmission " + std::to_string(tx_id));
            r.acks.push_back(std::move(d));
        }
    }

    r.steps.lap("record-acks");

    if (answers.joinable()) answers.join();
    r.steps.lap("855-wait");
    for (auto& b : batches) {
        if (!ok) break;
        auto e = record_batch(*b.p, "855", std::move(b.prepared), b.eo);
        r.steps.add(e.steps, "855-");
        // An order whose 855 the release rule refuses stands; its 855 is
        // not sent, and the log says why.
        for (auto const& [i, why] : e.refused) {
            x12::position w;
            w.tag = "BEG";
            rec.finding(tx_id, 0, "emit", "855-not-released", "error", "PO " + b.list[i]->order.po_number + ": " + why, {}, w,
                        b.list[i]->order.po_number, {});
        }
        if (e.ok) r.documents.push_back({e.transmission_id, "855", e.interchange, {}});
        else if (e.refused.empty()) {
            r.error = "cannot record the 855s: " + e.error;
            ok = false;
        }
    }

    r.orders_accepted = accepted_orders;
    r.orders_rejected = rejected_orders;
    bool const all_rejected = !an.interchanges.empty()
                              && std::all_of(an.results.begin(), an.results.end(), [](interchange_result const& x) {
                                     return x.acks.ta1_status == "R";
                                 });
    bool const any_dup_ic = std::any_of(an.interchanges.begin(), an.interchanges.end(), [](x12::received_interchange const& ic) {
        return std::any_of(ic.diagnostics.begin(), ic.diagnostics.end(),
                           [](x12::diagnostic const& d) { return d.code == x12::error::isa_duplicate_control_number; });
    });
    r.status = an.interchanges.empty() ? "rejected"
               : any_dup_ic && all_rejected ? "duplicate"
               : all_rejected ? "rejected"
               : (rejected_sets > 0 || an.anything_rejected()) ? (r.sets > rejected_sets ? "partial" : "rejected")
                                                                : "processed";
    {
        auto& u = st.cached("UPDATE transmissions SET status = ?, completed_at = ?, message = ? WHERE id = ?");
        std::string msg = std::to_string(r.sets) + " set(s), " + std::to_string(accepted_orders) + " order(s) accepted, "
                          + std::to_string(rejected_orders) + " rejected";
        if (opts.reprocess_of) msg = "reprocess of transmission " + std::to_string(opts.reprocess_of) + ": " + msg;
        u.bind(1, r.status).bind(2, log::now_iso()).bind(3, msg).bind(4, tx_id);
        if (!u.run()) fail("recording the status");
        rec.audit("transmission", tx_id, opts.reprocess_of ? "reprocessed" : "received", {}, r.status,
                  opts.reprocess_of ? "from transmission " + std::to_string(opts.reprocess_of) : file_name);
        if (opts.reprocess_of)
            rec.audit("transmission", opts.reprocess_of, "reprocessed", {}, r.status, "as transmission " + std::to_string(tx_id));
    }
    if (ok && opts.also_record && !opts.also_record(st, tx_id)) fail("recording with the file");
    r.steps.lap("status");
    // Everything archived for this file (our answers) on disk before the commit refers to it.
    if (ok && !st.sync_archive(err)) {
        r.error = err;
        ok = false;
    }
    r.steps.lap("sync");
    crash_point("before-commit");
    if (!ok) { // the transaction rolls back: nothing of this file is recorded
        rolled_back();
        return r;
    }
    if (!tx.commit()) {
        r.error = "cannot commit: " + db.last_error();
        rolled_back();
        return r;
    }
    crash_point("after-commit");
    r.steps.lap("commit");
    r.ok = true;
    return r;
}

std::int64_t record_outbound_in(log::store& st, partners::profile const& p, std::string const& bytes, std::string const& document,
                                std::string const& transport, std::string const& actor, std::int64_t reply_to, std::string& err,
                                x12::document const* parsed, std::string const& archived_sha256)
{
    std::string sha = archived_sha256;
    // Deferred: the caller syncs the archive before it commits.
    if (sha.empty() && !st.archive_deferred(bytes, sha, err)) return 0;
    recorder rec(st, actor);
    std::int64_t id = rec.transmission(p.id, "out", transport, {}, bytes.size(), sha, "ready", document, reply_to, 0, {});
    if (!id || !rec.outbound_interchanges(id, p.id, bytes, true, p.ack_window_minutes, parsed)
        || !rec.audit("transmission", id, "created", {}, "ready", document)) {
        err = st.db().last_error();
        return 0;
    }
    return id;
}

std::int64_t record_outbound(log::store& st, partners::profile const& p, std::string const& bytes, std::string const& document,
                             std::string const& transport, std::string const& actor, std::string& err)
{
    log::sql::transaction tx(st.db());
    std::int64_t id = record_outbound_in(st, p, bytes, document, transport, actor, 0, err);
    if (!id || !st.sync_archive(err)) return 0;
    if (!tx.commit()) {
        err = st.db().last_error();
        return 0;
    }
    return id;
}

std::int64_t record_refused(log::store& st, std::string const& partner, std::string const& transport, std::string const& remote_name,
                            std::string_view bytes, std::string const& document, std::string const& reason, std::string const& actor,
                            std::string& err)
{
    log::sql::transaction tx(st.db());
    std::string sha;
    if (!st.archive_deferred(bytes, sha, err)) return 0;
    recorder rec(st, actor);
    std::int64_t id = rec.transmission(partner, "in", transport, remote_name, bytes.size(), sha, "rejected", document, 0, 0, reason);
    if (!id || !rec.audit("transmission", id, "refused", {}, "rejected", reason)) {
        err = st.db().last_error();
        return 0;
    }
    if (!st.sync_archive(err)) return 0;
    if (!tx.commit()) {
        err = st.db().last_error();
        return 0;
    }
    return id;
}

receive_result reprocess(log::store& st, std::int64_t id, std::vector<partners::profile> const& profiles, receive_options opts)
{
    receive_result r;
    std::string partner, sha, status, direction, name;
    {
        log::sql::statement q(st.db(), "SELECT partner, sha256, status, direction, coalesce(remote_name, '') FROM transmissions WHERE id = ?");
        q.bind(1, id);
        if (!q.step()) {
            r.error = "no transmission " + std::to_string(id);
            return r;
        }
        partner = q.text(0);
        sha = q.text(1);
        status = q.text(2);
        direction = q.text(3);
        name = q.text(4);
    }
    if (direction != "in") {
        r.error = "transmission " + std::to_string(id) + " is one we sent; only received transmissions are reprocessed";
        return r;
    }
    if (status != "rejected" && status != "partial") {
        r.error = "transmission " + std::to_string(id) + " is " + status + "; only rejected or partial ones are reprocessed";
        return r;
    }
    {
        // Once processed by a reprocess, never again: its orders would come back as duplicates.
        log::sql::statement q(st.db(), "SELECT id FROM transmissions WHERE direction = 'in' AND status = 'processed' AND message LIKE ?");
        q.bind(1, "reprocess of transmission " + std::to_string(id) + ":%");
        if (q.step()) {
            r.error = "transmission " + std::to_string(id) + " was reprocessed already, as transmission " + std::to_string(q.integer(0))
                      + " (processed)";
            return r;
        }
    }
    auto bytes = st.archived(sha);
    if (!bytes) {
        r.error = "the bytes of transmission " + std::to_string(id) + " are no longer in the archive (retention)";
        return r;
    }
    partners::profile const* forced = nullptr;
    for (auto const& p : profiles)
        if (p.id == partner) forced = &p;
    opts.reprocess_of = id;
    opts.remote_name = name;
    return receive_bytes(st, std::move(*bytes), "transmission " + std::to_string(id), forced, profiles, opts);
}

} // namespace edigw::pipeline
