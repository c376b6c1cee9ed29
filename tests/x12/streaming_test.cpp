// The streaming parser must see exactly what the in-memory parse sees, however
// the input is cut into chunks: same segments, offsets, lines and diagnostics.
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace edigw;
using namespace edigw::test;

TEST_CASE("streaming in small chunks gives the same result as parsing in memory", "[x12][streaming]")
{
    auto chunk = GENERATE(1, 3, 17, 64, 4096);
    CAPTURE(chunk);
    for (auto const& e : corpus()) {
        CAPTURE(e.path);
        std::string bytes = read_file(corpus_dir() + "/" + e.path);
        auto mem = memory_trace(bytes);
        auto str = stream_trace(bytes, static_cast<std::size_t>(chunk));
        CHECK(str.events == mem.events);
        CHECK(str.diagnostics == mem.diagnostics);
        CHECK(str.stats.segments == mem.stats.segments);
        CHECK(str.stats.sets == mem.stats.sets);
    }
}

TEST_CASE("memory is bounded by the largest transaction set", "[x12][streaming]")
{
    // 2,000 sets of ~100 bytes streamed in 1 KiB chunks: the buffer never needs
    // more than one set plus a chunk, whatever the file size.
    auto segs = sample_segments("00501");
    std::vector<std::string> big(segs.begin(), segs.begin() + 2);
    for (int i = 0; i < 2000; ++i) {
        std::string cn = std::to_string(1000 + i);
        big.push_back("ST*850*" + cn);
        big.push_back("BEG*00*SA*PO-" + cn + "**20240315");
        big.push_back("PO1*1*10*EA*4.25*PE*UP*012345678905");
        big.push_back("SE*4*" + cn);
    }
    big.push_back("GE*2000*102");
    big.push_back("IEA*1*000000101");
    auto t = stream_trace(with_delimiters(big), 1024);
    CHECK(t.diagnostics.empty());
    CHECK(t.stats.sets == 2000);

    // A set over the limit is reported and skipped, and parsing goes on.
    auto limited = stream_trace(with_delimiters(big), 64, 60);
    CHECK(limited.stats.sets == 2000);
    REQUIRE_FALSE(limited.diagnostics.empty());
    CHECK(limited.diagnostics[0].rfind("set_too_large", 0) == 0);
}
