#include "support.hpp"

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace edigw::test {

std::string read_file(std::string const& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string corpus_dir() { return EDIGW_CORPUS_DIR; }

std::vector<corpus_entry> corpus()
{
    std::vector<corpus_entry> out;
    std::istringstream in(read_file(corpus_dir() + "/MANIFEST.tsv"));
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::size_t start = 0;
        for (;;) {
            auto tab = line.find('\t', start);
            f.push_back(line.substr(start, tab - start));
            if (tab == std::string::npos) break;
            start = tab + 1;
        }
        if (f.size() < 10) continue;
        out.push_back({f[0], f[5], f[6], f[7], f[8], f[9]});
    }
    return out;
}

std::string with_delimiters(std::vector<std::string> const& segments, char element, char component, char repetition,
                            std::string_view terminator)
{
    std::string out;
    for (auto const& s : segments) {
        std::string t = s;
        if (t.rfind("ISA", 0) == 0) {
            // ISA16 and ISA11 are delimiters themselves: only the element separator changes.
            for (auto& c : t)
                if (c == '*') c = element;
            t[82] = t[82] == '^' ? repetition : t[82];
            t[104] = component;
        } else {
            for (auto& c : t) {
                if (c == '*') c = element;
                else if (c == ':') c = component;
                else if (c == '^') c = repetition;
            }
        }
        out += t;
        out += terminator;
    }
    return out;
}

std::string isa(std::string_view version, std::string_view control, char ack, char repetition)
{
    std::string s = "ISA*00*          *00*          *ZZ*BUYERID        *ZZ*SELLERID       *240315*0930*";
    s += (version >= "00402") ? repetition : 'U';
    s += "*" + std::string(version) + "*" + std::string(control) + "*" + ack + "*P*:";
    return s;
}

std::vector<std::string> sample_segments(std::string_view v)
{
    std::string gs_version = v == "00401" ? "004010" : "005010";
    return {
        isa(v),
        "GS*PO*BUYERID*SELLERID*20240315*0930*102*X*" + gs_version,
        "ST*850*0001",
        "BEG*00*SA*PO-7001**20240315",
        "REF*DP*042",
        "DTM*002*20240322",
        "N1*ST*BUYERCO DC 17*92*0017",
        "PO1*1*10*EA*4.25*PE*UP*012345678905",
        "CTT*1*10",
        "SE*8*0001",
        "ST*850*0002",
        "BEG*00*SA*PO-7002**20240315",
        "PO1*1*5*CA*30*PE*VP*WID-200",
        "CTT*1*5",
        "SE*5*0002",
        "GE*2*102",
        "IEA*1*000000101",
    };
}

std::vector<x12::diagnostic> with_code(x12::document const& doc, x12::error code)
{
    std::vector<x12::diagnostic> out;
    for (auto const& d : doc.diagnostics())
        if (d.code == code) out.push_back(d);
    return out;
}

namespace {
struct recorder : x12::handler {
    trace t;
    void on_interchange_begin(x12::interchange_summary const& ic) override { t.events.push_back("ISA " + ic.control_number); }
    void on_group_begin(x12::interchange_summary const&, x12::group_summary const& g) override
    {
        t.events.push_back("GS " + g.control_number);
    }
    void on_transaction_set(x12::transaction_set const& ts) override
    {
        std::string e = "ST " + std::string(ts.id) + " " + std::string(ts.control_number) + " [";
        for (auto const& s : ts.segments) {
            e += std::string(s.text()) + "|" + std::to_string(s.offset()) + "|" + std::to_string(s.index()) + ";";
        }
        t.events.push_back(e + "]");
    }
    void on_group_end(x12::interchange_summary const&, x12::group_summary const& g) override
    {
        t.events.push_back("GE " + g.control_number + " " + std::to_string(g.set_count));
    }
    void on_interchange_end(x12::interchange_summary const& ic) override
    {
        t.events.push_back("IEA " + ic.control_number + " " + std::to_string(ic.group_count));
    }
    void on_envelope_segment(x12::segment const& s) override
    {
        t.events.push_back("seg " + std::string(s.text()) + "|" + std::to_string(s.offset()) + "|" + std::to_string(s.index()));
    }
    void on_diagnostic(x12::diagnostic const& d) override
    {
        t.diagnostics.push_back(std::string(x12::name(d.code)) + "@" + std::to_string(d.where.offset) + ":"
                                + std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + " "
                                + d.where.tag + std::to_string(d.where.element) + " " + d.message);
    }
};
} // namespace

trace stream_trace(std::string const& bytes, std::size_t chunk, std::size_t max_set_bytes)
{
    recorder r;
    x12::parser_options opts;
    opts.chunk_size = chunk;
    opts.max_set_bytes = max_set_bytes;
    x12::parser p(r, opts);
    std::size_t at = 0;
    auto ec = p.parse(
        [&](char* dst, std::size_t n) -> std::ptrdiff_t {
            n = std::min({n, chunk, bytes.size() - at});
            std::memcpy(dst, bytes.data() + at, n);
            at += n;
            return static_cast<std::ptrdiff_t>(n);
        },
        r.t.stats);
    if (ec) throw std::runtime_error(ec.message());
    return r.t;
}

trace memory_trace(std::string const& bytes)
{
    recorder r;
    x12::parser p(r);
    std::string copy = bytes;
    r.t.stats = p.parse(std::span<char>(copy.data(), copy.size()));
    return r.t;
}

} // namespace edigw::test
