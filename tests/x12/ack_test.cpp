// Acknowledgments: the worked examples of ../shared/x12-reference.md §6.3-6.5
// (tests/golden/acks), every code path of the 997/999/TA1 builder, and the
// reader for acks partners send us.
#include "support.hpp"

#include "x12/ack.hpp"
#include "x12/document.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace edigw;

namespace {

std::string golden(std::string const& name) { return test::read_file(std::string(EDIGW_GOLDEN_DIR) + "/acks/" + name); }

// Segments of an interchange, one per line, with the fields that differ from
// run to run (dates, times, control numbers of the ack itself) blanked.
std::string normalise(std::string const& x12)
{
    auto doc = x12::document::parse(x12);
    std::ostringstream out;
    for (auto const& s : doc.segments()) {
        std::vector<std::string> el;
        for (std::size_t i = 1; i <= s.size(); ++i) el.emplace_back(s[i]);
        auto blank = [&](std::size_t n) {
            if (n <= el.size()) el[n - 1] = "#";
        };
        std::string tag(s.tag());
        if (tag == "ISA") { blank(9); blank(10); blank(13); }
        if (tag == "GS") { blank(4); blank(5); blank(6); }
        if (tag == "GE" || tag == "IEA") blank(2);
        out << tag;
        for (auto const& e : el) out << '*' << e;
        out << "\n";
    }
    return out.str();
}

x12::received_interchange receive(std::string bytes, std::vector<x12::tightening> t = {})
{
    std::map<std::string, std::unique_ptr<x12::validator>> validators;
    x12::ack_collector c([&](x12::group_summary const& g) -> x12::validator const* {
        auto const* d = x12::dictionary::standard(g.version);
        if (!d) return nullptr;
        auto& v = validators[std::string(d->release())];
        if (!v) v = std::make_unique<x12::validator>(*d, t);
        return v.get();
    });
    x12::parser p(c);
    p.parse(std::span<char>(bytes.data(), bytes.size()));
    REQUIRE(c.interchanges().size() == 1);
    return std::move(c.interchanges().front());
}

// The partner rule of §6.2: a ship-to N1 carries an ID (N103/N104).
std::vector<x12::tightening> ship_to_id_rule()
{
    x12::tightening t;
    t.set_id = "850";
    x12::tightening::required_element r;
    REQUIRE(x12::parse_element_ref("N103", r.what));
    r.when_element = 1;
    r.when_value = "ST";
    t.required_elements.push_back(r);
    return {t};
}

} // namespace

TEST_CASE("the 997 for the worked example §6.2 is §6.3, plus the sequence error the example misses", "[ack][golden]")
{
    auto in = receive(golden("6.2-inbound.x12"), ship_to_id_rule());
    x12::ack_options o;
    o.kind = x12::fa_kind::always_997;
    o.ta1 = x12::ta1_policy::never;
    auto n = x12::counting_from(1);
    auto out = x12::build_acks(in, o, n);
    CHECK(out.ta1.empty());
    std::string expect = normalise(golden("6.2-inbound.997.expect"));
    // §6.2's set 0002 has PER after DTM; the 850 heading defines PER (060)
    // before DTM (150), as §4 of the same reference lists it. The example's
    // 997 leaves that out; X12 reports it as AK304 7 (out of sequence).
    auto at = expect.find("AK3*BEG*2**8\nAK4*5*373*8*20240231\n");
    REQUIRE(at != std::string::npos);
    expect.insert(at + std::string("AK3*BEG*2**8\nAK4*5*373*8*20240231\n").size(), "AK3*PER*5**7\n");
    auto se = expect.find("SE*10*0001");
    REQUIRE(se != std::string::npos);
    expect.replace(se, 10, "SE*11*0001");
    CHECK(normalise(out.functional) == expect);
}

