// Throughput of the X12 parser on generated 850 files, beside a memchr scan
// of the same buffer as the physical reference. Each benchmark checks its
// result (sets, orders, PO numbers, no diagnostics) before it reports a time.
#include "generator.hpp"
#include "mappings/map_850.hpp"
#include "x12/ack.hpp"
#include "x12/document.hpp"
#include "x12/parser.hpp"

#include <benchmark/benchmark.h>

#include <cstring>

using namespace edigw;

namespace {

std::string const& input()
{
    static bench::generated info;
    static std::string const s = bench::generate_string(20000, &info);
    return s;
}

struct count_sink : x12::handler {
    std::uint64_t sets = 0;
    void on_transaction_set(x12::transaction_set const&) override { ++sets; }
};

struct map_sink : x12::handler {
    std::uint64_t orders = 0, lines = 0, bad = 0;
    std::vector<x12::diagnostic> diags;
    mappings::order o;
    void on_transaction_set(x12::transaction_set const& ts) override
    {
        if (!mappings::map_850(ts, o, diags)) ++bad;
        if (o.po_number != "PO-" + std::to_string(orders)) ++bad;
        lines += o.lines.size();
        ++orders;
    }
};

void memchr_scan(benchmark::State& state)
{
    std::string buf = input();
    std::uint64_t expect = 0;
    for (char c : buf) expect += c == '~';
    for (auto _ : state) {
        std::uint64_t n = 0;
        char const* p = buf.data();
        char const* end = p + buf.size();
        while ((p = static_cast<char const*>(std::memchr(p, '~', static_cast<std::size_t>(end - p))))) {
            ++n;
            ++p;
        }
        if (n != expect) state.SkipWithError("memchr count is wrong");
        benchmark::DoNotOptimize(n);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buf.size()));
}

void parse_envelope(benchmark::State& state)
{
    std::string buf = input();
    for (auto _ : state) {
        count_sink sink;
        x12::parser p(sink, {.keep_set_summaries = false});
        auto stats = p.parse(std::span<char>(buf.data(), buf.size()));
        if (sink.sets != 20000 || stats.errors || stats.warnings) state.SkipWithError("wrong parse result");
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buf.size()));
}

void parse_to_orders(benchmark::State& state)
{
    std::string buf = input();
    for (auto _ : state) {
        map_sink sink;
        x12::parser p(sink, {.keep_set_summaries = false});
        auto stats = p.parse(std::span<char>(buf.data(), buf.size()));
        if (sink.orders != 20000 || sink.bad || stats.errors) state.SkipWithError("wrong orders");
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buf.size()));
    state.counters["orders/s"] = benchmark::Counter(static_cast<double>(state.iterations() * 20000), benchmark::Counter::kIsRate);
}

// The inbound syntax path: parse, check envelopes, validate every set against
// the 005010 dictionary, and build the 999s (one AK2 loop per set).
void parse_validate_ack(benchmark::State& state)
{
    std::string buf = input();
    auto const* dict = x12::dictionary::standard("005010");
    x12::validator v(*dict);
    std::size_t ack_bytes = 0;
    for (auto _ : state) {
        x12::ack_collector c([&](x12::group_summary const&) { return &v; });
        x12::parser p(c, {.keep_set_summaries = false});
        auto stats = p.parse(std::span<char>(buf.data(), buf.size()));
        if (c.interchanges().size() != 1 || stats.errors) {
            state.SkipWithError("wrong parse result");
            break;
        }
        auto numbers = x12::counting_from(1);
        x12::ack_options o;
        o.date = "20240315";
        o.time = "1005";
        auto out = x12::build_acks(c.interchanges().front(), o, numbers);
        std::size_t sets = 0, rejected = 0;
        for (auto const& g : c.interchanges().front().groups)
            for (auto const& s : g.sets) {
                ++sets;
                if (!s.accepted_999()) ++rejected;
            }
        // Every generated order is valid: 20 groups of 1000, each fully accepted.
        if (sets != 20000 || rejected != 0 || out.functional.find("AK9*A*1000*1000*1000~") == std::string::npos) {
            state.SkipWithError("wrong validation or ack result");
            break;
        }
        ack_bytes = out.functional.size();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buf.size()));
    state.counters["ack_bytes"] = static_cast<double>(ack_bytes);
}

// The whole input kept in memory with every segment (x12::document), as the
// release rule reads back each 855 interchange it is about to send.
void document_parse(benchmark::State& state)
{
    for (auto _ : state) {
        auto doc = x12::document::parse(input());
        if (doc.sets().size() != 20000 || doc.has_errors()) {
            state.SkipWithError("wrong document");
            break;
        }
        benchmark::DoNotOptimize(doc.segments().data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * input().size()));
}

} // namespace

BENCHMARK(parse_validate_ack)->Unit(benchmark::kMillisecond);
BENCHMARK(memchr_scan)->Unit(benchmark::kMillisecond);
BENCHMARK(parse_envelope)->Unit(benchmark::kMillisecond);
BENCHMARK(document_parse)->Unit(benchmark::kMillisecond);
BENCHMARK(parse_to_orders)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
