// Delimiters, segment views, positions and diagnostics.
//
// Lifetime: a `segment` is a view. Its tag, text and elements point into the
// buffer of the parser or document that produced it (or, for a segment that
// had line breaks inside it, into that parser's side arena). They stay valid
// for as long as the producer says: for a `document`, as long as the document
// lives; for a streaming `parser`, until the handler callback returns.
#pragma once

#include "x12/error.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace edigw::x12 {

// The four delimiters of one interchange, read from its ISA.
// `repetition` is '\0' when the interchange has none (ISA12 < 00402 or an
// alphanumeric ISA11 such as 'U').
struct delimiters {
    char element = '*';
    char component = ':';
    char repetition = '^';
    char segment = '~';

    friend bool operator==(delimiters const&, delimiters const&) = default;
};

// Where something is in the input. Every field that does not apply is 0.
struct position {
    std::uint64_t offset = 0;        // byte offset in the file (0-based)
    std::uint64_t line = 0;          // 1-based
    std::uint64_t column = 0;        // 1-based, in bytes
    std::uint64_t segment_index = 0; // 1-based number of the segment in the file
    std::uint32_t set_position = 0;  // 1-based position in its transaction set (ST = 1), 0 outside a set
    std::string tag;                 // segment tag, e.g. "BEG"
    std::uint16_t element = 0;       // 1-based element position (BEG05 -> 5)
    std::uint16_t component = 0;     // 1-based component position
    std::uint16_t repetition = 0;    // 1-based repetition
};

// Another place in the set that an error depends on: the element whose value
// made a partner's rule apply (a 999 CTX "SITUATIONAL TRIGGER").
struct trigger_context {
    std::string tag;
    std::uint32_t set_position = 0;
    std::string loop_id;
    std::uint16_t element = 0;
    std::uint16_t component = 0;
};

struct diagnostic {
    error code = error::ok;
    x12::severity severity = x12::severity::error;
    std::string message;   // plain language, names the values involved
    position where;
    std::string value;     // the offending value, when there is one
    std::string excerpt;   // the segment text (or the input line) around the error
    std::uint32_t caret = 0; // 0-based column in `excerpt` to point at
    std::string data_element; // AK402/IK402: the element's data element number, when known
    std::string loop_id;      // AK303/IK303: the loop the segment is in (its trigger's tag), when any
    std::optional<trigger_context> trigger;
};

// Formats "file:line:col: severity: message [name]" plus the excerpt and a caret line.
std::string format(diagnostic const& d, std::string_view file_name);

// One segment: a tag and its elements. elements()[0] is XX01.
class segment {
public:
    segment() = default;
    segment(std::string_view tag, std::span<std::string_view const> elements, std::string_view text,
            std::uint64_t offset, std::uint64_t index, std::uint32_t set_position) noexcept
        : tag_(tag), elements_(elements), text_(text), offset_(offset), index_(index), set_position_(set_position)
    {
    }

    std::string_view tag() const noexcept { return tag_; }
    std::span<std::string_view const> elements() const noexcept { return elements_; }
    std::size_t size() const noexcept { return elements_.size(); }

    // X12 numbering: element(1) is the first element after the tag. Missing
    // (beyond the end) and empty elements both read as an empty view.
    std::string_view element(std::size_t n) const noexcept
    {
        return (n >= 1 && n <= elements_.size()) ? elements_[n - 1] : std::string_view{};
    }
    std::string_view operator[](std::size_t n) const noexcept { return element(n); }

    // The segment as it was read, without its terminator (line breaks that were
    // inside it removed).
    std::string_view text() const noexcept { return text_; }
    std::uint64_t offset() const noexcept { return offset_; }
    std::uint64_t index() const noexcept { return index_; }
    std::uint32_t set_position() const noexcept { return set_position_; }

    // Byte offset of element n (1-based) in the input; the segment's own offset
    // when the element is absent.
    std::uint64_t element_offset(std::size_t n) const noexcept;

private:
    std::string_view tag_;
    std::span<std::string_view const> elements_;
    std::string_view text_;
    std::uint64_t offset_ = 0;
    std::uint64_t index_ = 0;
    std::uint32_t set_position_ = 0;
};

// Splits an element into its components (by the component separator) or
// repetitions (by the repetition separator). A separator of '\0' yields the
// element itself. Views point into `element`. Implemented with Spirit X3.
std::vector<std::string_view> split(std::string_view element, char separator);

// Appends the pieces to `out` instead of allocating; returns how many.
std::size_t split_into(std::string_view element, char separator, std::vector<std::string_view>& out);

} // namespace edigw::x12