TEST_CASE("the 999 for the worked example §6.2 is §6.4 (with the same sequence note)", "[ack][golden]")
{
    auto in = receive(golden("6.2-inbound.x12"), ship_to_id_rule());
    x12::ack_options o; // by version: 005010 -> 999
    o.ta1 = x12::ta1_policy::never;
    auto n = x12::counting_from(1);
    auto out = x12::build_acks(in, o, n);
    std::string expect = normalise(golden("6.2-inbound.999.expect"));
    auto anchor = std::string("IK3*BEG*2**8\nIK4*5*373*8*20240231\n");
    auto at = expect.find(anchor);
    REQUIRE(at != std::string::npos);
    expect.insert(at + anchor.size(), "IK3*PER*5**7\n");
    auto se = expect.find("SE*13*0001");
    REQUIRE(se != std::string::npos);
    expect.replace(se, 10, "SE*14*0001");
    CHECK(normalise(out.functional) == expect);
}

TEST_CASE("the TA1 for the worked example is §6.5, and a mismatch gives R 001", "[ack][golden]")
{
    auto in = receive(golden("6.2-inbound.x12"));
    x12::ack_options o;
    auto n = x12::counting_from(503);
    auto out = x12::build_acks(in, o, n);
    CHECK(normalise(out.ta1) == normalise(golden("6.2-inbound.ta1.expect")));
    CHECK(out.ta1_status == "A");

    std::string bad = golden("6.2-inbound.x12");
    auto iea = bad.find("IEA*1*000000102");
    bad.replace(iea, 15, "IEA*1*000000999");
    auto in2 = receive(bad);
    auto out2 = x12::build_acks(in2, o, n);
    CHECK(out2.ta1.find("TA1*000000102*240315*0930*R*001~") != std::string::npos);
    CHECK(out2.functional.empty()); // a rejected interchange's groups are not acknowledged
}

namespace {

std::vector<std::string> po_group(std::string_view gs08, std::string const& set2_beg = "BEG*00*SA*PO-2**20240315")
{
    return {"GS*PO*BUYERID*SELLERID*20240315*0930*7*X*" + std::string(gs08),
            "ST*850*0001", "BEG*00*SA*PO-1**20240315", "N1*ST*STORE*92*0017", "PO1*1*10*EA*4.25*PE*VP*WID-100", "CTT*1", "SE*6*0001",
            "ST*850*0002", set2_beg, "N1*ST*STORE*92*0017", "PO1*1*10*EA*4.25*PE*VP*WID-100", "CTT*1", "SE*6*0002",
            "GE*2*7"};
}

std::string interchange(std::string_view v, std::vector<std::string> body, char ack = '0')
{
    std::vector<std::string> all{test::isa(v, "000000101", ack)};
    all.insert(all.end(), body.begin(), body.end());
    std::size_t groups = static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [](auto const& s) { return s.rfind("GS*", 0) == 0; }));
    all.push_back("IEA*" + std::to_string(groups) + "*000000101");
    return test::with_delimiters(all);
}

x12::ack_output acks(std::string bytes, x12::ack_options o = {})
{
    auto in = receive(std::move(bytes));
    auto n = x12::counting_from(1);
    if (o.date.empty()) {
        o.date = "20240316";
        o.time = "0800";
    }
    return x12::build_acks(in, o, n);
}

std::vector<std::string> lines(std::string const& x12)
{
    std::vector<std::string> out;
    std::string cur;
    for (char c : x12) {
        if (c == '~') {
            out.push_back(cur);
            cur.clear();
        } else if (c != '\n') {
            cur += c;
        }
    }
    return out;
}

bool has(std::vector<std::string> const& l, std::string const& seg) { return std::find(l.begin(), l.end(), seg) != l.end(); }

} // namespace

