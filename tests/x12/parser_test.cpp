#include "support.hpp"
#include "x12/detail/ebcdic.hpp"

#include <catch2/catch.hpp>

using namespace edigw;
using namespace edigw::test;

TEST_CASE("segments and elements are views into the document's own buffer", "[x12][parser]")
{
    auto doc = x12::document::parse(with_delimiters(sample_segments("00501")));
    REQUIRE_FALSE(doc.has_errors());
    auto bytes = doc.bytes();
    auto inside = [&](std::string_view v) { return v.data() >= bytes.data() && v.data() + v.size() <= bytes.data() + bytes.size(); };
    auto segs = doc.segments();
    REQUIRE(segs.size() == 17);
    CHECK(segs[3].tag() == "BEG");
    CHECK(segs[3][3] == "PO-7001");
    CHECK(segs[3][4].empty());
    CHECK(segs[3][99].empty());
    CHECK(inside(segs[3][3]));
    CHECK(inside(segs[3].text()));
    CHECK(segs[3].offset() == bytes.find("BEG*"));
    CHECK(segs[3].element_offset(3) == bytes.find("PO-7001"));
    CHECK(segs[3].index() == 4);
    CHECK(segs[3].set_position() == 2);
}

TEST_CASE("components and repetitions are split with the interchange's separators", "[x12][parser]")
{
    auto parts = x12::split("A:B::D", ':');
    REQUIRE(parts.size() == 4);
    CHECK(parts[0] == "A");
    CHECK(parts[2].empty());
    CHECK(parts[3] == "D");
    CHECK(x12::split("", ':').size() == 1);
    CHECK(x12::split("X^Y", '^').size() == 2);
    CHECK(x12::split("X^Y", '\0').size() == 1); // no repetition separator in this interchange
}

TEST_CASE("layout around segments is tolerated", "[x12][parser]")
{
    auto segs = sample_segments("00401");
    std::string plain = with_delimiters(segs);
    auto clean = [](std::string const& bytes) {
        auto doc = x12::document::parse(bytes);
        INFO(bytes);
        for (auto const& d : doc.diagnostics()) INFO(x12::format(d, "t"));
        CHECK_FALSE(doc.has_errors());
        CHECK(doc.stats().sets == 2);
        CHECK(doc.segments()[3].tag() == "BEG");
        CHECK(doc.segments()[3][3] == "PO-7001");
        CHECK(doc.segments()[3][5] == "20240315");
    };
    SECTION("byte-order mark and blank lines before the ISA") { clean("\xEF\xBB\xBF \r\n\n" + plain); }
    SECTION("CR LF after every terminator") { clean(with_delimiters(segs, '*', ':', '^', "~\r\n")); }
    SECTION("newline as the terminator") { clean(with_delimiters(segs, '*', ':', '^', "\n")); }
    SECTION("CR LF as the terminator") { clean(with_delimiters(segs, '*', ':', '^', "\r\n")); }
    SECTION("indentation after terminators") { clean(with_delimiters(segs, '*', ':', '^', "~\n    ")); }
    SECTION("a space after each terminator") { clean(with_delimiters(segs, '*', ':', '^', "~ ")); }
    SECTION("control-character delimiters") { clean(with_delimiters(segs, '\x1D', '\x1F', '^', "\x1C")); }
    SECTION("a DOS end-of-file byte at the end") { clean(plain + "\x1A"); }
    SECTION("80-column wrapped lines")
    {
        std::string wrapped;
        for (std::size_t i = 0; i < plain.size(); i += 80) wrapped += plain.substr(i, 80) + "\n";
        clean(wrapped);
    }
}

TEST_CASE("several interchanges with their own delimiters in one file", "[x12][parser]")
{
    std::string file = with_delimiters(sample_segments("00401"), '*', ':', '^', "~\n")
                       + with_delimiters(sample_segments("00501"), '|', '>', '!', "\n")
                       + with_delimiters(sample_segments("00501"), '\x7F', ':', '^', "\x15");
    auto doc = x12::document::parse(file);
    REQUIRE(doc.interchanges().size() == 3);
    CHECK_FALSE(doc.has_errors());
    CHECK(doc.interchanges()[1].delimiters.element == '|');
    CHECK(doc.interchanges()[1].delimiters.repetition == '!');
    CHECK(doc.interchanges()[2].delimiters.segment == '\x15');
    CHECK(doc.stats().sets == 6);
}

