// The template language: every construct and filter, and every kind of
// mistake refused at compile time with its line, column and what was expected.
#include "mappings/template.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace edigw;
namespace json = boost::json;

namespace {

std::string render(std::string const& text, json::value const& data, x12::dictionary const* dict = nullptr)
{
    mappings::template_error err;
    auto t = mappings::compiled_template::compile(text, "t.x12t", err);
    INFO(err.what());
    REQUIRE(t);
    std::vector<mappings::rendered_segment> segs;
    bool ok = t->render(data, dict, segs, err);
    INFO(err.what());
    REQUIRE(ok);
    std::string out;
    for (auto const& s : segs) {
        out += s.tag;
        for (auto const& e : s.elements) {
            out += '*';
            for (char ch : e) out += ch == mappings::component_mark ? ':' : ch == mappings::repetition_mark ? '^' : ch;
        }
        out += "~";
    }
    return out;
}

json::value const data = json::parse(R"({
  "po": {"po_number": "PO-1", "date": "2024-03-15", "time": "09:30:15", "note": "", "currency": "USD", "total": "147.5"},
  "lines": [
    {"id": "1", "qty": "10", "uom": "EA", "price": "4.250", "ids": [{"q": "UP", "v": "012345678905"}, {"q": "VP", "v": "WID-100"}]},
    {"id": "2", "qty": "5.5", "uom": "CS", "price": "30", "ids": [{"q": "BP", "v": "B-200"}]}
  ],
  "flag": true, "empty": []
})");

} // namespace

TEST_CASE("templates: loops, blocks, inline conditions and every filter", "[template]")
{
    CHECK(render("BEG*00*SA*{po.po_number}**{po.date|date8}", data) == "BEG*00*SA*PO-1**20240315~");
    CHECK(render("DTM*002*{po.date|date6}*{po.time|time4}*{po.time|time6}", data) == "DTM*002*240315*0930*093015~");
    CHECK(render("{for l in lines}\nPO1*{l.id}*{l.qty|r}*{l.uom}*{l.price|r}**{l.ids|spread:q,v}\n{end}", data)
          == "PO1*1*10*EA*4.25**UP*012345678905*VP*WID-100~PO1*2*5.5*CS*30**BP*B-200~");
    CHECK(render("TDS*{po.total|n2}", data) == "TDS*14750~");
    CHECK(render("CTT*{lines|count}*{lines|sum:qty|r}", data) == "CTT*2*15.5~");
    CHECK(render("N1*ST*{po.po_number|pad:6}*{po.po_number|trunc:2}*{lines|count|zpad:4}", data) == "N1*ST*PO-1  *PO*0002~");
    CHECK(render("MSG*{po.note|default:NONE}*{po.currency|upper}", data) == "MSG*NONE*USD~");
    CHECK(render("{table uom EA=EA CS=CA}\n{for l in lines}\nSN1**{l.qty|r}*{l.uom|map:uom}\n{end}", data)
          == "SN1**10*EA~SN1**5.5*CA~");
    CHECK(render("REF*VP*{lines|first|first}", data) == "REF*VP*~"); // first of a list of objects has no scalar value
    CHECK(render("{if po.currency}\nCUR*BY*{po.currency}\n{else}\nCUR*BY*USD\n{end}", data) == "CUR*BY*USD~");
    CHECK(render("{if po.note}\nMSG*{po.note}\n{else}\nMSG*NO NOTE\n{end}", data) == "MSG*NO NOTE~");
    CHECK(render("{if not empty}\nX1*A\n{end}\n{if po.currency == USD}\nX2*B\n{end}\n{if po.currency != 'USD'}\nX3*C\n{end}", data)
          == "X1*A~X2*B~");
    CHECK(render("ACK*IA*{if flag}068{end}*{if empty}X{else}Y{end}", data) == "ACK*IA*068*Y~");
    CHECK(render("REF*DP*A\\*B\\:C*{lines|count}:{po.po_number}^2", data) == "REF*DP*A*B:C*2:PO-1^2~");
    CHECK(render("{for l in lines}\nLIN*{l_index}*VP*{l.id}\n{end}", data) == "LIN*1*VP*1~LIN*2*VP*2~");
    // A segment whose elements all render empty is not written.
    CHECK(render("MSG*{po.note}\nCUR*BY*USD", data) == "CUR*BY*USD~");
    // fit: cut to the dictionary's maximum (N102 is AN 1/60).
    auto const* d = x12::dictionary::standard("005010");
    json::value big = json::object{{"name", std::string(70, 'N')}};
    CHECK(render("N1*ST*{name|fit}", big, d) == "N1*ST*" + std::string(60, 'N') + "~");
    // ... and pad to its minimum: N4*{city} is AN 2/30, TA101 is N0 9/9.
    json::value small = json::object{{"city", "X"}, {"n", "42"}};
    CHECK(render("N4*{city|fit}", small, d) == "N4*X ~");
    CHECK(render("TA1*{n|fit}", small, d) == "TA1*000000042~");
}

TEST_CASE("a template with an error is refused with file, line, column and what was expected", "[template]")
{
    struct bad {
        std::string text;
        std::uint32_t line, column;
        std::string says;
    };
    std::vector<bad> cases = {
        {"BAK*00*{po.x|frob}", 1, 14, "expected a filter"},
        {"BAK*00*{po.x", 1, 8, "expected '}'"},
        {"BAK*00*{}", 1, 9, "expected a data path"},
        {"BAK*00*{po.x|trunc:ab}", 1, 20, "a number after 'trunc:'"},
        {"\n{for l in}\nPO1*1\n{end}", 2, 2, "expected {for NAME in PATH}"},
        {"{for l in lines}\nPO1*1\n", 1, 1, "expected {end}"},
        {"PO1*1\n{end}", 2, 1, "{end} without an open"},
        {"{else}", 1, 1, "{else} without an open {if}"},
        {"po1*1", 1, 1, "expected a segment tag"},
        {"ST*855*0001", 1, 1, "written by edigw"},
        {"  {frob}", 1, 4, "expected for, if, else, end, table or set"},
        {"ACK*{if a}X", 1, 12, "expected {end} to close the inline {if}"},
        {"REF*A}", 1, 6, "'}' without '{'"},
        {"MSG*{po.x|map}", 1, 11, "takes an argument"},
    };
    for (auto const& c : cases) {
        INFO(c.text);
        mappings::template_error err;
        CHECK(mappings::compiled_template::compile(c.text, "bad.x12t", err) == nullptr);
        CHECK(err.line == c.line);
        CHECK(err.column == c.column);
        CHECK(err.message.find(c.says) != std::string::npos);
        CHECK(err.what().rfind("bad.x12t:", 0) == 0);
    }
    // Data that a filter cannot format is refused when rendering, with the template line.
    mappings::template_error err;
    auto t = mappings::compiled_template::compile("\nBEG*00*SA*X**{po.po_number|date8}", "t.x12t", err);
    REQUIRE(t);
    std::vector<mappings::rendered_segment> segs;
    CHECK_FALSE(t->render(data, nullptr, segs, err));
    CHECK(err.line == 2);
    CHECK(err.message.find("not an ISO date") != std::string::npos);
}
