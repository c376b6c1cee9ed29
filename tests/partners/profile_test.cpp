// Partner profiles: the shipped ones load; every kind of mistake in a profile
// or its files is refused with the file, line, column and what was expected.
#include "partners/profile.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace edigw;

namespace {

fs::path shipped() { return fs::path(EDIGW_SOURCE_DIR) / "partners"; }

struct scratch {
    fs::path dir;
    scratch()
    {
        dir = fs::temp_directory_path() / ("edigw-profile-" + std::to_string(::getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir / "p");
    }
    ~scratch() { fs::remove_all(dir); }
    fs::path write(std::string const& name, std::string const& text) const
    {
        fs::path f = dir / name;
        std::ofstream(f, std::ios::binary) << text;
        return f;
    }
};

std::string const minimal = "name = \"Test Partner\"\n"
                            "[their]\nisa_qualifier = \"ZZ\"\nisa_id = \"THEM\"\n"
                            "[ours]\nisa_qualifier = \"ZZ\"\nisa_id = \"US\"\n";

} // namespace

TEST_CASE("the shipped partners load with their catalogs and inventories", "[partners]")
{
    std::vector<partners::profile> all;
    partners::profile_error err;
    REQUIRE(partners::load_profiles(shipped(), all, err));
    REQUIRE(all.size() >= 2);
    auto const* buyerco = partners::find_by_sender(all, "ZZ", "BUYERID");
    REQUIRE(buyerco);
    CHECK(buyerco->id == "buyerco");
    CHECK(buyerco->inbound_version == "005010");
    CHECK(buyerco->acks.kind == x12::fa_kind::always_999);
    CHECK(buyerco->products.items.size() >= 4);
    CHECK(buyerco->stock.find("WID-200", "CA")->next_available_date == "2024-04-05");
    REQUIRE(buyerco->tightenings.size() == 1);
    CHECK(buyerco->tightenings[0].required_elements[0].what.tag == "N1");
    CHECK(buyerco->as2.has_value());
    CHECK(buyerco->rules.price_tolerance_percent == x12::decimal(5, 1));

    auto const* acme = partners::find_by_sender(all, "12", "5165550100");
    REQUIRE(acme);
    CHECK(acme->inbound_version == "004010");
    CHECK(acme->outbound_isa_version() == "00401");
    CHECK(acme->acks.kind == x12::fa_kind::always_997);
    CHECK(acme->acks.ta1 == x12::ta1_policy::on_error);
    CHECK_FALSE(acme->acks.detail_accepted);
    CHECK(acme->delimiters.component == '>');
    CHECK(acme->sftp.has_value());
    CHECK(acme->sftp->after_download == "move");
    CHECK(acme->products.find("BP", "778201").size() == 2); // EA and CA rows
    CHECK(partners::find_by_sender(all, "ZZ", "NOBODY") == nullptr);
}

TEST_CASE("a profile with a wrong key, type or value is refused with its place", "[partners]")
{
    scratch s;
    struct bad {
        std::string text;
        std::uint32_t line;
        std::string says;
    };
    std::vector<bad> cases = {
        {"colour = \"red\"\n" + minimal, 1, "unknown key 'colour'"},
        {minimal + "colour = \"red\"\n", 8, "unknown key 'ours.colour'"},
        {minimal + "[rules]\nprice_tolerence_percent = \"1\"\n", 9, "unknown key 'rules.price_tolerence_percent'"},
        {minimal + "[rules]\ncheck_stock = \"yes\"\n", 9, "'rules.check_stock' must be true or false"},
        {minimal + "[rules]\nprice_tolerance_percent = 0.5\n", 9, "exact decimal, not a float"},
        {minimal + "[acknowledgment]\nfunctional = \"998\"\n", 9, "expected one of \"997\", \"999\", \"by-version\""},
        {minimal + "[versions]\ninbound = \"004020\"\n", 9, "'versions.inbound' is \"004020\""},
        {minimal + "[delimiters]\nelement = \"**\"\n", 9, "must be one character"},
        {minimal + "[delimiters]\nelement = \"~\"\n", 8, "must differ"},
        {minimal + "[[dictionary.require]]\nelement = \"N1-3\"\n", 9, "must name an element such as \"N103\""},
        {minimal + "[[dictionary.require]]\nelement = \"N103\"\nwhen = \"N201=ST\"\n", 10, "an element of the same segment"},
        {minimal + "[dictionary.codes]\nBEG02 = []\n", 9, "non-empty array"},
        {minimal + "[templates]\n\"855\" = \"../../etc/passwd\"\n", 9, "inside the partner's folder"},
        {minimal + "[transport.sftp]\nhost = \"h\"\nuser = \"u\"\nhost_key_sha256 = \"x\"\ninbound_dir = \"/i\"\noutbound_dir = \"/o\"\n", 8,
         "needs private_key"},
        {minimal + "[transport.sftp]\nhost = \"h\"\nport = 70000\n", 10, "between 1 and 65535"},
        {"name = \"x\"\n[their]\nisa_qualifier = \"ZZ\"\n", 2, "missing key 'their.isa_id'"},
        {"name = \"x\"\n", 1, "missing table [their]"},
        {minimal + "[rules\n", 8, ""}, // a TOML syntax error: toml++'s own message
    };
    for (auto const& c : cases) {
        INFO(c.text);
        auto f = s.write("p/case.toml", c.text);
        partners::profile p;
        partners::profile_error err;
        CHECK_FALSE(partners::load_profile(f, p, err));
        CHECK(err.file == f.string());
        CHECK(err.line == c.line);
        CHECK(err.message.find(c.says) != std::string::npos);
        CHECK(err.what().find(f.string() + ":" + std::to_string(c.line) + ":") == 0);
    }
}

TEST_CASE("partner IDs are file names of safe characters", "[partners]")
{
    scratch s;
    partners::profile p;
    partners::profile_error err;
    CHECK_FALSE(partners::load_profile(s.write("p/Bad Name.toml", minimal), p, err));
    CHECK(err.message.find("lower-case letters") != std::string::npos);
    CHECK(partners::load_profile(s.write("p/good-one.toml", minimal), p, err));
    CHECK(p.id == "good-one");
    CHECK(p.their.gs_id == "THEM"); // defaults to the ISA ID
}

TEST_CASE("catalog and inventory files are checked line by line", "[partners]")
{
    scratch s;
    struct bad {
        std::string file, text;
        std::uint32_t line, column;
        std::string says;
    };
    std::vector<bad> cases = {
        {"cat.csv", "sku,upc,description\n", 1, 1, "expected the header"},
        {"cat.csv", "sku,upc,buyer_part,description,uom,unit_price,pack_size\nA,,,x,EA,abc,1\n", 2, 10, "unit_price"},
        {"cat.csv", "sku,upc,buyer_part,description,uom,unit_price,pack_size\nA,,,x,EACH,1.00,1\n", 2, 7, "2-letter"},
        {"cat.csv", "sku,upc,buyer_part,description,uom,unit_price,pack_size\nA,,,\"x,EA,1.00,1\n", 2, 5, "quote"},
        {"cat.csv", "sku,upc,buyer_part,description,uom,unit_price,pack_size\nA,,,x,EA,1.00\n", 2, 1, "expected 7 fields"},
        {"inv.csv", "sku,uom,available,next_available_date\nA,EA,5,12/05/2026\n", 2, 8, "YYYY-MM-DD"},
    };
    for (auto const& c : cases) {
        INFO(c.text);
        auto f = s.write(c.file, c.text);
        partners::file_error err;
        bool ok = c.file == "cat.csv" ? [&] { partners::catalog cat; return partners::load_catalog(f, cat, err); }()
                                      : [&] { partners::inventory inv; return partners::load_inventory(f, inv, err); }();
        CHECK_FALSE(ok);
        CHECK(err.line == c.line);
        CHECK(err.column == c.column);
        CHECK(err.message.find(c.says) != std::string::npos);
    }
    // A quoted field with a comma and a doubled quote.
    partners::catalog cat;
    partners::file_error err;
    REQUIRE(partners::load_catalog(s.write("ok.csv", "sku,upc,buyer_part,description,uom,unit_price,pack_size\n"
                                                     "A,,,\"PAN 10\"\", CAST\",EA,22.00,4\n"),
                                   cat, err));
    CHECK(cat.items[0].description == "PAN 10\", CAST");
    CHECK(cat.items[0].pack_size == x12::decimal(4, 0));
}

TEST_CASE("the complete example in partners/README.md is a valid profile", "[partners]")
{
    std::ifstream in(shipped() / "README.md");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto at = text.find("```toml\n");
    REQUIRE(at != std::string::npos);
    auto end = text.find("```", at + 8);
    std::string toml = text.substr(at + 8, end - at - 8);
    // In a scratch folder that links the shipped acme/ files, so the relative
    // paths resolve without touching partners/ (other tests read it meanwhile).
    scratch s;
    fs::create_directory_symlink(shipped() / "acme", s.dir / "p" / "acme");
    fs::path f = s.write("p/readme-example.toml", toml);
    partners::profile p;
    partners::profile_error err;
    bool ok = partners::load_profile(f, p, err);
    INFO(err.what());
    REQUIRE(ok);
    CHECK(p.their.isa_id == "5165550100");
    CHECK(p.tightenings.size() == 1);
    CHECK(p.sftp.has_value());
    CHECK(p.as2.has_value());
    CHECK(p.folder.has_value());
    CHECK(p.templates.count("855") == 1);
}
