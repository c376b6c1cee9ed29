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
