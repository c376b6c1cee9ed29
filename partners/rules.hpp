// Business rules: checked on a canonical order after X12 syntax, per partner,
// with the settings and files of its profile. Each finding has a stable code,
// a severity, a plain message and a position (segment tag, position in the
// set, element), and the findings add up to an order-level decision (BAK02)
// and line-level ACK statuses (IA IR IP IQ IB) ready for the 855.
//
// Codes (stable; ops reports and tests rely on them):
//   purpose-unsupported    BEG01 is not 00 01 05 06 07                   reject
//   duplicate-po           the PO number was already received           reject
//   duplicate-copy         BEG01 07: a duplicate copy, not processed     info
//   confirmation-known     BEG01 06 for a PO we already have             info
//   cancel                 BEG01 01 of a PO we have: cancelled           info
//   cancel-unknown-po      BEG01 01 of a PO we never received            reject
//   replace-unknown-po     BEG01 05 of a PO we never received            info (processed as original)
//   currency               CUR02 is not an agreed currency               reject
//   ship-to-missing        no ship-to party (N1*ST)                      reject
//   ship-to-unknown        ship-to without a known location ID or a complete address   reject
//   date-in-past           a requested date before the order date/receipt               reject
//   date-window            ship-not-before after ship-no-later (or deliver windows)      reject
//   quantity-not-positive  PO102 missing, zero or negative               line rejected (IR)
//   sku-unknown            no product ID of the line is in the catalog   line rejected (IR)
//   uom-not-allowed        the catalog has the item, not in this unit    line rejected (IR)
//   price-changed          PO104 outside catalog price +/- tolerance     line price changed (IP)
//   price-missing          no PO104: the catalog price applies           info
//   pack-size              quantity not a multiple of the pack size      line quantity changed (IQ) or IR
//   stock-short            less available than ordered                   IQ + IB (backorder)
//   stock-none             nothing available                             IB (or IR without a date)
//
// Threading: pure functions of their inputs.
#pragma once

#include "mappings/order.hpp"
#include "partners/profile.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace edigw::partners {

enum class rule_severity : std::uint8_t { info, change, reject };

struct rule_outcome {
    std::string code;
    rule_severity severity = rule_severity::reject;
    std::string message;
    std::string tag;                 // segment the finding is about
    std::uint32_t set_position = 0;  // of that segment in its set (ST = 1)
    std::uint16_t element = 0;
    std::string value;               // the value at fault
    std::string line_id;             // PO101 of the line, empty for the order
};

// One ACK segment of the 855.
struct line_ack {
    std::string status;              // IA IR IP IQ IB
    x12::decimal quantity;
    std::string uom;
    std::string date;                // ISO date: planned ship (IA/IQ/IP) or availability (IB); may be empty
    std::optional<x12::decimal> price; // our price when it changed (IP)
};

struct line_decision {
    std::string line_id;
    std::uint32_t set_position = 0;
    std::vector<line_ack> acks;      // in order; IQ then IB when part is backordered
    std::string sku;                 // the catalog item it matched, when any
    bool rejected() const noexcept { return !acks.empty() && acks.front().status == "IR"; }
};

enum class order_action : std::uint8_t { process, cancel, ignore, reject };

struct order_decision {
    std::string po_number, purpose;
    order_action action = order_action::process;
    std::string bak02;                // AD, AC, RD, RJ, AT
    std::vector<rule_outcome> outcomes;
    std::vector<line_decision> lines;
    bool accepted() const noexcept { return action == order_action::process || action == order_action::cancel; }
    bool send_855() const noexcept { return action != order_action::ignore; }
};

struct rule_context {
    std::string received_date;                       // ISO date the order arrived (today)
    std::function<bool(std::string_view po)> known_po; // was this PO received before (the log; within the file until then)?
};

order_decision apply_rules(mappings::order const& order, profile const& p, rule_context const& ctx);

// "IA" etc. -> a short description, for reports.
std::string_view ack_status_text(std::string_view status) noexcept;
std::string_view severity_name(rule_severity s) noexcept;

} // namespace edigw::partners
