#include "mappings/json.hpp"
#include "mappings/map_850.hpp"
#include "support.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace edigw;
using namespace edigw::test;

namespace {

struct orders_sink : x12::handler {
    std::vector<mappings::order> orders;
    std::vector<x12::diagnostic> diags;
    void on_transaction_set(x12::transaction_set const& ts) override
    {
        if (ts.id != "850") return;
        std::size_t before = diags.size();
        mappings::map_850(ts, orders.emplace_back(), diags);
        for (std::size_t i = before; i < diags.size(); ++i) ts.origin->locate(diags[i].where);
    }
};

orders_sink map_all(std::string bytes)
{
    orders_sink s;
    x12::parser p(s);
    p.parse(std::span<char>(bytes.data(), bytes.size()));
    return s;
}

// x12-reference.md section 6.1, line breaks after terminators only.
std::string const example_6_1 =
    "ISA*00*          *00*          *ZZ*BUYERID        *ZZ*SELLERID       *240315*0930*^*00501*000000101*1*P*:~\n"
    "GS*PO*BUYERID*SELLERID*20240315*0930*101*X*005010~\n"
    "ST*850*0001~BEG*00*SA*PO-7001**20240315~CUR*BY*USD~REF*DP*042~PER*BD*JANE DOE*TE*5555550100~\n"
    "FOB*PP~ITD*01*3*2**10**30~DTM*002*20240322~DTM*038*20240319~TD5**2*ABCD*M~N9*ZZ*NOTE~MTX**DELIVER TO DOCK 4~\n"
    "N1*BT*BUYERCO INC*92*HQ01~N3*100 MAIN ST~N4*SPRINGFIELD*IL*62701*US~\n"
    "N1*ST*BUYERCO DC 17*92*0017~N3*200 WAREHOUSE RD~N4*SPRINGFIELD*IL*62702*US~N1*VN*SELLERCO LLC*92*V123~\n"
    "PO1*1*10*EA*4.25*PE*UP*012345678905*VP*WID-100~PID*F****WIDGET SMALL BLUE~PO4*12~\n"
    "PO1*2*5*CA*30*PE*BP*B-200*VP*WID-200~PID*F****WIDGET CASE~SAC*C*D240***1500~SCH*5*CA***002*20240329~\n"
    "CTT*2*15~AMT*TT*207.5~SE*29*0001~\n"
    "GE*1*101~IEA*1*000000101~\n";

} // namespace

