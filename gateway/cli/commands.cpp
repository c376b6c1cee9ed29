#include "gateway/cli/commands.hpp"

#include "mappings/json.hpp"
#include "mappings/map_850.hpp"
#include "x12/document.hpp"
#include "x12/parser.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace edigw::cli {
namespace json = boost::json;

namespace {

constexpr char const* usage_text =
    "usage: edigw <command> [options]\n"
    "\n"
    "commands:\n"
    "  parse FILE...     canonical orders, envelopes and diagnostics as one JSON document\n"
    "  inspect FILE      delimiters, envelope tree, numbered segments and diagnostics, for people\n"
    "  validate FILE     syntax, dictionary and business-rule report for every set and order\n"
    "  ack FILE          the TA1 / 997 / 999 interchanges the gateway would send for FILE\n"
    "  receive FILE...   the whole inbound path offline, into the log (--data DIR)\n"
    "  log               the transmission log, newest first\n"
    "  show ID           one transmission: raw X12 with findings, sets, acks both ways, audit trail\n"
    "  report rejected   the rejected-document report (text, csv, html)\n"
    "  kpi               orders, exceptions per 1,000, ack latency, cycle time, overdue acks\n"
    "  prune             apply each partner's archive retention\n"
    "  emit 855          the 855 for an 850, from the partner's template, validated, logged\n"
    "  serve             the gateway: drop folders, SFTP and AS2, exactly once; /metrics and the REST API\n"
    "  replay SAMPLE...  send samples as their partner would and compare the answers with SAMPLE.expect\n"
    "  reprocess ID      run a rejected transmission through the pipeline again (after a catalog fix)\n"
    "  demo              the whole gateway from nothing: partners over a folder and AS2, every sample, the reports\n"
    "\n"
    "exit codes: 0 clean, 1 the documents have errors (reported), 2 usage or I/O error\n"
    "run 'edigw <command> --help' for a command's options\n";

bool wants_help(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i)
        if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") return true;
    return false;
}

bool is_file_level(x12::error e)
{
    return e == x12::error::empty_input || e == x12::error::not_x12 || e == x12::error::binary_input;
}

// A file descriptor that closes itself.
class file {
public:
    explicit file(char const* path) : fd_(::open(path, O_RDONLY | O_CLOEXEC)) {}
    ~file()
    {
        if (fd_ >= 0) ::close(fd_);
    }
    file(file const&) = delete;
    file& operator=(file const&) = delete;
    int fd() const noexcept { return fd_; }

private:
    int fd_;
};

// Streams one file: orders are written as their sets complete, so a file of
// any size is parsed in bounded memory.
class parse_sink : public x12::handler {
public:
    parse_sink(std::string_view file_name, std::ostream& out, bool& first_order)
        : file_(file_name), out_(out), first_order_(first_order)
    {
    }

    void on_transaction_set(x12::transaction_set const& ts) override
    {
        if (ts.id != "850") return;
        mappings::order o;
        std::size_t before = mapping_diags_.size();
        mappings::map_850(ts, o, mapping_diags_);
        for (std::size_t i = before; i < mapping_diags_.size(); ++i)
            if (ts.origin) ts.origin->locate(mapping_diags_[i].where);
        json::value v = mappings::to_json(o);
        auto& obj = v.as_object();
        obj["source"] = json::object{{"file", file_}, {"offset", ts.segments.empty() ? 0 : ts.segments.front().offset()},
                                     {"accepted", ts.accepted() && mapping_diags_.size() == before}};
        out_ << (first_order_ ? "\n    " : ",\n    ") << json::serialize(v);
        first_order_ = false;
        ++orders_;
    }

    void on_interchange_end(x12::interchange_summary const& ic) override
    {
        json::value v = mappings::to_json(ic);
        v.as_object()["file"] = file_;
        envelopes_.push_back(std::move(v));
    }

    void on_diagnostic(x12::diagnostic const& d) override { diags_.push_back(d); }

    std::vector<x12::diagnostic> all_diagnostics() const
    {
        std::vector<x12::diagnostic> all = diags_;
        all.insert(all.end(), mapping_diags_.begin(), mapping_diags_.end());
        return all;
    }
    json::array& envelopes() { return envelopes_; }
    std::size_t orders() const { return orders_; }

private:
    std::string file_;
    std::ostream& out_;
    bool& first_order_;
    json::array envelopes_;
    std::vector<x12::diagnostic> diags_, mapping_diags_;
    std::size_t orders_ = 0;
};

} // namespace

