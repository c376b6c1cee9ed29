// The dictionary validator: every segment-level (AK304) and element-level
// (AK403) error, in 004010 and 005010, with its position; and partner
// tightenings (999 implementation codes).
#include "support.hpp"

#include "x12/document.hpp"
#include "x12/validator.hpp"

#include <catch2/catch.hpp>

using namespace edigw;
using x12::error;

namespace {

// A clean 850 body (ST..SE filled in) in which tests replace or add segments.
std::vector<std::string> body()
{
    return {"BEG*00*SA*PO-1**20240315", "REF*DP*042",       "DTM*002*20240322",     "N1*ST*STORE 17*92*0017",
            "N3*1 MAIN ST",             "N4*SPRINGFIELD*IL*62701*US", "PO1*1*10*EA*4.25*PE*VP*WID-100",
            "PID*F****WIDGET",          "CTT*1*10"};
}

struct result {
    std::vector<x12::diagnostic> diags;
    std::vector<x12::diagnostic> only(error code) const
    {
        std::vector<x12::diagnostic> out;
        for (auto const& d : diags)
            if (d.code == code) out.push_back(d);
        return out;
    }
};

result validate(std::string_view isa_version, std::vector<std::string> segs, std::vector<x12::tightening> t = {},
                std::string set_id = "850")
{
    std::string gs08 = isa_version == "00401" ? "004010" : "005010";
    std::vector<std::string> all{test::isa(isa_version, "000000101", '0'),
                                 "GS*PO*BUYERID*SELLERID*20240315*0930*1*X*" + gs08, "ST*" + set_id + "*0001"};
    all.insert(all.end(), segs.begin(), segs.end());
    all.push_back("SE*" + std::to_string(segs.size() + 2) + "*0001");
    all.push_back("GE*1*1");
    all.push_back("IEA*1*000000101");
    auto doc = x12::document::parse(test::with_delimiters(all));
    REQUIRE(doc.sets().size() == 1);
    auto const* dict = x12::dictionary::standard(gs08);
    REQUIRE(dict);
    x12::validator v(*dict, std::move(t));
    result r;
    v.validate(doc.transaction(doc.sets()[0]), r.diags);
    return r;
}

x12::diagnostic one(result const& r, error code)
{
    auto v = r.only(code);
    INFO("diagnostics: " << r.diags.size());
    for (auto const& d : r.diags) UNSCOPED_INFO(x12::name(d.code) << " " << d.message);
    REQUIRE(v.size() == 1);
    return v.front();
}

} // namespace

TEST_CASE("a clean 850 validates without findings in both versions", "[validator]")
{
    for (auto v : {"00401", "00501"}) {
        INFO(v);
        auto r = validate(v, body());
        for (auto const& d : r.diags) UNSCOPED_INFO(x12::name(d.code) << " " << d.message);
        CHECK(r.diags.empty());
    }
}

TEST_CASE("segment-level errors carry AK304 codes, set positions and loops", "[validator]")
{
    for (std::string v : {"00401", "00501"}) {
        INFO(v);
        SECTION("1 unrecognized segment ID " + v)
        {
            auto b = body();
            b.insert(b.begin() + 2, "ZZQ*1");
            auto d = one(validate(v, b), error::segment_unrecognized);
            CHECK(x12::ak304_code(d.code) == "1");
            CHECK(d.where.tag == "ZZQ");
            CHECK(d.where.set_position == 4);
        }
        SECTION("2 unexpected segment (N3 with no N1 loop open) " + v)
        {
            auto b = body();
            b.insert(b.begin() + 1, "N3*STRAY ADDRESS");
            auto d = one(validate(v, b), error::segment_unexpected);
            CHECK(x12::ak304_code(d.code) == "2");
            CHECK(d.where.set_position == 3);
        }
        SECTION("3 mandatory segment missing (BEG) " + v)
        {
            auto b = body();
            b.erase(b.begin());
            auto d = one(validate(v, b), error::segment_mandatory_missing);
            CHECK(x12::ak304_code(d.code) == "3");
            CHECK(d.where.tag == "BEG");
            CHECK(d.where.set_position == 2); // noticed at REF, which stands where BEG belongs
        }
        SECTION("3 mandatory loop missing (PO1) " + v)
        {
            auto b = body();
            b.erase(b.begin() + 6, b.begin() + 8);
            auto d = one(validate(v, b), error::segment_mandatory_missing);
            CHECK(d.where.tag == "PO1");
            CHECK(d.loop_id == "PO1");
        }
        SECTION("4 loop over its maximum (CTT loop, max 1) " + v)
        {
            auto b = body();
            b.push_back("CTT*1*10");
            auto d = one(validate(v, b), error::loop_over_max);
            CHECK(x12::ak304_code(d.code) == "4");
            CHECK(d.where.set_position == 11);
            CHECK(d.loop_id == "CTT");
        }
        SECTION("5 segment over its maximum use (PER max 3) " + v)
        {
            auto b = body();
            for (int i = 0; i < 4; ++i) b.insert(b.begin() + 2, "PER*BD*JANE DOE");
            auto d = one(validate(v, b), error::segment_over_max_use);
            CHECK(x12::ak304_code(d.code) == "5");
            CHECK(d.where.set_position == 7);
        }
        SECTION("6 segment not in the set (BSN in an 850) " + v)
        {
            auto b = body();
            b.insert(b.begin() + 1, "BSN*00*SHP-1*20240315*0930");
            auto d = one(validate(v, b), error::segment_not_in_set);
            CHECK(x12::ak304_code(d.code) == "6");
        }
        SECTION("7 segment out of sequence (REF after DTM) " + v)
        {
            auto b = body();
            b.insert(b.begin() + 3, "REF*IA*V123");
            auto d = one(validate(v, b), error::segment_out_of_order);
            CHECK(x12::ak304_code(d.code) == "7");
            CHECK(d.where.set_position == 5);
        }
        SECTION("segments inside loops name their loop " + v)
        {
            auto b = body();
            b[5] = "N4*S*IL*62701*US"; // N401 too short, inside the N1 loop
            auto d = one(validate(v, b), error::element_too_short);
            CHECK(d.loop_id == "N1");
            CHECK(d.where.tag == "N4");
            CHECK(d.where.element == 1);
            CHECK(d.data_element == "19");
        }
    }
}

