#include "x12/dictionary.hpp"

#include <boost/spirit/home/x3.hpp>

#include <charconv>
#include <mutex>

namespace edigw::x12 {

std::string dictionary_error::what() const
{
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace {

namespace x3 = boost::spirit::x3;

struct token {
    std::string text;
    std::uint32_t column = 0; // 1-based
    bool quoted = false;
};

// One line of a dictionary file as tokens: words separated by blanks, or
// "quoted text"; '#' starts a comment. Spirit X3, like the X12 grammar.
bool tokenize(std::string_view line, std::vector<token>& out, std::uint32_t& bad_column)
{
    out.clear();
    char const* const begin = line.data();
    char const* it = begin;
    char const* const end = begin + line.size();
    auto const quoted = x3::lexeme['"' >> x3::raw[*(x3::char_ - '"')] >> '"'];
    auto const word = x3::raw[x3::lexeme[+(x3::char_ - x3::space - '"' - '#')]];
    for (;;) {
        while (it != end && (*it == ' ' || *it == '\t' || *it == '\r')) ++it;
        if (it == end || *it == '#') return true;
        char const* start = it;
        boost::iterator_range<char const*> r;
        token t;
        t.column = static_cast<std::uint32_t>(start - begin) + 1;
        if (*it == '"') {
            if (!x3::parse(it, end, quoted, r)) {
                bad_column = t.column;
                return false;
            }
            t.quoted = true;
        } else if (!x3::parse(it, end, word, r)) {
            bad_column = t.column;
            return false;
        }
        t.text.assign(r.begin(), r.end());
        out.push_back(std::move(t));
    }
}

bool to_uint(std::string_view s, std::uint32_t& v)
{
    if (s.empty()) return false;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

} // namespace

struct dictionary_loader {
    dictionary& d;
    std::string_view file;
    dictionary_error& err;
    std::uint32_t line_no = 0;

    bool fail(std::uint32_t column, std::string message)
    {
        err.file = std::string(file);
        err.line = line_no;
        err.column = column;
        err.message = std::move(message);
        return false;
    }

    // Parses "NN REF [TYPE MIN/MAX] REQ [xN]".
    bool element_line(std::vector<token> const& t, std::vector<element_def>& into)
    {
        element_def e;
        std::uint32_t pos = 0;
        if (!to_uint(t[0].text, pos) || pos == 0 || pos > 99)
            return fail(t[0].column, "expected an element position 01..99, found '" + t[0].text + "'");
        if (pos != into.size() + 1)
            return fail(t[0].column, "element " + t[0].text + " out of order: expected position "
                                         + std::to_string(into.size() + 1));
        e.position = static_cast<std::uint16_t>(pos);
        if (t.size() < 3) return fail(t[0].column, "expected 'NN DE TYPE MIN/MAX REQ' or 'NN Cnnn REQ'");
        e.ref = t[1].text;
        std::size_t k = 2;
        bool const is_composite = e.ref.size() == 4 && e.ref[0] == 'C' && std::isdigit(static_cast<unsigned char>(e.ref[1]));
        if (is_composite) {
            e.type = data_type::composite;
        } else {
            if (t.size() < 5) return fail(t[1].column, "expected TYPE MIN/MAX REQ after the data element number");
            std::string const& ty = t[2].text;
            if (ty == "AN") e.type = data_type::an;
            else if (ty == "ID") e.type = data_type::id;
            else if (ty == "DT") e.type = data_type::dt;
            else if (ty == "TM") e.type = data_type::tm;
            else if (ty == "R") e.type = data_type::r;
            else if (ty.size() == 2 && ty[0] == 'N' && ty[1] >= '0' && ty[1] <= '9') {
                e.type = data_type::n;
                e.decimals = static_cast<std::uint8_t>(ty[1] - '0');
            } else
                return fail(t[2].column, "expected a type (AN ID DT TM R N0..N9), found '" + ty + "'");
            auto slash = t[3].text.find('/');
            std::uint32_t mn = 0, mx = 0;
            if (slash == std::string::npos || !to_uint(std::string_view(t[3].text).substr(0, slash), mn)
                || !to_uint(std::string_view(t[3].text).substr(slash + 1), mx) || mn > mx || mx == 0 || mx > 65535)
                return fail(t[3].column, "expected lengths MIN/MAX such as 1/30, found '" + t[3].text + "'");
            e.min_length = static_cast<std::uint16_t>(mn);
            e.max_length = static_cast<std::uint16_t>(mx);
            k = 4;
        }
        if (k >= t.size()) return fail(t.back().column, "expected a requirement M, O or X");
        std::string const& rq = t[k].text;
        if (rq == "M") e.req = requirement::mandatory;
        else if (rq == "O") e.req = requirement::optional;
        else if (rq == "X") e.req = requirement::relational;
        else return fail(t[k].column, "expected a requirement M, O or X, found '" + rq + "'");
        ++k;
        if (k < t.size()) {
            std::uint32_t rep = 0;
            if (t[k].text.size() < 2 || t[k].text[0] != 'x' || !to_uint(std::string_view(t[k].text).substr(1), rep) || rep == 0)
                return fail(t[k].column, "expected a repeat count such as x5, found '" + t[k].text + "'");
            e.max_repeat = static_cast<std::uint16_t>(rep);
            ++k;
        }
        if (k < t.size()) return fail(t[k].column, "unexpected '" + t[k].text + "' at the end of the element");
        into.push_back(std::move(e));
        return true;
    }

    bool syntax_line(std::vector<token> const& t, std::vector<syntax_note>& into, std::size_t element_count)
    {
        for (std::size_t i = 1; i < t.size(); ++i) {
            std::string const& s = t[i].text;
            syntax_note n;
            n.kind = s.empty() ? '?' : s[0];
            if (std::string_view("PRECL").find(n.kind) == std::string_view::npos || s.size() < 5 || (s.size() - 1) % 2 != 0)
                return fail(t[i].column, "expected a syntax note such as P0304 or R020305, found '" + s + "'");
            for (std::size_t k = 1; k < s.size(); k += 2) {
                std::uint32_t p = 0;
                if (!to_uint(std::string_view(s).substr(k, 2), p) || p == 0 || p > element_count)
                    return fail(t[i].column, "syntax note " + s + " names element " + s.substr(k, 2)
                                                 + ", which is not defined above it");
                n.positions.push_back(static_cast<std::uint16_t>(p));
            }
            into.push_back(std::move(n));
        }
        return true;
    }

    bool run(std::string_view text, dictionary const* (*base)(std::string_view))
    {
        enum class in { top, segment, composite, set } where = in::top;
        segment_def* seg = nullptr;
        composite_def* comp = nullptr;
        set_def* set = nullptr;
        std::vector<structure_node*> stack;
        std::vector<std::uint32_t> open_lines;
        std::vector<token> t;
        bool have_release = false;

        std::size_t at = 0;
        while (at <= text.size()) {
            std::size_t nl = text.find('\n', at);
            if (nl == std::string_view::npos) nl = text.size();
            std::string_view line = text.substr(at, nl - at);
            at = nl + 1;
            ++line_no;
            std::uint32_t bad = 0;
            if (!tokenize(line, t, bad)) return fail(bad, "unterminated quoted text");
            if (t.empty()) {
                if (nl == text.size()) break;
                continue;
            }
            bool const indented = !line.empty() && (line[0] == ' ' || line[0] == '\t');
            std::string const& kw = t[0].text;

            if (!indented) {
                if (where == in::set && stack.size() > 1) {
                    line_no = open_lines.back();
                    return fail(3, "loop opened on line " + std::to_string(open_lines.back()) + " has no 'end'");
                }
                where = in::top;
                if (kw == "release") {
                    if (t.size() != 2 && !(t.size() == 4 && t[2].text == "extends"))
                        return fail(t[0].column, "expected 'release VERSION [extends VERSION]'");
                    d.release_ = t[1].text;
                    if (t.size() == 4) {
                        dictionary const* parent = base ? base(t[3].text) : nullptr;
                        if (!parent) return fail(t[3].column, "cannot extend unknown release '" + t[3].text + "'");
                        d.segments_ = parent->segments_;
                        d.composites_ = parent->composites_;
                        d.codes_ = parent->codes_;
                        d.sets_ = parent->sets_;
                        d.tags_ = parent->tags_;
                    }
                    have_release = true;
                    continue;
                }
                if (!have_release) return fail(t[0].column, "expected 'release VERSION' before any definition");
                if (kw == "segment") {
                    if (t.size() < 2) return fail(t[0].column, "expected 'segment TAG \"Name\"'");
                    segment_def s;
                    s.tag = t[1].text;
                    if (t.size() > 2) s.name = t[2].text;
                    seg = &(d.segments_[s.tag] = std::move(s));
                    where = in::segment;
                } else if (kw == "composite") {
                    if (t.size() < 2) return fail(t[0].column, "expected 'composite Cnnn \"Name\"'");
                    composite_def c;
                    c.id = t[1].text;
                    if (t.size() > 2) c.name = t[2].text;
                    comp = &(d.composites_[c.id] = std::move(c));
                    where = in::composite;
                } else if (kw == "codes") {
                    if (t.size() < 3) return fail(t[0].column, "expected 'codes DE CODE...'");
                    auto& list = d.codes_[t[1].text];
                    for (std::size_t i = 2; i < t.size(); ++i) list.insert(t[i].text);
                } else if (kw == "tags") {
                    for (std::size_t i = 1; i < t.size(); ++i) d.tags_.insert(t[i].text);
                } else if (kw == "set") {
                    if (t.size() != 4) return fail(t[0].column, "expected 'set ID \"Name\" FUNCTIONAL-ID'");
                    set_def s;
                    s.id = t[1].text;
                    s.name = t[2].text;
                    s.functional_id = t[3].text;
                    s.root.is_loop = true;
                    s.root.mandatory = true;
                    set = &(d.sets_[s.id] = std::move(s));
                    stack.assign(1, &set->root);
                    open_lines.assign(1, line_no);
                    where = in::set;
                } else {
                    return fail(t[0].column, "expected release, segment, composite, codes, set or tags, found '" + kw + "'");
                }
                continue;
            }

            switch (where) {
            case in::top:
                return fail(t[0].column, "indented line outside any segment, composite or set");
            case in::segment:
                if (kw == "syntax") {
                    if (!syntax_line(t, seg->notes, seg->elements.size())) return false;
                } else if (!element_line(t, seg->elements)) {
                    return false;
                }
                break;
            case in::composite:
                if (kw == "syntax") {
                    if (!syntax_line(t, comp->notes, comp->components.size())) return false;
                } else if (!element_line(t, comp->components)) {
                    return false;
                }
                break;
            case in::set: {
                auto parse_use = [&](std::size_t i, structure_node& n) {
                    if (i + 1 >= t.size()) return fail(t[0].column, "expected REQ (M or O) and MAX (a count or >1)");
                    if (t[i].text == "M") n.mandatory = true;
                    else if (t[i].text != "O") return fail(t[i].column, "expected M or O, found '" + t[i].text + "'");
                    if (t[i + 1].text == ">1") n.max = 0;
                    else if (!to_uint(t[i + 1].text, n.max) || n.max == 0)
                        return fail(t[i + 1].column, "expected a maximum (a count or >1), found '" + t[i + 1].text + "'");
                    if (i + 2 < t.size()) return fail(t[i + 2].column, "unexpected '" + t[i + 2].text + "'");
                    return true;
                };
                if (kw == "end") {
                    if (stack.size() <= 1) return fail(t[0].column, "'end' without an open loop");
                    if (stack.back()->children.empty()) return fail(t[0].column, "empty loop");
                    stack.pop_back();
                    open_lines.pop_back();
                } else if (kw == "loop") {
                    if (t.size() < 2) return fail(t[0].column, "expected 'loop ID REQ MAX'");
                    structure_node n;
                    n.is_loop = true;
                    n.tag = t[1].text;
                    if (!parse_use(2, n)) return false;
                    stack.back()->children.push_back(std::move(n));
                    stack.push_back(&stack.back()->children.back());
                    open_lines.push_back(line_no);
                } else {
                    structure_node n;
                    n.tag = kw;
                    if (kw.size() < 2 || kw.size() > 3) return fail(t[0].column, "expected a segment tag, 'loop' or 'end', found '" + kw + "'");
                    if (!parse_use(1, n)) return false;
                    auto& parent = *stack.back();
                    if (parent.is_loop && &parent != &set->root && parent.children.empty() && n.tag != parent.tag)
                        return fail(t[0].column, "loop " + parent.tag + " must start with its trigger segment " + parent.tag);
                    parent.children.push_back(std::move(n));
                }
                break;
            }
            }
            if (nl == text.size()) break;
        }
        if (where == in::set && stack.size() > 1) {
            line_no = open_lines.back();
            return fail(3, "loop opened on line " + std::to_string(open_lines.back()) + " has no 'end'");
        }
        if (!have_release) return fail(1, "expected 'release VERSION'");
        d.resolve();
        // Every composite a segment names must be defined.
        for (auto const& [tag, s] : d.segments_)
            for (auto const& e : s.elements)
                if (e.type == data_type::composite && !e.composite) {
                    line_no = 0;
                    return fail(0, "segment " + tag + " uses composite " + e.ref + ", which is not defined");
                }
        return true;
    }
};

void dictionary::resolve()
{
    auto fix = [&](element_def& e) {
        e.composite = nullptr;
        e.codes = nullptr;
        if (e.type == data_type::composite) {
            auto it = composites_.find(e.ref);
            if (it != composites_.end()) e.composite = &it->second;
        } else if (e.type == data_type::id) {
            auto it = codes_.find(e.ref);
            if (it != codes_.end()) e.codes = &it->second;
        }
    };
    for (auto& [id, c] : composites_)
        for (auto& e : c.components) fix(e);
    by_key_.clear();
    for (auto& [tag, s] : segments_) {
        for (auto& e : s.elements) fix(e);
        tags_.insert(tag);
        by_key_[tag_key(tag)] = &s;
    }
    // Structure nodes match by packed tag.
    auto keys = [](auto& self, structure_node& n) -> void {
        n.key = tag_key(n.is_loop ? n.children.front().tag : n.tag);
        for (auto& c : n.children) self(self, c);
    };
    for (auto& [id, set] : sets_)
        for (auto& c : set.root.children) keys(keys, c);
}

std::unique_ptr<dictionary> dictionary::parse(std::string_view text, std::string_view file_name, dictionary_error& err,
                                              dictionary const* (*base)(std::string_view))
{
    auto d = std::unique_ptr<dictionary>(new dictionary());
    dictionary_loader l{*d, file_name, err};
    if (!l.run(text, base)) return nullptr;
    return d;
}

segment_def const* dictionary::segment(std::string_view tag) const noexcept
{
    auto it = by_key_.find(tag_key(tag));
    return it == by_key_.end() ? nullptr : it->second;
}

composite_def const* dictionary::composite(std::string_view id) const noexcept
{
    auto it = composites_.find(id);
    return it == composites_.end() ? nullptr : &it->second;
}

std::set<std::string, std::less<>> const* dictionary::codes(std::string_view de) const noexcept
{
    auto it = codes_.find(de);
    return it == codes_.end() ? nullptr : &it->second;
}

set_def const* dictionary::set(std::string_view id) const noexcept
{
    auto it = sets_.find(id);
    return it == sets_.end() ? nullptr : &it->second;
}

bool dictionary::known_tag(std::string_view tag) const noexcept { return tags_.find(tag) != tags_.end(); }

dictionary const* dictionary::standard(std::string_view version)
{
    // "005010X231A1" and "00501" both mean 005010.
    std::string release;
    if (version.size() >= 6) release = std::string(version.substr(0, 6));
    else if (version.size() == 5) release = std::string(version) + "0";
    else return nullptr;

    static std::mutex m;
    static std::map<std::string, std::unique_ptr<dictionary>, std::less<>> loaded;
    {
        std::lock_guard lock(m);
        auto it = loaded.find(release);
        if (it != loaded.end()) return it->second.get();
    }
    auto text = embedded_dictionary_text(release);
    if (text.empty()) return nullptr;
    dictionary_error err;
    // `extends` calls standard() again for the base release, so the lock is
    // not held while parsing.
    auto d = parse(text, "x12/dictionary/" + release + ".dict", err);
    if (!d) return nullptr; // the built-in files are tested; this cannot happen in a release build
    std::lock_guard lock(m);
    auto [it, inserted] = loaded.emplace(release, std::move(d));
    return it->second.get();
}

} // namespace edigw::x12