TEST_CASE("the worked 850 example becomes the canonical order", "[mappings][850]")
{
    auto doc = x12::document::parse(example_6_1);
    REQUIRE(doc.diagnostics().empty());
    auto s = map_all(example_6_1);
    REQUIRE(s.orders.size() == 1);
    CHECK(s.diags.empty());
    auto const& o = s.orders[0];
    CHECK(o.po_number == "PO-7001");
    CHECK(o.purpose == "00");
    CHECK(o.order_type == "SA");
    CHECK(o.order_date == "2024-03-15");
    CHECK(o.currency == "USD");
    REQUIRE(o.references.size() == 1);
    CHECK(o.references[0].qualifier == "DP");
    CHECK(o.references[0].value == "042");
    REQUIRE(o.contacts.size() == 1);
    CHECK(o.contacts[0].name == "JANE DOE");
    CHECK(o.contacts[0].communications[0].value == "5555550100");
    REQUIRE(o.dates.size() == 2);
    CHECK(o.dates[1].qualifier == "038");
    CHECK(o.dates[1].date == "2024-03-19");
    REQUIRE(o.payment_terms.size() == 1);
    CHECK(o.payment_terms[0].discount_percent->to_string() == "2");
    CHECK(*o.payment_terms[0].discount_days == 10);
    CHECK(*o.payment_terms[0].net_days == 30);
    CHECK(o.carriers[0].id == "ABCD");
    CHECK(o.carriers[0].mode == "M");
    REQUIRE(o.notes.size() == 1);
    CHECK(o.notes[0].messages == std::vector<std::string>{"DELIVER TO DOCK 4"});
    REQUIRE(o.parties.size() == 3);
    CHECK(o.parties[1].role == "ST");
    CHECK(o.parties[1].id == "0017");
    CHECK(o.parties[1].addr.lines == std::vector<std::string>{"200 WAREHOUSE RD"});
    CHECK(o.parties[1].addr.city == "SPRINGFIELD");
    CHECK(o.parties[1].addr.postal_code == "62702");
    CHECK(o.parties[2].addr.lines.empty());
    REQUIRE(o.lines.size() == 2);
    CHECK(o.lines[0].quantity->to_string() == "10");
    CHECK(o.lines[0].unit_price->to_string() == "4.25");
    CHECK(o.lines[0].product_ids.size() == 2);
    CHECK(o.lines[0].product_ids[0].qualifier == "UP");
    CHECK(o.lines[0].product_ids[0].id == "012345678905");
    CHECK(o.lines[0].description == "WIDGET SMALL BLUE");
    CHECK(o.lines[0].packs[0].pack_count->to_string() == "12");
    CHECK(o.lines[1].charges[0].code == "D240");
    CHECK(o.lines[1].charges[0].amount->to_string() == "15.00");
    CHECK(o.lines[1].schedules[0].date == "2024-03-29");
    CHECK(*o.summary.line_count == 2);
    CHECK(o.summary.hash_total->to_string() == "15");
    CHECK(o.summary.computed_line_count == 2);
    CHECK(o.summary.computed_hash_total == *o.summary.hash_total);
    CHECK(o.amounts[0].value->to_string() == "207.5");
    CHECK(o.envelope.interchange_control_number == "000000101");
    CHECK(o.envelope.group_control_number == "101");
    CHECK(o.envelope.set_control_number == "0001");
    CHECK(o.envelope.version == "005010");
    CHECK(o.envelope.sender_id == "BUYERID");

    // Order total from exact decimals: 10 x 4.25 + 5 x 30 + 15.00 = 207.50.
    x12::decimal total;
    for (auto const& l : o.lines) total = total + *l.quantity * *l.unit_price;
    total = total + *o.lines[1].charges[0].amount;
    CHECK(total == *o.amounts[0].value);
}

TEST_CASE("the JSON form uses the documented names and string decimals", "[mappings][json]")
{
    auto s = map_all(example_6_1);
    auto v = mappings::to_json(s.orders.at(0));
    auto const& o = v.as_object();
    for (auto key : {"po_number", "purpose", "order_type", "order_date", "currency", "references", "contacts", "dates",
                     "parties", "lines", "summary", "envelope"})
        CHECK(o.contains(key));
    CHECK(o.at("po_number").as_string() == "PO-7001");
    auto const& line = o.at("lines").as_array()[0].as_object();
    CHECK(line.at("unit_price").as_string() == "4.25");
    CHECK(line.at("quantity").is_string());
    for (auto key : {"line_id", "quantity", "uom", "unit_price", "price_basis", "product_ids", "description", "charges", "dates"})
        CHECK(line.contains(key));
    auto const& party = o.at("parties").as_array()[1].as_object();
    for (auto key : {"role", "name", "id_qualifier", "id", "address"}) CHECK(party.contains(key));
    CHECK(party.at("address").as_object().at("state").as_string() == "IL");
    CHECK(o.at("summary").as_object().at("hash_total").as_string() == "15");
    auto const& env = o.at("envelope").as_object();
    CHECK(env.at("interchange_control_number").as_string() == "000000101");
    CHECK(env.at("receiver_id").as_string() == "SELLERID");
}

TEST_CASE("values that cannot be converted are positioned diagnostics", "[mappings][850]")
{
    // x12-reference.md 6.2, set 0002: BEG05 = 20240231 at set position 2.
    std::string bytes = example_6_1;
    bytes.replace(bytes.find("**20240315~CUR"), 11, "**20240231~");
    bytes.replace(bytes.find("PO1*1*10*EA*4.25"), 16, "PO1*1*1O*EA*4.25");
    auto s = map_all(bytes);
    REQUIRE(s.diags.size() == 2);
    auto const& date = s.diags[0];
    CHECK(date.code == x12::error::element_invalid_date);
    CHECK(x12::ak403_code(date.code) == "8");
    CHECK(date.where.tag == "BEG");
    CHECK(date.where.element == 5);
    CHECK(date.where.set_position == 2);
    CHECK(date.value == "20240231");
    CHECK(date.where.line == 3);
    CHECK(date.where.column == bytes.find("20240231") - bytes.find("ST*850") + 1);
    CHECK(s.orders[0].order_date.empty());
    auto const& qty = s.diags[1];
    CHECK(qty.code == x12::error::element_invalid_numeric);
    CHECK(qty.where.element == 2);
    CHECK(qty.value == "1O");
}

