// Error codes of the X12 layer, registered as a std::error_category ("edigw.x12").
//
// Every code belongs to one envelope level and maps onto exactly one
// acknowledgment code (TA1 note code TA105, AK905/AK9 group error, AK502/IK502
// set error, or an AK304/AK403 segment/element code), so building a 997/999 or
// TA1 from diagnostics is a table lookup, not a second analysis.
#pragma once

#include <cstdint>
#include <string_view>
#include <system_error>

namespace edigw::x12 {

enum class error : std::uint16_t {
    ok = 0,

    // file level: nothing X12 could be found, so there is nothing to acknowledge
    empty_input = 1,        // zero bytes, or only whitespace
    not_x12,                // no ISA where an interchange must start
    binary_input,           // NUL bytes or other control data where X12 text is expected
    data_outside_interchange, // bytes between IEA and the next ISA

    // interchange level: TA1 note codes (TA105)
    isa_control_number_mismatch = 100, // 001: ISA13 != IEA02
    isa_invalid_standards_id,          // 016 (ISA11 before 00402)
    isa_invalid_version,               // 017
    isa_invalid_control_number,        // 018
    isa_invalid_ack_requested,         // 019
    isa_invalid_test_indicator,        // 020
    isa_invalid_group_count,           // 021: IEA01 != number of GS
    isa_invalid_control_structure,     // 022
    isa_premature_end,                 // 023: file ended inside an interchange
    isa_invalid_content,               // 024: e.g. GE/SE/data where a GS must be
    isa_invalid_element_separator,     // 026
    isa_invalid_component_separator,   // 027
    isa_invalid_segment_terminator,    // 004
    isa_invalid_sender_qualifier,      // 005
    isa_invalid_sender_id,             // 006
    isa_invalid_receiver_qualifier,    // 007
    isa_invalid_receiver_id,           // 008
    isa_invalid_auth_qualifier,        // 010
    isa_invalid_auth_value,            // 011
    isa_invalid_security_qualifier,    // 012
    isa_invalid_security_value,        // 013
    isa_invalid_date,                  // 014
    isa_invalid_time,                  // 015
    isa_not_fixed_width,               // 022 when strict; a warning: the ISA was read by its separators
    isa_missing_trailer,               // 023: IEA missing before the next ISA / EOF
    iea_without_isa,                   // 022
    isa_duplicate_control_number,      // 025: this ISA13 was already received from this sender (the log knows)

    // functional group level: AK905 codes
    group_not_supported = 200,         // 1
    group_version_not_supported,       // 2
    group_missing_trailer,             // 3: GE missing
    group_control_number_mismatch,     // 4: GS06 != GE02
    group_set_count_mismatch,          // 5: GE01 != number of ST
    group_invalid_control_number,      // 6: GS06 not N0 1/9
    group_control_number_not_unique,   // 19 in 005010: GS06 repeated in the interchange
    ge_without_gs,                     // interchange content (TA1 024)

    // transaction set level: AK502 codes
    set_not_supported = 300,           // 1
    set_missing_trailer,               // 2: SE missing
    set_control_number_mismatch,       // 3: ST02 != SE02
    set_segment_count_mismatch,        // 4: SE01 != counted segments
    set_control_number_not_unique,     // 23: ST02 repeated in the group
    se_without_st,                     // segment not in a set (AK304 6 for the group)
    segment_outside_set,               // AK304 6: data segment between GS and ST or after SE
    set_too_large,                     // AK502 5: larger than the parser's limit; skipped

    // segment/element syntax found while splitting (AK304 / AK403)
    segment_unterminated = 400,        // last segment of the file has no terminator
    segment_invalid_tag,               // AK304 1: unrecognized segment ID (bad characters / length)
    segment_empty,                     // two terminators in a row
    segment_mandatory_missing,         // AK304 3
    segment_unexpected,                // AK304 2: in the set, but not where it stands (e.g. N3 with no N1)
    loop_over_max,                     // AK304 4: a loop repeated more often than the set allows
    segment_over_max_use,              // AK304 5
    segment_not_in_set,                // AK304 6: a known segment that the set does not define
    segment_out_of_order,              // AK304 7: defined earlier in the set than where it stands
    segment_unrecognized,              // AK304 1: a well-formed tag no dictionary knows
    segment_impl_missing,              // IK304 I6: required by the partner's guide, not by X12

    // element level (AK403 / IK403)
    element_mandatory_missing = 500,   // 1
    element_invalid_numeric,           // 6
    element_invalid_date,              // 8
    element_invalid_time,              // 9
    element_contains_delimiter,        // writer: a value holds one of the interchange's delimiters (AK403 6)
    element_conditional_missing,       // 2: a P, R, C or L syntax note requires it
    element_too_many,                  // 3: more elements than the segment defines
    element_too_short,                 // 4
    element_too_long,                  // 5
    element_invalid_character,         // 6
    element_invalid_code,              // 7
    element_exclusion_violated,        // 10: an E syntax note allows only one of them
    element_too_many_repetitions,      // 12 (5010; 6 in 4010)
    element_too_many_components,       // 13 (5010; 6 in 4010)
    element_impl_missing,              // IK403 I9: required by the partner's guide (situational)
    element_impl_code,                 // IK403 I6: a code X12 allows but the partner's guide does not
};

// How bad a diagnostic is. `fatal` means the unit (interchange, group or set) it
// belongs to cannot be processed; `error` means it will be rejected in the ack;
// `warning` is noted but does not reject anything.
enum class severity : std::uint8_t { warning, error, fatal };

enum class level : std::uint8_t { file, interchange, group, set, segment, element };

std::error_category const& error_category() noexcept;

inline std::error_code make_error_code(error e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

// The envelope level an error belongs to.
level level_of(error e) noexcept;

// Acknowledgment codes. Each returns an empty view when the error does not
// carry a code at that level.
std::string_view ta1_note_code(error e) noexcept;   // "001".."031"
std::string_view ak905_code(error e) noexcept;      // "1".."6", "19"
std::string_view ak502_code(error e) noexcept;      // "1".."5", "23"
std::string_view ak304_code(error e) noexcept;      // "1".."8"
std::string_view ak403_code(error e) noexcept;      // "1".."10"

// The same, for the X12 release of the group being acknowledged (GS08 such as
// "004010" or "005010X231A1", or ISA12 such as "00401"): some codes exist only
// from 005010 on. AK905 19 (GS06 not unique in the interchange) means "S1E
// security end segment missing" in 004010, so there it yields no code.
std::string_view ak905_code(error e, std::string_view version) noexcept;
std::string_view ak502_code(error e, std::string_view version) noexcept;
std::string_view ak403_code(error e, std::string_view version) noexcept;

// Implementation errors come from a partner's guide (tightenings), not from the
// X12 standard: a 999 reports them with I-codes, a 997 does not report them.
bool is_implementation(error e) noexcept;
bool is_5010_or_later(std::string_view version) noexcept;

// Stable, short, machine-friendly name ("isa_control_number_mismatch").
std::string_view name(error e) noexcept;

} // namespace edigw::x12

template <>
struct std::is_error_code_enum<edigw::x12::error> : std::true_type {};
