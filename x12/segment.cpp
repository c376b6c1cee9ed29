#include "x12/segment.hpp"

#include "x12/detail/grammar.hpp"

namespace edigw::x12 {

std::uint64_t segment::element_offset(std::size_t n) const noexcept
{
    if (n < 1 || n > elements_.size()) return offset_;
    auto rel = elements_[n - 1].data() - text_.data();
    if (rel < 0 || static_cast<std::size_t>(rel) > text_.size()) return offset_;
    return offset_ + static_cast<std::uint64_t>(rel);
}

std::vector<std::string_view> split(std::string_view element, char separator)
{
    std::vector<std::string_view> out;
    split_into(element, separator, out);
    return out;
}

std::size_t split_into(std::string_view element, char separator, std::vector<std::string_view>& out)
{
    return detail::split_by(element, separator, out);
}

namespace {
std::string_view severity_name(severity s)
{
    switch (s) {
    case severity::warning: return "warning";
    case severity::error: return "error";
    case severity::fatal: return "fatal";
    }
    return "error";
}

// Control characters would garble a terminal: show them as '.'.
std::string printable(std::string_view s)
{
    std::string out(s);
    for (auto& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '.';
    return out;
}
} // namespace

std::string format(diagnostic const& d, std::string_view file_name)
{
    std::string out(file_name);
    if (d.where.line) {
        out += ':' + std::to_string(d.where.line) + ':' + std::to_string(d.where.column);
    }
    out += ": ";
    out += severity_name(d.severity);
    out += ": ";
    out += d.message;
    out += " [" + std::string(name(d.code)) + "]";
    out += " (byte " + std::to_string(d.where.offset);
    if (d.where.segment_index) out += ", segment " + std::to_string(d.where.segment_index);
    if (!d.where.tag.empty()) {
        out += ' ' + d.where.tag;
        if (d.where.element) out += (d.where.element < 10 ? "0" : "") + std::to_string(d.where.element);
        if (d.where.component) out += '-' + std::to_string(d.where.component);
    }
    if (d.where.set_position) out += ", position " + std::to_string(d.where.set_position) + " in set";
    out += ")\n";
    if (!d.excerpt.empty()) {
        out += "    " + printable(d.excerpt) + "\n";
        out += "    " + std::string(d.caret, ' ') + "^\n";
    }
    return out;
}

} // namespace edigw::x12
