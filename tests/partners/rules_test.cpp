// Business rules: each outcome code, its position, and the decisions they add
// up to (BAK02 and the ACK statuses of the 855).
#include "partners/rules.hpp"

#include <catch2/catch.hpp>

using namespace edigw;
using partners::order_action;
using x12::decimal;

namespace {

decimal d(std::string_view s) { return *decimal::parse_r(s); }

partners::profile partner()
{
    partners::profile p;
    p.id = "test";
    p.products.items = {
        {"WID-100", "012345678905", "B-100", "WIDGET", "EA", d("4.25"), d("1")},
        {"WID-200", "", "B-200", "WIDGET CASE", "CA", d("30"), d("1")},
        {"WID-300", "", "B-300", "WIDGET LARGE", "EA", d("12"), d("6")},
    };
    p.stock.items = {{"WID-100", "EA", d("500"), ""}, {"WID-200", "CA", d("3"), "2024-04-05"}, {"WID-300", "EA", d("0"), ""}};
    p.rules.price_tolerance_percent = d("0.5");
    p.rules.currencies = {"USD"};
    p.rules.ship_to_locations = {"0017"};
    return p;
}

mappings::order order()
{
    mappings::order o;
    o.po_number = "PO-1";
    o.purpose = "00";
    o.order_type = "SA";
    o.order_date = "2024-03-15";
    o.beg_position = 2;
    o.currency = "USD";
    o.cur_position = 3;
    mappings::party st;
    st.role = "ST";
    st.name = "DC 17";
    st.id_qualifier = "92";
    st.id = "0017";
    st.segment_position = 6;
    o.parties.push_back(st);
    o.dates.push_back({"038", "2024-03-19", "", 5});
    mappings::order_line l;
    l.line_id = "1";
    l.quantity = d("10");
    l.uom = "EA";
    l.unit_price = d("4.25");
    l.product_ids = {{"UP", "012345678905"}};
    l.segment_position = 7;
    o.lines.push_back(l);
    return o;
}

partners::order_decision run(mappings::order const& o, partners::profile const& p = partner(), bool known = false)
{
    partners::rule_context ctx;
    ctx.received_date = "2024-03-15";
    ctx.known_po = [known](std::string_view) { return known; };
    return partners::apply_rules(o, p, ctx);
}

partners::rule_outcome const& only(partners::order_decision const& dec, std::string const& code)
{
    std::size_t n = 0;
    partners::rule_outcome const* hit = nullptr;
    for (auto const& r : dec.outcomes) {
        UNSCOPED_INFO(r.code << ": " << r.message);
        if (r.code == code) {
            ++n;
            hit = &r;
        }
    }
    REQUIRE(n == 1);
    return *hit;
}

} // namespace

TEST_CASE("a clean order is accepted without change: BAK02 AD, ACK IA", "[rules]")
{
    auto dec = run(order());
    CHECK(dec.outcomes.empty());
    CHECK(dec.action == order_action::process);
    CHECK(dec.bak02 == "AD");
    REQUIRE(dec.lines.size() == 1);
    REQUIRE(dec.lines[0].acks.size() == 1);
    CHECK(dec.lines[0].acks[0].status == "IA");
    CHECK(dec.lines[0].acks[0].quantity == d("10"));
    CHECK(dec.lines[0].acks[0].date == "2024-03-19"); // ship no later
    CHECK(dec.lines[0].sku == "WID-100");
}