TEST_CASE("a 997 for 004010 has no AK103 or AK203, uses the group's version and swaps the parties", "[ack]")
{
    auto out = acks(interchange("00401", po_group("004010", "BEG*00*SA*PO-2**20240231")));
    auto l = lines(out.functional);
    CHECK(l[0].substr(0, 3) == "ISA");
    CHECK(l[0].find("*ZZ*SELLERID       *ZZ*BUYERID        *240316*0800*U*00401*000000001*0*P*") != std::string::npos);
    CHECK(has(l, "GS*FA*SELLERID*BUYERID*20240316*0800*1*X*004010"));
    CHECK(has(l, "ST*997*0001"));
    CHECK(has(l, "AK1*PO*7"));
    CHECK(has(l, "AK2*850*0001"));
    CHECK(has(l, "AK5*A"));
    CHECK(has(l, "AK2*850*0002"));
    CHECK(has(l, "AK3*BEG*2**8"));
    CHECK(has(l, "AK4*5*373*8*20240231"));
    CHECK(has(l, "AK5*R*5"));
    CHECK(has(l, "AK9*P*2*2*1"));
    CHECK(out.ta1.empty()); // ISA14 0 and a clean envelope
}

TEST_CASE("accepted sets get no AK2 loop when the profile says so", "[ack]")
{
    x12::ack_options o;
    o.detail_accepted = false;
    auto l = lines(acks(interchange("00401", po_group("004010", "BEG*00*SA*PO-2**20240231")), o).functional);
    CHECK_FALSE(has(l, "AK2*850*0001"));
    CHECK(has(l, "AK2*850*0002"));
    CHECK(has(l, "AK9*P*2*2*1"));
}

TEST_CASE("group-level errors reject the group with AK905 codes, and AK902 is GE01 as received", "[ack]")
{
    auto g = po_group("005010");
    g.back() = "GE*3*8"; // wrong count and wrong control number
    x12::ack_options o;
    o.kind = x12::fa_kind::always_997;
    auto l = lines(acks(interchange("00501", g), o).functional);
    CHECK(has(l, "AK9*R*3*2*0*5*4")); // GE01 is checked before GE02
    CHECK(has(l, "AK1*PO*7*005010"));
}

TEST_CASE("set envelope errors give AK5 R with AK502 codes", "[ack]")
{
    auto g = po_group("004010");
    g[6] = "SE*9*0009"; // count and control number wrong
    auto l = lines(acks(interchange("00401", g)).functional);
    CHECK(has(l, "AK5*R*4*3"));
    CHECK(has(l, "AK9*P*2*2*1"));
}

TEST_CASE("FA groups are read, never acknowledged, and inbound 997/999 are parsed", "[ack]")
{
    std::vector<std::string> fa{"GS*FA*BUYERID*SELLERID*20240316*0800*9*X*005010X231A1",
                                "ST*999*0001*005010X231A1", "AK1*PO*201*005010", "AK2*855*0001", "IK3*BAK*2**8",
                                "IK4*4*373*8*20240231", "IK5*R*5", "AK2*855*0002", "IK5*A", "AK9*P*2*2*1", "SE*10*0001",
                                "GE*1*9"};
    auto bytes = interchange("00501", fa);
    auto out = acks(bytes);
    CHECK(out.functional.empty());
    CHECK(out.sets_acknowledged == 0);

    auto doc = x12::document::parse(bytes);
    REQUIRE(doc.sets().size() == 1);
    x12::ack_group_result r;
    REQUIRE(x12::read_functional_ack(doc.transaction(doc.sets()[0]), r));
    CHECK(r.kind == "999");
    CHECK(r.functional_id == "PO");
    CHECK(r.group_control_number == "201");
    CHECK(r.status == "P");
    CHECK((r.declared == 2 && r.received == 2 && r.accepted == 1));
    REQUIRE(r.sets.size() == 2);
    CHECK(r.sets[0].control_number == "0001");
    CHECK(r.sets[0].status == "R");
    CHECK(r.sets[0].codes == std::vector<std::string>{"5"});
    REQUIRE(r.sets[0].errors.size() == 1);
    CHECK(r.sets[0].errors[0].segment_tag == "BAK");
    CHECK(r.sets[0].errors[0].position == 2);
    CHECK(r.sets[0].errors[0].element == 4);
    CHECK(r.sets[0].errors[0].element_code == "8");
    CHECK(r.sets[1].status == "A");
}