TEST_CASE("element-level errors carry AK403 codes, element positions and data element numbers", "[validator]")
{
    for (std::string v : {"00401", "00501"}) {
        INFO(v);
        std::string const ver = v == "00401" ? "004010" : "005010";
        SECTION("1 mandatory element missing " + v)
        {
            auto b = body();
            b[0] = "BEG*00*SA***20240315";
            auto d = one(validate(v, b), error::element_mandatory_missing);
            CHECK(x12::ak403_code(d.code) == "1");
            CHECK(d.where.element == 3);
            CHECK(d.data_element == "324");
            CHECK(d.where.set_position == 2);
        }
        SECTION("2 conditional required (P0304 in N1) " + v)
        {
            auto b = body();
            b[3] = "N1*ST*STORE 17*92";
            auto d = one(validate(v, b), error::element_conditional_missing);
            CHECK(x12::ak403_code(d.code) == "2");
            CHECK(d.where.element == 4);
            CHECK(d.data_element == "67");
        }
        SECTION("2 conditional required (R0203 in REF) " + v)
        {
            auto b = body();
            b[1] = "REF*DP";
            auto d = one(validate(v, b), error::element_conditional_missing);
            CHECK(d.where.element == 2);
        }
        SECTION("3 too many data elements " + v)
        {
            auto b = body();
            b.insert(b.begin() + 4, "N2*NAME ONE*NAME TWO*NAME THREE");
            auto d = one(validate(v, b), error::element_too_many);
            CHECK(x12::ak403_code(d.code) == "3");
            CHECK(d.where.element == 3);
            CHECK(d.value == "NAME THREE");
        }
        SECTION("4 too short and 5 too long " + v)
        {
            auto b = body();
            b[0] = "BEG*00*SA*PO-12345678901234567890XY**20240315";
            auto r = validate(v, b);
            auto d = one(r, error::element_too_long);
            CHECK(x12::ak403_code(d.code) == "5");
            CHECK(d.where.element == 3);
            CHECK(d.where.tag == "BEG");
            auto d2 = one(validate(v, {"BEG*00*S*PO-1**20240315", "N1*ST*X*92*17", "PO1*1*1*EA", "CTT*1"}),
                          error::element_too_short);
            CHECK(x12::ak403_code(d2.code) == "4");
            CHECK(d2.where.element == 2);
            CHECK(d2.value == "S");
        }
        SECTION("6 invalid character (a control byte, a letter in a number) " + v)
        {
            auto b = body();
            b[7] = std::string("PID*F****WID\x01GET");
            b[6] = "PO1*1*1O*EA*4.25*PE*VP*WID-100";
            auto r = validate(v, b);
            auto d = one(r, error::element_invalid_character);
            CHECK(x12::ak403_code(d.code) == "6");
            CHECK(d.where.element == 5);
            auto n = one(r, error::element_invalid_numeric);
            CHECK(x12::ak403_code(n.code) == "6");
            CHECK(n.where.element == 2);
            CHECK(n.value == "1O");
        }
        SECTION("7 invalid code " + v)
        {
            auto b = body();
            b[0] = "BEG*99*SA*PO-1**20240315";
            auto d = one(validate(v, b), error::element_invalid_code);
            CHECK(x12::ak403_code(d.code) == "7");
            CHECK(d.value == "99");
            CHECK(d.data_element == "353");
        }
        SECTION("8 invalid date and 9 invalid time " + v)
        {
            auto b = body();
            b[0] = "BEG*00*SA*PO-1**20240231";
            b[2] = "DTM*002*20240322*2561";
            auto r = validate(v, b);
            auto d = one(r, error::element_invalid_date);
            CHECK(x12::ak403_code(d.code) == "8");
            CHECK(d.where.element == 5);
            CHECK(d.value == "20240231");
            auto t = one(r, error::element_invalid_time);
            CHECK(x12::ak403_code(t.code) == "9");
            CHECK(t.where.element == 3);
        }
        SECTION("components: a missing mandatory component, too many components " + v)
        {
            auto b = body();
            b[1] = "REF*DP*042**:X1";
            auto d = one(validate(v, b), error::element_mandatory_missing);
            CHECK(d.where.element == 4);
            CHECK(d.where.component == 1);
            CHECK(d.data_element == "128");
            b[1] = "REF*DP*042**ZZ:1:YY:2:XX:3:WW";
            auto c = one(validate(v, b), error::element_too_many_components);
            CHECK(x12::ak403_code(c.code, ver) == (v == "00401" ? "6" : "13"));
            CHECK(c.where.component == 7);
        }
        SECTION("a component separator in a simple element " + v)
        {
            auto b = body();
            b[1] = "REF*DP*04:2";
            auto d = one(validate(v, b), error::element_too_many_components);
            CHECK(x12::ak403_code(d.code, ver) == (v == "00401" ? "6" : "13"));
        }
    }
}

