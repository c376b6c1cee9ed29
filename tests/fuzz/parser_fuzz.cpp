// libFuzzer target: any bytes through the in-memory parse, the streaming
// parse (in 7-byte chunks, so refills land everywhere), the 850 mapper, the
// dictionary validator and the ack builder. Both parses must agree on what
// they saw, and every ack we would send must itself parse without an error.
// Seeded from ../shared/corpus.
#include "mappings/map_850.hpp"
#include "x12/ack.hpp"
#include "x12/document.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>

using namespace edigw;

namespace {
struct counting : x12::handler {
    std::uint64_t sets = 0, diags = 0;
    std::vector<x12::diagnostic> mapping;
    void on_transaction_set(x12::transaction_set const& ts) override
    {
        ++sets;
        if (ts.id == "850") {
            mappings::order o;
            mappings::map_850(ts, o, mapping);
        }
    }
    void on_diagnostic(x12::diagnostic const&) override { ++diags; }
};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string bytes(reinterpret_cast<char const*>(data), size);
    auto doc = x12::document::parse(bytes);
    for (auto const& d : doc.diagnostics())
        if (d.where.offset > size) std::abort();

    counting c;
    x12::parser p(c, {.chunk_size = 7});
    std::size_t at = 0;
    x12::parse_stats st;
    p.parse(
        [&](char* dst, std::size_t n) -> std::ptrdiff_t {
            n = std::min({n, std::size_t{7}, size - at});
            std::memcpy(dst, data + at, n);
            at += n;
            return static_cast<std::ptrdiff_t>(n);
        },
        st);
    if (c.sets != doc.stats().sets || c.diags != doc.diagnostics().size()) std::abort();

    static x12::validator const v4(*x12::dictionary::standard("004010"));
    static x12::validator const v5(*x12::dictionary::standard("005010"));
    x12::ack_collector collector([](x12::group_summary const& g) -> x12::validator const* {
        return x12::is_5010_or_later(g.version) ? &v5 : &v4;
    });
    x12::parser pa(collector);
    std::string copy = bytes;
    pa.parse(std::span<char>(copy.data(), copy.size()));
    auto numbers = x12::counting_from(1);
    x12::ack_options o;
    o.ta1 = x12::ta1_policy::always;
    o.date = "20240101";
    o.time = "0000";
    for (auto const& ic : collector.interchanges()) {
        for (auto const& g : ic.groups)
            for (auto const& s : g.sets)
                for (auto const& d : s.diagnostics)
                    if (d.where.offset > size || d.caret > d.excerpt.size()) std::abort();
        auto out = x12::build_acks(ic, o, numbers);
        for (auto const* text : {&out.ta1, &out.functional})
            if (!text->empty() && x12::document::parse(*text).has_errors()) std::abort();
    }
    return 0;
}
