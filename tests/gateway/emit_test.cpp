// Outbound documents from templates: the 855 of the reference's §6.6 from its
// §6.1, partner overrides, 004010 and 005010, the release rule, control
// numbers from the log, and an 855 for every corpus 850 edigw accepts.
#include "support.hpp"

#include "gateway/log/store.hpp"
#include "gateway/pipeline/emit.hpp"
#include "gateway/pipeline/inbound.hpp"
#include "x12/document.hpp"
#include "x12/validator.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace edigw;

namespace {

std::vector<partners::profile> const& profiles()
{
    static std::vector<partners::profile> all = [] {
        std::vector<partners::profile> v;
        partners::profile_error err;
        if (!partners::load_profiles(fs::path(EDIGW_SOURCE_DIR) / "partners", v, err)) throw std::runtime_error(err.what());
        return v;
    }();
    return all;
}

partners::profile const& partner(std::string const& id)
{
    for (auto const& p : profiles())
        if (p.id == id) return p;
    throw std::runtime_error("no partner " + id);
}

// Segments one per line with the run-dependent fields blanked (as in ack_test).
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

pipeline::order_result const& first_order(pipeline::analysis const& an)
{
    REQUIRE_FALSE(an.orders.empty());
    REQUIRE(an.orders.front().decision);
    return an.orders.front();
}

pipeline::analysis analyse(std::string const& bytes, partners::profile const* p, std::string received = "2024-03-15")
{
    pipeline::inbound_options o;
    o.partner = p;
    o.profiles = &profiles();
    o.received_date = received;
    return pipeline::analyse_bytes(bytes, "order.x12", o);
}

void check_valid(std::string const& text, std::string const& release)
{
    auto doc = x12::document::parse(text);
    for (auto const& d : doc.diagnostics()) UNSCOPED_INFO(x12::format(d, "emitted"));
    CHECK_FALSE(doc.has_errors());
    x12::validator v(*x12::dictionary::standard(release));
    for (auto const& ref : doc.sets()) {
        std::vector<x12::diagnostic> diags;
        v.validate(doc.transaction(ref), diags);
        for (auto const& d : diags) UNSCOPED_INFO(x12::format(d, "emitted"));
        CHECK(diags.empty());
    }
}

struct temp_dir {
    fs::path path;
    temp_dir()
    {
        static int n = 0;
        path = fs::temp_directory_path() / ("edigw-emit-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~temp_dir() { fs::remove_all(path); }
};

} // namespace

TEST_CASE("the 855 for the worked example §6.1 is §6.6", "[emit][golden]")
{
    auto an = analyse(test::read_file(std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12"), nullptr);
    auto const& o = first_order(an);
    pipeline::emit_options eo;
    eo.seller_order_number = "SO-5531";
    eo.today = "2024-03-16";
    eo.date = "20240316";
    eo.time = "0800";
    auto r = pipeline::emit_855(partner("buyerco"), o.order, *o.decision, eo);
    INFO(r.error);
    REQUIRE(r.ok);
    CHECK(normalise(r.interchange) == normalise(test::read_file(std::string(EDIGW_GOLDEN_DIR) + "/documents/6.6-855.expect")));
    check_valid(r.interchange, "005010");
}

TEST_CASE("a partner's own template overrides the default", "[emit]")
{
    temp_dir d;
    std::ofstream(d.path / "855.x12t") << "# BuyerCo wants the department on every 855\n"
                                          "BAK*00*{bak02}*{po.po_number}*{po.order_date|date8}\n"
                                          "{for r in po.references}\n"
                                          "REF*{r.qualifier}*{r.value}\n"
                                          "{end}\n"
                                          "{for line in po.lines}\n"
                                          "PO1*{line.line_id}*{line.quantity|r}*{line.uom}\n"
                                          "{for a in line.acks}\n"
                                          "ACK*{a.status}*{a.quantity|r}*{a.uom}\n"
                                          "{end}\n"
                                          "{end}\n"
                                          "CTT*{po.lines|count}\n";
    auto p = partner("buyerco");
    p.templates["855"] = d.path / "855.x12t";
    CHECK(pipeline::find_template(p, "855") == d.path / "855.x12t");
    CHECK(pipeline::find_template(partner("acme"), "855").filename() == "855.x12t");
    auto an = analyse(test::read_file(std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12"), nullptr);
    auto const& o = first_order(an);
    auto r = pipeline::emit_855(p, o.order, *o.decision, {});
    INFO(r.error);
    REQUIRE(r.ok);
    CHECK(r.interchange.find("PO1*2*5*CA~") != std::string::npos);
    CHECK(r.interchange.find("N1*ST") == std::string::npos);
    CHECK(r.interchange.find("REF*DP*042~") != std::string::npos);
    check_valid(r.interchange, "005010");
}

TEST_CASE("an 855 in 004010 for an 004010 partner, with its delimiters", "[emit]")
{
    std::string po = "ISA*00*          *00*          *12*5165550100     *ZZ*SELLERCOEDI    *261120*1015*U*00401*000004711*0*P*>~"
                     "GS*PO*ACMERETAIL*SELLERCO*20261120*1015*4711*X*004010~ST*850*0001~BEG*00*SA*A-88120**20261120~"
                     "REF*DP*082~DTM*010*20261201~N1*ST*ACME STORE 212*92*0212~N3*12 HARBOR RD~N4*PORTLAND*ME*04101*US~"
                     "PO1*1*24*EA*11.40*PE*VP*SC-1001~PO1*2*8*EA*22*PE*BP*778201~CTT*2*32~SE*11*0001~GE*1*4711~IEA*1*000004711~";
    auto an = analyse(po, nullptr, "2026-11-20");
    auto const& o = first_order(an);
    CHECK(o.decision->bak02 == "AD");
    auto r = pipeline::emit_855(partner("acme"), o.order, *o.decision, {});
    INFO(r.error);
    REQUIRE(r.ok);
    CHECK(r.interchange.find("*U*00401*") != std::string::npos);
    CHECK(r.interchange.find("*X*004010~") != std::string::npos);
    CHECK(r.interchange.find("ST*855*0001~") != std::string::npos);
    CHECK(r.interchange.find("ACK*IA*24*EA*068*20261201~") != std::string::npos);
    check_valid(r.interchange, "004010");
}

TEST_CASE("the release rule: an invalid document is never released nor numbered", "[emit]")
{
    temp_dir d;
    std::ofstream(d.path / "855.x12t") << "BAK*00*{bak02}\nCTT*{po.lines|count}\n";
    auto p = partner("buyerco");
    p.templates["855"] = d.path / "855.x12t";
    std::string err;
    auto st = log::store::open(d.path / "data", err);
    REQUIRE(st);
    auto an = analyse(test::read_file(std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12"), nullptr);
    auto const& o = first_order(an);
    pipeline::emit_options eo;
    eo.st = st.get();
    auto r = pipeline::emit_855(p, o.order, *o.decision, eo);
    CHECK_FALSE(r.ok);
    CHECK(r.interchange.empty());
    CHECK(r.error.find("not released") != std::string::npos);
    CHECK(r.error.find("BAK03") != std::string::npos);
    CHECK(r.error.find("855.x12t:1") != std::string::npos); // the template line that made it
    log::sql::statement q(st->db(), "SELECT (SELECT count(*) FROM control_numbers) + (SELECT count(*) FROM transmissions)");
    REQUIRE(q.step());
    CHECK(q.integer(0) == 0);
}

TEST_CASE("data holding one of the partner's delimiters is refused, never written", "[emit]")
{
    auto an = analyse(test::read_file(std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12"), nullptr);
    auto const& o = first_order(an);
    for (std::string bad : {"A*B", "A~B", "A:B", "A^B"}) {
        CAPTURE(bad);
        auto order = o.order;
        order.po_number = bad;
        auto r = pipeline::emit_855(partner("buyerco"), order, *o.decision, {});
        CHECK_FALSE(r.ok);
        CHECK(r.interchange.empty());
        CHECK(r.error.find("BAK03 would carry '" + bad + "', which holds one of buyerco's delimiters") != std::string::npos);
    }
    // A component the template makes is joined with the partner's separator, not refused.
    temp_dir d;
    std::ofstream(d.path / "855.x12t") << "{set 855}\nBAK*00*{bak02}*{po.po_number}*{po.order_date|date8}\nREF*ZZ*X**ZZ:{po.po_number}\n"
                                         "{for line in po.lines}\nPO1*{line.line_id}*{line.quantity|r}*{line.uom}\n{end}\nCTT*{po.lines|count}\n";
    auto p = partner("buyerco");
    p.templates["855"] = d.path / "855.x12t";
    auto r = pipeline::emit_855(p, o.order, *o.decision, {});
    INFO(r.error);
    REQUIRE(r.ok);
    CHECK(r.interchange.find("REF*ZZ*X**ZZ" + std::string(1, p.delimiters.component) + o.order.po_number + "~") != std::string::npos);
}

TEST_CASE("released documents take their control numbers from the log and are recorded as outbound", "[emit]")
{
    temp_dir d;
    std::string err;
    auto st = log::store::open(d.path, err);
    REQUIRE(st);
    auto an = analyse(test::read_file(std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12"), nullptr);
    auto const& o = first_order(an);
    pipeline::emit_options eo;
    eo.st = st.get();
    auto a = pipeline::emit_855(partner("buyerco"), o.order, *o.decision, eo);
    auto b = pipeline::emit_855(partner("buyerco"), o.order, *o.decision, eo);
    REQUIRE((a.ok && b.ok));
    CHECK(a.isa13 == 1);
    CHECK(b.isa13 == 2);
    CHECK(b.gs06 == 2);
    CHECK(a.interchange.find("*000000001*0*P*") != std::string::npos);
    CHECK(b.interchange.find("ST*855*0002~") != std::string::npos);
    log::sql::statement q(st->db(), "SELECT count(*) FROM groups WHERE direction = 'out' AND ack_expected = 1 AND status = 'pending'");
    REQUIRE(q.step());
    CHECK(q.integer(0) == 2);
}

TEST_CASE("an 855 for every 850 of the corpus that edigw accepts, each valid", "[emit][corpus]")
{
    // A partner with no catalog or guide rules: every syntactically accepted order is processed.
    partners::profile open = partner("buyerco");
    open.products = {};
    open.stock = {};
    open.tightenings.clear();
    open.rules.require_ship_to = false;
    open.rules.reject_past_dates = false;
    open.rules.currencies.clear();
    std::size_t emitted = 0;
    for (auto const& e : test::corpus()) {
        if (e.sets.find("850") == std::string::npos) continue;
        auto an = analyse(test::read_file(test::corpus_dir() + "/" + e.path), &open);
        for (auto const& o : an.orders) {
            if (!o.decision || !o.decision->send_855()) continue;
            CAPTURE(e.path, o.order.po_number);
            auto r = pipeline::emit_855(open, o.order, *o.decision, {});
            INFO(r.error);
            CHECK(r.ok);
            if (r.ok) {
                check_valid(r.interchange, "005010");
                ++emitted;
            }
        }
    }
    CHECK(emitted >= 10);
}

namespace {

// Compares what a template would read from the 855's view and from the same
// data built as JSON, node by node, over every name the JSON has (and one it
// has not): the first difference, as a path, or "" when they agree.
std::string differs(mappings::datum const& v, boost::json::value const& j, std::string const& path)
{
    auto const js = mappings::datum::json(j);
    if (!v) return path + ": missing from the view";
    if (v.kind() != js.kind()) return path + ": another kind";
    if (v.scalar() != js.scalar()) return path + ": '" + v.scalar() + "' for '" + js.scalar() + "'";
    if (v.truthy() != js.truthy()) return path + ": another truth";
    if (v.size() != js.size()) return path + ": another size";
    if (v.member("no_such_name")) return path + ": a member the JSON has not";
    if (auto const* o = j.if_object())
        for (auto const& [k, m] : *o)
            if (auto d = differs(v.member(k), m, path + "." + std::string(k)); !d.empty()) return d;
    if (auto const* a = j.if_array()) {
        for (std::size_t i = 0; i < a->size(); ++i)
            if (auto d = differs(v.item(i), (*a)[i], path + "[" + std::to_string(i) + "]"); !d.empty()) return d;
        if (v.item(a->size())) return path + ": an item past the end";
    }
    return {};
}

} // namespace

TEST_CASE("the 855's view answers every name of its JSON form with the same value", "[emit][corpus]")
{
    // Orders from the corpus and the samples, decided by the partners as
    // they are (rejected lines, changed prices, backorders) and by one with
    // no rules; the JSON is the documented form, the view what is rendered.
    partners::profile open = partner("buyerco");
    open.products = {};
    open.stock = {};
    open.tightenings.clear();
    std::vector<std::string> files;
    for (auto const& e : test::corpus())
        if (e.sets.find("850") != std::string::npos) files.push_back(test::corpus_dir() + "/" + e.path);
    for (auto const& f : fs::directory_iterator(EDIGW_SAMPLES_DIR))
        if (f.path().extension() == ".x12") files.push_back(f.path().string());
    std::sort(files.begin(), files.end());
    pipeline::emit_options eo;
    eo.today = "2024-03-19";
    std::size_t orders = 0, prices = 0, parties = 0, rare_segments = 0;
    for (auto const& file : files)
        for (auto const* p : {static_cast<partners::profile const*>(&open), static_cast<partners::profile const*>(nullptr)}) {
            auto an = analyse(test::read_file(file), p);
            for (auto const& o : an.orders) {
                if (!o.decision) continue;
                CAPTURE(file, o.order.po_number);
                pipeline::data_855_view view(o.order, *o.decision, eo);
                auto const json = pipeline::data_855(o.order, *o.decision, eo);
                CHECK(differs(view.data(), json, "data") == "");
                // The same segments from either, with the default template
                // and one that reads the rare names (answered from to_json).
                mappings::template_error err;
                auto rare = mappings::compiled_template::compile(
                    "{for r in po.references}\nREF*{r.qualifier}*{r.value}\n{end}\n"
                    "{for l in po.lines}\n{for s in l.schedules}\nSCH*{s.quantity|r}*{s.uom}****{s.date|date8}\n{end}\n"
                    "{for a in l.acks}\nACK*{a.status}*{a.quantity|r}*{a.uom}*{if a.price}P{end}*{a.price|r}\n{end}\n{end}\n"
                    "{for p in po.parties}\nN1*{p.role}*{p.name}*{p.id_qualifier}*{p.id}\nN4*{p.address.city}*{p.address.state}\n{end}\n"
                    "N3*{ship_to.address.lines|first}*{po.summary.hash_total|r}*{po.envelope.sender_id}",
                    "rare.x12t", err);
                REQUIRE(rare);
                auto dflt = mappings::compiled_template::load(pipeline::find_template(open, "855"), err);
                REQUIRE(dflt);
                for (auto const* t : {&dflt, &rare}) {
                    std::vector<mappings::rendered_segment> a, b;
                    mappings::template_error ea, eb;
                    bool const oka = (*t)->render(view.data(), nullptr, a, ea), okb = (*t)->render(json, nullptr, b, eb);
                    CHECK(oka == okb);
                    CHECK(ea.what() == eb.what());
                    REQUIRE(a.size() == b.size());
                    for (std::size_t i = 0; i < a.size(); ++i) {
                        CHECK(a[i].tag == b[i].tag);
                        CHECK(a[i].elements == b[i].elements);
                        rare_segments += t == &rare && (a[i].tag == "REF" || a[i].tag == "SCH" || a[i].tag == "N4") ? 1 : 0;
                    }
                }
                ++orders;
                for (auto const& l : o.decision->lines)
                    for (auto const& k : l.acks) prices += k.price ? 1 : 0;
                parties += o.order.parties.size();
            }
        }
    // And the empty corners real files seldom have: no ship-to, a line with
    // no quantity, unit, price or IDs, a line no decision names, empty strings.
    mappings::order bare;
    bare.lines.resize(3);
    bare.lines[0].line_id = "1";
    bare.lines[1].line_id = "2";
    bare.lines[1].quantity = x12::decimal(0, 0);
    bare.lines[1].product_ids = {{"", ""}};
    bare.parties.push_back({});
    partners::order_decision none;
    none.lines.push_back({"2", 0, {{"IP", x12::decimal(5, 1), "", "", x12::decimal(0, 0)}}, ""});
    pipeline::data_855_view view(bare, none, eo);
    CHECK(differs(view.data(), pipeline::data_855(bare, none, eo), "data") == "");
    CHECK(view.data().member("ship_to").kind() == mappings::data_kind::null);

    // The comparison saw orders of every shape: many, with parties, and with acks that carry a price.
    CHECK(orders >= 40);
    CHECK(parties >= 40);
    CHECK(prices >= 1);
    CHECK(rare_segments >= 20); // the rare names were looked up, through the view's to_json
}

#include "gateway/pipeline/invoice.hpp"
#include "gateway/pipeline/shipment.hpp"

#include <boost/json.hpp>

namespace {

boost::json::value sample_json(std::string const& name)
{
    return boost::json::parse(test::read_file(std::string(EDIGW_SAMPLES_DIR) + "/" + name));
}

pipeline::emit_options fixed()
{
    pipeline::emit_options eo;
    eo.today = "2024-03-19";
    eo.date = "20240319";
    eo.time = "1430";
    return eo;
}

} // namespace

TEST_CASE("SSCC-18 and GS1 check digits", "[emit][sscc]")
{
    CHECK(pipeline::gs1_check_digit("01234567890") == 5); // the UPC 012345678905 of §6
    CHECK(pipeline::gs1_check_digit("00012345600000001") == 2);
    CHECK(pipeline::gs1_check_digit("00012345600000002") == 9);
    CHECK(pipeline::make_sscc("00123456", 1) == "000123456000000012");
    CHECK(pipeline::make_sscc("00123456", 2) == "000123456000000029");
    CHECK(pipeline::gs1_check_digit("10614141123456789") == 7); // GS1's example SSCC (00)106141411234567897
    CHECK(pipeline::make_sscc("0614141", 123456789) == "006141411234567890"); // the same with extension digit 0
    CHECK(pipeline::make_sscc("12345", 1).empty());             // a prefix is 6-11 digits
    CHECK(pipeline::make_sscc("00123456", 100000000).empty());  // the serial does not fit
}

TEST_CASE("the 856 for the worked example is §6.7, SSCCs generated", "[emit][golden]")
{
    auto r = pipeline::emit_856(partner("buyerco"), sample_json("shipment-buyerco-SHP-9001.json"), fixed());
    INFO(r.error);
    REQUIRE(r.ok);
    CHECK(normalise(r.interchange) == normalise(test::read_file(std::string(EDIGW_GOLDEN_DIR) + "/documents/6.7-856.expect")));
    check_valid(r.interchange, "005010");
}

TEST_CASE("856 structure 0004 (no packs): HL parents and child codes", "[emit]")
{
    auto s = sample_json("shipment-buyerco-SHP-9001.json");
    auto& o = s.as_object();
    o["structure"] = "0004";
    auto& order = o["orders"].as_array()[0].as_object();
    boost::json::array items;
    for (auto const& c : order["cartons"].as_array())
        for (auto const& it : c.at("items").as_array()) items.push_back(it);
    order.erase("cartons");
    order["items"] = items;
    auto r = pipeline::emit_856(partner("acme"), s, fixed());
    INFO(r.error);
    REQUIRE(r.ok);
    CHECK(r.interchange.find("BSN*00*SHP-9001*20240319*1430*0004~") != std::string::npos);
    CHECK(r.interchange.find("HL*1**S*1~") != std::string::npos);
    CHECK(r.interchange.find("HL*2*1*O*1~") != std::string::npos);
    CHECK(r.interchange.find("HL*3*2*I*0~") != std::string::npos);
    CHECK(r.interchange.find("HL*4*2*I*0~") != std::string::npos);
    CHECK(r.interchange.find("MAN*") == std::string::npos);
    CHECK(r.interchange.find("CTT*4*13~") != std::string::npos);
    CHECK(r.interchange.find("*U*00401*") != std::string::npos); // acme: 004010
    check_valid(r.interchange, "004010");
}

TEST_CASE("a bad shipment or invoice is refused with the JSON path of what is wrong", "[emit]")
{
    struct bad {
        char const* path;
        std::function<void(boost::json::object&)> edit;
        std::string says;
    };
    std::vector<bad> cases = {
        {"shipment.orders[0].cartons[1].items[0].quantity",
         [](auto& o) { o["orders"].as_array()[0].as_object()["cartons"].as_array()[1].as_object()["items"].as_array()[0].as_object()["quantity"] = 3; },
         "binary floating point"},
        {"shipment.date", [](auto& o) { o["date"] = "19/03/2024"; }, "YYYY-MM-DD"},
        {"shipment.carrier", [](auto& o) { o.erase("carrier"); }, "is required"},
        {"shipment.colour", [](auto& o) { o["colour"] = "red"; }, "not a member"},
        {"shipment.orders[0].cartons[0].sscc", [](auto& o) { o["orders"].as_array()[0].as_object()["cartons"].as_array()[0].as_object()["sscc"] = "000123456000000013"; },
         "check digit"},
        {"shipment.structure", [](auto& o) { o["structure"] = "0002"; }, "0001"},
    };
    for (auto const& c : cases) {
        INFO(c.path);
        auto s = sample_json("shipment-buyerco-SHP-9001.json");
        c.edit(s.as_object());
        auto r = pipeline::emit_856(partner("buyerco"), s, fixed());
        CHECK_FALSE(r.ok);
        CHECK(r.error.rfind(std::string(c.path) + ": ", 0) == 0);
        CHECK(r.error.find(c.says) != std::string::npos);
    }
    auto inv = sample_json("invoice-buyerco-INV-3001.json");
    inv.as_object()["lines"].as_array()[1].as_object()["unit_price"] = "thirty";
    auto r = pipeline::emit_810(partner("buyerco"), inv, fixed());
    CHECK_FALSE(r.ok);
    CHECK(r.error.rfind("invoice.lines[1].unit_price: ", 0) == 0);
}

TEST_CASE("the 810 for the worked example is §6.8, and TDS arithmetic is exact", "[emit][golden]")
{
    auto r = pipeline::emit_810(partner("buyerco"), sample_json("invoice-buyerco-INV-3001.json"), fixed());
    INFO(r.error);
    REQUIRE(r.ok);
    CHECK(normalise(r.interchange) == normalise(test::read_file(std::string(EDIGW_GOLDEN_DIR) + "/documents/6.8-810.expect")));
    check_valid(r.interchange, "005010");

    // An allowance lowers the total; the discount rounds half away from zero.
    auto inv = sample_json("invoice-buyerco-INV-3001.json");
    auto& o = inv.as_object();
    o["terms"].as_object()["discount_percent"] = "1.5";           // 1.5% of 132.50 = 1.9875 -> 1.99
    o["charges"].as_array().push_back(boost::json::object{{"indicator", "A"}, {"code", "C310"}, {"amount", "5.25"}});
    boost::json::value data;
    pipeline::shipment_error err;
    REQUIRE(pipeline::invoice_data(inv, data, err));
    auto const& t = data.at("invoice").at("totals");
    CHECK(t.at("total") == "142.25");            // 132.50 + 15.00 - 5.25
    CHECK(t.at("subject_to_discount") == "132.50");
    CHECK(t.at("discount") == "1.99");
    CHECK(t.at("discounted_due") == "140.26");
}

TEST_CASE("an 810 derived from the order and its shipment, and 004010 too", "[emit]")
{
    auto an = analyse(test::read_file(std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12"), nullptr);
    auto const& o = first_order(an);
    for (auto const* id : {"buyerco", "acme"}) {
        INFO(id);
        auto r = pipeline::emit_810_from(partner(id), o.order, sample_json("shipment-buyerco-SHP-9001.json"), "INV-1", fixed());
        INFO(r.error);
        REQUIRE(r.ok);
        CHECK(r.interchange.find("IT1*2*3*CA*30*PE*BP*B-200*VP*WID-200~") != std::string::npos); // 3 shipped of 5 ordered
        CHECK(r.interchange.find("TDS*14750*13250*14485*265~") != std::string::npos);
        check_valid(r.interchange, std::string(id) == "acme" ? "004010" : "005010");
    }
}

TEST_CASE("every document honours a partner's override of its template", "[emit]")
{
    temp_dir d;
    std::ofstream(d.path / "856.x12t") << "BSN*00*{shipment.shipment_id}*{shipment.date|date8}*{shipment.time|time4}*{bsn05}\n"
                                          "{for hl in hls}\nHL*{hl.id}*{hl.parent}*{hl.level}*{hl.child}\n{end}\n"
                                          "CTT*{hl_count}\n";
    std::ofstream(d.path / "810.x12t") << "BIG*{invoice.date|date8}*{invoice.invoice_number}\n"
                                          "{for l in invoice.lines}\nIT1*{l.line_id}*{l.quantity|r}*{l.uom}*{l.unit_price|r}\n{end}\n"
                                          "TDS*{invoice.totals.total|n2}\n";
    auto p = partner("acme");
    p.templates["856"] = d.path / "856.x12t";
    p.templates["810"] = d.path / "810.x12t";
    auto a = pipeline::emit_856(p, sample_json("shipment-buyerco-SHP-9001.json"), fixed());
    INFO(a.error);
    REQUIRE(a.ok);
    CHECK(a.interchange.find("TD1*") == std::string::npos);
    CHECK(a.interchange.find("CTT*6~") != std::string::npos);
    check_valid(a.interchange, "004010");
    auto b = pipeline::emit_810(p, sample_json("invoice-buyerco-INV-3001.json"), fixed());
    INFO(b.error);
    REQUIRE(b.ok);
    CHECK(b.interchange.find("IT1*1*10*EA*4.25~") != std::string::npos);
    CHECK(b.interchange.find("N1*") == std::string::npos);
    check_valid(b.interchange, "004010");
}

TEST_CASE("004010 goldens: the 855, 856 and 810 for Acme (default templates, its delimiters)", "[emit][golden]")
{
    bool const update = std::getenv("EDIGW_UPDATE_GOLDEN") != nullptr;
    std::string po = "ISA*00*          *00*          *12*5165550100     *ZZ*SELLERCOEDI    *261120*1015*U*00401*000004711*0*P*>~"
                     "GS*PO*ACMERETAIL*SELLERCO*20261120*1015*4711*X*004010~ST*850*0001~BEG*00*SA*A-88120**20261120~"
                     "REF*DP*082~DTM*010*20261201~N1*ST*ACME STORE 212*92*0212~N3*12 HARBOR RD~N4*PORTLAND*ME*04101*US~"
                     "PO1*1*24*EA*11.40*PE*VP*SC-1001~PO1*2*40*EA*18.75*PE*VP*SC-1002~CTT*2*64~SE*11*0001~GE*1*4711~IEA*1*000004711~";
    auto an = analyse(po, nullptr, "2026-11-20");
    auto const& o = first_order(an);
    auto eo = fixed();
    eo.seller_order_number = "SO-1";
    auto shipment = sample_json("shipment-buyerco-SHP-9001.json");
    auto results = std::vector<std::pair<std::string, pipeline::emit_result>>{
        {"acme-855", pipeline::emit_855(partner("acme"), o.order, *o.decision, eo)},
        {"acme-856", pipeline::emit_856(partner("acme"), shipment, eo)},
        {"acme-810", pipeline::emit_810(partner("acme"), sample_json("invoice-buyerco-INV-3001.json"), eo)},
    };
    for (auto const& [name, r] : results) {
        INFO(name << ": " << r.error);
        REQUIRE(r.ok);
        check_valid(r.interchange, "004010");
        fs::path expect = fs::path(EDIGW_GOLDEN_DIR) / "documents" / (name + ".expect");
        if (update) {
            std::ofstream(expect, std::ios::binary) << r.interchange;
            continue;
        }
        CHECK(r.interchange == test::read_file(expect.string()));
    }
}

TEST_CASE("the release rule applies the partner's guide for the outbound document too", "[emit]")
{
    auto p = partner("buyerco");
    x12::tightening t;
    t.set_id = "855";
    x12::tightening::required_element re;
    REQUIRE(x12::parse_element_ref("BAK06", re.what)); // the default template leaves BAK06 out
    t.required_elements.push_back(re);
    p.tightenings.push_back(t);
    auto an = analyse(test::read_file(std::string(EDIGW_SAMPLES_DIR) + "/850-005010-original.x12"), nullptr);
    auto const& o = first_order(an);
    auto r = pipeline::emit_855(p, o.order, *o.decision, {});
    CHECK_FALSE(r.ok);
    CHECK(r.error.find("BAK06") != std::string::npos);
    CHECK(r.error.find("required by the partner") != std::string::npos);
}
