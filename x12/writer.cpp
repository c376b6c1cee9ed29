#include "x12/writer.hpp"

#include <cassert>
#include <vector>

namespace edigw::x12 {

std::string pad_right(std::string_view s, std::size_t width)
{
    std::string out(s.substr(0, width));
    out.resize(width, ' ');
    return out;
}

std::string zero_pad(std::uint64_t n, std::size_t width)
{
    std::string s = std::to_string(n);
    if (s.size() < width) s.insert(0, width - s.size(), '0');
    return s;
}

writer::writer(interchange_envelope env) : env_(std::move(env))
{
    auto const& d = env_.delimiters;
    char const e = d.element;
    // ISA11 is the repetition separator from 00402 on, the standards ID 'U' before.
    char const isa11 = (env_.version >= "00402" && d.repetition) ? d.repetition : 'U';
    out_.reserve(4096);
    out_ += "ISA";
    auto field = [&](std::string_view v) {
        out_ += e;
        out_ += v;
    };
    field(pad_right(env_.auth_qualifier, 2));
    field(pad_right(env_.auth_info, 10));
    field(pad_right(env_.security_qualifier, 2));
    field(pad_right(env_.security_info, 10));
    field(pad_right(env_.sender_qualifier, 2));
    field(pad_right(env_.sender_id, 15));
    field(pad_right(env_.receiver_qualifier, 2));
    field(pad_right(env_.receiver_id, 15));
    field(pad_right(env_.date, 6));
    field(pad_right(env_.time, 4));
    field(std::string(1, isa11));
    field(pad_right(env_.version, 5));
    field(zero_pad(env_.control_number % 1000000000, 9));
    field(env_.ack_requested ? "1" : "0");
    field(std::string(1, env_.usage));
    field(std::string(1, d.component));
    out_ += d.segment;
    // A line break after a newline terminator would read as an empty segment.
    if (env_.line_breaks && d.segment != '\n' && d.segment != '\r') out_ += '\n';
    assert(out_.size() == 106 || out_.size() == 107);
}

std::error_code append_segment(std::string& out, std::string_view tag, std::span<std::string_view const> elements,
                               delimiters const& d, bool line_breaks, bool composite_ok)
{
    std::size_t n = elements.size();
    // Drop trailing empty elements.
    while (n > 0 && elements[n - 1].empty()) --n;
    for (std::size_t i = 0; i < n; ++i) {
        for (char c : elements[i]) {
            if (c == d.element || c == d.segment || (d.repetition && c == d.repetition && !composite_ok)
                || (c == d.component && !composite_ok))
                return make_error_code(error::element_contains_delimiter);
        }
    }
    out += tag;
    for (std::size_t i = 0; i < n; ++i) {
        out += d.element;
        out += elements[i];
    }
    out += d.segment;
    // A line break after a newline terminator would read as an empty segment.
    if (line_breaks && d.segment != '\n' && d.segment != '\r') out += '\n';
    return {};
}

std::error_code writer::put(std::string_view tag, std::string_view const* first, std::size_t n, bool composite_ok)
{
    auto ec = append_segment(out_, tag, std::span<std::string_view const>(first, n), env_.delimiters, env_.line_breaks, composite_ok);
    if (!ec && in_set_) ++set_segments_;
    return ec;
}

std::error_code writer::segments(std::string_view text, std::uint32_t count)
{
    if (!in_set_) return make_error_code(error::segment_outside_set);
    out_ += text;
    set_segments_ += count;
    return {};
}

std::error_code writer::begin_group(std::string_view functional_id, std::string_view app_sender,
                                    std::string_view app_receiver, std::string_view date, std::string_view time,
                                    std::uint64_t control_number, std::string_view version)
{
    if (in_group_) end_group();
    group_control_ = std::to_string(control_number);
    sets_ = 0;
    in_group_ = true;
    std::string_view el[] = {functional_id, app_sender, app_receiver, date, time, group_control_, "X", version};
    return put("GS", el, 8, false);
}

std::error_code writer::begin_set(std::string_view id, std::string_view control_number,
                                  std::string_view implementation_reference)
{
    if (in_set_) end_set();
    set_control_.assign(control_number);
    in_set_ = true;
    set_segments_ = 0;
    ++sets_;
    std::string_view el[] = {id, set_control_, implementation_reference};
    return put("ST", el, 3, false);
}

std::error_code writer::segment(std::string_view tag, std::initializer_list<std::string_view> elements)
{
    return put(tag, elements.begin(), elements.size(), true);
}

std::error_code writer::segment(std::string_view tag, std::span<std::string const> elements)
{
    std::vector<std::string_view> views(elements.begin(), elements.end());
    return put(tag, views.data(), views.size(), true);
}

std::error_code writer::interchange_segment(std::string_view tag, std::initializer_list<std::string_view> elements)
{
    return put(tag, elements.begin(), elements.size(), false);
}

std::string writer::composite(std::initializer_list<std::string_view> components) const
{
    std::string out;
    bool first = true;
    std::vector<std::string_view> v(components);
    while (!v.empty() && v.back().empty()) v.pop_back();
    for (auto c : v) {
        if (!first) out += env_.delimiters.component;
        out += c;
        first = false;
    }
    return out;
}

std::error_code writer::end_set()
{
    if (!in_set_) return {};
    std::string count = std::to_string(set_segments_ + 1); // SE counts itself
    std::string_view el[] = {count, set_control_};
    auto ec = put("SE", el, 2, false);
    in_set_ = false;
    return ec;
}

std::error_code writer::end_group()
{
    if (in_set_) end_set();
    if (!in_group_) return {};
    std::string count = std::to_string(sets_);
    std::string_view el[] = {count, group_control_};
    auto ec = put("GE", el, 2, false);
    in_group_ = false;
    ++groups_;
    return ec;
}

std::string writer::finish()
{
    if (in_group_) end_group();
    std::string count = std::to_string(groups_);
    std::string cn = zero_pad(env_.control_number % 1000000000, 9);
    std::string_view el[] = {count, cn};
    put("IEA", el, 2, false);
    return std::move(out_);
}

} // namespace edigw::x12
