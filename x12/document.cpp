#include "x12/document.hpp"

#include <fstream>

namespace edigw::x12 {

struct document::data : handler {
    std::string buffer;
    std::unique_ptr<parser> p; // owns the side arena the views may point into
    std::vector<std::string_view> elements;
    struct seg_rec {
        std::string_view tag, text;
        std::size_t first, count;
        std::uint64_t offset, index;
        std::uint32_t set_position;
    };
    std::vector<seg_rec> recs;
    std::vector<segment> segments;
    std::vector<interchange_summary> interchanges;
    std::vector<diagnostic> diagnostics;
    std::vector<diagnostic> set_diags;
    std::vector<set_ref> sets;
    parse_stats stats;

    void add(segment const& s)
    {
        recs.push_back({s.tag(), s.text(), elements.size(), s.size(), s.offset(), s.index(), s.set_position()});
        elements.insert(elements.end(), s.elements().begin(), s.elements().end());
    }

    void on_envelope_segment(segment const& s) override { add(s); }
    void on_transaction_set(transaction_set const& ts) override
    {
        set_ref r;
        r.first_segment = recs.size();
        r.segment_count = ts.segments.size();
        r.interchange = interchanges.size(); // the interchange is pushed when it ends
        r.group = ts.interchange->groups.size();
        r.first_diagnostic = set_diags.size();
        r.diagnostic_count = ts.diagnostics.size();
        r.accepted = ts.accepted();
        set_diags.insert(set_diags.end(), ts.diagnostics.begin(), ts.diagnostics.end());
        for (auto const& s : ts.segments) add(s);
        sets.push_back(r);
    }
    void on_interchange_end(interchange_summary const& ic) override { interchanges.push_back(ic); }
    void on_diagnostic(diagnostic const& d) override { diagnostics.push_back(d); }

    void finish()
    {
        segments.reserve(recs.size());
        for (auto const& r : recs)
            segments.emplace_back(r.tag, std::span<std::string_view const>(elements.data() + r.first, r.count), r.text,
                                  r.offset, r.index, r.set_position);
    }
};

document::document() : d_(std::make_unique<data>()) {}
document::document(document&&) noexcept = default;
document& document::operator=(document&&) noexcept = default;
document::~document() = default;

document document::parse(std::string bytes, parser_options opts)
{
    document doc;
    auto& d = *doc.d_;
    // Room for what X12 usually holds (a segment per 16 bytes or more, an
    // element per 4), so that a large document is not copied again and again
    // as its vectors grow; room not used is never touched.
    d.recs.reserve(bytes.size() / 16 + 16);
    d.elements.reserve(bytes.size() / 4 + 64);
    d.buffer = std::move(bytes);
    d.p = std::make_unique<parser>(d, opts);
    d.stats = d.p->parse(std::span<char>(d.buffer.data(), d.buffer.size()));
    d.finish();
    return doc;
}

document document::load(std::filesystem::path const& file, std::error_code& ec, parser_options opts)
{
    ec.clear();
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        ec = std::error_code(errno ? errno : ENOENT, std::generic_category());
        return document();
    }
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        ec = std::error_code(EIO, std::generic_category());
        return document();
    }
    return parse(std::move(bytes), opts);
}

std::string_view document::bytes() const noexcept { return d_->buffer; }
std::span<segment const> document::segments() const noexcept { return d_->segments; }
std::span<interchange_summary const> document::interchanges() const noexcept { return d_->interchanges; }
std::span<diagnostic const> document::diagnostics() const noexcept { return d_->diagnostics; }
std::span<document::set_ref const> document::sets() const noexcept { return d_->sets; }
std::span<segment const> document::segments_of(set_ref const& s) const noexcept
{
    return std::span<segment const>(d_->segments).subspan(s.first_segment, s.segment_count);
}
std::span<diagnostic const> document::set_diagnostics(set_ref const& s) const noexcept
{
    return std::span<diagnostic const>(d_->set_diags).subspan(s.first_diagnostic, s.diagnostic_count);
}
transaction_set document::transaction(set_ref const& s) const noexcept
{
    transaction_set ts;
    ts.segments = segments_of(s);
    if (!ts.segments.empty()) {
        ts.id = ts.segments.front().element(1);
        ts.control_number = ts.segments.front().element(2);
        ts.implementation_reference = ts.segments.front().element(3);
        ts.has_trailer = ts.segments.size() > 1 && ts.segments.back().tag() == "SE";
    }
    if (s.interchange < d_->interchanges.size()) {
        ts.interchange = &d_->interchanges[s.interchange];
        if (s.group < ts.interchange->groups.size()) ts.group = &ts.interchange->groups[s.group];
    }
    ts.diagnostics = set_diagnostics(s);
    ts.origin = d_->p.get();
    return ts;
}

void document::locate(position& p) const
{
    if (d_->p) d_->p->locate(p);
}

parse_stats const& document::stats() const noexcept { return d_->stats; }

bool document::has_errors() const noexcept
{
    for (auto const& d : d_->diagnostics)
        if (d.severity != severity::warning) return true;
    return false;
}

} // namespace edigw::x12