int parse_command(int argc, char** argv, std::ostream& out, std::ostream& err)
{
    if (wants_help(argc, argv)) {
        out << "usage: edigw parse FILE...\n\n"
               "Parses each FILE (any number of interchanges, any delimiters) and prints one JSON\n"
               "document: {\"orders\": [...], \"envelopes\": [...], \"diagnostics\": [...], \"files\": [...]}.\n"
               "orders are the canonical orders of every 850 (see docs/canonical-order.md); each\n"
               "diagnostic has a code, severity, message, the acknowledgment codes it maps to and its\n"
               "position (file, byte offset, line, column, segment, element).\n"
               "Files are streamed: memory is bounded by the largest transaction set.\n"
               "exit: 0 clean, 1 errors reported, 2 usage or I/O error\n";
        return 0;
    }
    std::vector<char const*> files;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a.size() > 1 && a[0] == '-') {
            err << "edigw parse: unknown option '" << a << "' (see --help)\n";
            return 2;
        }
        files.push_back(argv[i]);
    }
    if (files.empty()) {
        err << "edigw parse: no FILE given (see --help)\n";
        return 2;
    }

    int status = 0;
    bool first_order = true;
    json::array envelopes, diagnostics, file_list;
    out << "{\n  \"orders\": [";
    for (char const* path : files) {
        file f(path);
        if (f.fd() < 0) {
            err << "edigw: " << path << ": cannot open: " << std::strerror(errno) << '\n';
            file_list.push_back(json::object{{"file", path}, {"error", std::strerror(errno)}});
            status = 2;
            continue;
        }
        parse_sink sink(path, out, first_order);
        x12::parser p(sink);
        x12::parse_stats stats;
        int fd = f.fd();
        auto ec = p.parse([fd](char* dst, std::size_t n) -> std::ptrdiff_t { return ::read(fd, dst, n); }, stats);
        if (ec) {
            err << "edigw: " << path << ": read error: " << ec.message() << '\n';
            file_list.push_back(json::object{{"file", path}, {"error", ec.message()}});
            status = 2;
            continue;
        }
        bool has_error = false;
        for (auto const& d : sink.all_diagnostics()) {
            if (d.severity != x12::severity::warning) has_error = true;
            if (is_file_level(d.code)) err << "edigw: " << path << ": " << d.message << '\n';
            diagnostics.push_back(mappings::to_json(d, path));
        }
        for (auto& e : sink.envelopes()) envelopes.push_back(std::move(e));
        file_list.push_back(json::object{{"file", path},
                                         {"bytes", stats.bytes},
                                         {"segments", stats.segments},
                                         {"interchanges", stats.interchanges},
                                         {"groups", stats.groups},
                                         {"transaction_sets", stats.sets},
                                         {"orders", sink.orders()},
                                         {"errors", stats.errors},
                                         {"warnings", stats.warnings}});
        if (has_error && status == 0) status = 1;
    }
    out << (first_order ? "]" : "\n  ]") << ",\n  \"envelopes\": " << json::serialize(envelopes)
        << ",\n  \"diagnostics\": " << json::serialize(diagnostics) << ",\n  \"files\": " << json::serialize(file_list)
        << "\n}\n";
    return status;
}

namespace {

std::string show_char(char c)
{
    if (c == '\0') return "none";
    if (c == '\n') return "LF (0x0A)";
    if (c == '\r') return "CR (0x0D)";
    if (c == ' ') return "space (0x20)";
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7F) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "0x%02X", u);
        return buf;
    }
    return std::string("'") + c + "'";
}

std::string printable(std::string_view s)
{
    std::string o(s);
    for (auto& c : o)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '.';
    return o;
}

} // namespace

