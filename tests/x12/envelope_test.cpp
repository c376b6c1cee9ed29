// Every envelope check, with the code the acknowledgment will carry, in both
// 004010 (ISA 00401) and 005010 (ISA 00501).
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace edigw;
using namespace edigw::test;
using x12::error;

namespace {

x12::document parse_lines(std::vector<std::string> const& segs) { return x12::document::parse(with_delimiters(segs, '*', ':', '^', "~\n")); }

// The single diagnostic with `code`; checks it is positioned on `line`.
x12::diagnostic only(x12::document const& doc, error code)
{
    auto found = with_code(doc, code);
    INFO("looking for " << x12::name(code));
    for (auto const& d : doc.diagnostics()) INFO(x12::format(d, "t"));
    REQUIRE(found.size() == 1);
    return found[0];
}

std::size_t index_of(std::vector<std::string> const& segs, std::string_view prefix)
{
    for (std::size_t i = 0; i < segs.size(); ++i)
        if (segs[i].rfind(prefix, 0) == 0) return i;
    FAIL("no segment " << prefix);
    return 0;
}

} // namespace

TEST_CASE("envelope checks produce their acknowledgment codes", "[x12][envelope]")
{
    auto version = GENERATE(as<std::string>{}, "00401", "00501");
    CAPTURE(version);
    auto segs = sample_segments(version);

    SECTION("a clean interchange has no diagnostics")
    {
        auto doc = parse_lines(segs);
        CHECK(doc.diagnostics().empty());
        REQUIRE(doc.interchanges().size() == 1);
        auto const& ic = doc.interchanges()[0];
        CHECK(ic.envelope_ok);
        CHECK(ic.control_number == "000000101");
        CHECK(ic.sender_id == "BUYERID");
        CHECK(ic.group_count == 1);
        REQUIRE(ic.groups.size() == 1);
        CHECK(ic.groups[0].set_count == 2);
        CHECK(ic.groups[0].sets[0].segment_count == 8);
    }
    SECTION("ISA13 != IEA02 -> TA1 001, positioned at IEA02")
    {
        segs.back() = "IEA*1*000000999";
        auto doc = parse_lines(segs);
        auto d = only(doc, error::isa_control_number_mismatch);
        CHECK(x12::ta1_note_code(d.code) == "001");
        CHECK(d.where.tag == "IEA");
        CHECK(d.where.element == 2);
        CHECK(d.where.line == segs.size());
        CHECK(d.where.column == 7);
        CHECK(d.value == "000000999");
        CHECK(d.excerpt == "IEA*1*000000999");
        CHECK(d.caret == 6);
        CHECK_FALSE(doc.interchanges()[0].envelope_ok);
    }
    SECTION("IEA01 != number of groups -> TA1 021")
    {
        segs.back() = "IEA*2*000000101";
        auto d = only(parse_lines(segs), error::isa_invalid_group_count);
        CHECK(x12::ta1_note_code(d.code) == "021");
        CHECK(d.where.element == 1);
    }
    SECTION("end of file inside the interchange -> TA1 023, GE missing -> AK905 3")
    {
        segs.pop_back();
        segs.pop_back();
        auto doc = parse_lines(segs);
        auto d = only(doc, error::isa_premature_end);
        CHECK(x12::ta1_note_code(d.code) == "023");
        auto g = only(doc, error::group_missing_trailer);
        CHECK(x12::ak905_code(g.code) == "3");
    }
    SECTION("GS06 != GE02 -> AK905 4")
    {
        segs[index_of(segs, "GE")] = "GE*2*103";
        auto d = only(parse_lines(segs), error::group_control_number_mismatch);
        CHECK(x12::ak905_code(d.code) == "4");
        CHECK(d.where.element == 2);
        CHECK(d.value == "103");
    }
    SECTION("GE01 != number of sets -> AK905 5")
    {
        segs[index_of(segs, "GE")] = "GE*3*102";
        auto d = only(parse_lines(segs), error::group_set_count_mismatch);
        CHECK(x12::ak905_code(d.code) == "5");
    }
    SECTION("ST02 != SE02 -> AK502 3, the set is rejected")
    {
        segs[index_of(segs, "SE*8")] = "SE*8*0009";
        auto doc = parse_lines(segs);
        auto d = only(doc, error::set_control_number_mismatch);
        CHECK(x12::ak502_code(d.code) == "3");
        CHECK(d.where.set_position == 8);
        CHECK_FALSE(doc.sets()[0].accepted);
        CHECK(doc.sets()[1].accepted);
        CHECK(doc.interchanges()[0].groups[0].rejected_sets == 1);
    }
    SECTION("SE01 != segment count -> AK502 4; zero-padded counts are fine")
    {
        segs[index_of(segs, "SE*8")] = "SE*9*0001";
        segs[index_of(segs, "SE*5")] = "SE*0000000005*0002";
        auto doc = parse_lines(segs);
        auto d = only(doc, error::set_segment_count_mismatch);
        CHECK(x12::ak502_code(d.code) == "4");
        CHECK(d.value == "9");
        CHECK(doc.sets()[1].accepted);
    }
    SECTION("SE missing -> AK502 2")
    {
        segs.erase(segs.begin() + static_cast<long>(index_of(segs, "SE*8")));
        auto doc = parse_lines(segs);
        auto d = only(doc, error::set_missing_trailer);
        CHECK(x12::ak502_code(d.code) == "2");
        CHECK(d.where.tag == "ST"); // reported where the next set interrupts it
        REQUIRE(doc.sets().size() == 2);
        CHECK_FALSE(doc.sets()[0].accepted);
        CHECK(doc.sets()[1].accepted);
        CHECK(doc.segments_of(doc.sets()[0]).size() == 7);
    }
    SECTION("ST02 repeated in the group -> AK502 23")
    {
        segs[index_of(segs, "ST*850*0002")] = "ST*850*0001";
        segs[index_of(segs, "SE*5")] = "SE*5*0001";
        auto d = only(parse_lines(segs), error::set_control_number_not_unique);
        CHECK(x12::ak502_code(d.code) == "23");
        CHECK(d.where.tag == "ST");
        CHECK(d.where.element == 2);
    }
    SECTION("GS06 repeated in the interchange")
    {
        auto gs = index_of(segs, "GS");
        std::vector<std::string> second(segs.begin() + static_cast<long>(gs), segs.end() - 1);
        segs.insert(segs.end() - 1, second.begin(), second.end());
        segs.back() = "IEA*2*000000101";
        auto d = only(parse_lines(segs), error::group_control_number_not_unique);
        CHECK(x12::ak905_code(d.code) == "19");
    }
    SECTION("GE without GS and SE without ST are placed")
    {
        segs.insert(segs.end() - 1, "GE*1*555");
        auto d = only(parse_lines(segs), error::ge_without_gs);
        CHECK(x12::ta1_note_code(d.code) == "024");
    }
    SECTION("a segment between GS and ST")
    {
        segs.insert(segs.begin() + 2, "HL*1**20*1");
        auto d = only(parse_lines(segs), error::segment_outside_set);
        CHECK(x12::ak304_code(d.code) == "6");
        CHECK(d.where.line == 3);
    }
    SECTION("a second ISA before the IEA: the first interchange has no trailer")
    {
        segs.pop_back();
        auto more = sample_segments(version);
        segs.insert(segs.end(), more.begin(), more.end());
        auto doc = parse_lines(segs);
        only(doc, error::isa_missing_trailer);
        CHECK(doc.interchanges().size() == 2);
        CHECK(doc.interchanges()[1].envelope_ok);
    }
}

