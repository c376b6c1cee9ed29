// The streaming X12 parser and envelope checker.
//
// It reads an input in chunks, splits it into segments with the X3 grammar,
// follows the envelope (ISA > GS > ST..SE > GE > IEA, and TA1 directly in an
// interchange) and checks every count and control number the envelope
// promises. Each complete transaction set is handed to the handler with views
// into the parser's buffer, so memory is bounded by the largest transaction set
// (plus the chunk), never by the file.
//
// Threading: a parser is used by one thread at a time. It holds no global state.
#pragma once

#include "x12/isa.hpp"
#include "x12/segment.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace edigw::x12 {

struct set_summary {
    std::string id;                       // ST01
    std::string control_number;           // ST02
    std::string implementation_reference; // ST03
    std::uint64_t offset = 0;
    std::uint64_t segment_index = 0;      // of its ST in the file
    std::uint32_t segment_count = 0;      // counted, ST and SE included
    std::optional<std::uint64_t> declared_count; // SE01 when numeric
    bool has_trailer = false;
    bool accepted = true;                 // no error or fatal diagnostic at set level or below
};

struct group_summary {
    std::string functional_id, application_sender, application_receiver, date, time, control_number,
        agency, version;                  // GS01..GS08
    std::uint64_t offset = 0;
    std::uint64_t segment_index = 0;
    std::uint32_t set_count = 0;          // counted
    std::optional<std::uint64_t> declared_sets; // GE01
    std::string trailer_control_number;   // GE02
    bool has_trailer = false;
    std::vector<set_summary> sets;        // only with options::keep_set_summaries
    std::uint32_t rejected_sets = 0;
};

struct ta1_summary {
    std::string control_number, date, time, status, note_code; // TA101..TA105
    std::uint64_t offset = 0;
    std::uint64_t segment_index = 0;
};

struct interchange_summary {
    x12::delimiters delimiters;
    std::string auth_qualifier, auth_info, security_qualifier, security_info;
    std::string sender_qualifier, sender_id, receiver_qualifier, receiver_id; // IDs trimmed
    std::string date, time, standards_id, version, control_number, ack_requested, usage;
    std::uint64_t offset = 0;
    std::uint64_t segment_index = 0;
    bool fixed_width = true;
    bool ebcdic = false;
    std::uint32_t group_count = 0;        // counted
    std::optional<std::uint64_t> declared_groups; // IEA01
    std::string trailer_control_number;   // IEA02
    bool has_trailer = false;
    bool envelope_ok = true;              // no interchange-level error (TA1 would say A)
    std::vector<group_summary> groups;    // groups keep set summaries only when asked
    std::vector<ta1_summary> ta1s;
};

// A complete transaction set as delivered to the handler. Views are valid
// only during the callback.
class parser;

struct transaction_set {
    std::string_view id;
    std::string_view control_number;
    std::string_view implementation_reference;
    std::span<segment const> segments;          // ST..SE (SE absent when missing)
    interchange_summary const* interchange = nullptr;
    group_summary const* group = nullptr;
    std::span<diagnostic const> diagnostics;    // set-level and segment-level ones
    bool has_trailer = false;
    parser const* origin = nullptr;             // for parser::locate
    bool accepted() const noexcept;
};

class handler {
public:
    virtual ~handler() = default;
    virtual void on_interchange_begin(interchange_summary const&) {}
    virtual void on_group_begin(interchange_summary const&, group_summary const&) {}
    virtual void on_transaction_set(transaction_set const&) {}
    virtual void on_group_end(interchange_summary const&, group_summary const&) {}
    virtual void on_interchange_end(interchange_summary const&) {}
    // Every segment outside transaction sets (ISA, GS, GE, IEA, TA1, strays),
    // in file order relative to on_transaction_set.
    virtual void on_envelope_segment(segment const&) {}
    // Every diagnostic, including those also found in transaction_set::diagnostics.
    virtual void on_diagnostic(diagnostic const&) {}
};

struct parser_options {
    std::size_t chunk_size = std::size_t{1} << 20;
    // A transaction set larger than this is reported and skipped, so one
    // hostile file cannot take all memory.
    std::size_t max_set_bytes = std::size_t{256} << 20;
    bool keep_set_summaries = true;
};

// Reads up to n bytes into dst; returns the count, 0 at end of input.
// A read error is reported by returning -1 (and setting errno).
using read_function = std::function<std::ptrdiff_t(char* dst, std::size_t n)>;

struct parse_stats {
    std::uint64_t bytes = 0;
    std::uint64_t segments = 0;
    std::uint64_t interchanges = 0;
    std::uint64_t groups = 0;
    std::uint64_t sets = 0;
    std::uint64_t errors = 0;   // diagnostics of severity error or fatal
    std::uint64_t warnings = 0;
};

class parser {
public:
    explicit parser(handler& h, parser_options opts = {});
    ~parser();
    parser(parser const&) = delete;
    parser& operator=(parser const&) = delete;

    // Parses a whole input held by the caller, in place (an EBCDIC input is
    // transcoded to Latin-1 where it lies). Views handed to the handler point
    // into `input`, or into this parser, and stay valid while both live.
    parse_stats parse(std::span<char> input);

    // Streams an input. Views handed to the handler are valid during the callback only.
    // Returns the I/O error of `read`, if any; X12 problems are diagnostics, not errors.
    std::error_code parse(read_function const& read, parse_stats& stats);

    // Fills p.line and p.column from p.offset, when the offset lies in what the
    // parser still holds: always true, during a callback, for the segments
    // being delivered. Otherwise leaves them 0.
    void locate(position& p) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace edigw::x12
