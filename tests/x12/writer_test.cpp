#include "support.hpp"
#include "x12/writer.hpp"

#include <catch2/catch.hpp>

using namespace edigw;

namespace {
x12::interchange_envelope env(std::string version)
{
    x12::interchange_envelope e;
    e.sender_id = "SELLERID";
    e.receiver_id = "BUYERID";
    e.date = "240315";
    e.time = "1005";
    e.version = std::move(version);
    e.control_number = 501;
    return e;
}
} // namespace

TEST_CASE("the writer pads the ISA and fills every count and control number", "[x12][writer]")
{
    x12::writer w(env("00501"));
    REQUIRE_FALSE(w.begin_group("FA", "SELLERID", "BUYERID", "20240315", "1005", 501, "005010"));
    REQUIRE_FALSE(w.begin_set("997", "0001"));
    REQUIRE_FALSE(w.segment("AK1", {"PO", "102", "005010"}));
    REQUIRE_FALSE(w.segment("AK9", {"A", "1", "1", "1", "", ""})); // trailing empties dropped
    REQUIRE_FALSE(w.end_set());
    std::string out = w.finish();
    CHECK(out ==
          "ISA*00*          *00*          *ZZ*SELLERID       *ZZ*BUYERID        *240315*1005*^*00501*000000501*0*P*:~"
          "GS*FA*SELLERID*BUYERID*20240315*1005*501*X*005010~"
          "ST*997*0001~AK1*PO*102*005010~AK9*A*1*1*1~SE*4*0001~"
          "GE*1*501~IEA*1*000000501~");

    auto doc = x12::document::parse(out);
    CHECK(doc.diagnostics().empty());
    CHECK(doc.interchanges()[0].fixed_width);
}

TEST_CASE("before 00402 ISA11 is U and there is no repetition separator", "[x12][writer]")
{
    x12::writer w(env("00401"));
    std::string out = w.finish();
    CHECK(out.substr(82, 1) == "U");
    CHECK(out.size() == 106 + std::string("IEA*0*000000501~").size());
}

TEST_CASE("a value holding a delimiter is refused, nothing written", "[x12][writer]")
{
    x12::writer w(env("00501"));
    w.begin_group("PR", "A", "B", "20240315", "1005", 1, "005010");
    w.begin_set("855", "0001");
    CHECK(w.segment("N1", {"ST", "A*B"}) == x12::error::element_contains_delimiter);
    CHECK(w.segment("N1", {"ST", "A~B"}) == x12::error::element_contains_delimiter);
    CHECK_FALSE(w.segment("REF", {"ZZ", w.composite({"A", "B"})}));
    CHECK(w.set_segment_count() == 2); // ST and the REF
    w.end_set();
    auto doc = x12::document::parse(w.finish());
    CHECK(doc.diagnostics().empty());
}