TEST_CASE("004010 850s from the corpus map with their PO numbers", "[mappings][850]")
{
    auto s = map_all(read_file(corpus_dir() + "/apimeister__x12-types/004010_850.edi"));
    REQUIRE(s.orders.size() == 1);
    CHECK_FALSE(s.orders[0].po_number.empty());
    CHECK(s.orders[0].envelope.version.rfind("004010", 0) == 0);
    CHECK_FALSE(s.orders[0].lines.empty());
    CHECK(s.orders[0].summary.computed_line_count == s.orders[0].lines.size());

    auto bots = map_all(read_file(corpus_dir() + "/bots-edi__bots-plugins/850-004010VICS-01.x12"));
    CHECK(bots.orders.size() == 4);
    for (auto const& o : bots.orders) {
        CHECK_FALSE(o.po_number.empty());
        CHECK_FALSE(o.lines.empty());
        if (o.summary.line_count) CHECK(*o.summary.line_count == o.summary.computed_line_count);
    }
}

TEST_CASE("ISO dates and times", "[mappings][850]")
{
    CHECK(mappings::iso_date("20240315") == "2024-03-15");
    CHECK(mappings::iso_date("240315") == "2024-03-15");
    CHECK(mappings::iso_date("990315") == "1999-03-15");
    CHECK(mappings::iso_date("20240229") == "2024-02-29");
    CHECK(mappings::iso_date("20230229").empty());
    CHECK(mappings::iso_date("2024031").empty());
    CHECK(mappings::iso_time("0930") == "09:30");
    CHECK(mappings::iso_time("093015") == "09:30:15");
    CHECK(mappings::iso_time("09301525") == "09:30:15.25");
    CHECK(mappings::iso_time("2460").empty());
}

#include "mappings/json.hpp"

#include <boost/json.hpp>

TEST_CASE("a canonical order reads back from its JSON, and a bad one is refused with its JSON path", "[mapping][json]")
{
    auto doc = edigw::x12::document::parse(edigw::test::read_file(std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12"));
    REQUIRE(doc.sets().size() == 1);
    edigw::mappings::order o;
    std::vector<edigw::x12::diagnostic> diags;
    REQUIRE(edigw::mappings::map_850(doc.transaction(doc.sets()[0]), o, diags));
    auto j = edigw::mappings::to_json(o);
    edigw::mappings::order back;
    std::string err;
    REQUIRE(edigw::mappings::from_json(j, back, err));
    CHECK(back.po_number == o.po_number);
    CHECK(back.order_date == o.order_date);
    REQUIRE(back.lines.size() == o.lines.size());
    CHECK(*back.lines[1].quantity == *o.lines[1].quantity);
    CHECK(*back.lines[0].unit_price == *o.lines[0].unit_price);
    CHECK(back.lines[1].product_ids.size() == 2);
    CHECK(back.parties.size() == o.parties.size());
    CHECK(back.parties[0].addr.city == "SPRINGFIELD");
    CHECK(back.payment_terms.size() == 1);
    CHECK(*back.payment_terms[0].net_days == 30);

    auto bad = boost::json::parse(R"({"po_number": "X", "lines": [{"uom": "EA", "quantity": "1"}, {"uom": "EA", "quantity": 2}]})");
    CHECK_FALSE(edigw::mappings::from_json(bad, back, err));
    CHECK(err == "order.lines[1].quantity: expected a decimal written as a string (\"4.25\")");
    auto bad2 = boost::json::parse(R"({"lines": [{"uom": "EA", "quantity": "1"}]})");
    CHECK_FALSE(edigw::mappings::from_json(bad2, back, err));
    CHECK(err == "order.po_number: is required");
}
