// Reading an ISA header: the delimiters and the sixteen fields.
//
// The ISA is fixed width (106 bytes with its terminator), and the delimiters
// are found at fixed offsets: element separator at byte 4, repetition
// separator at ISA11 (byte 83), component separator at ISA16 (byte 105) and the
// segment terminator right after it (byte 106). Real files break that promise
// (fields not padded, an ISA wrapped across lines), so the reader checks the
// fixed layout first and, when it does not hold, reads the fields by their
// separators and reports `isa_not_fixed_width` as a warning.
#pragma once

#include "x12/segment.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace edigw::x12 {

struct isa_header {
    x12::delimiters delimiters;
    std::string text;                              // ISA..ISA16 with line breaks removed, no terminator
    std::array<std::uint16_t, 17> field_begin{};   // offset of ISAnn in `text` (index 1..16)
    std::array<std::uint16_t, 17> field_size{};
    bool fixed_width = true;
    std::size_t consumed = 0; // raw bytes from 'I' through the terminator
    // UTF-8 continuation bytes that follow the terminator byte, when a file
    // uses a multi-byte character as terminator (U+2026 pasted from a word
    // processor is seen in the wild). Empty for the usual one-byte terminator.
    std::string terminator_tail;

    std::string_view field(std::size_t n) const noexcept
    {
        return (n >= 1 && n <= 16) ? std::string_view(text).substr(field_begin[n], field_size[n])
                                   : std::string_view{};
    }
    std::string_view version() const noexcept { return field(12); }
    std::string_view control_number() const noexcept { return field(13); }
};

enum class isa_status { ok, need_more, invalid };

struct isa_result {
    isa_status status = isa_status::invalid;
    error code = error::ok;       // when invalid
    std::size_t error_at = 0;     // raw offset (from 'I') of the fault
    std::string message;
};

// Reads an ISA that starts at `raw[0]` ('I'). `at_eof` says no more bytes will
// follow `raw`; without it a short buffer answers `need_more`.
isa_result read_isa(std::string_view raw, bool at_eof, isa_header& out);

// True when ISA11 is a repetition separator under the rule used here:
// ISA12 >= 00402 and ISA11 not alphanumeric (and not a space).
bool isa11_is_repetition(std::string_view isa11, std::string_view isa12) noexcept;

} // namespace edigw::x12