TEST_CASE("line rules: unknown SKU, unit, quantity, price, pack size, stock", "[rules]")
{
    SECTION("sku-unknown -> IR, at PO107")
    {
        auto o = order();
        o.lines[0].product_ids = {{"VP", "NOPE"}};
        auto dec = run(o);
        auto const& r = only(dec, "sku-unknown");
        CHECK(r.tag == "PO1");
        CHECK(r.set_position == 7);
        CHECK(r.element == 7);
        CHECK(r.line_id == "1");
        CHECK(dec.lines[0].acks[0].status == "IR");
        CHECK(dec.bak02 == "RD"); // every line rejected
        CHECK(dec.action == order_action::reject);
    }
    SECTION("uom-not-allowed -> IR, at PO103")
    {
        auto o = order();
        o.lines[0].uom = "CA";
        auto const& r = only(run(o), "uom-not-allowed");
        CHECK(r.element == 3);
        CHECK(r.value == "CA");
    }
    SECTION("quantity-not-positive -> IR")
    {
        auto o = order();
        o.lines[0].quantity = d("0");
        CHECK(only(run(o), "quantity-not-positive").element == 2);
    }
    SECTION("price within tolerance is accepted; outside -> IP with our price")
    {
        auto o = order();
        o.lines[0].unit_price = d("4.27"); // 0.47% off
        CHECK(run(o).outcomes.empty());
        o.lines[0].unit_price = d("4.00");
        auto dec = run(o);
        CHECK(only(dec, "price-changed").element == 4);
        CHECK(dec.lines[0].acks[0].status == "IP");
        CHECK(*dec.lines[0].acks[0].price == d("4.25"));
        CHECK(dec.bak02 == "AC");
    }
    SECTION("price-missing: the catalog price applies (info)")
    {
        auto o = order();
        o.lines[0].unit_price.reset();
        auto dec = run(o);
        CHECK(only(dec, "price-missing").severity == partners::rule_severity::info);
        CHECK(dec.bak02 == "AD");
    }
    SECTION("pack-size: rounded down to whole packs (IQ), or IR below one pack")
    {
        auto p = partner();
        p.stock.items[2].available = d("100");
        auto o = order();
        o.lines[0].product_ids = {{"BP", "B-300"}};
        o.lines[0].unit_price = d("12");
        o.lines[0].quantity = d("14");
        auto dec = run(o, p);
        CHECK(only(dec, "pack-size").severity == partners::rule_severity::change);
        CHECK(dec.lines[0].acks[0].status == "IQ");
        CHECK(dec.lines[0].acks[0].quantity == d("12"));
        o.lines[0].quantity = d("5");
        auto dec2 = run(o, p);
        CHECK(dec2.lines[0].acks[0].status == "IR");
    }
    SECTION("stock-short: IQ for what is there, IB for the rest with its date (reference §6.6)")
    {
        auto o = order();
        mappings::order_line l2;
        l2.line_id = "2";
        l2.quantity = d("5");
        l2.uom = "CA";
        l2.unit_price = d("30");
        l2.product_ids = {{"BP", "B-200"}, {"VP", "WID-200"}};
        l2.segment_position = 10;
        o.lines.push_back(l2);
        auto dec = run(o);
        CHECK(only(dec, "stock-short").line_id == "2");
        REQUIRE(dec.lines[1].acks.size() == 2);
        CHECK(dec.lines[1].acks[0].status == "IQ");
        CHECK(dec.lines[1].acks[0].quantity == d("3"));
        CHECK(dec.lines[1].acks[1].status == "IB");
        CHECK(dec.lines[1].acks[1].quantity == d("2"));
        CHECK(dec.lines[1].acks[1].date == "2024-04-05");
        CHECK(dec.bak02 == "AC");
    }
    SECTION("stock is promised once: two lines of the same item share it")
    {
        auto o = order();
        o.lines[0].quantity = d("300");
        o.lines.push_back(o.lines[0]);
        o.lines[1].line_id = "2";
        auto dec = run(o);
        CHECK(dec.lines[0].acks[0].status == "IA");
        REQUIRE(dec.lines[1].acks.size() == 2);
        CHECK(dec.lines[1].acks[0].status == "IQ");
        CHECK(dec.lines[1].acks[0].quantity == d("200"));
        CHECK(dec.lines[1].acks[1].status == "IB"); // backordered, date to follow
        CHECK(dec.lines[1].acks[1].quantity == d("100"));
        CHECK(dec.lines[1].acks[1].date.empty());
    }
    SECTION("stock-none without a date -> IR")
    {
        auto o = order();
        o.lines[0].product_ids = {{"VP", "WID-300"}};
        o.lines[0].unit_price = d("12");
        o.lines[0].quantity = d("6");
        auto dec = run(o);
        only(dec, "stock-none");
        CHECK(dec.lines[0].acks[0].status == "IR");
    }
}

