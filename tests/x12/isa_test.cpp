#include "support.hpp"
#include "x12/isa.hpp"

#include <catch2/catch.hpp>

using namespace edigw;
using namespace edigw::test;

namespace {
x12::isa_header read_ok(std::string const& raw)
{
    x12::isa_header h;
    auto r = x12::read_isa(raw, true, h);
    INFO(r.message);
    REQUIRE(r.status == x12::isa_status::ok);
    return h;
}
} // namespace

TEST_CASE("delimiters come from the ISA's fixed offsets", "[x12][isa]")
{
    auto h = read_ok(isa("00501") + "~GS*...");
    CHECK(h.fixed_width);
    CHECK(h.delimiters.element == '*');
    CHECK(h.delimiters.repetition == '^');
    CHECK(h.delimiters.component == ':');
    CHECK(h.delimiters.segment == '~');
    CHECK(h.consumed == 106);
    CHECK(h.field(6) == "BUYERID        ");
    CHECK(h.field(13) == "000000101");
    CHECK(h.version() == "00501");
}

TEST_CASE("ISA11 is a repetition separator only from 00402 on and when not alphanumeric", "[x12][isa]")
{
    CHECK(x12::isa11_is_repetition("^", "00501"));
    CHECK(x12::isa11_is_repetition("!", "00402"));
    CHECK(x12::isa11_is_repetition("^", "00403"));
    CHECK_FALSE(x12::isa11_is_repetition("U", "00501")); // 'U' sent under a newer version
    CHECK_FALSE(x12::isa11_is_repetition("^", "00401")); // before 00402 ISA11 is the standards ID
    CHECK_FALSE(x12::isa11_is_repetition("^", "00401"));
    CHECK_FALSE(x12::isa11_is_repetition(" ", "00501"));

    std::string s = isa("00401") + "~";
    CHECK(read_ok(s).delimiters.repetition == '\0');
    s = isa("00501");
    s[82] = 'U';
    CHECK(read_ok(s + "~").delimiters.repetition == '\0');
}

TEST_CASE("a newline, CR or CR LF can be the segment terminator", "[x12][isa]")
{
    CHECK(read_ok(isa("00401") + "\nGS*PO").delimiters.segment == '\n');
    auto crlf = read_ok(isa("00401") + "\r\nGS*PO");
    CHECK(crlf.delimiters.segment == '\r'); // the LF after it is layout
    CHECK(read_ok(isa("00401") + "~\r\nGS*PO").delimiters.segment == '~');
    // Indented next line: still a newline terminator.
    CHECK(read_ok(isa("00401") + "\n   GS*PO").delimiters.segment == '\n');
}

TEST_CASE("line breaks inside the ISA are wrapping, not data", "[x12][isa]")
{
    std::string s = isa("00403");
    s.insert(80, "\n");
    auto h = read_ok(s + "~GS*PO");
    CHECK(h.fixed_width);
    CHECK(h.field(10) == "0930");
    CHECK(h.delimiters.segment == '~');
    CHECK(h.consumed == 107);
}

TEST_CASE("an ISA that is not fixed width is read by its separators", "[x12][isa]")
{
    auto h = read_ok("ISA*00* *00* *ZZ*SHORT*ZZ*OTHER*240315*0930*U*00401*000000001*0*P*>~GS");
    CHECK_FALSE(h.fixed_width);
    CHECK(h.field(6) == "SHORT");
    CHECK(h.delimiters.component == '>');
    CHECK(h.delimiters.segment == '~');
}

TEST_CASE("bad delimiters are refused with their TA1 codes", "[x12][isa]")
{
    x12::isa_header h;
    SECTION("alphanumeric element separator (026)")
    {
        auto r = x12::read_isa("ISA 00*          *00", true, h);
        CHECK(r.status == x12::isa_status::invalid);
        CHECK(r.code == x12::error::isa_invalid_element_separator);
        CHECK(x12::ta1_note_code(r.code) == "026");
        CHECK(r.error_at == 3);
    }
    SECTION("component separator equal to the element separator (027)")
    {
        std::string s = isa("00401");
        s[104] = '*';
        auto r = x12::read_isa(s + "~", true, h);
        CHECK(r.code == x12::error::isa_invalid_component_separator);
        CHECK(x12::ta1_note_code(r.code) == "027");
    }
    SECTION("alphanumeric segment terminator (004)")
    {
        auto r = x12::read_isa(isa("00401") + "XGS*", true, h);
        CHECK(r.code == x12::error::isa_invalid_segment_terminator);
        CHECK(x12::ta1_note_code(r.code) == "004");
        CHECK(r.error_at == 105);
    }
    SECTION("truncated ISA (023)")
    {
        auto r = x12::read_isa(isa("00401").substr(0, 60), true, h);
        CHECK(r.code == x12::error::isa_premature_end);
        CHECK(x12::ta1_note_code(r.code) == "023");
        CHECK(x12::read_isa(isa("00401").substr(0, 60), false, h).status == x12::isa_status::need_more);
    }
}

TEST_CASE("a multi-byte UTF-8 terminator is read as one terminator", "[x12][isa]")
{
    auto h = read_ok(isa("00401") + "\xE2\x80\xA6GS*PO");
    CHECK(h.terminator_tail == "\x80\xA6");
    CHECK(h.consumed == 108);
}