TEST_CASE("an EBCDIC interchange is transcoded and parsed", "[x12][parser]")
{
    std::string ascii = with_delimiters(sample_segments("00401"), '*', ':', '^', "\n");
    // Encode to cp037 by inverting the decoding table.
    unsigned char enc[256] = {};
    for (int i = 0; i < 256; ++i) enc[x12::detail::cp037_to_latin1[i]] = static_cast<unsigned char>(i);
    std::string ebcdic = ascii;
    for (auto& c : ebcdic) c = static_cast<char>(enc[c == '\n' ? 0x85 : static_cast<unsigned char>(c)]);
    auto doc = x12::document::parse(ebcdic);
    REQUIRE(doc.interchanges().size() == 1);
    CHECK(doc.interchanges()[0].ebcdic);
    CHECK_FALSE(doc.has_errors());
    CHECK(doc.segments()[3][3] == "PO-7001");
}

TEST_CASE("empty, binary and non-X12 input are one clear file-level error", "[x12][parser]")
{
    auto first = [](std::string const& bytes) {
        auto doc = x12::document::parse(bytes);
        REQUIRE(doc.diagnostics().size() == 1);
        CHECK(doc.diagnostics()[0].severity == x12::severity::fatal);
        return doc.diagnostics()[0].code;
    };
    CHECK(first("") == x12::error::empty_input);
    CHECK(first("  \n\n") == x12::error::empty_input);
    CHECK(first(std::string("\x7F" "ELF\x02\x01\x01\0\0\0", 10)) == x12::error::binary_input);
    CHECK(first("GS*PO*A*B*20240101*1200*1*X*004010~") == x12::error::not_x12);
    CHECK(first("{\"json\": true}") == x12::error::not_x12);
}

TEST_CASE("invalid segment identifiers are positioned", "[x12][parser]")
{
    auto segs = sample_segments("00401");
    segs[4] = "Nd4*DP*042";
    auto doc = x12::document::parse(with_delimiters(segs, '*', ':', '^', "~\n"));
    auto bad = with_code(doc, x12::error::segment_invalid_tag);
    REQUIRE(bad.size() == 1);
    CHECK(bad[0].where.line == 5);
    CHECK(bad[0].where.column == 1);
    CHECK(bad[0].where.segment_index == 5);
    CHECK(bad[0].where.set_position == 3);
    CHECK(x12::ak304_code(bad[0].code) == "1");
    CHECK_FALSE(doc.sets()[0].accepted);
    CHECK(doc.sets()[1].accepted);
}

TEST_CASE("locate: a place behind the parser's cursor, far into a large input, gets its true line and column", "[x12][parser]")
{
    // A handler may locate the findings of sets it was handed a while ago
    // (the service's analysis does, a batch at a time), after the parser has
    // counted lines further on.
    std::string in = with_delimiters(sample_segments("00501"));
    std::string body;
    for (int i = 0; i < 20000; ++i) body += "REF*ZZ*" + std::to_string(i) + "~\n";
    in.insert(in.find("IEA*"), body); // strays, but lines all the same
    struct none : x12::handler {} h;
    x12::parser p(h);
    p.parse(std::span<char>(in.data(), in.size()));
    auto truth = [&](std::uint64_t off) {
        std::uint64_t line = 1, col = 1;
        for (std::uint64_t i = 0; i < off; ++i) {
            if (in[i] == '\n') ++line, col = 1;
            else ++col;
        }
        return std::pair{line, col};
    };
    // Forward to near the end, then back and forth across many 64 KiB marks.
    for (std::uint64_t off : {std::uint64_t(in.size() - 10), std::uint64_t(5), std::uint64_t(in.size() / 2), std::uint64_t(70000),
                              std::uint64_t(in.size() - 200), std::uint64_t(65536), std::uint64_t(65535), std::uint64_t(131073)}) {
        INFO(off);
        x12::position pos;
        pos.offset = off;
        p.locate(pos);
        auto [line, col] = truth(off);
        CHECK(pos.line == line);
        CHECK(pos.column == col);
    }
}
