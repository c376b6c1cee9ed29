// The dictionary files: the built-in ones load and say what the reference
// says; a broken file is refused with its line, column and what was expected.
#include "x12/dictionary.hpp"

#include <catch2/catch.hpp>

using namespace edigw;

TEST_CASE("the built-in dictionaries load, by release, GS08 or ISA12", "[dictionary]")
{
    auto const* d4 = x12::dictionary::standard("004010");
    auto const* d5 = x12::dictionary::standard("005010X231A1");
    REQUIRE(d4);
    REQUIRE(d5);
    CHECK(x12::dictionary::standard("00401") == d4);
    CHECK(x12::dictionary::standard("00501") == d5);
    CHECK(x12::dictionary::standard("003050") == nullptr);
    for (auto id : {"850", "855", "856", "810", "997"}) {
        CHECK(d4->set(id));
        CHECK(d5->set(id));
    }
    CHECK(d4->set("999") == nullptr);
    CHECK(d5->set("999"));
    // 005010 differences (reference §4): REF02 1/30 -> 1/50, ST03, MTX.
    CHECK(d4->segment("REF")->elements[1].max_length == 30);
    CHECK(d5->segment("REF")->elements[1].max_length == 50);
    CHECK(d4->segment("ST")->elements.size() == 2);
    CHECK(d5->segment("ST")->elements.size() == 3);
    CHECK(d5->segment("MTX"));
    CHECK(d5->segment("BEG")->elements[4].type == x12::data_type::dt);
    CHECK(d5->segment("BEG")->elements[4].codes == nullptr);
    REQUIRE(d4->segment("BEG")->elements[0].codes);
    CHECK(d4->segment("BEG")->elements[0].codes->count("07") == 1);
    // The PO1 loop is mandatory; its trigger is PO1.
    auto const& root = d4->set("850")->root;
    auto it = std::find_if(root.children.begin(), root.children.end(), [](auto const& n) { return n.is_loop && n.tag == "PO1"; });
    REQUIRE(it != root.children.end());
    CHECK(it->mandatory);
    CHECK(it->children.front().tag == "PO1");
    // Composites resolve in the extending release to its own definitions.
    CHECK(d5->segment("REF")->elements[3].composite == d5->composite("C040"));
    CHECK(d5->composite("C040")->components[1].max_length == 50);
    CHECK(d5->known_tag("HL"));
    CHECK_FALSE(d5->known_tag("ZZQ"));
}

TEST_CASE("a broken dictionary file is refused with line, column and what was expected", "[dictionary]")
{
    struct bad {
        char const* text;
        std::uint32_t line, column;
        char const* says;
    };
    bad const cases[] = {
        {"segment BEG \"x\"\n", 1, 1, "expected 'release VERSION'"},
        {"release 004010\nsegment BEG \"x\"\n  01 353 QQ 2/2 M\n", 3, 10, "expected a type"},
        {"release 004010\nsegment BEG \"x\"\n  01 353 ID 3/2 M\n", 3, 13, "expected lengths MIN/MAX"},
        {"release 004010\nsegment BEG \"x\"\n  01 353 ID 2/2 Q\n", 3, 17, "expected a requirement"},
        {"release 004010\nsegment BEG \"x\"\n  02 353 ID 2/2 M\n", 3, 3, "out of order"},
        {"release 004010\nsegment N1 \"x\"\n  01 98 ID 2/3 M\n  syntax P0103\n", 4, 10, "not defined above"},
        {"release 004010\nsegment REF \"x\"\n  01 C099 O\n", 0, 0, "composite C099, which is not defined"},
        {"release 004010\nset 850 \"PO\" PO\n  ST M 1\n  loop N1 O 200\n    N1 O 1\n", 4, 0, "has no 'end'"},
        {"release 004010\nset 850 \"PO\" PO\n  loop N1 O 200\n    N3 O 1\n  end\n", 4, 5, "must start with its trigger"},
        {"release 004010\nset 850 \"PO\" PO\n  ST X 1\n", 3, 6, "expected M or O"},
        {"release 005010 extends 003050\n", 1, 24, "cannot extend unknown release"},
        {"release 004010\nfrobnicate\n", 2, 1, "expected release, segment"},
        {"release 004010\nsegment BEG \"unterminated\n", 2, 13, "unterminated quoted text"},
    };
    for (auto const& c : cases) {
        INFO(c.text);
        x12::dictionary_error err;
        auto d = x12::dictionary::parse(c.text, "test.dict", err);
        CHECK(d == nullptr);
        CHECK(err.message.find(c.says) != std::string::npos);
        CHECK(err.line == c.line);
        if (c.column) CHECK(err.column == c.column);
        CHECK(err.what().rfind("test.dict:", 0) == 0);
    }
}
