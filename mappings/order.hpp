// The canonical order: partner-neutral, exact decimals, ISO 8601 dates.
// Built from an 850 (004010 or 005010) by map_850; serialised by to_json.
// docs/canonical-order.md documents the JSON form field by field.
//
// A canonical order owns all its strings: it outlives the parser's buffer.
#pragma once

#include "x12/decimal.hpp"
#include "x12/parser.hpp"

#include <optional>
#include <string>
#include <vector>

namespace edigw::mappings {

using x12::decimal;

struct reference { std::string qualifier, value, description; };
struct communication { std::string qualifier, value; };
struct contact { std::string function, name; std::vector<communication> communications; };
struct dated {
    std::string qualifier, date, time;   // date "YYYY-MM-DD", time "HH:MM[:SS]"
    std::uint32_t segment_position = 0; // of its DTM in the set (0 when not from X12)
};
struct product_id { std::string qualifier, id; };

struct address {
    std::vector<std::string> lines;
    std::string city, state, postal_code, country;
};

struct party {
    std::string role;           // N101: ST, BT, BY, VN, SF ...
    std::string name;
    std::vector<std::string> additional_names; // N2
    std::string id_qualifier, id;
    address addr;
    std::vector<reference> references;
    std::vector<contact> contacts;
    std::uint32_t segment_position = 0; // of its N1 in the set
};

struct charge {
    std::string indicator;      // SAC01: A allowance, C charge, N none
    std::string code;           // SAC02
    std::optional<decimal> amount;   // SAC05 (N2)
    std::optional<decimal> percent;  // SAC07 (R)
    std::string description;    // SAC15
};

struct schedule {
    std::optional<decimal> quantity;
    std::string uom, date_qualifier, date;
};

struct pack {
    std::optional<decimal> pack_count, size;   // PO401, PO402
    std::string uom, packaging;                 // PO403, PO404
};

struct order_line {
    std::string line_id;
    std::optional<decimal> quantity;
    std::string uom;
    std::optional<decimal> unit_price;
    std::string price_basis;
    std::vector<product_id> product_ids;
    std::string description;
    std::vector<pack> packs;
    std::vector<charge> charges;
    std::vector<dated> dates;
    std::vector<reference> references;
    std::vector<schedule> schedules;
    std::vector<party> parties;
    std::vector<std::string> notes;
    std::uint32_t segment_position = 0; // of its PO1 in the set
};

struct terms {
    std::string type, basis_date_code;
    std::optional<decimal> discount_percent;
    std::string discount_due_date;
    std::optional<std::uint32_t> discount_days;
    std::string net_due_date;
    std::optional<std::uint32_t> net_days;
    std::optional<decimal> discount_amount;
    std::string description;
};

struct carrier { std::string routing_sequence, id_qualifier, id, mode, routing; };
struct note { std::string qualifier, reference; std::vector<std::string> messages; };
struct amount { std::string qualifier; std::optional<decimal> value; };
struct fob_terms { std::string payment_method, location_qualifier, location; };

struct envelope_ref {
    std::string sender_qualifier, sender_id, receiver_qualifier, receiver_id;
    std::string interchange_control_number, group_control_number, set_control_number;
    std::string application_sender, application_receiver;
    std::string version;         // GS08, e.g. "004010", "005010"
    std::string implementation_reference; // ST03
    bool test = false;           // ISA15 = T
};

struct order {
    std::string po_number, purpose, order_type, release_number, order_date, contract_number;
    std::uint32_t beg_position = 0, cur_position = 0; // set positions of BEG and CUR (0 when absent)
    std::string currency;
    std::vector<reference> references;
    std::vector<contact> contacts;
    std::vector<dated> dates;
    std::vector<party> parties;
    std::vector<order_line> lines;
    std::vector<charge> charges;
    std::vector<terms> payment_terms;
    std::vector<carrier> carriers;
    std::vector<note> notes;
    std::vector<fob_terms> fob;
    std::vector<amount> amounts;
    struct {
        std::optional<std::uint64_t> line_count;   // CTT01
        std::optional<decimal> hash_total;         // CTT02
        std::uint64_t computed_line_count = 0;     // PO1 segments seen
        decimal computed_hash_total;               // sum of PO102
    } summary;
    envelope_ref envelope;
};

// "20240315" -> "2024-03-15", "240315" -> "2024-03-15" (00-49 are 20xx).
// Empty when the value is not a valid date.
std::string iso_date(std::string_view x12_date);
// "0930" -> "09:30", "093015" -> "09:30:15", "09301525" -> "09:30:15.25".
std::string iso_time(std::string_view x12_time);

} // namespace edigw::mappings
