// The inbound analysis of one file, offline: parse, find the partner of each
// interchange, validate every set against the dictionary and the partner's
// guide, map each accepted 850 to a canonical order and run the partner's
// business rules, then build the acknowledgments the gateway would send.
//
// This is the core of `edigw ack`, `edigw validate` and (with the log and
// the transports around it) of the service.
//
// Threading: one analysis per thread; profiles are shared read-only.
// analyse_bytes validates and maps sets on one helper thread of its own too.
#pragma once

#include "mappings/order.hpp"
#include "partners/profile.hpp"
#include "partners/rules.hpp"
#include "x12/ack.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace edigw::pipeline {

struct order_result {
    std::size_t interchange = 0, group = 0, set = 0; // indexes into analysis::interchanges
    mappings::order order;
    std::vector<x12::diagnostic> mapping_diagnostics;
    std::optional<partners::order_decision> decision; // absent when the order is not processed:
    std::string not_processed;                         // "syntax", "mapping", "envelope" or "duplicate" then
    std::vector<std::string> outcome_segments;         // the segment text each rule outcome points at
};

struct interchange_result {
    partners::profile const* partner = nullptr; // null: unknown sender, defaults used
    x12::ack_output acks;
};

struct analysis {
    std::string file;
    std::vector<x12::received_interchange> interchanges;
    std::vector<interchange_result> results;    // parallel to interchanges
    std::vector<x12::diagnostic> file_diagnostics;
    std::vector<order_result> orders;
    std::vector<x12::ack_group_result> inbound_acks; // 997/999 sets partners sent us (FA groups)
    std::vector<x12::ta1_result> inbound_ta1s;
    std::string unknown_partner;                 // the --partner asked for, when it does not exist
    bool io_error = false;
    std::string io_message;

    bool anything_rejected() const;
};

struct inbound_options {
    partners::profile const* partner = nullptr;  // forced partner (--partner); null = by ISA sender
    std::vector<partners::profile> const* profiles = nullptr;
    std::string received_date;                   // ISO; empty = today (UTC); "as-sent" = each interchange's ISA09
    std::string ack_date, ack_time;              // CCYYMMDD, HHMM; empty = now
    x12::control_numbers* numbers = nullptr;     // null = counting from 1
    // Was the PO received before from this partner (the log)? Null = within this file only.
    std::function<bool(partners::profile const*, std::string_view po)> known_po;
    // The same for many POs at once (a batch of a large file: one query instead
    // of one per order); an answer per PO, in order. Null = known_po for each.
    std::function<std::vector<bool>(partners::profile const*, std::vector<std::string_view> const& pos)> known_pos;
    // Was this interchange (sender, ISA13) received before (the log)? It is
    // then answered TA1 R 025 and not processed again.
    std::function<bool(partners::profile const*, x12::interchange_summary const&)> known_interchange;
    // Build the acks at the end of the analysis; false when the caller builds
    // them later (inside its log transaction, with control numbers from the log).
    bool build_acks = true;
};

// Builds (or rebuilds) the acks of every interchange of an analysis and
// withdraws the orders of rejected interchanges. analyse_* call it unless
// told not to.
void build_acks(analysis& a, inbound_options const& opts);

// Analyses FILE (streamed; memory is bounded by the largest set plus the orders kept).
analysis analyse_file(std::filesystem::path const& file, inbound_options const& opts);
// The same for bytes in memory (tests, the service's spool).
analysis analyse_bytes(std::string bytes, std::string file_name, inbound_options const& opts);

// Today's date, ISO.
std::string today_iso();

} // namespace edigw::pipeline
