// Instantiates the X12 grammar once, for `char const*` iterators.
#include "x12/detail/grammar_def.hpp"

namespace edigw::x12::detail {

scan_table make_scan_table(delimiters const& d) noexcept
{
    scan_table t;
    t.cls.fill(data);
    t.cls[static_cast<std::uint8_t>('\r')] = line_break;
    t.cls[static_cast<std::uint8_t>('\n')] = line_break;
    t.cls[static_cast<std::uint8_t>(d.element)] = element_sep;
    // Assigned last: a newline used as the terminator is a terminator, not a break.
    t.cls[static_cast<std::uint8_t>(d.segment)] = terminator;

    t.stops = {d.element, d.segment, '\r', '\n'};
    for (std::size_t i = 0; i < 4; ++i) t.stop_vectors[i].fill(t.stops[i]);

    t.skip.fill(false);
    for (char c : {' ', '\t', '\r', '\n', '\x1A', '\0'})
        t.skip[static_cast<std::uint8_t>(c)] = true;
    for (char c : {d.element, d.component})
        t.skip[static_cast<std::uint8_t>(c)] = false;
    // A blank used as the terminator (seen: ' ' then a line break and
    // indentation) makes a run of blanks between segments: collapse the run
    // rather than read empty segments. Any other terminator is never skipped.
    if (d.segment != ' ' && d.segment != '\t') t.skip[static_cast<std::uint8_t>(d.segment)] = false;
    if (d.repetition) t.skip[static_cast<std::uint8_t>(d.repetition)] = false;
    return t;
}

scan_result scan_segment(char const* first, char const* last, scan_table const& table,
                         std::vector<std::string_view>& out)
{
    namespace x3 = boost::spirit::x3;
    char const* it = first;
    grammar::block_cursor cursor;
    auto const parser = x3::with<grammar::table_tag>(std::cref(table))[
        x3::with<grammar::cursor_tag>(std::ref(cursor))[
            x3::with<grammar::output_tag>(std::ref(out))[grammar::segment]]];
    // The grammar cannot fail (every piece accepts the empty string); it stops
    // in front of the first byte that is neither data nor an element separator.
    x3::parse(it, last, parser);
    if (it == last) return {it, scan_stop::end};
    return {it, table.cls[static_cast<std::uint8_t>(*it)] == terminator ? scan_stop::terminator
                                                                         : scan_stop::line_break};
}

std::size_t split_by(std::string_view text, char sep, std::vector<std::string_view>& out)
{
    namespace x3 = boost::spirit::x3;
    std::size_t const before = out.size();
    if (sep == '\0') {
        out.push_back(text);
        return 1;
    }
    char const* it = text.data();
    char const* last = text.data() + text.size();
    auto const parser = x3::with<grammar::sep_tag>(sep)[
        x3::with<grammar::output_tag>(std::ref(out))[grammar::pieces]];
    x3::parse(it, last, parser);
    return out.size() - before;
}

} // namespace edigw::x12::detail
