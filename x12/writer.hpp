// Serialises X12 with a partner's delimiters.
//
// The writer owns the envelope: it pads the ISA's fixed-width fields, counts
// segments, sets and groups, and writes SE01/GE01/IEA01 and the trailer
// control numbers itself, so a caller only supplies content segments.
// A value that holds one of the interchange's delimiters is refused (an error
// value, nothing written), because it would corrupt the partner's parse.
//
// Threading: one writer per thread; it is a plain value.
#pragma once

#include "x12/segment.hpp"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <system_error>

namespace edigw::x12 {

struct interchange_envelope {
    std::string auth_qualifier = "00", auth_info;
    std::string security_qualifier = "00", security_info;
    std::string sender_qualifier = "ZZ", sender_id;
    std::string receiver_qualifier = "ZZ", receiver_id;
    std::string date;          // YYMMDD
    std::string time;          // HHMM
    std::string version = "00501";
    std::uint64_t control_number = 1;
    bool ack_requested = false;
    char usage = 'P';
    x12::delimiters delimiters;
    // A line break after each terminator: easier to read, ignored by readers.
    bool line_breaks = false;
};

class writer {
public:
    explicit writer(interchange_envelope env);

    std::error_code begin_group(std::string_view functional_id, std::string_view app_sender,
                                std::string_view app_receiver, std::string_view date, std::string_view time,
                                std::uint64_t control_number, std::string_view version);
    std::error_code begin_set(std::string_view id, std::string_view control_number,
                              std::string_view implementation_reference = {});
    // Writes one segment. Trailing empty elements are dropped, as X12 requires.
    std::error_code segment(std::string_view tag, std::initializer_list<std::string_view> elements);
    std::error_code segment(std::string_view tag, std::span<std::string const> elements);
    // Adds `count` content segments already written with append_segment (and
    // this interchange's delimiters) to the open set: sets written on other
    // threads, then put in order.
    std::error_code segments(std::string_view text, std::uint32_t count);
    std::error_code end_set();
    std::error_code end_group();
    // Writes IEA and returns the interchange; the writer is empty afterwards.
    std::string finish();

    // A segment directly in the interchange (a TA1).
    std::error_code interchange_segment(std::string_view tag, std::initializer_list<std::string_view> elements);

    // Joins components with the component separator (checking each).
    std::string composite(std::initializer_list<std::string_view> components) const;

    std::uint32_t set_segment_count() const noexcept { return set_segments_; }

private:
    std::error_code put(std::string_view tag, std::string_view const* first, std::size_t n, bool composite_ok);

    interchange_envelope env_;
    std::string out_;
    std::string group_control_, set_control_;
    std::uint32_t groups_ = 0, sets_ = 0, set_segments_ = 0;
    bool in_group_ = false, in_set_ = false;
};

// Appends one segment to `out` exactly as writer::segment writes it (trailing
// empty elements dropped, the terminator, the line break when asked); a value
// holding a delimiter is refused with nothing appended.
std::error_code append_segment(std::string& out, std::string_view tag, std::span<std::string_view const> elements,
                               delimiters const& d, bool line_breaks, bool composite_ok = true);

// Left-justifies and pads (or truncates) to exactly `width` characters.
std::string pad_right(std::string_view s, std::size_t width);
// Right-justifies with leading zeros to `width` digits.
std::string zero_pad(std::uint64_t n, std::size_t width);

} // namespace edigw::x12
