#include "x12/decimal.hpp"

#include <catch2/catch.hpp>

using edigw::x12::decimal;

TEST_CASE("R values parse exactly", "[x12][decimal]")
{
    CHECK(decimal::parse_r("4.25")->to_string() == "4.25");
    CHECK(decimal::parse_r("-1.5")->to_string() == "-1.5");
    CHECK(decimal::parse_r(".5")->to_string() == "0.5");
    CHECK(decimal::parse_r("30")->to_string() == "30");
    CHECK(decimal::parse_r("15.")->to_string() == "15");
    CHECK_FALSE(decimal::parse_r(""));
    CHECK_FALSE(decimal::parse_r("1.2.3"));
    CHECK_FALSE(decimal::parse_r("18E2"));
    CHECK_FALSE(decimal::parse_r("1234567890123456789")); // 19 digits
}

TEST_CASE("Nn values carry implied decimals", "[x12][decimal]")
{
    CHECK(decimal::parse_n("1500", 2)->to_string() == "15.00");
    CHECK(decimal::parse_n("14750", 2)->to_string() == "147.50");
    CHECK(decimal::parse_n("-5", 2)->to_string() == "-0.05");
    CHECK_FALSE(decimal::parse_n("15.00", 2));
}

TEST_CASE("arithmetic is exact and formats for X12", "[x12][decimal]")
{
    // 0.1 + 0.2 is exactly 0.3 here, unlike binary floating point.
    CHECK(*decimal::parse_r("0.1") + *decimal::parse_r("0.2") == *decimal::parse_r("0.3"));
    auto total = *decimal::parse_r("10") * *decimal::parse_r("4.25") + *decimal::parse_r("5") * *decimal::parse_r("30");
    CHECK(total.to_r() == "192.5");
    CHECK(total.to_n(2) == "19250");
    CHECK(decimal::parse_r("147.50")->to_r() == "147.5");
    CHECK(decimal::parse_r("2.655")->rescaled(2).to_string() == "2.66"); // half away from zero
    CHECK(decimal::parse_r("-2.655")->rescaled(2).to_string() == "-2.66");
    CHECK(*decimal::parse_r("1.50") == *decimal::parse_r("1.5"));
    CHECK(*decimal::parse_r("2") > *decimal::parse_r("1.99"));
}
