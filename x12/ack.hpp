// Acknowledgments: what the gateway answers to an inbound interchange (TA1,
// 997, 999) and what it reads from the acknowledgments partners send back.
//
// Building an ack is a mapping, not a second analysis: the parser and the
// validator already gave every diagnostic its code (error.hpp) and its
// position, so the builder groups them by set and segment and writes them out.
// Rules followed (../shared/x12-reference.md sections 1.3, 1.4 and 3):
//  - one ack set per received functional group, never for FA groups;
//  - 997 for 004010 groups and 999 (005010X231A1) for 005010 groups unless the
//    profile says otherwise; a 997 does not report implementation errors;
//  - AK3/IK3 positions count ST as 1; AK4/IK4 carry the element position (with
//    component, and repetition in 5010), the data element number and a copy
//    of the bad value; code lists by version (AK905 19, AK502 18/19 are 5010);
//  - AK902 is GE01 as received, AK903 the sets received, AK904 those accepted;
//  - a TA1 travels in its own interchange (no GS, IEA01 = 0); when the
//    interchange envelope is in error it is rejected (TA104 R) and its groups
//    are not acknowledged; an interchange holding only TA1s gets no TA1 back.
//
// Threading: plain values and functions; a collector is used by one parser.
#pragma once

#include "x12/parser.hpp"
#include "x12/validator.hpp"
#include "x12/writer.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace edigw::x12 {

// ---- what was received ------------------------------------------------------------

struct received_set {
    std::string id, control_number, implementation_reference;
    std::vector<diagnostic> diagnostics; // envelope, syntax and dictionary findings
    std::uint64_t fingerprint = 0;       // FNV-1a of the set's segments: recognises the same set sent again
    std::uint64_t offset = 0;            // of its ST in the input
    bool accepted_997() const noexcept;  // no error that a 997 reports
    bool accepted_999() const noexcept;  // ... nor an implementation error
};

struct received_group {
    group_summary summary;
    std::vector<received_set> sets;
    std::vector<diagnostic> diagnostics; // group-level (AK905)
};

struct received_interchange {
    interchange_summary summary;
    std::vector<received_group> groups;
    std::vector<diagnostic> diagnostics; // interchange-level (TA1)
};

// Picks the validator for a group (by GS08 and GS01/ST01); null = no dictionary
// validation (the set is then judged on its envelope only).
using validator_lookup = std::function<validator const*(group_summary const&)>;

// A parser handler that records every interchange with its diagnostics and
// runs the validator on each set as it completes. Sets of FA groups are
// recorded too (they are read as acks, not acknowledged).
class ack_collector : public handler {
public:
    explicit ack_collector(validator_lookup lookup = {}) : lookup_(std::move(lookup)) {}

    void on_interchange_begin(interchange_summary const& ic) override;
    void on_group_begin(interchange_summary const&, group_summary const& g) override;
    void on_transaction_set(transaction_set const& ts) override;
    void on_group_end(interchange_summary const&, group_summary const& g) override;
    void on_interchange_end(interchange_summary const& ic) override;
    void on_diagnostic(diagnostic const& d) override;

    std::vector<received_interchange>& interchanges() noexcept { return done_; }
    // Diagnostics outside any interchange (not X12, data between interchanges).
    std::vector<diagnostic> const& file_diagnostics() const noexcept { return file_; }
    // Lets a handler wrapping this one fill in line and column.
    void set_locator(std::function<void(position&)> f) { locate_ = std::move(f); }

    // Where the set just recorded by on_transaction_set sits: its interchange
    // (index into interchanges() once that ends), group and set indexes.
    received_set const* last_set() const noexcept { return group_.sets.empty() ? nullptr : &group_.sets.back(); }
    // A set of the group being read, by set_index(), for a handler that
    // validates sets later (in batches) and adds the findings itself.
    received_set* group_set(std::size_t index) noexcept { return index < group_.sets.size() ? &group_.sets[index] : nullptr; }
    std::size_t interchange_index() const noexcept { return done_.size(); }
    std::size_t group_index() const noexcept { return cur_ ? cur_->groups.size() : 0; }
    std::size_t set_index() const noexcept { return group_.sets.empty() ? 0 : group_.sets.size() - 1; }

private:
    validator_lookup lookup_;
    std::function<void(position&)> locate_;
    std::optional<received_interchange> cur_;
    received_group group_;
    bool in_group_ = false;
    std::vector<received_interchange> done_;
    std::vector<diagnostic> file_;
};

// ---- what we answer -------------------------------------------------------------------

enum class fa_kind { by_version, always_997, always_999 };
enum class ta1_policy { never, on_error, always, requested, requested_or_error };

struct ack_options {
    fa_kind kind = fa_kind::by_version;
    ta1_policy ta1 = ta1_policy::requested_or_error;
    bool detail_accepted = true; // AK2/AK5 loops for accepted sets too
    // Our envelope: ISA12 and delimiters of the outbound interchange; empty /
    // unset = the inbound interchange's.
    std::string isa_version;
    std::optional<delimiters> outbound_delimiters;
    // Our IDs in the answer; empty = the inbound receiver's (sender and
    // receiver are swapped either way).
    std::string date, time; // CCYYMMDD and HHMM; empty = now (UTC)
    bool line_breaks = false;
};

// Where ack control numbers come from (the transmission log, later); each
// call returns a new number.
struct control_numbers {
    std::function<std::uint64_t()> next_interchange;
    std::function<std::uint64_t()> next_group;
};
// Numbers counting up from `first`, for offline use.
control_numbers counting_from(std::uint64_t first);

struct ack_output {
    std::string ta1;         // a TA1 interchange, or empty
    std::string functional;  // the 997/999 interchange, or empty
    std::string ta1_status;  // A, E, R when a TA1 was decided
    std::string ta1_note;    // TA105
    std::uint32_t sets_acknowledged = 0;
};

// The acknowledgments for one received interchange.
ack_output build_acks(received_interchange const& in, ack_options const& opts, control_numbers& numbers);

// ---- what partners answer ---------------------------------------------------------------

struct ack_error {
    std::string segment_tag;     // AK301/IK301
    std::uint32_t position = 0;  // AK302/IK302
    std::string loop_id;         // AK303
    std::string segment_code;    // AK304/IK304
    std::uint16_t element = 0, component = 0, repetition = 0; // AK401
    std::string data_element;    // AK402
    std::string element_code;    // AK403/IK403
    std::string value;           // AK404
};

struct ack_set_result {
    std::string id, control_number;   // AK201, AK202
    std::string status;               // AK501/IK501: A E M R W X
    std::vector<std::string> codes;   // AK502..
    std::vector<ack_error> errors;
};

struct ack_group_result {
    std::string kind;                 // "997" or "999"
    std::string functional_id, group_control_number, version; // AK101..AK103
    std::string status;               // AK901
    std::uint32_t declared = 0, received = 0, accepted = 0; // AK902..AK904
    std::vector<std::string> codes;   // AK905..
    std::vector<ack_set_result> sets;
    bool complete = false;            // AK9 seen
};

struct ta1_result {
    std::string control_number, date, time, status, note_code;
};

struct inbound_acks {
    std::vector<ack_group_result> groups;
    std::vector<ta1_result> ta1s;
};

// Reads one 997 or 999 set into a group result; false when it is not one.
bool read_functional_ack(transaction_set const& ts, ack_group_result& out);
// The TA1 segments of an interchange.
void read_ta1s(interchange_summary const& ic, inbound_acks& out);

} // namespace edigw::x12
