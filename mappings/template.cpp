#include "mappings/template.hpp"

#include "x12/decimal.hpp"

#include <boost/json.hpp>
#include <boost/spirit/home/x3.hpp>

#include <fstream>
#include <map>
#include <span>
#include <sstream>
#include <variant>

namespace edigw::mappings {

namespace json = boost::json;
namespace x3 = boost::spirit::x3;

std::string template_error::what() const
{
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

// ---- the compiled form -------------------------------------------------------------------

namespace {

// A filter's name is resolved when the template is compiled: rendering
// ten thousand 855s would otherwise compare it against every known name for
// every element.
enum class filter_op : std::uint8_t {
    date8, date6, time4, time6, r, n, pad, trunc, zpad, fit, upper, default_, map, count, sum, first, spread
};

struct filter {
    std::string name, arg;
    filter_op op = filter_op::r;
    std::size_t number = 0; // n0-n9: the digits; pad, trunc, zpad: the width
};

struct placeholder {
    std::vector<std::string> path;
    std::vector<filter> filters;
};

struct condition {
    bool negate = false;
    std::vector<std::string> path;
    std::string op;    // "", "==", "!="
    std::string value;
};

struct inline_if;
using piece = std::variant<std::string, placeholder, std::shared_ptr<inline_if>>;
struct inline_if {
    condition cond;
    std::vector<piece> then_pieces, else_pieces;
};

using component = std::vector<piece>;
using repetition = std::vector<component>;
using element = std::vector<repetition>;

} // namespace

struct compiled_template::node {
    enum class kind { segment, loop, branch } k = kind::segment;
    std::uint32_t line = 0;
    // segment
    std::string tag;
    std::vector<element> elements;
    // loop
    std::string var, var_index; // the item's name and its index's (NAME_index)
    std::vector<std::string> path;
    // branch
    condition cond;
    std::vector<node> body, else_body;
};

struct compiled_template::impl {
    std::vector<node> nodes;
    std::map<std::string, std::map<std::string, std::string>> tables;
};

namespace {

// ---- X3 grammar for what goes between braces ----------------------------------------

namespace g {
auto const ident = x3::rule<struct ident_, std::string>{"identifier"} =
    x3::lexeme[(x3::alpha | x3::char_('_')) >> *(x3::alnum | x3::char_('_'))];
auto const path = x3::rule<struct path_, std::vector<std::string>>{"path"} = ident % '.';
auto const arg = x3::rule<struct arg_, std::string>{"filter argument"} = x3::lexeme[+(x3::char_ - x3::char_("|}"))];
auto const quoted = x3::rule<struct quoted_, std::string>{"quoted value"} =
    x3::lexeme['\'' >> *(x3::char_ - '\'') >> '\''];
auto const word = x3::rule<struct word_, std::string>{"value"} = x3::lexeme[+(x3::char_ - x3::space - x3::char_("}"))];
} // namespace g

// Parses "path|f:a|g" into a placeholder. `err_at` is the offset of a failure.
bool parse_placeholder(std::string_view s, placeholder& out, std::size_t& err_at, std::string& expected)
{
    char const* it = s.data();
    char const* end = s.data() + s.size();
    if (!x3::phrase_parse(it, end, g::path, x3::space, out.path)) {
        err_at = 0;
        expected = "a data path such as order.po_number";
        return false;
    }
    static char const* const known[] = {"date8", "date6", "time4", "time6", "r", "n0", "n1", "n2", "n3", "n4", "n5", "n6",
                                        "n7", "n8", "n9", "pad", "trunc", "zpad", "fit", "upper", "default", "map", "count",
                                        "sum", "first", "spread"};
    while (it != end) {
        while (it != end && *it == ' ') ++it;
        if (it == end) break;
        if (*it != '|') {
            err_at = static_cast<std::size_t>(it - s.data());
            expected = "'|' and a filter, or '}'";
            return false;
        }
        ++it;
        filter f;
        char const* at = it;
        if (!x3::phrase_parse(it, end, g::ident, x3::space, f.name)
            || std::find(std::begin(known), std::end(known), f.name) == std::end(known)) {
            err_at = static_cast<std::size_t>(at - s.data());
            expected = "a filter (date8 date6 time4 time6 r n0-n9 pad trunc zpad fit upper default map count sum first spread)";
            return false;
        }
        if (it != end && *it == ':') {
            ++it;
            at = it;
            if (!x3::parse(it, end, g::arg, f.arg)) {
                err_at = static_cast<std::size_t>(at - s.data());
                expected = "an argument after ':'";
                return false;
            }
        }
        bool needs_arg = f.name == "pad" || f.name == "trunc" || f.name == "zpad" || f.name == "map" || f.name == "sum"
                         || f.name == "default" || f.name == "spread";
        if (needs_arg && f.arg.empty()) {
            err_at = static_cast<std::size_t>(at - s.data());
            expected = "filter '" + f.name + "' takes an argument (" + f.name + ":...)";
            return false;
        }
        if ((f.name == "pad" || f.name == "trunc" || f.name == "zpad")
            && (f.arg.empty() || !std::all_of(f.arg.begin(), f.arg.end(), [](char c) { return c >= '0' && c <= '9'; }))) {
            err_at = static_cast<std::size_t>(at - s.data());
            expected = "a number after '" + f.name + ":'";
            return false;
        }
        static constexpr std::pair<std::string_view, filter_op> ops[] = {
            {"date8", filter_op::date8}, {"date6", filter_op::date6}, {"time4", filter_op::time4}, {"time6", filter_op::time6},
            {"r", filter_op::r},         {"pad", filter_op::pad},     {"trunc", filter_op::trunc}, {"zpad", filter_op::zpad},
            {"fit", filter_op::fit},     {"upper", filter_op::upper}, {"default", filter_op::default_}, {"map", filter_op::map},
            {"count", filter_op::count}, {"sum", filter_op::sum},     {"first", filter_op::first}, {"spread", filter_op::spread}};
        if (f.name.size() == 2 && f.name[0] == 'n') {
            f.op = filter_op::n;
            f.number = static_cast<std::size_t>(f.name[1] - '0');
        } else {
            for (auto const& [n, op] : ops)
                if (n == f.name) f.op = op;
            if (f.op == filter_op::pad || f.op == filter_op::trunc || f.op == filter_op::zpad) f.number = std::stoul(f.arg);
        }
        out.filters.push_back(std::move(f));
    }
    return true;
}

bool parse_condition(std::string_view s, condition& c, std::size_t& err_at, std::string& expected)
{
    char const* it = s.data();
    char const* end = s.data() + s.size();
    auto skip = [&] {
        while (it != end && *it == ' ') ++it;
    };
    skip();
    if (end - it > 4 && std::string_view(it, 4) == "not ") {
        c.negate = true;
        it += 4;
    }
    char const* at = it;
    if (!x3::phrase_parse(it, end, g::path, x3::space, c.path)) {
        err_at = static_cast<std::size_t>(at - s.data());
        expected = "a data path to test";
        return false;
    }
    skip();
    if (it == end) return true;
    if (end - it >= 2 && (std::string_view(it, 2) == "==" || std::string_view(it, 2) == "!=")) {
        c.op.assign(it, 2);
        it += 2;
        skip();
        at = it;
        if (!x3::parse(it, end, g::quoted | g::word, c.value)) {
            err_at = static_cast<std::size_t>(at - s.data());
            expected = "a value to compare with ('X' or X)";
            return false;
        }
        skip();
    }
    if (it != end) {
        err_at = static_cast<std::size_t>(it - s.data());
        expected = "'==', '!=' or the end of the condition";
        return false;
    }
    return true;
}

class compiler {
public:
    compiler(std::string const& file, template_error& err) : file_(file), err_(err) {}

    bool fail(std::uint32_t line, std::size_t col, std::string msg)
    {
        err_.file = file_;
        err_.line = line;
        err_.column = static_cast<std::uint32_t>(col);
        err_.message = std::move(msg);
        return false;
    }

    // Parses element text (between '*'s) into repetitions of components of pieces.
    bool element_text(std::string_view s, std::uint32_t line, std::size_t col0, element& out)
    {
        out.assign(1, repetition(1, component{}));
        std::string lit;
        auto flush = [&] {
            if (!lit.empty()) out.back().back().emplace_back(std::move(lit));
            lit.clear();
        };
        // Inline {if}: pieces go to the innermost open one.
        std::vector<std::pair<std::shared_ptr<inline_if>, bool>> open_ifs; // (node, in else)
        auto target = [&]() -> std::vector<piece>& {
            if (open_ifs.empty()) return out.back().back();
            auto& top = open_ifs.back();
            return top.second ? top.first->else_pieces : top.first->then_pieces;
        };
        auto flush_to = [&] {
            if (!lit.empty()) target().emplace_back(std::move(lit));
            lit.clear();
        };
        for (std::size_t i = 0; i < s.size(); ++i) {
            char ch = s[i];
            if (ch == '\\') {
                if (i + 1 >= s.size()) return fail(line, col0 + i, "expected a character after '\\'");
                lit += s[++i];
                continue;
            }
            if (ch == ':' || ch == '^') {
                if (!open_ifs.empty()) return fail(line, col0 + i, "a separator inside an inline {if}: close it with {end} first");
                flush();
                if (ch == ':') out.back().emplace_back();
                else out.emplace_back(1, component{});
                continue;
            }
            if (ch == '}') return fail(line, col0 + i, "'}' without '{' (write \\} for a literal one)");
            if (ch != '{') {
                lit += ch;
                continue;
            }
            auto close = s.find('}', i);
            if (close == std::string_view::npos) return fail(line, col0 + i, "expected '}' to close this placeholder");
            std::string_view body = s.substr(i + 1, close - i - 1);
            std::size_t const body_col = col0 + i + 1;
            flush_to();
            if (body.substr(0, 3) == "if ") {
                auto node = std::make_shared<inline_if>();
                std::size_t at = 0;
                std::string expected;
                if (!parse_condition(body.substr(3), node->cond, at, expected))
                    return fail(line, body_col + 3 + at, "expected " + expected);
                target().emplace_back(node);
                open_ifs.emplace_back(node, false);
            } else if (body == "else") {
                if (open_ifs.empty() || open_ifs.back().second) return fail(line, body_col - 1, "{else} without an inline {if}");
                open_ifs.back().second = true;
            } else if (body == "end") {
                if (open_ifs.empty()) return fail(line, body_col - 1, "{end} without an inline {if}");
                open_ifs.pop_back();
            } else {
                placeholder p;
                std::size_t at = 0;
                std::string expected;
                if (!parse_placeholder(body, p, at, expected)) return fail(line, body_col + at, "expected " + expected);
                target().emplace_back(std::move(p));
            }
            i = close;
        }
        if (!open_ifs.empty()) return fail(line, col0 + s.size(), "expected {end} to close the inline {if}");
        flush();
        return true;
    }

    bool run(std::string_view text, compiled_template::impl& out, std::string& set_id)
    {
        std::vector<std::vector<compiled_template::node>*> stack{&out.nodes};
        std::vector<std::pair<compiled_template::node*, std::uint32_t>> open; // blocks and their lines
        std::uint32_t line_no = 0;
        std::size_t pos = 0;
        while (pos <= text.size()) {
            std::size_t nl = text.find('\n', pos);
            if (nl == std::string_view::npos) nl = text.size();
            std::string_view line = text.substr(pos, nl - pos);
            pos = nl + 1;
            ++line_no;
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            std::size_t lead = 0;
            while (lead < line.size() && (line[lead] == ' ' || line[lead] == '\t')) ++lead;
            std::string_view t = line.substr(lead);
            while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
            if (t.empty() || t[0] == '#') {
                if (nl == text.size()) break;
                continue;
            }
            std::size_t const col = lead + 1;
            if (t[0] == '{' && t.back() == '}' && t.find('}') == t.size() - 1) {
                std::string_view d = t.substr(1, t.size() - 2);
                if (d.substr(0, 4) == "for ") {
                    compiled_template::node n;
                    n.k = compiled_template::node::kind::loop;
                    n.line = line_no;
                    char const* it = d.data() + 4;
                    char const* end = d.data() + d.size();
                    std::string var;
                    std::vector<std::string> path;
                    bool ok = x3::phrase_parse(it, end, g::ident, x3::space, var)
                              && x3::phrase_parse(it, end, x3::lexeme[x3::lit("in") >> &x3::space], x3::space)
                              && x3::phrase_parse(it, end, g::path, x3::space, path) && it == end;
                    if (!ok) return fail(line_no, col + 1, "expected {for NAME in PATH}");
                    n.var = var;
                    n.var_index = var + "_index";
                    n.path = path;
                    stack.back()->push_back(std::move(n));
                    open.emplace_back(&stack.back()->back(), line_no);
                    stack.push_back(&stack.back()->back().body);
                } else if (d.substr(0, 3) == "if ") {
                    compiled_template::node n;
                    n.k = compiled_template::node::kind::branch;
                    n.line = line_no;
                    std::size_t at = 0;
                    std::string expected;
                    if (!parse_condition(d.substr(3), n.cond, at, expected)) return fail(line_no, col + 4 + at, "expected " + expected);
                    stack.back()->push_back(std::move(n));
                    open.emplace_back(&stack.back()->back(), line_no);
                    stack.push_back(&stack.back()->back().body);
                } else if (d == "else") {
                    if (open.empty() || open.back().first->k != compiled_template::node::kind::branch
                        || stack.back() != &open.back().first->body)
                        return fail(line_no, col, "{else} without an open {if}");
                    stack.back() = &open.back().first->else_body;
                } else if (d == "end") {
                    if (open.empty()) return fail(line_no, col, "{end} without an open {for} or {if}");
                    open.pop_back();
                    stack.pop_back();
                } else if (d.substr(0, 6) == "table ") {
                    std::istringstream ws{std::string(d.substr(6))};
                    std::string name, pair;
                    ws >> name;
                    if (name.empty()) return fail(line_no, col + 7, "expected {table NAME FROM=TO ...}");
                    auto& tbl = out.tables[name];
                    while (ws >> pair) {
                        auto eq = pair.find('=');
                        if (eq == std::string::npos || eq == 0) return fail(line_no, col, "expected FROM=TO in table " + name + ", found '" + pair + "'");
                        tbl[pair.substr(0, eq)] = pair.substr(eq + 1);
                    }
                } else if (d.substr(0, 4) == "set ") {
                    set_id = std::string(d.substr(4));
                } else {
                    return fail(line_no, col + 1, "expected for, if, else, end, table or set inside a block line");
                }
            } else {
                compiled_template::node n;
                n.line = line_no;
                std::size_t star = t.find('*');
                std::string_view tag = t.substr(0, star);
                bool ok_tag = tag.size() >= 2 && tag.size() <= 3 && tag[0] >= 'A' && tag[0] <= 'Z'
                              && std::all_of(tag.begin(), tag.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
                if (!ok_tag) return fail(line_no, col, "expected a segment tag (2-3 upper-case letters or digits), a block or a comment");
                if (tag == "ST" || tag == "SE" || tag == "GS" || tag == "GE" || tag == "ISA" || tag == "IEA")
                    return fail(line_no, col, "the envelope (" + std::string(tag) + ") is written by edigw, not by templates");
                n.tag = std::string(tag);
                std::size_t i = star;
                while (i != std::string_view::npos) {
                    // Find the next unescaped '*' outside braces.
                    std::size_t j = i + 1, depth = 0;
                    for (; j < t.size(); ++j) {
                        if (t[j] == '\\') {
                            ++j;
                            continue;
                        }
                        if (t[j] == '{') ++depth;
                        else if (t[j] == '}' && depth) --depth;
                        else if (t[j] == '*' && depth == 0) break;
                    }
                    element e;
                    if (!element_text(t.substr(i + 1, j - i - 1), line_no, col + i + 1, e)) return false;
                    n.elements.push_back(std::move(e));
                    i = j < t.size() ? j : std::string_view::npos;
                }
                stack.back()->push_back(std::move(n));
            }
            if (nl == text.size()) break;
        }
        if (!open.empty()) return fail(open.back().second, 1, "expected {end} for the block opened here");
        return true;
    }

private:
    std::string const& file_;
    template_error& err_;
};

// ---- the data: JSON and the ready-made scalars ---------------------------------------

class json_source final : public data_source {
public:
    static json_source const instance;

    data_kind kind(datum const& d) const override
    {
        switch (v(d).kind()) {
        case json::kind::null: return data_kind::null;
        case json::kind::array: return data_kind::list;
        case json::kind::object: return data_kind::object;
        default: return data_kind::scalar;
        }
    }
    std::string scalar(datum const& d) const override
    {
        auto const& x = v(d);
        switch (x.kind()) {
        case json::kind::string: return std::string(x.as_string());
        case json::kind::int64: return std::to_string(x.as_int64());
        case json::kind::uint64: return std::to_string(x.as_uint64());
        case json::kind::bool_: return x.as_bool() ? "true" : "false";
        case json::kind::double_: {
            std::ostringstream o;
            o << x.as_double();
            return o.str();
        }
        default: return {};
        }
    }
    bool truthy(datum const& d) const override
    {
        auto const& x = v(d);
        switch (x.kind()) {
        case json::kind::null: return false;
        case json::kind::bool_: return x.as_bool();
        case json::kind::string: return !x.as_string().empty();
        case json::kind::array: return !x.as_array().empty();
        case json::kind::object: return !x.as_object().empty();
        case json::kind::int64: return x.as_int64() != 0;
        case json::kind::uint64: return x.as_uint64() != 0;
        case json::kind::double_: return x.as_double() != 0;
        }
        return false;
    }
    datum member(datum const& d, std::string_view name) const override
    {
        auto const* o = v(d).if_object();
        auto const* m = o ? o->if_contains(name) : nullptr;
        return m ? datum::json(*m) : datum{};
    }
    std::size_t size(datum const& d) const override
    {
        auto const* a = v(d).if_array();
        return a ? a->size() : 0;
    }
    datum item(datum const& d, std::size_t i) const override
    {
        auto const* a = v(d).if_array();
        return a && i < a->size() ? datum::json((*a)[i]) : datum{};
    }

private:
    static json::value const& v(datum const& d) { return *static_cast<json::value const*>(d.p); }
};
json_source const json_source::instance;

// The sources of scalars have no members and no items.
class scalar_source : public data_source {
public:
    datum member(datum const&, std::string_view) const override { return {}; }
    std::size_t size(datum const&) const override { return 0; }
    datum item(datum const&, std::size_t) const override { return {}; }
};

// A string; with n = 1, null when empty (as opt_str in the JSON forms).
class text_source final : public scalar_source {
public:
    static text_source const instance;
    data_kind kind(datum const& d) const override { return d.n && s(d).empty() ? data_kind::null : data_kind::scalar; }
    std::string scalar(datum const& d) const override { return s(d); }
    bool truthy(datum const& d) const override { return !s(d).empty(); }

private:
    static std::string const& s(datum const& d) { return *static_cast<std::string const*>(d.p); }
};
text_source const text_source::instance;

// A decimal, as the JSON forms write it: its exact string (never empty, so true even when zero).
class decimal_source final : public scalar_source {
public:
    static decimal_source const instance;
    data_kind kind(datum const&) const override { return data_kind::scalar; }
    std::string scalar(datum const& d) const override { return static_cast<x12::decimal const*>(d.p)->to_string(); }
    bool truthy(datum const&) const override { return true; }
    x12::decimal const* decimal(datum const& d) const override { return static_cast<x12::decimal const*>(d.p); }
};
decimal_source const decimal_source::instance;

// A loop's index: a JSON integer from 1.
class index_source final : public scalar_source {
public:
    static index_source const instance;
    data_kind kind(datum const&) const override { return data_kind::scalar; }
    std::string scalar(datum const& d) const override { return std::to_string(d.n); }
    bool truthy(datum const& d) const override { return d.n != 0; }
};
index_source const index_source::instance;

std::string const no_text;

} // namespace

datum datum::null() noexcept { return text_or_null(no_text); }
datum datum::json(boost::json::value const& v) noexcept { return {&json_source::instance, &v, 0}; }
datum datum::text(std::string const& s) noexcept { return {&text_source::instance, &s, 0}; }
datum datum::text_or_null(std::string const& s) noexcept { return {&text_source::instance, &s, 1}; }
datum datum::number(x12::decimal const& d) noexcept { return {&decimal_source::instance, &d, 0}; }
datum datum::number_or_null(std::optional<x12::decimal> const& d) noexcept
{
    return d ? number(*d) : null();
}
datum datum::index(std::size_t k) noexcept { return {&index_source::instance, nullptr, k}; }

namespace {

// ---- rendering ------------------------------------------------------------------------

struct scope {
    // Names view the template's nodes (they outlive a render).
    std::vector<std::pair<std::string_view, datum>> vars;
};

datum lookup(datum const& root, scope const& sc, std::vector<std::string> const& path)
{
    datum v;
    std::size_t i = 0;
    for (auto it = sc.vars.rbegin(); it != sc.vars.rend(); ++it)
        if (it->first == path[0]) {
            v = it->second;
            i = 1;
            break;
        }
    if (!v) v = root;
    for (; i < path.size() && v; ++i) v = v.member(path[i]);
    return v;
}

bool test(condition const& c, datum const& root, scope const& sc)
{
    auto const v = lookup(root, sc, c.path);
    bool r = c.op.empty() ? v.truthy() : c.op == "==" ? v.scalar() == c.value : v.scalar() != c.value;
    return c.negate ? !r : r;
}

class renderer {
public:
    renderer(compiled_template::impl const& t, datum const& root, x12::dictionary const* dict, std::string const& file,
             template_error& err)
        : t_(t), root_(root), dict_(dict), file_(file), err_(err)
    {
    }

    bool nodes(std::vector<compiled_template::node> const& list, std::vector<rendered_segment>& out)
    {
        for (auto const& n : list) {
            switch (n.k) {
            case compiled_template::node::kind::segment:
                if (!segment(n, out)) return false;
                break;
            case compiled_template::node::kind::branch:
                if (!nodes(test(n.cond, root_, scope_) ? n.body : n.else_body, out)) return false;
                break;
            case compiled_template::node::kind::loop: {
                auto const v = lookup(root_, scope_, n.path);
                if (v.kind() == data_kind::null) break;
                if (v.kind() != data_kind::list) return fail(n.line, "'" + join(n.path) + "' is not a list to loop over");
                for (std::size_t k = 0, size = v.size(); k < size; ++k) {
                    scope_.vars.emplace_back(n.var, v.item(k));
                    scope_.vars.emplace_back(n.var_index, datum::index(k + 1));
                    bool ok = nodes(n.body, out);
                    scope_.vars.pop_back();
                    scope_.vars.pop_back();
                    if (!ok) return false;
                }
                break;
            }
            }
        }
        return true;
    }

private:
    static std::string join(std::vector<std::string> const& p)
    {
        std::string s;
        for (auto const& x : p) s += (s.empty() ? "" : ".") + x;
        return s;
    }

    bool fail(std::uint32_t line, std::string msg)
    {
        err_.file = file_;
        err_.line = line;
        err_.column = 1;
        err_.message = std::move(msg);
        return false;
    }

    bool segment(compiled_template::node const& n, std::vector<rendered_segment>& out)
    {
        rendered_segment r;
        r.tag = n.tag;
        r.template_line = n.line;
        r.elements.reserve(n.elements.size() + 4);
        bool any = false;
        for (std::size_t e = 0; e < n.elements.size(); ++e) {
            // {list|spread:a,b}: a list of objects becomes consecutive elements
            // a1*b1*a2*b2... (PO1's product ID pairs).
            if (auto const* sp = spread_of(n.elements[e])) {
                auto const v = lookup(root_, scope_, sp->path);
                std::string const& spec = sp->filters.back().arg;
                for (std::size_t k = 0, size = v.size(); k < size; ++k)
                    for (std::size_t a = 0, b; a <= spec.size(); a = b + 1) {
                        b = spec.find(',', a);
                        if (b == std::string::npos) b = spec.size();
                        std::string s = v.item(k).member(std::string_view(spec).substr(a, b - a)).scalar();
                        any = any || !s.empty();
                        r.elements.push_back(std::move(s));
                    }
                continue;
            }
            std::string el;
            auto const& reps = n.elements[e];
            for (std::size_t rp = 0; rp < reps.size(); ++rp) {
                if (rp) el += repetition_mark;
                for (std::size_t c = 0; c < reps[rp].size(); ++c) {
                    if (c) el += component_mark;
                    std::size_t before = el.size();
                    if (!pieces(reps[rp][c], n, static_cast<std::uint16_t>(e + 1),
                                static_cast<std::uint16_t>(reps[rp].size() > 1 ? c + 1 : 0), el))
                        return false;
                    any = any || el.size() > before;
                }
            }
            r.elements.push_back(std::move(el));
        }
        if (any) out.push_back(std::move(r));
        return true;
    }

    static placeholder const* spread_of(element const& e)
    {
        if (e.size() != 1 || e[0].size() != 1 || e[0][0].size() != 1) return nullptr;
        auto const* ph = std::get_if<placeholder>(&e[0][0][0]);
        return ph && !ph->filters.empty() && ph->filters.back().op == filter_op::spread ? ph : nullptr;
    }

    bool pieces(std::vector<piece> const& ps, compiled_template::node const& n, std::uint16_t el, std::uint16_t comp, std::string& s)
    {
        for (auto const& p : ps) {
            if (auto const* lit = std::get_if<std::string>(&p)) {
                s += *lit;
            } else if (auto const* ph = std::get_if<placeholder>(&p)) {
                std::string v;
                if (!value(*ph, n, el, comp, v)) return false;
                s += v;
            } else {
                auto const& iff = *std::get<std::shared_ptr<inline_if>>(p);
                if (!pieces(test(iff.cond, root_, scope_) ? iff.then_pieces : iff.else_pieces, n, el, comp, s)) return false;
            }
        }
        return true;
    }

    bool value(placeholder const& ph, compiled_template::node const& n, std::uint16_t el, std::uint16_t comp, std::string& out)
    {
        datum v = lookup(root_, scope_, ph.path);
        // A decimal held as such, under r or n first (a quantity, a price),
        // is formatted straight from it, not through its text and back.
        auto f0 = ph.filters.begin();
        x12::decimal const* held = f0 != ph.filters.end() && (f0->op == filter_op::r || f0->op == filter_op::n) ? v.decimal() : nullptr;
        std::string s = !held ? v.scalar() : f0->op == filter_op::r ? held->to_r() : held->to_n(static_cast<unsigned>(f0->number));
        if (held) ++f0;
        auto bad = [&](std::string const& what) {
            return fail(n.line, n.tag + (el < 10 ? "0" : "") + std::to_string(el) + ": {" + join(ph.path) + "} " + what);
        };
        for (auto const& f : std::span(f0, ph.filters.end())) {
            switch (f.op) {
            case filter_op::count:
                s = std::to_string(v.size());
                v = {};
                break;
            case filter_op::first:
                v = v.item(0);
                s = v.scalar();
                break;
            case filter_op::sum: {
                x12::decimal total;
                for (std::size_t k = 0, size = v.size(); k < size; ++k) {
                    std::string fs = v.item(k).member(f.arg).scalar();
                    if (fs.empty()) continue;
                    auto d = x12::decimal::parse_r(fs);
                    if (!d) return bad("sum: '" + fs + "' in " + f.arg + " is not a decimal");
                    total = total + *d;
                }
                s = total.to_string();
                v = {};
                break;
            }
            case filter_op::date8:
            case filter_op::date6: {
                if (s.empty()) break;
                if (s.size() != 10 || s[4] != '-' || s[7] != '-') return bad("'" + s + "' is not an ISO date (YYYY-MM-DD)");
                // YYYY-MM-DD -> YYYYMMDD (or YYMMDD) in place.
                s.erase(7, 1);
                s.erase(4, 1);
                if (f.op == filter_op::date6) s.erase(0, 2);
                break;
            }
            case filter_op::time4:
            case filter_op::time6: {
                if (s.empty()) break;
                if (s.size() < 5 || s[2] != ':') return bad("'" + s + "' is not an ISO time (HH:MM[:SS])");
                std::string t = s.substr(0, 2) + s.substr(3, 2);
                if (f.op == filter_op::time6) t += s.size() >= 8 ? s.substr(6, 2) : "00";
                s = t;
                break;
            }
            case filter_op::r: {
                if (s.empty()) break;
                auto d = x12::decimal::parse_r(s);
                if (!d) return bad("'" + s + "' is not a decimal number");
                s = d->to_r();
                break;
            }
            case filter_op::n: {
                if (s.empty()) break;
                auto d = x12::decimal::parse_r(s);
                if (!d) return bad("'" + s + "' is not a decimal number");
                s = d->to_n(static_cast<unsigned>(f.number));
                break;
            }
            case filter_op::pad:
                if (s.size() < f.number) s.append(f.number - s.size(), ' ');
                break;
            case filter_op::trunc:
                if (s.size() > f.number) s.resize(f.number);
                break;
            case filter_op::zpad:
                if (s.size() < f.number) s.insert(0, f.number - s.size(), '0');
                break;
            case filter_op::upper:
                for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                break;
            case filter_op::default_:
                if (s.empty()) s = f.arg;
                break;
            case filter_op::map: {
                auto t = t_.tables.find(f.arg);
                if (t == t_.tables.end()) return bad("map: no {table " + f.arg + " ...} in this template");
                auto hit = t->second.find(s);
                if (hit != t->second.end()) s = hit->second;
                break;
            }
            case filter_op::fit: {
                if (!dict_) break;
                auto const* seg = dict_->segment(n.tag);
                if (!seg || el > seg->elements.size()) break;
                auto const* e = &seg->elements[el - 1];
                if (comp && e->composite && comp <= e->composite->components.size()) e = &e->composite->components[comp - 1];
                if (s.size() > e->max_length) s.resize(e->max_length);
                // Up to the minimum too: numbers with leading zeros, text with blanks.
                if (!s.empty() && s.size() < e->min_length) {
                    if (e->type == x12::data_type::n) s.insert(0, e->min_length - s.size(), '0');
                    else if (e->type == x12::data_type::an) s.append(e->min_length - s.size(), ' ');
                }
                break;
            }
            case filter_op::spread: break; // a whole element's, handled by segment()
            }
        }
        for (char ch : s)
            if (static_cast<unsigned char>(ch) < 0x20) return bad("holds a control character, which X12 data may not");
        out = std::move(s);
        return true;
    }

    compiled_template::impl const& t_;
    datum root_;
    x12::dictionary const* dict_;
    std::string const& file_;
    template_error& err_;
    scope scope_;
};

} // namespace

std::shared_ptr<compiled_template const> compiled_template::compile(std::string_view text, std::string file, template_error& err)
{
    auto t = std::make_shared<compiled_template>();
    t->file_ = std::move(file);
    auto im = std::make_shared<impl>();
    compiler c(t->file_, err);
    if (!c.run(text, *im, t->set_id_)) return nullptr;
    t->impl_ = std::move(im);
    return t;
}

std::shared_ptr<compiled_template const> compiled_template::load(std::filesystem::path const& file, template_error& err)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        err = template_error{file.string(), 0, 0, "cannot read the template"};
        return nullptr;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return compile(text, file.string(), err);
}

bool compiled_template::render(datum const& data, x12::dictionary const* dict, std::vector<rendered_segment>& out,
                               template_error& err) const
{
    renderer r(*impl_, data, dict, file_, err);
    return r.nodes(impl_->nodes, out);
}

} // namespace edigw::mappings
