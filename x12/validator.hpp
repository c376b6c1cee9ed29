// Validation of a transaction set against the dictionary of its release, and
// against a partner's tightenings (their implementation guide).
//
// Finds, and positions, every error a 997/999 reports:
//  - segment level: unrecognized segment ID, unexpected segment, mandatory
//    segment missing, loop over max, segment over max use, segment not in the
//    set, segment out of sequence;
//  - element level: mandatory missing, conditional required missing (P R C L
//    notes), too many elements, too short, too long, invalid character,
//    invalid code, invalid date, invalid time, exclusion violated (E notes),
//    too many repetitions or components.
// Each diagnostic carries the segment's position in the set (ST = 1), the
// loop it is in, the element/component/repetition, the data element number
// and the offending value, which is all an AK3/AK4 or IK3/IK4 needs.
//
// Threading: a validator is immutable after construction; validate() may be
// called from several threads at once.
#pragma once

#include "x12/dictionary.hpp"
#include "x12/parser.hpp"

#include <string>
#include <vector>

namespace edigw::x12 {

// A partner's implementation-guide rules on top of the standard. Errors they
// find are implementation errors (999 I-codes; not reported in a 997).
struct tightening {
    struct element_ref {
        std::string tag;             // "N1"
        std::uint16_t element = 0;   // 3 for N103
        std::uint16_t component = 0; // 0 = the element itself
    };
    // An element the partner requires, always or when another element of the
    // same segment has a given value (N103 when N101 = ST).
    struct required_element {
        element_ref what;
        std::uint16_t when_element = 0; // 0 = always
        std::string when_value;
    };
    // The codes a partner accepts for an element; replaces the standard list.
    struct code_list {
        element_ref what;
        std::vector<std::string> codes;
    };
    std::string set_id;                       // empty = every set
    std::vector<required_element> required_elements;
    std::vector<code_list> codes;
    std::vector<std::string> required_segments; // tags that must appear in the set
};

// Parses "N103" / "REF04-2" into an element_ref; false when malformed.
bool parse_element_ref(std::string_view text, tightening::element_ref& out);

class validator {
public:
    explicit validator(dictionary const& dict, std::vector<tightening> tightenings = {});

    // Appends a diagnostic for every error in `ts` (in segment order).
    // Positions are complete except line and column (the caller's parser or
    // document knows them: parser::locate / document::locate).
    void validate(transaction_set const& ts, std::vector<diagnostic>& out) const;

    dictionary const& dict() const noexcept { return dict_; }

private:
    dictionary const& dict_;
    std::vector<tightening> tight_;
};

} // namespace edigw::x12