TEST_CASE("ISA field values are checked with their TA1 note codes", "[x12][envelope]")
{
    auto version = GENERATE(as<std::string>{}, "00401", "00501");
    auto check_field = [&](std::size_t at, std::string_view value, error expect, std::string_view note) {
        auto segs = sample_segments(version);
        segs[0].replace(at, value.size(), value);
        auto doc = parse_lines(segs);
        auto d = only(doc, expect);
        CHECK(x12::ta1_note_code(d.code) == note);
        CHECK(d.where.tag == "ISA");
        CHECK(d.where.column == at + 1);
    };
    check_field(4, "99", error::isa_invalid_auth_qualifier, "010");
    check_field(18, "77", error::isa_invalid_security_qualifier, "012");
    check_field(32, "Q9", error::isa_invalid_sender_qualifier, "005");
    check_field(35, "               ", error::isa_invalid_sender_id, "006");
    check_field(51, "Q9", error::isa_invalid_receiver_qualifier, "007");
    check_field(54, "               ", error::isa_invalid_receiver_id, "008");
    check_field(70, "241315", error::isa_invalid_date, "014");
    check_field(77, "2561", error::isa_invalid_time, "015");
    check_field(84, "00100", error::isa_invalid_version, "017");
    check_field(90, "00000A101", error::isa_invalid_control_number, "018");
    check_field(100, "7", error::isa_invalid_ack_requested, "019");
    check_field(102, "X", error::isa_invalid_test_indicator, "020");
}

TEST_CASE("TA1 segments directly in an interchange are read", "[x12][envelope]")
{
    auto doc = parse_lines({isa("00501", "000000503", '0'), "TA1*000000102*240315*0930*R*001", "IEA*0*000000503"});
    CHECK(doc.diagnostics().empty());
    REQUIRE(doc.interchanges()[0].ta1s.size() == 1);
    auto const& t = doc.interchanges()[0].ta1s[0];
    CHECK(t.control_number == "000000102");
    CHECK(t.status == "R");
    CHECK(t.note_code == "001");
}
