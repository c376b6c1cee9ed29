// The X12 segment grammar (Spirit X3), declared here, defined in
// grammar_def.hpp and instantiated once in grammar.cpp for `char const*`.
//
// Delimiters are not known until an ISA has been read, so the grammar takes
// them at run time: a 256-entry byte-class table travels in the X3 context and
// the primitive parsers consult it. A segment is
//     segment = tag *(element_separator element)
// and stops in front of the segment terminator, a line break that is not a
// delimiter, or the end of the buffer; the caller decides what each means.
#pragma once

#include "x12/segment.hpp"

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace edigw::x12::detail {

enum byte_class : std::uint8_t { data = 0, element_sep = 1, terminator = 2, line_break = 3 };

struct scan_table {
    std::array<std::uint8_t, 256> cls{};
    // Bytes skipped between segments: blanks, line breaks and a DOS EOF (0x1A),
    // unless they are delimiters of this interchange.
    std::array<bool, 256> skip{};
    // The bytes whose class is not `data` (element separator, terminator, CR,
    // LF; repeated when two coincide): the vectorised field scan compares a
    // 16-byte block against each at once instead of looking bytes up one by one.
    std::array<char, 4> stops{};
    // The same bytes, each repeated 16 times, ready for a vector compare.
    alignas(16) std::array<std::array<char, 16>, 4> stop_vectors{};
};

scan_table make_scan_table(delimiters const& d) noexcept;


enum class scan_stop { terminator, end, line_break };

struct scan_result {
    char const* stop;   // the byte the segment stopped at (not consumed)
    scan_stop why;
};

// Splits one segment starting at `first`. Appends the tag and then every
// element to `out` (out[k] for element k after the tag).
scan_result scan_segment(char const* first, char const* last, scan_table const& table,
                         std::vector<std::string_view>& out);

// Splits `text` by `sep` (components or repetitions) into `out`.
std::size_t split_by(std::string_view text, char sep, std::vector<std::string_view>& out);

} // namespace edigw::x12::detail
