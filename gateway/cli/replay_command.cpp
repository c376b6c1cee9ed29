// `edigw replay`: sends each sample through the gateway the way its partner
// would and compares what comes back with the expected outputs stored beside
// it (SAMPLE.expect: every interchange the gateway answers with, in order).
// This first form replays in-process, on a fresh data directory, with the
// sample's own interchange date as "today"; dates, times and control numbers
// are ignored in the comparison, which is shown segment by segment.
#include "gateway/cli/commands.hpp"

#include "gateway/pipeline/receive.hpp"
#include "x12/document.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace edigw::cli {

namespace fs = std::filesystem;

namespace {

// One segment per line, the fields that differ from run to run blanked:
// ISA09/10/13, GS04/05/06, GE02, IEA02, BAK09 (our ack date), TA102/103 stay
// (they echo the partner's).
std::vector<std::string> normalised(std::string const& x12)
{
    std::vector<std::string> out;
    auto doc = x12::document::parse(x12);
    for (auto const& s : doc.segments()) {
        std::vector<std::string> el;
        for (std::size_t i = 1; i <= s.size(); ++i) el.emplace_back(s[i]);
        auto blank = [&](std::size_t n) {
            if (n <= el.size() && !el[n - 1].empty()) el[n - 1] = "#";
        };
        std::string tag(s.tag());
        if (tag == "ISA") { blank(9); blank(10); blank(13); }
        if (tag == "GS") { blank(4); blank(5); blank(6); }
        if (tag == "GE" || tag == "IEA") blank(2);
        if (tag == "BAK") blank(9);
        std::string line = tag;
        for (auto const& e : el) line += "*" + e;
        out.push_back(std::move(line));
    }
    return out;
}

std::string read(fs::path const& f)
{
    std::ifstream in(f, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The sample's interchange date as an ISO date (20YY-MM-DD), for the date rules.
std::string isa_date(std::string const& bytes)
{
    auto doc = x12::document::parse(bytes);
    if (doc.interchanges().empty()) return {};
    auto const& d = doc.interchanges()[0].date;
    if (d.size() != 6) return {};
    return "20" + d.substr(0, 2) + "-" + d.substr(2, 2) + "-" + d.substr(4, 2);
}

} // namespace

int replay_command(int argc, char** argv, std::ostream& out, std::ostream& err)
{
    bool update = false;
    std::string partners_dir;
    std::vector<std::string> samples;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--help" || a == "-h") {
            out << "usage: edigw replay SAMPLE.x12... [--partners DIR] [--update]\n\n"
                   "Receives each sample as its partner would send it (in-process, on a fresh data\n"
                   "directory, dated by the sample's own ISA date), collects every interchange the\n"
                   "gateway answers with (TA1, 997/999, 855) and compares them with SAMPLE.expect,\n"
                   "ignoring dates, times and control numbers. Prints a verdict per sample and a\n"
                   "segment-level diff when one differs; --update writes SAMPLE.expect instead.\n"
                   "exit: 0 all match, 1 something differs, 2 usage or I/O error\n";
            return 0;
        }
        if (a == "--update") update = true;
        else if (a == "--partners" && i + 1 < argc) partners_dir = argv[++i];
        else if (a.size() > 1 && a[0] == '-') {
            err << "edigw replay: unknown option '" << a << "' (see --help)\n";
            return 2;
        } else samples.emplace_back(a);
    }
    if (samples.empty()) {
        err << "edigw replay: no SAMPLE given (see --help)\n";
        return 2;
    }
    std::vector<partners::profile> all;
    partners::profile_error pe;
    if (!partners::load_profiles(partners_dir.empty() ? partners::default_partners_dir() : fs::path(partners_dir), all, pe)) {
        err << "edigw replay: " << pe.what() << '\n';
        return 2;
    }
    int status = 0;
    std::size_t k = 0;
    for (auto const& sample : samples) {
        ++k;
        std::string bytes = read(sample);
        if (bytes.empty()) {
            err << "edigw: " << sample << ": cannot read or empty\n";
            status = 2;
            continue;
        }
        fs::path data = fs::temp_directory_path() / ("edigw-replay-" + std::to_string(::getpid()) + "-" + std::to_string(k));
        fs::remove_all(data);
        std::string e;
        auto st = log::store::open(data, e);
        if (!st) {
            err << "edigw replay: " << e << '\n';
            return 2;
        }
        pipeline::receive_options o;
        o.transport = "replay";
        o.actor = "edigw replay";
        o.received_date = isa_date(bytes);
        o.with_855 = true;
        if (!o.received_date.empty()) {
            o.ack_date = o.received_date.substr(0, 4) + o.received_date.substr(5, 2) + o.received_date.substr(8, 2);
            o.ack_time = "1200";
        }
        auto r = pipeline::receive_bytes(*st, bytes, sample, nullptr, all, o);
        std::string got;
        for (auto const& a : r.acks) got += a.bytes;
        for (auto const& d : r.documents) got += d.bytes;
        st.reset();
        fs::remove_all(data);
        if (!r.ok && r.transmission_id == 0) {
            out << "ERROR  " << sample << ": " << r.error << '\n';
            status = std::max(status, 1);
            continue;
        }
        fs::path expect = fs::path(sample).replace_extension(".expect");
        if (update) {
            std::ofstream(expect, std::ios::binary) << got;
            out << "WROTE  " << expect.string() << '\n';
            continue;
        }
        if (!fs::exists(expect)) {
            out << "NO EXPECTED OUTPUT  " << sample << " (" << expect.string() << " is missing; --update writes it)\n";
            status = std::max(status, 1);
            continue;
        }
        auto want = normalised(read(expect));
        auto have = normalised(got);
        if (want == have) {
            if (have.empty())
                out << "PASS   " << sample << "  (no answer, as expected: " << r.status
                    << (r.error.empty() ? std::string() : "; " + r.error) << ")\n";
            else
                out << "PASS   " << sample << "  (" << have.size() << " segments: " << r.status << ")\n";
            continue;
        }
        status = std::max(status, 1);
        out << "FAIL   " << sample << '\n';
        // Segment by segment: the first differences, with their numbers.
        std::size_t shown = 0;
        for (std::size_t i = 0; i < std::max(want.size(), have.size()) && shown < 12; ++i) {
            std::string const& w = i < want.size() ? want[i] : std::string("(nothing)");
            std::string const& h = i < have.size() ? have[i] : std::string("(nothing)");
            if (w == h) continue;
            out << "       segment " << i + 1 << ":\n         expected " << w << "\n         got      " << h << '\n';
            ++shown;
        }
        if (want.size() != have.size())
            out << "       expected " << want.size() << " segments, got " << have.size() << '\n';
    }
    return status;
}

} // namespace edigw::cli