TEST_CASE("our own 997 and 999 read back into what we meant", "[ack]")
{
    for (auto kind : {x12::fa_kind::always_997, x12::fa_kind::always_999}) {
        x12::ack_options o;
        o.kind = kind;
        auto text = acks(interchange("00501", po_group("005010", "BEG*00*SA*PO-2**20240231")), o).functional;
        auto doc = x12::document::parse(text);
        CHECK_FALSE(doc.has_errors());
        REQUIRE(doc.sets().size() == 1);
        // The ack itself is valid against the dictionary.
        auto const* dict = x12::dictionary::standard("005010");
        x12::validator v(*dict);
        std::vector<x12::diagnostic> diags;
        auto ts = doc.transaction(doc.sets()[0]);
        v.validate(ts, diags);
        for (auto const& d : diags) UNSCOPED_INFO(d.message);
        CHECK(diags.empty());
        x12::ack_group_result r;
        REQUIRE(x12::read_functional_ack(ts, r));
        CHECK(r.status == "P");
        REQUIRE(r.sets.size() == 2);
        CHECK(r.sets[1].status == "R");
        REQUIRE(r.sets[1].errors.size() == 1);
        CHECK(r.sets[1].errors[0].data_element == "373");
        CHECK(r.sets[1].errors[0].value == "20240231");
    }
}

TEST_CASE("AK4 carries the component position, and a bad value never carries a delimiter", "[ack]")
{
    auto g = po_group("005010");
    g[2] = "BEG*00*SA*PO-1**20240315";
    g.insert(g.begin() + 3, "REF*DP*042**:X1"); // REF04-1 missing
    g[7] = "SE*7*0001";
    x12::ack_options o;
    o.kind = x12::fa_kind::always_997;
    auto l = lines(acks(interchange("00501", g), o).functional);
    CHECK(has(l, "AK3*REF*3**8"));
    CHECK(has(l, "AK4*4:1*128*1"));

    auto g2 = po_group("005010");
    g2[2] = "BEG*00*SA*PO-1**20240315";
    g2.insert(g2.begin() + 3, "REF*DP*04^2"); // a repetition where none may be
    g2[7] = "SE*7*0001";
    auto l2 = lines(acks(interchange("00501", g2), o).functional);
    CHECK(has(l2, "AK4*2:1:2*127*12*042"));
}

TEST_CASE("TA1 policy: requested, on error, always, never, and never to a TA1-only interchange", "[ack]")
{
    auto clean_requested = interchange("00501", po_group("005010"), '1');
    auto clean = interchange("00501", po_group("005010"), '0');
    x12::ack_options o;
    CHECK_FALSE(acks(clean_requested, o).ta1.empty());
    CHECK(acks(clean, o).ta1.empty());
    o.ta1 = x12::ta1_policy::never;
    CHECK(acks(clean_requested, o).ta1.empty());
    o.ta1 = x12::ta1_policy::always;
    CHECK_FALSE(acks(clean, o).ta1.empty());
    o.ta1 = x12::ta1_policy::on_error;
    CHECK(acks(clean_requested, o).ta1.empty());

    // An unpadded ISA is read (a warning, TA105 022): on-error answers E.
    auto loose = clean;
    loose.replace(loose.find("BUYERID        "), 15, "BUYERID");
    auto out = acks(loose, o);
    CHECK(out.ta1_status == "E");
    CHECK(out.ta1.find("*E*022~") != std::string::npos);
    CHECK_FALSE(out.functional.empty()); // E: accepted with errors noted

    // An interchange that carries only a TA1 gets no TA1 back, whatever it asks.
    auto ta1_only = test::with_delimiters({test::isa("00501", "000000555", '1'), "TA1*000000201*240316*0800*A*000",
                                           "IEA*0*000000555"});
    o.ta1 = x12::ta1_policy::always;
    CHECK(acks(ta1_only, o).ta1.empty());
}
