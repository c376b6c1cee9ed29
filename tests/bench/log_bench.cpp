// The transmission log: transaction sets logged per second through the whole
// inbound path (archive, parse, validate, rules, one transaction per file,
// acks), for files of 1 to 10,000 orders; and the rejected-document report
// over 100,000 logged documents. Each checks its result before it reports.
#include "generator.hpp"
#include "gateway/log/queries.hpp"
#include "gateway/pipeline/receive.hpp"

#include <benchmark/benchmark.h>

#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace edigw;

namespace {

std::vector<partners::profile> const& profiles()
{
    static std::vector<partners::profile> all = [] {
        std::vector<partners::profile> v;
        partners::profile_error err;
        if (!partners::load_profiles(fs::path(EDIGW_SOURCE_DIR) / "partners", v, err)) std::abort();
        return v;
    }();
    return all;
}

fs::path scratch(std::string const& name)
{
    fs::path p = fs::temp_directory_path() / ("edigw-bench-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(p);
    return p;
}

// A partner like buyerco without a catalog, inventory or guide rules: the
// generated orders are then clean, as most real files are.
partners::profile const& clean_partner()
{
    static partners::profile p = [] {
        partners::profile q;
        for (auto const& x : profiles())
            if (x.id == "buyerco") q = x;
        q.id = "bench";
        q.products = {};
        q.stock = {};
        q.tightenings.clear();
        q.rules.require_ship_to = false;
        return q;
    }();
    return p;
}

// state.range(1): 0 = clean orders, 1 = buyerco's catalog, in which no
// generated item exists (every line rejected: the findings-heavy case).
void sets_logged(benchmark::State& state)
{
    auto const orders = static_cast<std::uint64_t>(state.range(0));
    bool const dirty = state.range(1) != 0;
    std::string const file = bench::generate_string(orders);
    std::size_t n = 0;
    for (auto _ : state) {
        state.PauseTiming();
        fs::path dir = scratch("sets-" + std::to_string(n++));
        std::string err;
        auto st = log::store::open(dir, err);
        if (!st) {
            state.SkipWithError(err.c_str());
            break;
        }
        state.ResumeTiming();
        pipeline::receive_options o;
        o.received_date = "2024-03-15";
        auto r = pipeline::receive_bytes(*st, file, "bench.x12", dirty ? nullptr : &clean_partner(), profiles(), o);
        state.PauseTiming();
        bool good = r.ok && r.sets == orders
                    && log::list_transmissions(*st, {}).size() >= 2; // the file and its 999
        log::sql::statement q(st->db(), "SELECT count(*) FROM sets WHERE direction = 'in'");
        good = good && q.step() && static_cast<std::uint64_t>(q.integer(0)) == orders;
        st.reset();
        fs::remove_all(dir);
        state.ResumeTiming();
        if (!good) {
            state.SkipWithError(("wrong result: " + r.error).c_str());
            break;
        }
    }
    state.counters["sets/s"] = benchmark::Counter(static_cast<double>(state.iterations() * orders), benchmark::Counter::kIsRate);
}

void report_rejected_100k(benchmark::State& state)
{
    static fs::path dir = scratch("report");
    static std::unique_ptr<log::store> st = [] {
        std::string err;
        auto s = log::store::open(dir, err);
        if (!s) std::abort();
        // 100,000 rejected documents in 1,000 files, each with two findings.
        log::sql::transaction tx(s->db());
        log::sql::statement t(s->db(), "INSERT INTO transmissions(partner, direction, transport, remote_name, size, sha256, "
                                       "received_at, status) VALUES ('buyerco', 'in', 'as2', ?, 1000, 'x', ?, 'rejected')");
        log::sql::statement i(s->db(), "INSERT INTO interchanges(transmission_id, partner, direction, control_number, sender, "
                                       "receiver, status) VALUES (?, 'buyerco', 'in', ?, 'ZZ/BUYERID', 'ZZ/SELLERID', 'accepted')");
        log::sql::statement g(s->db(), "INSERT INTO groups(interchange_id, partner, direction, functional_id, control_number) "
                                       "VALUES (?, 'buyerco', 'in', 'PO', ?)");
        log::sql::statement se(s->db(), "INSERT INTO sets(group_id, partner, direction, type, control_number, document_number, "
                                        "status, reason, received_at) VALUES (?, 'buyerco', 'in', '850', ?, ?, 'rejected', "
                                        "'sku-unknown', ?)");
        log::sql::statement f(s->db(), "INSERT INTO findings(transmission_id, set_id, kind, code, severity, message, set_position, "
                                       "segment_tag, element, value, segment_text) VALUES (?, ?, ?, ?, 'error', ?, 7, 'PO1', 7, "
                                       "'WID-1', 'PO1*1*10*EA*4.25*PE*VP*WID-1')");
        std::string now = log::now_iso();
        for (int file = 0; file < 1000; ++file) {
            t.reset();
            t.bind(1, "file-" + std::to_string(file) + ".x12").bind(2, now);
            (void)t.run();
            auto tid = s->db().last_insert_id();
            i.reset();
            i.bind(1, tid).bind(2, std::to_string(100000000 + file));
            (void)i.run();
            auto iid = s->db().last_insert_id();
            g.reset();
            g.bind(1, iid).bind(2, std::to_string(file + 1));
            (void)g.run();
            auto gid = s->db().last_insert_id();
            for (int k = 0; k < 100; ++k) {
                se.reset();
                se.bind(1, gid).bind(2, std::to_string(1000 + k)).bind(3, "PO-" + std::to_string(file * 100 + k)).bind(4, now);
                (void)se.run();
                auto sid = s->db().last_insert_id();
                for (char const* code : {"sku-unknown", "element_invalid_date"}) {
                    f.reset();
                    f.bind(1, tid).bind(2, sid).bind(3, code[0] == 's' ? "rule" : "syntax").bind(4, code);
                    f.bind(5, "line 1: no product ID (VP WID-1) is in buyerco's catalog");
                    (void)f.run();
                }
            }
        }
        if (!tx.commit()) std::abort();
        return s;
    }();
    for (auto _ : state) {
        auto rows = log::rejected_report(*st, "", "");
        std::size_t reasons = 0;
        for (auto const& r : rows) reasons += r.reasons.size();
        if (rows.size() != 100000 || reasons != 200000) {
            state.SkipWithError("wrong report");
            break;
        }
        benchmark::DoNotOptimize(rows);
    }
}

} // namespace

BENCHMARK(sets_logged)
    ->Args({1, 0})->Args({10, 0})->Args({100, 0})->Args({1000, 0})->Args({10000, 0})
    ->Args({1000, 1})->Args({10000, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(report_rejected_100k)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_MAIN();