int inspect_command(int argc, char** argv, std::ostream& out, std::ostream& err)
{
    if (wants_help(argc, argv)) {
        out << "usage: edigw inspect FILE\n\n"
               "Shows FILE as an integration engineer reads it: the delimiters found, the envelope\n"
               "tree with counts and control numbers, every segment numbered with its elements\n"
               "(BEG03=...), and each diagnostic with a caret under the offending text.\n"
               "exit: 0 clean, 1 errors reported, 2 usage or I/O error\n";
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        err << "edigw inspect: expected exactly one FILE (see --help)\n";
        return 2;
    }
    char const* path = argv[1];
    std::error_code ec;
    auto doc = x12::document::load(path, ec);
    if (ec) {
        err << "edigw: " << path << ": cannot read: " << ec.message() << '\n';
        return 2;
    }
    for (auto const& d : doc.diagnostics())
        if (is_file_level(d.code)) {
            err << "edigw: " << path << ": " << d.message << '\n';
            return 1;
        }

    out << path << ": " << doc.bytes().size() << " bytes, " << doc.stats().segments << " segments, "
        << doc.stats().interchanges << " interchange(s), " << doc.stats().groups << " group(s), " << doc.stats().sets
        << " transaction set(s)\n\n";
    std::size_t set_index = 0;
    auto sets = doc.sets();
    for (std::size_t i = 0; i < doc.interchanges().size(); ++i) {
        auto const& ic = doc.interchanges()[i];
        out << "interchange ISA13 " << ic.control_number << " at byte " << ic.offset << (ic.ebcdic ? " (EBCDIC)" : "") << "\n"
            << "  delimiters: element " << show_char(ic.delimiters.element) << ", component "
            << show_char(ic.delimiters.component) << ", repetition " << show_char(ic.delimiters.repetition)
            << ", segment " << show_char(ic.delimiters.segment) << (ic.fixed_width ? "" : "  (ISA not fixed width)") << "\n"
            << "  from " << ic.sender_qualifier << '/' << ic.sender_id << " to " << ic.receiver_qualifier << '/'
            << ic.receiver_id << ", " << ic.date << ' ' << ic.time << ", version " << ic.version << ", usage "
            << ic.usage << ", TA1 requested " << ic.ack_requested << "\n"
            << "  groups: " << ic.group_count << " (IEA01 "
            << (ic.declared_groups ? std::to_string(*ic.declared_groups) : std::string("missing")) << ")"
            << (ic.has_trailer ? "" : ", no IEA") << "\n";
        for (auto const& t : ic.ta1s)
            out << "  TA1 for " << t.control_number << ": " << t.status << ' ' << t.note_code << "\n";
        for (auto const& g : ic.groups) {
            out << "  group GS06 " << g.control_number << " " << g.functional_id << " " << g.application_sender << " -> "
                << g.application_receiver << ", version " << g.version << ": " << g.set_count << " set(s) (GE01 "
                << (g.declared_sets ? std::to_string(*g.declared_sets) : std::string("missing")) << ")"
                << (g.has_trailer ? "" : ", no GE") << "\n";
            for (auto const& s : g.sets) {
                bool acc = set_index < sets.size() ? sets[set_index].accepted : s.accepted;
                ++set_index;
                out << "    set " << s.id << ' ' << s.control_number << ": " << s.segment_count << " segments (SE01 "
                    << (s.declared_count ? std::to_string(*s.declared_count) : std::string("missing")) << ")"
                    << (s.has_trailer ? "" : ", no SE") << ", " << (acc ? "envelope OK" : "in error") << "\n";
            }
        }
        out << "\n";
    }
    out << "segments:\n";
    for (auto const& s : doc.segments()) {
        char head[64];
        std::snprintf(head, sizeof head, "%6llu  @%-8llu ", static_cast<unsigned long long>(s.index()),
                      static_cast<unsigned long long>(s.offset()));
        out << head << printable(s.tag());
        for (std::size_t n = 1; n <= s.size(); ++n) {
            if (s[n].empty()) continue;
            out << "  " << printable(s.tag()) << (n < 10 ? "0" : "") << n << '=' << printable(s[n]);
        }
        out << '\n';
    }
    // Content faults the 850 mapping finds (dates, numbers) belong in the same list.
    std::vector<x12::diagnostic> mapping;
    for (auto const& r : doc.sets()) {
        auto ts = doc.transaction(r);
        if (ts.id != "850") continue;
        mappings::order o;
        std::size_t before = mapping.size();
        mappings::map_850(ts, o, mapping);
        for (std::size_t i = before; i < mapping.size(); ++i) doc.locate(mapping[i].where);
    }
    if (!doc.diagnostics().empty() || !mapping.empty()) {
        out << "\ndiagnostics:\n";
        for (auto const& d : doc.diagnostics()) out << x12::format(d, path);
        for (auto const& d : mapping) out << x12::format(d, path);
    }
    bool mapping_errors = std::any_of(mapping.begin(), mapping.end(),
                                      [](x12::diagnostic const& d) { return d.severity != x12::severity::warning; });
    return doc.has_errors() || mapping_errors ? 1 : 0;
}

int run(int argc, char** argv, std::ostream& out, std::ostream& err)
{
    if (argc < 2) {
        err << usage_text;
        return 2;
    }
    std::string_view cmd = argv[1];
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        out << usage_text;
        return 0;
    }
    if (cmd == "parse") return parse_command(argc - 1, argv + 1, out, err);
    if (cmd == "inspect") return inspect_command(argc - 1, argv + 1, out, err);
    if (cmd == "ack") return ack_command(argc - 1, argv + 1, out, err);
    if (cmd == "validate") return validate_command(argc - 1, argv + 1, out, err);
    if (cmd == "receive") return receive_command(argc - 1, argv + 1, out, err);
    if (cmd == "log") return log_command(argc - 1, argv + 1, out, err);
    if (cmd == "show") return show_command(argc - 1, argv + 1, out, err);
    if (cmd == "report") return report_command(argc - 1, argv + 1, out, err);
    if (cmd == "kpi") return kpi_command(argc - 1, argv + 1, out, err);
    if (cmd == "prune") return prune_command(argc - 1, argv + 1, out, err);
    if (cmd == "emit") return emit_command(argc - 1, argv + 1, out, err);
    if (cmd == "serve") return serve_command(argc - 1, argv + 1, out, err);
    if (cmd == "replay") return replay_command(argc - 1, argv + 1, out, err);
    if (cmd == "reprocess") return reprocess_command(argc - 1, argv + 1, out, err);
    if (cmd == "demo") return demo_command(argc - 1, argv + 1, out, err);
    err << "edigw: unknown command '" << cmd << "'\n" << usage_text;
    return 2;
}

} // namespace edigw::cli
