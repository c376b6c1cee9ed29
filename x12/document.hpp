// A whole X12 input parsed in memory: every segment, the envelope tree and the
// diagnostics. For files of any size prefer x12::parser, which streams.
//
// Lifetime: a document owns its buffer. Every view it hands out (segments,
// elements) points into that buffer or into storage the document owns, and
// stays valid for the document's lifetime. Moving a document keeps them valid.
// Threading: immutable after construction; safe to read from several threads.
#pragma once

#include "x12/parser.hpp"

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

namespace edigw::x12 {

class document {
public:
    struct set_ref {
        std::size_t first_segment = 0; // index into segments()
        std::size_t segment_count = 0;
        std::size_t interchange = 0;   // index into interchanges()
        std::size_t group = 0;         // index into interchanges()[i].groups
        std::size_t first_diagnostic = 0, diagnostic_count = 0; // into set_diagnostics()
        bool accepted = true;
    };

    static document parse(std::string bytes, parser_options opts = {});
    // An unreadable file is an error code (with nothing parsed), never an exception.
    static document load(std::filesystem::path const& file, std::error_code& ec, parser_options opts = {});

    document(document&&) noexcept;
    document& operator=(document&&) noexcept;
    ~document();

    std::string_view bytes() const noexcept;
    std::span<segment const> segments() const noexcept;
    std::span<interchange_summary const> interchanges() const noexcept;
    std::span<diagnostic const> diagnostics() const noexcept;
    std::span<set_ref const> sets() const noexcept;
    std::span<segment const> segments_of(set_ref const& s) const noexcept;
    std::span<diagnostic const> set_diagnostics(set_ref const& s) const noexcept;
    // The set as the streaming parser would have delivered it, for code that
    // works on transaction_set (mapping, validation). Views live as long as
    // the document.
    transaction_set transaction(set_ref const& s) const noexcept;
    // Fills line and column of `p` from its offset.
    void locate(position& p) const;
    parse_stats const& stats() const noexcept;

    bool has_errors() const noexcept;

private:
    document();
    struct data;
    std::unique_ptr<data> d_;
};

} // namespace edigw::x12
