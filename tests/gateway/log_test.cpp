// The transmission log on real SQLite files: migrations, every record kind,
// duplicate detection in every form, control numbers under concurrent
// issuers, acks matched and overdue, and crashes between receipt and commit.
#include "bench/generator.hpp"
#include "support.hpp"

#include "gateway/log/queries.hpp"
#include "gateway/log/store.hpp"
#include "gateway/pipeline/receive.hpp"
#include "x12/document.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace edigw;

namespace {

struct temp_dir {
    fs::path path;
    temp_dir()
    {
        static int n = 0;
        path = fs::temp_directory_path() / ("edigw-log-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~temp_dir() { fs::remove_all(path); }
};

std::vector<partners::profile> const& profiles()
{
    static std::vector<partners::profile> all = [] {
        std::vector<partners::profile> v;
        partners::profile_error err;
        if (!partners::load_profiles(fs::path(EDIGW_SOURCE_DIR) / "partners", v, err)) throw std::runtime_error(err.what());
        return v;
    }();
    return all;
}

std::unique_ptr<log::store> open(fs::path const& dir)
{
    std::string err;
    auto st = log::store::open(dir, err);
    INFO(err);
    REQUIRE(st);
    return st;
}

std::int64_t count(log::store& st, std::string const& sql)
{
    log::sql::statement q(st.db(), sql);
    REQUIRE(q.step());
    return q.integer(0);
}

std::string one_text(log::store& st, std::string const& sql)
{
    log::sql::statement q(st.db(), sql);
    REQUIRE(q.step());
    return q.text(0);
}

pipeline::receive_result receive(log::store& st, std::string bytes, std::string name = "in.x12")
{
    pipeline::receive_options o;
    o.received_date = "2024-03-15";
    o.actor = "test";
    auto r = pipeline::receive_bytes(st, std::move(bytes), name, nullptr, profiles(), o);
    INFO(r.error);
    REQUIRE(r.ok);
    return r;
}

std::string sample(std::string const& name) { return test::read_file(std::string(EDIGW_SAMPLES_DIR) + "/" + name); }

// An 850 interchange from BuyerCo with the given ISA13, GS06, ST02 and PO number.
std::string order(std::string const& isa13, std::string const& gs06, std::string const& st02, std::string const& po,
                  std::string const& qty = "10")
{
    std::string isa = "ISA*00*          *00*          *ZZ*BUYERID        *ZZ*SELLERID       *240315*0930*^*00501*" + isa13
                      + "*0*P*:~\n";
    return isa + "GS*PO*BUYERID*SELLERID*20240315*0930*" + gs06 + "*X*005010~\nST*850*" + st02 + "~\nBEG*00*SA*" + po
           + "**20240315~\nDTM*038*20240319~\nN1*ST*BUYERCO DC 17*92*0017~\nPO1*1*" + qty
           + "*EA*4.25*PE*UP*012345678905~\nCTT*1*" + qty + "~\nSE*7*" + st02 + "~\nGE*1*" + gs06 + "~\nIEA*1*" + isa13 + "~\n";
}

} // namespace

TEST_CASE("a new store has the latest schema, WAL and foreign keys, and reopening is idempotent", "[log]")
{
    temp_dir d;
    {
        auto st = open(d.path);
        CHECK(st->version() == log::schema_version);
        CHECK(one_text(*st, "PRAGMA journal_mode") == "wal");
        CHECK(count(*st, "PRAGMA foreign_keys") == 1);
        CHECK(fs::exists(d.path / "edigw.db"));
        CHECK(fs::is_directory(d.path / "archive"));
    }
    auto again = open(d.path);
    CHECK(again->version() == log::schema_version);
}

TEST_CASE("an older database is migrated, keeping its data, and a newer one is refused", "[log]")
{
    temp_dir d;
    {
        // A version-1 database with a transmission in it, as an older edigw left it.
        log::sql::connection c;
        std::string err;
        REQUIRE(c.open((d.path / "edigw.db").string(), true, err));
        REQUIRE(c.exec(log::migrations().front().sql));
        REQUIRE(c.exec("PRAGMA user_version = 1"));
        REQUIRE(c.exec("INSERT INTO transmissions(partner, direction, transport, size, sha256, received_at, status) "
                       "VALUES ('acme', 'in', 'sftp', 10, 'x', '2026-01-01T00:00:00.000Z', 'processed')"));
    }
    {
        auto st = open(d.path);
        CHECK(st->version() == log::schema_version);
        CHECK(count(*st, "SELECT count(*) FROM transmissions") == 1);
        CHECK(count(*st, "SELECT count(*) FROM acks_received") == 0); // the table migration 2 adds
        CHECK(count(*st, "SELECT count(*) FROM remote_seen") == 0);   // and 3
    }
    {
        log::sql::connection c;
        std::string err;
        REQUIRE(c.open((d.path / "edigw.db").string(), false, err));
        REQUIRE(c.exec("PRAGMA user_version = 99"));
    }
    std::string err;
    CHECK(log::store::open(d.path, err) == nullptr);
    CHECK(err.find("schema version 99") != std::string::npos);
    CHECK(err.find("newer than this edigw") != std::string::npos);
}

TEST_CASE("the archive is content-addressed, durable and idempotent, and SHA-256 is right", "[log]")
{
    temp_dir d;
    auto st = open(d.path);
    CHECK(log::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    std::string sha, err;
    REQUIRE(st->archive("hello X12", sha, err));
    CHECK(sha == log::sha256_hex("hello X12"));
    // Small bytes live in the database, committed with their records; no file.
    CHECK_FALSE(fs::exists(d.path / "archive" / sha.substr(0, 2) / sha));
    REQUIRE(st->archive("hello X12", sha, err));
    CHECK(*st->archived(sha) == "hello X12");
    CHECK(st->archived_size(sha) == 9u);
    CHECK_FALSE(st->archived(std::string(64, '0')));
    // Any octet survives (EBCDIC, control-character delimiters, NUL).
    std::string const binary("ISA\x00\x1d\xff\x85~", 8);
    REQUIRE(st->archive_deferred(binary, sha, err));
    CHECK(*st->archived(sha) == binary);
    // Large bytes are files.
    std::string const big(log::store::inline_limit + 1, 'X');
    REQUIRE(st->archive(big, sha, err));
    CHECK(fs::file_size(d.path / "archive" / sha.substr(0, 2) / sha) == big.size());
    CHECK(*st->archived(sha) == big);
    st->purge_archived(sha);
    CHECK_FALSE(st->has_archived(sha));
    {
        // Inline bytes written in a transaction that rolls back are gone with it.
        log::sql::transaction tx(st->db());
        REQUIRE(st->archive_deferred("rolled back", sha, err));
    }
    CHECK_FALSE(st->has_archived(log::sha256_hex("rolled back")));
}

TEST_CASE("the audit trail is append-only", "[log]")
{
    temp_dir d;
    auto st = open(d.path);
    REQUIRE(st->audit("test", "transmission", 1, "received", "", "processed"));
    CHECK_FALSE(st->db().exec("UPDATE audit SET action = 'x'"));
    CHECK(st->db().last_error().find("append-only") != std::string::npos);
    CHECK_FALSE(st->db().exec("DELETE FROM audit"));
    CHECK(count(*st, "SELECT count(*) FROM audit") == 1);
}

TEST_CASE("receiving a file records every kind of record", "[log]")
{
    temp_dir d;
    auto st = open(d.path);
    auto r = receive(*st, sample("850-005010-bad-date.x12"), "bad-date.x12");
    CHECK(r.partner == "buyerco");
    CHECK(r.status == "partial");
    REQUIRE(r.acks.size() == 2); // TA1 (ISA14 = 1) and the 999
    auto id = r.transmission_id;
    CHECK(one_text(*st, "SELECT status FROM transmissions WHERE id = " + std::to_string(id)) == "partial");
    CHECK(one_text(*st, "SELECT remote_name FROM transmissions WHERE id = " + std::to_string(id)) == "bad-date.x12");
    CHECK(count(*st, "SELECT size FROM transmissions WHERE id = " + std::to_string(id)) == static_cast<std::int64_t>(sample("850-005010-bad-date.x12").size()));
    CHECK(one_text(*st, "SELECT control_number || ' ' || sender || ' ' || version || ' ' || status || ' ' || ta1_sent_status "
                        "FROM interchanges WHERE direction = 'in'")
          == "000000102 ZZ/BUYERID 00501 accepted A");
    CHECK(one_text(*st, "SELECT control_number || ' ' || status || ' ' || received_sets || ' ' || accepted_sets FROM groups "
                        "WHERE direction = 'in'")
          == "102 P 2 1");
    CHECK(one_text(*st, "SELECT group_concat(control_number || ':' || document_number || ':' || status, ' ') FROM "
                        "(SELECT * FROM sets WHERE direction = 'in' ORDER BY id)")
          == "0001:PO-7001:accepted 0002:PO-7002:rejected");
    CHECK(count(*st, "SELECT count(*) FROM findings WHERE code = 'element_invalid_date' AND set_position = 2 AND element = 5 "
                     "AND value = '20240231' AND segment_text = 'BEG*00*SA*PO-7002**20240231' AND ack_code = '8'")
          == 1);
    CHECK(count(*st, "SELECT count(*) FROM transmissions WHERE direction = 'out' AND reply_to = " + std::to_string(id)) == 2);
    CHECK(count(*st, "SELECT count(*) FROM interchanges WHERE direction = 'out'") == 2);
    CHECK(count(*st, "SELECT count(*) FROM audit WHERE entity = 'set' AND action = 'decided'") == 2);
    CHECK(count(*st, "SELECT count(*) FROM audit WHERE entity = 'transmission' AND entity_id = " + std::to_string(id)) >= 1);
    CHECK(count(*st, "SELECT last FROM control_numbers WHERE partner = 'buyerco' AND kind = 'isa'") == 2);
}

TEST_CASE("duplicates in every form: file, interchange, set, PO number", "[log]")
{
    temp_dir d;
    auto st = open(d.path);
    auto first = receive(*st, order("000000501", "501", "0001", "PO-1"));
    REQUIRE(first.status == "processed");

    SECTION("the same file again: recorded as a duplicate, answered with the same acks, not processed")
    {
        auto again = receive(*st, order("000000501", "501", "0001", "PO-1"));
        CHECK(again.status == "duplicate");
        CHECK(again.duplicate_of == first.transmission_id);
        REQUIRE(again.acks.size() == first.acks.size());
        for (std::size_t i = 0; i < again.acks.size(); ++i) CHECK(again.acks[i].bytes == first.acks[i].bytes);
        CHECK(count(*st, "SELECT count(*) FROM sets WHERE direction = 'in'") == 1);
    }
    SECTION("the same ISA13 from the same sender, different bytes: TA1 R 025, nothing processed")
    {
        auto again = receive(*st, order("000000501", "502", "0001", "PO-2"));
        CHECK(again.status == "duplicate");
        REQUIRE(again.an.results.size() == 1);
        CHECK(again.an.results[0].acks.ta1_status == "R");
        CHECK(again.an.results[0].acks.ta1_note == "025");
        CHECK(again.an.results[0].acks.functional.empty());
        CHECK(one_text(*st, "SELECT status FROM interchanges WHERE direction = 'in' ORDER BY id DESC LIMIT 1") == "duplicate");
        CHECK(count(*st, "SELECT count(*) FROM sets WHERE direction = 'in' AND status IN ('accepted', 'changed')") == 1);
    }
    SECTION("the same set (GS06, ST02, content) in a new interchange: recorded, not processed")
    {
        auto again = receive(*st, order("000000502", "501", "0001", "PO-1"));
        CHECK(one_text(*st, "SELECT status FROM sets WHERE direction = 'in' ORDER BY id DESC LIMIT 1") == "duplicate");
        CHECK(count(*st, "SELECT count(*) FROM sets WHERE direction = 'in' AND status = 'accepted'") == 1);
        (void)again;
    }
    SECTION("the same PO number in a new set: a duplicate order, rejected")
    {
        auto again = receive(*st, order("000000503", "503", "0007", "PO-1", "20"));
        CHECK(again.status == "rejected");
        CHECK(count(*st, "SELECT count(*) FROM findings WHERE code = 'duplicate-po'") == 1);
        // A cancellation of it is then known.
        std::string cancel = order("000000504", "504", "0008", "PO-1");
        cancel.replace(cancel.find("BEG*00"), 6, "BEG*01");
        auto c = receive(*st, cancel);
        CHECK(one_text(*st, "SELECT status FROM sets WHERE direction = 'in' ORDER BY id DESC LIMIT 1") == "cancelled");
        (void)c;
    }
}

TEST_CASE("control numbers are unique under concurrent issuers, across processes", "[log]")
{
    temp_dir d;
    { open(d.path); }
    constexpr int workers = 4, each = 150;
    std::vector<pid_t> kids;
    for (int w = 0; w < workers; ++w) {
        pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            std::string err;
            auto st = log::store::open(d.path, err);
            if (!st) ::_exit(3);
            std::ofstream out(d.path / ("issued-" + std::to_string(w)));
            for (int i = 0; i < each; ++i) {
                log::sql::transaction tx(st->db());
                auto n = st->next_control_number("acme", "isa");
                if (!n || !tx.commit()) ::_exit(4);
                out << *n << '\n';
            }
            out.close();
            ::_exit(0);
        }
        kids.push_back(pid);
    }
    for (auto pid : kids) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    }
    std::set<std::uint64_t> all;
    std::size_t total = 0;
    for (int w = 0; w < workers; ++w) {
        std::ifstream in(d.path / ("issued-" + std::to_string(w)));
        std::uint64_t n;
        while (in >> n) {
            all.insert(n);
            ++total;
        }
    }
    CHECK(total == workers * each);
    CHECK(all.size() == total);              // never reused
    CHECK(*all.begin() == 1);
    CHECK(*all.rbegin() == workers * each);  // and without gaps

