#include "x12/isa.hpp"

#include <cctype>

namespace edigw::x12 {
namespace {

bool is_break(char c) noexcept { return c == '\r' || c == '\n'; }
bool is_blank(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_alnum(char c) noexcept { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// 0-based offsets of the 16 element separators in a fixed-width ISA.
constexpr std::uint16_t fixed_separators[16] = {3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103};

} // namespace

bool isa11_is_repetition(std::string_view isa11, std::string_view isa12) noexcept
{
    if (isa11.size() != 1 || isa12.size() != 5) return false;
    char c = isa11[0];
    if (is_alnum(c) || is_blank(c)) return false;
    return isa12 >= std::string_view("00402");
}

isa_result read_isa(std::string_view raw, bool at_eof, isa_header& out)
{
    isa_result r;
    auto need = [&](std::size_t at) {
        if (!at_eof) { r.status = isa_status::need_more; return r; }
        r.status = isa_status::invalid;
        r.code = error::isa_premature_end;
        r.error_at = at;
        r.message = "file ends inside the ISA header";
        return r;
    };
    if (raw.size() < 4) return need(raw.size());
    if (raw.substr(0, 3) != "ISA") {
        r.code = error::not_x12;
        r.message = "expected ISA";
        return r;
    }
    char const es = raw[3];
    if (is_alnum(es) || is_blank(es) || es == '\0') {
        r.code = error::isa_invalid_element_separator;
        r.error_at = 3;
        r.message = "ISA element separator (byte 4) must be a special character";
        return r;
    }

    out = isa_header{};
    out.text.assign("ISA");
    out.text.push_back(es);
    std::size_t i = 4;
    int field = 1;
    out.field_begin[1] = 4;
    // Fields 1..15 end at an element separator; line breaks inside are wrapping, not data.
    while (field <= 15) {
        if (i >= raw.size()) return need(i);
        char c = raw[i++];
        if (is_break(c)) continue;
        if (c == es) {
            out.field_size[field] = static_cast<std::uint16_t>(out.text.size() - out.field_begin[field]);
            out.text.push_back(c);
            ++field;
            out.field_begin[field] = static_cast<std::uint16_t>(out.text.size());
        } else {
            out.text.push_back(c);
        }
        if (out.text.size() > 200) {
            r.code = error::isa_invalid_control_structure;
            r.error_at = i;
            r.message = "ISA has fewer than 16 elements before 200 bytes; is the element separator right?";
            return r;
        }
    }
    // ISA16 is exactly one byte: the component separator.
    while (i < raw.size() && is_break(raw[i])) ++i;
    if (i >= raw.size()) return need(i);
    char const cs = raw[i++];
    out.text.push_back(cs);
    out.field_size[16] = 1;

    // The segment terminator is the byte after ISA16. A line break there is
    // either the terminator itself or wrapping in front of it: look at what
    // follows the run of blanks to tell.
    if (i >= raw.size()) return need(i);
    char term = raw[i];
    std::size_t term_at = i;
    if (is_break(term)) {
        std::size_t j = i;
        while (j < raw.size() && is_blank(raw[j])) ++j;
        if (j >= raw.size()) {
            if (!at_eof) { r.status = isa_status::need_more; return r; }
            // ISA followed only by a line break: that break terminates it.
        } else if (!is_alnum(raw[j]) && j + 1 < raw.size()) {
            std::size_t k = j + 1;
            while (k < raw.size() && is_blank(raw[k])) ++k;
            if (k >= raw.size() && !at_eof) { r.status = isa_status::need_more; return r; }
            if (k < raw.size() && is_alnum(raw[k])) { term = raw[j]; term_at = j; }
        } else if (!is_alnum(raw[j]) && !at_eof) {
            r.status = isa_status::need_more;
            return r;
        }
    }
    out.consumed = term_at + 1;
    auto const lead = static_cast<unsigned char>(term);
    if (lead >= 0xC2 && lead <= 0xF4) {
        std::size_t want = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1;
        std::size_t k = term_at + 1;
        while (k < raw.size() && want > 0 && (static_cast<unsigned char>(raw[k]) & 0xC0) == 0x80) {
            out.terminator_tail.push_back(raw[k++]);
            --want;
        }
        if (want > 0 && k >= raw.size() && !at_eof) {
            r.status = isa_status::need_more;
            return r;
        }
        if (want == 0) out.consumed = k;
        else out.terminator_tail.clear();
    }

    // Fixed layout: 105 bytes through ISA16, separators where the standard puts them.
    bool fixed = out.text.size() == 105;
    for (auto at : fixed_separators)
        fixed = fixed && at < out.text.size() && out.text[at] == es;
    out.fixed_width = fixed;

    out.delimiters.element = es;
    out.delimiters.component = cs;
    out.delimiters.segment = term;
    out.delimiters.repetition = isa11_is_repetition(out.field(11), out.field(12)) ? out.field(11)[0] : '\0';

    auto const& d = out.delimiters;
    if (is_alnum(cs) || cs == ' ' || cs == es) {
        r.code = error::isa_invalid_component_separator;
        r.error_at = i - 1;
        r.message = std::string("ISA16 component separator '") + cs + "' is not a special character distinct from the element separator";
        return r;
    }
    if (is_alnum(term) || term == es || term == cs || (d.repetition && term == d.repetition)) {
        r.code = error::isa_invalid_segment_terminator;
        r.error_at = term_at;
        r.message = "segment terminator after ISA16 is alphanumeric or equals another delimiter";
        return r;
    }
    if (d.repetition && (d.repetition == cs)) {
        r.code = error::isa_invalid_component_separator;
        r.error_at = i - 1;
        r.message = "ISA16 component separator equals the ISA11 repetition separator";
        return r;
    }
    r.status = isa_status::ok;
    return r;
}

} // namespace edigw::x12