TEST_CASE("order rules: ship-to, dates, currency", "[rules]")
{
    SECTION("ship-to-missing")
    {
        auto o = order();
        o.parties.clear();
        auto dec = run(o);
        only(dec, "ship-to-missing");
        CHECK(dec.bak02 == "RD");
        CHECK(dec.lines[0].acks[0].status == "IR"); // nothing of a rejected order is accepted
    }
    SECTION("ship-to-unknown: no ID and no complete address (reference §6.2)")
    {
        auto o = order();
        o.parties[0].id.clear();
        o.parties[0].id_qualifier.clear();
        auto const& r = only(run(o), "ship-to-unknown");
        CHECK(r.tag == "N1");
        CHECK(r.set_position == 6);
        CHECK(r.element == 3);
        o.parties[0].addr = {{"200 WAREHOUSE RD"}, "SPRINGFIELD", "IL", "62702", "US"};
        CHECK(run(o).outcomes.empty()); // a complete address is enough
        o.parties[0].id = "0099";
        o.parties[0].addr = {};
        CHECK(only(run(o), "ship-to-unknown").value == "0099");
    }
    SECTION("date-in-past and date-window")
    {
        auto o = order();
        o.dates = {{"038", "2024-03-14", "", 5}};
        auto const& r = only(run(o), "date-in-past");
        CHECK(r.tag == "DTM");
        CHECK(r.element == 2);
        o.dates = {{"037", "2024-03-25", "", 5}, {"038", "2024-03-20", "", 6}};
        CHECK(only(run(o), "date-window").set_position == 5);
    }
    SECTION("currency")
    {
        auto o = order();
        o.currency = "EUR";
        auto const& r = only(run(o), "currency");
        CHECK(r.tag == "CUR");
        CHECK(r.element == 2);
        CHECK(r.set_position == 3);
    }
}

TEST_CASE("BEG01 purposes and duplicate POs", "[rules]")
{
    auto o = order();
    SECTION("00 of a PO already received -> duplicate-po, RJ-like rejection")
    {
        auto dec = run(o, partner(), true);
        CHECK(only(dec, "duplicate-po").element == 3);
        CHECK(dec.action == order_action::reject);
        CHECK(dec.bak02 == "RJ");
    }
    SECTION("01 cancels a known PO, rejects an unknown one")
    {
        o.purpose = "01";
        auto dec = run(o, partner(), true);
        CHECK(dec.action == order_action::cancel);
        CHECK(dec.bak02 == "AT");
        auto dec2 = run(o, partner(), false);
        only(dec2, "cancel-unknown-po");
        CHECK(dec2.action == order_action::reject);
    }
    SECTION("05 replaces; of an unknown PO it is processed as an original")
    {
        o.purpose = "05";
        CHECK(run(o, partner(), true).outcomes.empty());
        auto dec = run(o, partner(), false);
        only(dec, "replace-unknown-po");
        CHECK(dec.action == order_action::process);
    }
    SECTION("06 of a known PO and 07 are recognised and not processed (no 855)")
    {
        o.purpose = "06";
        auto dec = run(o, partner(), true);
        CHECK(dec.action == order_action::ignore);
        CHECK_FALSE(dec.send_855());
        o.purpose = "07";
        auto dec2 = run(o, partner(), false);
        only(dec2, "duplicate-copy");
        CHECK(dec2.action == order_action::ignore);
    }
    SECTION("other purposes are refused")
    {
        o.purpose = "04";
        only(run(o), "purpose-unsupported");
    }
}