    auto st = open(d.path);
    REQUIRE(st->db().exec("UPDATE control_numbers SET last = 999999999 WHERE partner = 'acme' AND kind = 'isa'"));
    CHECK(*st->next_control_number("acme", "isa") == 1); // ISA13 wraps to 1
    CHECK(*st->next_control_number("buyerco", "isa") == 1); // per partner

    // A block of ST02s for a batch: consecutive, the same wrap, one statement.
    CHECK(*st->next_control_numbers("acme", "st", 5) == 1); // 1..5
    CHECK(*st->next_control_number("acme", "st") == 6);
    REQUIRE(st->db().exec("UPDATE control_numbers SET last = 999999997 WHERE partner = 'acme' AND kind = 'st'"));
    CHECK(*st->next_control_numbers("acme", "st", 4) == 999999998); // 999999998, 999999999, 1, 2
    CHECK(*st->next_control_number("acme", "st") == 3);
    CHECK(!st->next_control_numbers("acme", "st", 0));
}

TEST_CASE("partners' 997s are matched to what we sent, and unanswered groups become overdue", "[log]")
{
    temp_dir d;
    auto st = open(d.path);
    auto const& buyerco = profiles()[1].id == "buyerco" ? profiles()[1] : profiles()[0];
    REQUIRE(buyerco.id == "buyerco");
    std::string ours = "ISA*00*          *00*          *ZZ*SELLERID       *ZZ*BUYERID        *240316*0800*^*00501*000000201*0*P*:~"
                       "GS*PR*SELLERID*BUYERID*20240316*0800*201*X*005010~ST*855*0001~BAK*00*AC*PO-7001*20240315~"
                       "PO1*1*10*EA*4.25*PE*UP*012345678905~ACK*IA*10*EA~CTT*1*10~SE*6*0001~GE*1*201~"
                       "GS*PR*SELLERID*BUYERID*20240316*0800*202*X*005010~ST*855*0001~BAK*00*AD*PO-7002*20240315~"
                       "PO1*1*5*CA*30*PE*VP*WID-200~ACK*IA*5*CA~CTT*1*5~SE*6*0001~GE*1*202~IEA*2*000000201~";
    std::string err;
    auto out_id = pipeline::record_outbound(*st, buyerco, ours, "855", "as2", "test", err);
    INFO(err);
    REQUIRE(out_id > 0);
    CHECK(count(*st, "SELECT count(*) FROM groups WHERE direction = 'out' AND ack_expected = 1 AND status = 'pending'") == 2);
    CHECK(count(*st, "SELECT count(*) FROM sets WHERE direction = 'out' AND document_number = 'PO-7001'") == 1);

    std::string theirs = "ISA*00*          *00*          *ZZ*BUYERID        *ZZ*SELLERID       *240316*0900*^*00501*000000901*0*P*:~"
                         "GS*FA*BUYERID*SELLERID*20240316*0900*901*X*005010~ST*997*0001~AK1*PR*201*005010~AK2*855*0001~"
                         "AK5*A~AK9*A*1*1*1~SE*6*0001~GE*1*901~IEA*1*000000901~";
    auto r = receive(*st, theirs, "997.x12");
    CHECK(r.acks_matched == 1);
    CHECK(r.acks.empty()); // an FA group is not acknowledged
    CHECK(one_text(*st, "SELECT status FROM groups WHERE direction = 'out' AND control_number = '201'") == "A");
    CHECK(one_text(*st, "SELECT ack_status FROM sets WHERE direction = 'out' AND document_number = 'PO-7001'") == "A");
    CHECK(count(*st, "SELECT count(*) FROM acks_received WHERE kind = '997' AND matched_group_id IS NOT NULL") == 1);
    CHECK(log::overdue_acks(*st, "").empty()); // group 202 is not yet past its window
    REQUIRE(st->db().exec("UPDATE groups SET ack_due_at = '2000-01-01T00:00:00.000Z' WHERE control_number = '202'"));
    auto overdue = log::overdue_acks(*st, "buyerco");
    REQUIRE(overdue.size() == 1);
    CHECK(overdue[0].control_number == "202");
    CHECK(log::compute_kpis(*st, "", "").overdue_acks == 1);
    CHECK(log::compute_kpis(*st, "", "").their_acks == 1);
}

namespace {

int run_receive(fs::path const& data, fs::path const& file, char const* crash_at)
{
    // `exec`, so the status is edigw's own (a SIGKILL shows as a signal, not as the shell's 137).
    std::string cmd = std::string(crash_at ? "EDIGW_CRASH_AT=" + std::string(crash_at) + " " : "") + "exec " + EDIGW_BINARY
                      + " receive '" + file.string() + "' --data '" + data.string() + "' --partners '" EDIGW_SOURCE_DIR
                      "/partners' --received 2024-03-15 >/dev/null 2>&1";
    int status = std::system(cmd.c_str());
    return status;
}

std::size_t files_in(fs::path const& dir)
{
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return 0;
    std::size_t n = 0;
    for (auto const& e : fs::directory_iterator(dir))
        if (e.path().filename().string()[0] != '.') ++n;
    return n;
}

} // namespace

TEST_CASE("a crash between receipt and commit leaves nothing half-recorded and loses nothing acknowledged", "[log][crash]")
{
    temp_dir d;
    fs::path file = d.path / "order.x12";
    std::ofstream(file) << sample("850-005010-bad-date.x12");
    fs::path data = d.path / "data";
    fs::path outbox = data / "outbox" / "buyerco";

    for (char const* point : {"after-archive", "after-begin", "before-commit"}) {
        INFO(point);
        int status = run_receive(data, file, point);
        CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
        auto st = open(data);
        CHECK(count(*st, "SELECT count(*) FROM transmissions") == 0);
        CHECK(count(*st, "SELECT count(*) FROM sets") == 0);
        CHECK(count(*st, "SELECT count(*) FROM control_numbers") == 0);
        CHECK(files_in(outbox) == 0); // nothing acknowledged
        // A small file's bytes are archived in the transaction that rolled
        // back: not in the log either, so the next run takes the file as new
        // (it is still where it came from; nothing was answered).
        CHECK(!st->has_archived(log::sha256_hex(sample("850-005010-bad-date.x12"))));
        CHECK(fs::exists(file));
    }
    // Killed after the commit, before the acks were written: the file is
    // recorded; running it again answers with the same acks, once.
    int status = run_receive(data, file, "after-commit");
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
    {
        auto st = open(data);
        CHECK(count(*st, "SELECT count(*) FROM transmissions WHERE direction = 'in'") == 1);
        CHECK(st->has_archived(log::sha256_hex(sample("850-005010-bad-date.x12"))));
        CHECK(files_in(outbox) == 0);
    }
    status = run_receive(data, file, nullptr);
    CHECK(WIFEXITED(status));
    auto st = open(data);
    CHECK(count(*st, "SELECT count(*) FROM transmissions WHERE direction = 'in' AND status = 'partial'") == 1);
    CHECK(count(*st, "SELECT count(*) FROM transmissions WHERE direction = 'in' AND status = 'duplicate'") == 1);
    CHECK(count(*st, "SELECT count(*) FROM transmissions WHERE direction = 'out'") == 2); // one TA1, one 999: never twice
    CHECK(count(*st, "SELECT count(*) FROM sets WHERE direction = 'in'") == 2);
    CHECK(files_in(outbox) == 2);
}

TEST_CASE("retention purges old raw bytes, keeps the records and bytes still referenced", "[log]")
{
    temp_dir d;
    auto st = open(d.path);
    auto a = receive(*st, order("000000601", "601", "0001", "PO-A"));
    auto b = receive(*st, order("000000602", "602", "0001", "PO-B"));
    // a is two years old; b is new.
    REQUIRE(st->db().exec("UPDATE transmissions SET received_at = '2024-01-01T00:00:00.000Z' WHERE id = "
                          + std::to_string(a.transmission_id)));
    auto sha_a = one_text(*st, "SELECT sha256 FROM transmissions WHERE id = " + std::to_string(a.transmission_id));
    auto sha_b = one_text(*st, "SELECT sha256 FROM transmissions WHERE id = " + std::to_string(b.transmission_id));
    CHECK(log::prune_archive(*st, "buyerco", "2025-01-01T00:00:00.000Z", true) == 1); // dry run
    CHECK(st->has_archived(sha_a));
    CHECK(log::prune_archive(*st, "buyerco", "2025-01-01T00:00:00.000Z", false) == 1);
    CHECK_FALSE(st->has_archived(sha_a));
    CHECK(st->has_archived(sha_b));
    CHECK(count(*st, "SELECT count(*) FROM transmissions WHERE purged_at IS NOT NULL") == 1);
    CHECK(count(*st, "SELECT count(*) FROM sets WHERE document_number = 'PO-A'") == 1); // the record stays
    CHECK(count(*st, "SELECT count(*) FROM audit WHERE action = 'purged'") == 1);
    CHECK(log::prune_archive(*st, "buyerco", "2025-01-01T00:00:00.000Z", false) == 0); // idempotent
}

TEST_CASE("concurrent edigw receive commands on one data directory are safe", "[log][crash]")
{
    temp_dir d;
    fs::path data = d.path / "data";
    constexpr int n = 6;
    for (int i = 0; i < n; ++i)
        std::ofstream(d.path / ("f" + std::to_string(i) + ".x12"))
            << order("00000070" + std::to_string(i), std::to_string(700 + i), "0001", "PO-C" + std::to_string(i));
    std::vector<pid_t> kids;
    for (int i = 0; i < n; ++i) {
        pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            std::string f = (d.path / ("f" + std::to_string(i) + ".x12")).string();
            std::string dataarg = data.string();
            ::execl(EDIGW_BINARY, EDIGW_BINARY, "receive", f.c_str(), "--data", dataarg.c_str(), "--partners",
                    EDIGW_SOURCE_DIR "/partners", "--received", "2024-03-15", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        kids.push_back(pid);
    }
    for (auto pid : kids) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    }
    auto st = open(data);
    CHECK(count(*st, "SELECT count(*) FROM transmissions WHERE direction = 'in' AND status = 'processed'") == n);
    CHECK(count(*st, "SELECT count(DISTINCT control_number) FROM interchanges WHERE direction = 'out'") == n);
    CHECK(count(*st, "SELECT count(*) FROM interchanges WHERE direction = 'out'") == n);
    CHECK(count(*st, "SELECT last FROM control_numbers WHERE partner = 'buyerco' AND kind = 'isa'") == n);
}

TEST_CASE("with_855: each processed order's 855 is made in the receiving transaction and answers a resend too", "[log]")
{
    temp_dir d;
    auto st = open(d.path);
    pipeline::receive_options o;
    o.received_date = "2024-03-15";
    o.with_855 = true;
    auto r = pipeline::receive_bytes(*st, sample("850-005010-original.x12"), "po.x12", nullptr, profiles(), o);
    REQUIRE(r.ok);
    REQUIRE(r.documents.size() == 1);
    CHECK(r.documents[0].document == "855");
    CHECK(r.documents[0].bytes.find("BAK*00*AC*PO-7001*") != std::string::npos);
    CHECK(count(*st, "SELECT count(*) FROM transmissions WHERE direction = 'out' AND document = '855' AND reply_to = "
                     + std::to_string(r.transmission_id))
          == 1);
    CHECK(count(*st, "SELECT count(*) FROM groups WHERE direction = 'out' AND functional_id = 'PR' AND ack_expected = 1") == 1);
    // A resend of the same file is answered with everything sent the first time, the 855 included.
    auto again = pipeline::receive_bytes(*st, sample("850-005010-original.x12"), "po.x12", nullptr, profiles(), o);
    CHECK(again.status == "duplicate");
    CHECK(again.acks.size() == 3); // TA1, 999, 855
    CHECK(count(*st, "SELECT count(*) FROM transmissions WHERE document = '855'") == 1);
    // The KPI sees the order-to-855 cycle.
    CHECK(log::compute_kpis(*st, "", "").orders_with_855 == 1);
}

TEST_CASE("with_855 in a batch: the data carries what a partner's template reads, and a large file is numbered in one block", "[log][emit]")
{
    temp_dir d;
    auto st = open(d.path);
    // A template reading parts the default 855 does not: order dates, the
    // envelope, line descriptions and references. The batch builds only what
    // templates mention, so these must still be there.
    std::ofstream(d.path / "855.x12t") << "BAK*00*{bak02}*{po.po_number}*{po.order_date|date8}\n"
                                          "REF*ZZ*{po.envelope.sender_id}\n"
                                          "{for x in po.dates}\n"
                                          "DTM*{x.qualifier}*{x.date|date8}\n"
                                          "{end}\n"
                                          "{for line in po.lines}\n"
                                          "PO1*{line.line_id}*{line.quantity|r}*{line.uom}\n"
                                          "PID*F****{line.description|default:NONE}\n"
                                          "{end}\n"
                                          "CTT*{po.lines|count}\n";
    auto all = profiles();
    for (auto& p : all)
        if (p.id == "buyerco") p.templates["855"] = d.path / "855.x12t";
    pipeline::receive_options o;
    o.received_date = "2024-03-15";
    o.with_855 = true;
    auto r = pipeline::receive_bytes(*st, sample("850-005010-original.x12"), "po.x12", nullptr, all, o);
    REQUIRE(r.ok);
    INFO(one_text(*st, "SELECT group_concat(message, ' | ') FROM findings WHERE code = '855-not-released'"));
    REQUIRE(r.documents.size() == 1);
    auto const& x = r.documents[0].bytes;
    INFO(x);
    CHECK(x.find("DTM*002*20240322~") != std::string::npos);
    CHECK(x.find("DTM*038*20240319~") != std::string::npos);
    CHECK(x.find("REF*ZZ*BUYERID~") != std::string::npos);
    CHECK(x.find("PID*F****WIDGET SMALL BLUE~") != std::string::npos);

    // A thousand orders in one file: one 855 interchange, its ST02s one consecutive block.
    std::string big = "ISA*00*          *00*          *ZZ*BUYERID        *ZZ*SELLERID       *240315*0930*^*00501*000000900*0*P*:~"
                      "GS*PO*BUYERID*SELLERID*20240315*0930*900*X*005010~";
    for (int i = 1; i <= 1000; ++i) {
        char cn[8];
        std::snprintf(cn, sizeof cn, "%04d", i);
        big += std::string("ST*850*") + cn + "~BEG*00*SA*PO-B" + std::to_string(i) + "**20240315~DTM*002*20240322~N1*ST*BUYERCO DC 17*92*0017~"
               "PO1*1*2*EA*4.25*PE*VP*WID-100~CTT*1*2~SE*7*" + cn + "~";
    }
    big += "GE*1000*900~IEA*1*000000900~";
    auto b = pipeline::receive_bytes(*st, big, "big.x12", nullptr, profiles(), o);
    REQUIRE(b.ok);
    CHECK(b.status == "processed");
    REQUIRE(b.documents.size() == 1);
    auto doc = x12::document::parse(b.documents[0].bytes);
    REQUIRE(doc.sets().size() == 1000);
    std::uint64_t first = 0, prev = 0;
    bool consecutive = true;
    for (auto const& ref : doc.sets()) {
        auto n = std::stoull(std::string(doc.transaction(ref).control_number));
        if (!first) first = n;
        else if (n != prev + 1) consecutive = false;
        prev = n;
    }
    CHECK(consecutive);
    CHECK(count(*st, "SELECT count(*) FROM sets WHERE direction = 'out' AND type = '855'") == 1001);
    CHECK(count(*st, "SELECT last FROM control_numbers WHERE partner = 'buyerco' AND kind = 'st'") == static_cast<std::int64_t>(prev));
}

TEST_CASE("a large file is archived on another thread while it is analysed: byte for byte, or nothing is recorded", "[log]")
{
    temp_dir d;
    auto st = open(d.path);
    std::string const big = bench::generate_string(400); // well over the inline limit: a file of its own
    REQUIRE(big.size() > log::store::inline_limit);
    std::string const sha = log::sha256_hex(big);

    SECTION("archived, then recorded")
    {
        auto r = receive(*st, big, "big.x12");
        CHECK(r.sets == 400);
        CHECK(st->archived(sha) == big);
        CHECK(count(*st, "SELECT size FROM transmissions WHERE id = " + std::to_string(r.transmission_id))
              == static_cast<std::int64_t>(big.size()));
        // The analysis worked on its own copy: the archive holds what came, not what the parser made of it.
        CHECK(fs::file_size(st->archive_path(sha)) == big.size());
    }
    SECTION("a caller's SHA-256 that is not the bytes': an error, and nothing recorded under it")
    {
        pipeline::receive_options o;
        o.received_date = "2024-03-15";
        o.sha256 = std::string(64, '0');
        auto r = pipeline::receive_bytes(*st, big, "big.x12", nullptr, profiles(), o);
        CHECK(!r.ok);
        CHECK(r.error.find("as the caller said") != std::string::npos);
        CHECK(count(*st, "SELECT count(*) FROM transmissions") == 0);
    }
    SECTION("the archive cannot be written: an error, and nothing of the file is recorded")
    {
        // A plain file where the archive's shard folder must go (root ignores permissions; this it cannot ignore).
        fs::create_directories(d.path / "archive");
        std::ofstream(d.path / "archive" / sha.substr(0, 2)) << "in the way";
        pipeline::receive_options o;
        o.received_date = "2024-03-15";
        auto r = pipeline::receive_bytes(*st, big, "big.x12", nullptr, profiles(), o);
        CHECK(!r.ok);
        CHECK(r.error.find("cannot archive the file") != std::string::npos);
        CHECK(count(*st, "SELECT count(*) FROM transmissions") == 0);
        CHECK(count(*st, "SELECT count(*) FROM sets") == 0);
    }
}

TEST_CASE("a small file is archived in the log's own transaction, with what the caller records: all of it, or none", "[log]")
{
    temp_dir d;
    auto st = open(d.path);
    std::string const bytes = order("000000901", "901", "0001", "PO-SMALL-1");
    REQUIRE(bytes.size() <= log::store::inline_limit);
    std::string const sha = log::sha256_hex(bytes);
    pipeline::receive_options o;
    o.received_date = "2024-03-15";
    o.actor = "test";

    SECTION("committed together")
    {
        o.also_record = [](log::store& s, std::int64_t id) { return s.audit("test", "transmission", id, "mdn", "", "processed", "<m1@x>"); };
        auto r = pipeline::receive_bytes(*st, bytes, "small.x12", nullptr, profiles(), o);
        INFO(r.error);
        REQUIRE(r.ok);
        CHECK(st->archived(sha) == bytes);
        CHECK(count(*st, "SELECT count(*) FROM audit WHERE action = 'mdn' AND detail = '<m1@x>' AND entity_id = "
                             + std::to_string(r.transmission_id))
              == 1);
    }
    SECTION("rolled back together: no transmission to answer with, no bytes, no audit")
    {
        o.also_record = [](log::store&, std::int64_t) { return false; };
        auto r = pipeline::receive_bytes(*st, bytes, "small.x12", nullptr, profiles(), o);
        CHECK(!r.ok);
        CHECK(r.transmission_id == 0); // a caller answering "processed" on an id would lose the order
        CHECK(r.acks.empty());
        CHECK(r.error.find("recording with the file") != std::string::npos);
        CHECK(!st->archived(sha));
        CHECK(count(*st, "SELECT count(*) FROM transmissions") == 0);
        CHECK(count(*st, "SELECT count(*) FROM audit") == 0);
        // Sent again, it is taken as new, not as a duplicate of nothing.
        o.also_record = nullptr;
        auto again = pipeline::receive_bytes(*st, bytes, "small.x12", nullptr, profiles(), o);
        REQUIRE(again.ok);
        CHECK(again.status == "processed");
    }
    SECTION("a caller's SHA-256 that is not the bytes': an error before anything is recorded")
    {
        o.sha256 = std::string(64, '0');
        auto r = pipeline::receive_bytes(*st, bytes, "small.x12", nullptr, profiles(), o);
        CHECK(!r.ok);
        CHECK(r.error.find("as the caller said") != std::string::npos);
        CHECK(count(*st, "SELECT count(*) FROM transmissions") == 0);
    }
}

TEST_CASE("with_855, a file holding two partners' interchanges: an 855 interchange each, made side by side while the file is recorded", "[log][emit]")
{
    temp_dir d;
    auto st = open(d.path);
    pipeline::receive_options o;
    o.received_date = "as-sent";
    o.with_855 = true;
    auto r = pipeline::receive_bytes(*st, sample("acme-850-two-orders.x12") + sample("850-005010-original.x12"), "two.x12", nullptr,
                                     profiles(), o);
    INFO(r.error);
    REQUIRE(r.ok);
    REQUIRE(r.documents.size() == 2); // one batch per partner, both waited for before the sets were recorded
    std::set<std::string> receivers;
    for (auto const& doc : r.documents) {
        auto parsed = x12::document::parse(doc.bytes);
        CHECK_FALSE(parsed.has_errors());
        REQUIRE(parsed.interchanges().size() == 1);
        receivers.insert(parsed.interchanges()[0].receiver_id);
        CHECK(count(*st, "SELECT count(*) FROM sets WHERE direction = 'out' AND type = '855' AND group_id IN (SELECT g.id FROM groups g "
                         "JOIN interchanges i ON g.interchange_id = i.id WHERE i.transmission_id = "
                         + std::to_string(doc.transmission_id) + ")")
              == static_cast<std::int64_t>(parsed.sets().size()));
    }
    CHECK(receivers.size() == 2);
    CHECK(count(*st, "SELECT count(*) FROM sets WHERE direction = 'in'") == static_cast<std::int64_t>(r.sets));
}