TEST_CASE("5010 only: exclusion (E0207 in N4) and repetitions", "[validator]")
{
    auto b = body();
    b[5] = "N4*SPRINGFIELD*IL*62701*US***ON";
    auto d = one(validate("00501", b), error::element_exclusion_violated);
    CHECK(x12::ak403_code(d.code) == "10");
    CHECK(d.where.element == 7);
    CHECK(validate("00401", b).only(error::element_too_many).size() == 1); // N407 does not exist in 4010

    b = body();
    b[1] = "REF*DP*042^043";
    auto r = one(validate("00501", b), error::element_too_many_repetitions);
    CHECK(x12::ak403_code(r.code, "005010") == "12");
    CHECK(r.where.element == 2);
    // 4010 has no repetition separator: '^' is data there.
    CHECK(validate("00401", b).diags.empty());
}

TEST_CASE("an unknown set is AK502 1", "[validator]")
{
    auto r = validate("00501", {"BHT*0019*00*1*20240315*0930"}, {}, "837");
    auto d = one(r, error::set_not_supported);
    CHECK(x12::ak502_code(d.code) == "1");
}

TEST_CASE("partner tightenings are implementation errors (999 I-codes)", "[validator]")
{
    x12::tightening t;
    t.set_id = "850";
    x12::tightening::required_element re;
    REQUIRE(x12::parse_element_ref("N103", re.what));
    re.when_element = 1;
    re.when_value = "ST";
    t.required_elements.push_back(re);
    x12::tightening::code_list cl;
    REQUIRE(x12::parse_element_ref("BEG02", cl.what));
    cl.codes = {"SA", "RO"};
    t.codes.push_back(cl);
    t.required_segments = {"TD5"};

    auto b = body();
    b[0] = "BEG*00*NE*PO-1**20240315";
    b[3] = "N1*ST*STORE 17";
    b.insert(b.begin() + 4, "N2*WAREHOUSE");
    auto r = validate("00501", b, {t});
    auto m = one(r, error::element_impl_missing);
    CHECK(x12::ak403_code(m.code) == "I9");
    CHECK(x12::is_implementation(m.code));
    CHECK(m.where.element == 3);
    CHECK(m.data_element == "66");
    REQUIRE(m.trigger);
    CHECK(m.trigger->tag == "N1");
    CHECK(m.trigger->element == 1);
    CHECK(m.trigger->set_position == 5);
    CHECK(m.trigger->loop_id == "N1");
    auto c = one(r, error::element_impl_code);
    CHECK(x12::ak403_code(c.code) == "I6");
    CHECK(c.value == "NE");
    auto s = one(r, error::segment_impl_missing);
    CHECK(x12::ak304_code(s.code) == "I6");
    CHECK(s.where.tag == "TD5");
    // A code outside X12's own list stays a base error.
    b[0] = "BEG*00*QQ*PO-1**20240315";
    CHECK(validate("00501", b, {t}).only(error::element_invalid_code).size() == 1);
}

TEST_CASE("element references parse", "[validator]")
{
    x12::tightening::element_ref r;
    CHECK(x12::parse_element_ref("N103", r));
    CHECK((r.tag == "N1" && r.element == 3 && r.component == 0));
    CHECK(x12::parse_element_ref("REF04-2", r));
    CHECK((r.tag == "REF" && r.element == 4 && r.component == 2));
    CHECK(x12::parse_element_ref("TA101", r));
    CHECK((r.tag == "TA1" && r.element == 1));
    CHECK_FALSE(x12::parse_element_ref("N1", r));
    CHECK_FALSE(x12::parse_element_ref("n103", r));
    CHECK_FALSE(x12::parse_element_ref("N100", r));
    CHECK_FALSE(x12::parse_element_ref("REF04-", r));
}
