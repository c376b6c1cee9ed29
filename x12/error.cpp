#include "x12/error.hpp"

#include <array>
#include <string>

namespace edigw::x12 {
namespace {

struct entry {
    error code;
    std::string_view name;
    level lvl;
    std::string_view ta1;
    std::string_view ak905;
    std::string_view ak502;
    std::string_view ak304;
    std::string_view message;
    std::string_view ak403 = {};
};

// One row per code; the ack columns are what a 997/999/TA1 builder emits.
constexpr entry table[] = {
    {error::ok, "ok", level::file, "000", "", "", "", "no error"},
    {error::empty_input, "empty_input", level::file, "", "", "", "", "the input is empty"},
    {error::not_x12, "not_x12", level::file, "", "", "", "", "no ISA interchange header found"},
    {error::binary_input, "binary_input", level::file, "", "", "", "", "binary data where X12 text was expected"},
    {error::data_outside_interchange, "data_outside_interchange", level::file, "", "", "", "", "data outside any interchange (between IEA and ISA)"},

    {error::isa_control_number_mismatch, "isa_control_number_mismatch", level::interchange, "001", "", "", "", "IEA02 does not match ISA13"},
    {error::isa_invalid_standards_id, "isa_invalid_standards_id", level::interchange, "016", "", "", "", "invalid ISA11 standards identifier"},
    {error::isa_invalid_version, "isa_invalid_version", level::interchange, "017", "", "", "", "invalid ISA12 interchange control version"},
    {error::isa_invalid_control_number, "isa_invalid_control_number", level::interchange, "018", "", "", "", "invalid ISA13 interchange control number"},
    {error::isa_invalid_ack_requested, "isa_invalid_ack_requested", level::interchange, "019", "", "", "", "invalid ISA14 acknowledgment requested"},
    {error::isa_invalid_test_indicator, "isa_invalid_test_indicator", level::interchange, "020", "", "", "", "invalid ISA15 test indicator"},
    {error::isa_invalid_group_count, "isa_invalid_group_count", level::interchange, "021", "", "", "", "IEA01 does not match the number of functional groups"},
    {error::isa_invalid_control_structure, "isa_invalid_control_structure", level::interchange, "022", "", "", "", "invalid interchange control structure"},
    {error::isa_premature_end, "isa_premature_end", level::interchange, "023", "", "", "", "premature end of file inside an interchange"},
    {error::isa_invalid_content, "isa_invalid_content", level::interchange, "024", "", "", "", "invalid interchange content"},
    {error::isa_invalid_element_separator, "isa_invalid_element_separator", level::interchange, "026", "", "", "", "invalid data element separator"},
    {error::isa_invalid_component_separator, "isa_invalid_component_separator", level::interchange, "027", "", "", "", "invalid component element separator"},
    {error::isa_invalid_segment_terminator, "isa_invalid_segment_terminator", level::interchange, "004", "", "", "", "invalid segment terminator"},
    {error::isa_invalid_sender_qualifier, "isa_invalid_sender_qualifier", level::interchange, "005", "", "", "", "invalid ISA05 sender ID qualifier"},
    {error::isa_invalid_sender_id, "isa_invalid_sender_id", level::interchange, "006", "", "", "", "invalid ISA06 sender ID"},
    {error::isa_invalid_receiver_qualifier, "isa_invalid_receiver_qualifier", level::interchange, "007", "", "", "", "invalid ISA07 receiver ID qualifier"},
    {error::isa_invalid_receiver_id, "isa_invalid_receiver_id", level::interchange, "008", "", "", "", "invalid ISA08 receiver ID"},
    {error::isa_invalid_auth_qualifier, "isa_invalid_auth_qualifier", level::interchange, "010", "", "", "", "invalid ISA01 authorization information qualifier"},
    {error::isa_invalid_auth_value, "isa_invalid_auth_value", level::interchange, "011", "", "", "", "invalid ISA02 authorization information"},
    {error::isa_invalid_security_qualifier, "isa_invalid_security_qualifier", level::interchange, "012", "", "", "", "invalid ISA03 security information qualifier"},
    {error::isa_invalid_security_value, "isa_invalid_security_value", level::interchange, "013", "", "", "", "invalid ISA04 security information"},
    {error::isa_invalid_date, "isa_invalid_date", level::interchange, "014", "", "", "", "invalid ISA09 interchange date"},
    {error::isa_invalid_time, "isa_invalid_time", level::interchange, "015", "", "", "", "invalid ISA10 interchange time"},
    {error::isa_not_fixed_width, "isa_not_fixed_width", level::interchange, "022", "", "", "", "ISA is not fixed width (106 bytes); read by its separators"},
    {error::isa_missing_trailer, "isa_missing_trailer", level::interchange, "023", "", "", "", "interchange has no IEA trailer"},
    {error::isa_duplicate_control_number, "isa_duplicate_control_number", level::interchange, "025", "", "", "", "duplicate interchange control number"},
    {error::iea_without_isa, "iea_without_isa", level::interchange, "022", "", "", "", "IEA without a matching ISA"},

    {error::group_not_supported, "group_not_supported", level::group, "", "1", "", "", "functional group not supported"},
    {error::group_version_not_supported, "group_version_not_supported", level::group, "", "2", "", "", "functional group version not supported"},
    {error::group_missing_trailer, "group_missing_trailer", level::group, "", "3", "", "", "functional group has no GE trailer"},
    {error::group_control_number_mismatch, "group_control_number_mismatch", level::group, "", "4", "", "", "GE02 does not match GS06"},
    {error::group_set_count_mismatch, "group_set_count_mismatch", level::group, "", "5", "", "", "GE01 does not match the number of transaction sets"},
    {error::group_invalid_control_number, "group_invalid_control_number", level::group, "", "6", "", "", "GS06 group control number violates syntax"},
    {error::group_control_number_not_unique, "group_control_number_not_unique", level::group, "", "19", "", "", "GS06 group control number repeated in the interchange"},
    {error::ge_without_gs, "ge_without_gs", level::interchange, "024", "", "", "", "GE without a matching GS"},

    {error::set_not_supported, "set_not_supported", level::set, "", "", "1", "", "transaction set not supported"},
    {error::set_missing_trailer, "set_missing_trailer", level::set, "", "", "2", "", "transaction set has no SE trailer"},
    {error::set_control_number_mismatch, "set_control_number_mismatch", level::set, "", "", "3", "", "SE02 does not match ST02"},
    {error::set_segment_count_mismatch, "set_segment_count_mismatch", level::set, "", "", "4", "", "SE01 does not match the number of segments"},
    {error::set_control_number_not_unique, "set_control_number_not_unique", level::set, "", "", "23", "", "ST02 control number repeated in the group"},
    {error::se_without_st, "se_without_st", level::group, "", "", "", "6", "SE without a matching ST"},
    {error::set_too_large, "set_too_large", level::set, "", "", "5", "", "transaction set larger than the configured limit"},
    {error::segment_outside_set, "segment_outside_set", level::group, "", "", "", "6", "segment outside any transaction set"},

    {error::segment_unterminated, "segment_unterminated", level::segment, "", "", "", "", "last segment has no segment terminator"},
    {error::segment_invalid_tag, "segment_invalid_tag", level::segment, "", "", "", "1", "invalid segment identifier"},
    {error::segment_empty, "segment_empty", level::segment, "", "", "", "", "empty segment (two terminators in a row)"},
    {error::segment_mandatory_missing, "segment_mandatory_missing", level::segment, "", "", "", "3", "mandatory segment missing"},
    {error::segment_unexpected, "segment_unexpected", level::segment, "", "", "", "2", "unexpected segment"},
    {error::loop_over_max, "loop_over_max", level::segment, "", "", "", "4", "loop occurs over maximum times"},
    {error::segment_over_max_use, "segment_over_max_use", level::segment, "", "", "", "5", "segment exceeds maximum use"},
    {error::segment_not_in_set, "segment_not_in_set", level::segment, "", "", "", "6", "segment not in defined transaction set"},
    {error::segment_out_of_order, "segment_out_of_order", level::segment, "", "", "", "7", "segment not in proper sequence"},
    {error::segment_unrecognized, "segment_unrecognized", level::segment, "", "", "", "1", "unrecognized segment ID"},
    {error::segment_impl_missing, "segment_impl_missing", level::segment, "", "", "", "I6", "segment required by the partner's implementation guide is missing"},
    {error::element_mandatory_missing, "element_mandatory_missing", level::element, "", "", "", "", "mandatory data element missing", "1"},
    {error::element_invalid_numeric, "element_invalid_numeric", level::element, "", "", "", "", "invalid numeric value", "6"},
    {error::element_invalid_date, "element_invalid_date", level::element, "", "", "", "", "invalid date", "8"},
    {error::element_invalid_time, "element_invalid_time", level::element, "", "", "", "", "invalid time", "9"},
    {error::element_contains_delimiter, "element_contains_delimiter", level::element, "", "", "", "", "value contains a delimiter", "6"},
    {error::element_conditional_missing, "element_conditional_missing", level::element, "", "", "", "", "conditional required data element missing", "2"},
    {error::element_too_many, "element_too_many", level::element, "", "", "", "", "too many data elements", "3"},
    {error::element_too_short, "element_too_short", level::element, "", "", "", "", "data element too short", "4"},
    {error::element_too_long, "element_too_long", level::element, "", "", "", "", "data element too long", "5"},
    {error::element_invalid_character, "element_invalid_character", level::element, "", "", "", "", "invalid character in data element", "6"},
    {error::element_invalid_code, "element_invalid_code", level::element, "", "", "", "", "invalid code value", "7"},
    {error::element_exclusion_violated, "element_exclusion_violated", level::element, "", "", "", "", "exclusion condition violated", "10"},
    {error::element_too_many_repetitions, "element_too_many_repetitions", level::element, "", "", "", "", "too many repetitions", "12"},
    {error::element_too_many_components, "element_too_many_components", level::element, "", "", "", "", "too many components", "13"},
    {error::element_impl_missing, "element_impl_missing", level::element, "", "", "", "", "data element required by the partner's implementation guide is missing", "I9"},
    {error::element_impl_code, "element_impl_code", level::element, "", "", "", "", "code value not used in the partner's implementation guide", "I6"},
};

entry const* find(error e) noexcept
{
    for (auto const& row : table)
        if (row.code == e) return &row;
    return nullptr;
}

class category final : public std::error_category {
public:
    char const* name() const noexcept override { return "edigw.x12"; }
    std::string message(int ev) const override
    {
        auto const* row = find(static_cast<error>(ev));
        return row ? std::string(row->message) : "unknown edigw.x12 error";
    }
};

} // namespace

std::error_category const& error_category() noexcept
{
    static category const instance;
    return instance;
}

level level_of(error e) noexcept
{
    auto const* row = find(e);
    return row ? row->lvl : level::file;
}

std::string_view ta1_note_code(error e) noexcept { auto const* r = find(e); return r ? r->ta1 : ""; }
std::string_view ak905_code(error e) noexcept { auto const* r = find(e); return r ? r->ak905 : ""; }
std::string_view ak502_code(error e) noexcept { auto const* r = find(e); return r ? r->ak502 : ""; }
std::string_view ak304_code(error e) noexcept { auto const* r = find(e); return r ? r->ak304 : ""; }
std::string_view ak403_code(error e) noexcept { auto const* r = find(e); return r ? r->ak403 : ""; }
bool is_5010_or_later(std::string_view v) noexcept
{
    // GS08 "005010..." (6+ digits) or ISA12 "00501" (5 digits).
    if (v.size() >= 6) return v.substr(0, 6) >= std::string_view("005010");
    if (v.size() == 5) return v >= std::string_view("00501");
    return false;
}

std::string_view ak905_code(error e, std::string_view version) noexcept
{
    auto c = ak905_code(e);
    if (c == "19" && !is_5010_or_later(version)) return "";
    return c;
}

std::string_view ak502_code(error e, std::string_view version) noexcept
{
    auto c = ak502_code(e);
    if ((c == "18" || c == "19") && !is_5010_or_later(version)) return "";
    return c;
}

std::string_view ak403_code(error e, std::string_view version) noexcept
{
    auto c = ak403_code(e);
    // 004010's DE 723 stops at 10: a repetition or component where none may be
    // is a delimiter inside the value, an invalid character.
    if ((c == "12" || c == "13") && !is_5010_or_later(version)) return "6";
    return c;
}

bool is_implementation(error e) noexcept
{
    return e == error::segment_impl_missing || e == error::element_impl_missing || e == error::element_impl_code;
}

std::string_view name(error e) noexcept { auto const* r = find(e); return r ? r->name : "unknown"; }

} // namespace edigw::x12
