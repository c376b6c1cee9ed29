// Trading-partner profiles: one TOML file per partner, partners/<id>.toml,
// documented key by key in partners/README.md.
//
// A profile is read once at start-up. Anything wrong in it (an unknown key, a
// value of the wrong type, a code that is not one of the allowed ones) is
// refused with the file, line and column and what was expected: a typo in a
// profile must never become a silently ignored setting.
//
// Threading: a loaded profile is a plain immutable value.
#pragma once

#include "partners/catalog.hpp"
#include "x12/ack.hpp"
#include "x12/decimal.hpp"
#include "x12/validator.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace edigw::partners {

using profile_error = file_error;

struct party_ids {
    std::string isa_qualifier, isa_id, gs_id;
};

struct rule_settings {
    bool check_catalog = true;              // SKU known; UOM allowed
    x12::decimal price_tolerance_percent;   // price within catalog price +/- this %
    bool check_pack_size = true;            // quantity a multiple of the pack size
    bool check_stock = true;                // available-to-promise from the inventory file
    bool require_ship_to = true;            // ship-to with a complete address or a known location
    std::vector<std::string> ship_to_locations; // N104 values we know (with N103 92 or 91)
    bool reject_past_dates = true;          // requested dates not before the order is received
    std::vector<std::string> currencies;    // agreed currencies; empty = any (CUR absent = the first)
    bool reject_duplicate_po = true;
    std::uint32_t duplicate_window_days = 365;
};

struct sftp_settings {
    std::string host;
    std::uint16_t port = 22;
    std::string user, private_key, password_env, host_key_sha256;
    std::string inbound_dir, outbound_dir, pattern = "*";
    std::uint32_t poll_seconds = 60;
    std::string after_download = "delete"; // delete | move | leave
    std::string move_to;
};

struct as2_settings {
    std::string their_as2_id, our_as2_id, url;
    std::string their_certificate, our_certificate, our_private_key;
    std::string sign = "sha256";      // none | sha1 | sha256 | sha384 | sha512
    std::string encrypt = "aes256-cbc"; // none | aes128-cbc | aes192-cbc | aes256-cbc | des-ede3-cbc
    std::string compress = "none";    // none | before-signing | after-signing
    std::string mdn = "sync";         // sync | async | none
    bool mdn_signed = true;
    std::string mic = "binary";       // binary | canonical
    std::string transfer_encoding = "binary"; // binary | base64: how our HTTP body is sent (some partners want base64)
    std::uint64_t max_body_bytes = 64ull << 20;
    std::uint32_t mdn_timeout_minutes = 60; // an asynchronous MDN not back by then is reported overdue
    std::string tls_ca; // for an https:// url: the CA (or the partner's own certificate) to trust; empty = the system's
};

struct folder_settings {
    std::string inbound, outbound;
};

struct profile {
    std::string id;        // the file name without .toml
    std::string name;
    std::filesystem::path file, dir; // the profile and the folder its relative paths start from
    party_ids their, ours;
    std::string inbound_version = "005010", outbound_version = "005010"; // GS08 releases
    x12::ack_options acks;             // functional kind, TA1 policy, detail, delimiters
    std::uint32_t ack_window_minutes = 24 * 60; // their acks to our documents are overdue after this
    x12::delimiters delimiters;        // outbound
    bool line_breaks = false;
    rule_settings rules;
    std::vector<x12::tightening> tightenings;
    std::map<std::string, std::filesystem::path> templates; // "855" -> file
    std::optional<sftp_settings> sftp;
    std::optional<as2_settings> as2;
    std::optional<folder_settings> folder;
    std::string sscc_company_prefix;  // GS1 company prefix for generated SSCC-18s
    std::uint32_t retention_days = 730; // raw bytes kept in the archive this long ([log] retention_days)
    catalog products;                  // from the catalog file, when one is named
    inventory stock;                   // from the inventory file, when one is named

    // The ISA12 of what we send ("00401", "00501").
    std::string outbound_isa_version() const;
};

// Loads partners/<id>.toml (and the catalog and inventory files it names).
// Returns false and fills `err` on any problem.
[[nodiscard]] bool load_profile(std::filesystem::path const& file, profile& out, profile_error& err);

// Every *.toml in `dir`, sorted by id. Stops at the first bad profile.
[[nodiscard]] bool load_profiles(std::filesystem::path const& dir, std::vector<profile>& out, profile_error& err);

// The profile whose "their" ISA ID (and qualifier, when given) matches.
profile const* find_by_sender(std::vector<profile> const& all, std::string_view qualifier, std::string_view id);

// The partners/ folder: $EDIGW_PARTNERS, else ./partners, else the source tree's.
std::filesystem::path default_partners_dir();

} // namespace edigw::partners
