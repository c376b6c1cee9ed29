// The service analyses a received file held in memory with its sets validated
// and mapped in batches on several threads (analyse_bytes); the command line
// streams a file and does each set as it comes (analyse_file). Both must say
// exactly the same of every input: each finding with its place, each order,
// each decision, each acknowledgment.
#include "bench/generator.hpp"
#include "gateway/pipeline/inbound.hpp"
#include "mappings/json.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace edigw;

namespace {

std::string where(x12::position const& p)
{
    std::ostringstream o;
    o << p.offset << ':' << p.line << ':' << p.column << ':' << p.segment_index << ':' << p.set_position << ':' << p.tag << ':'
      << p.element << ':' << p.component;
    return o.str();
}

std::string dump(x12::diagnostic const& d)
{
    return std::to_string(static_cast<int>(d.code)) + "/" + std::to_string(static_cast<int>(d.severity)) + " " + where(d.where) + " "
           + d.message + " [" + d.value + "] [" + d.excerpt + "]@" + std::to_string(d.caret) + " " + d.data_element + " " + d.loop_id;
}

// Everything an analysis says, one line each.
std::string dump(pipeline::analysis const& a)
{
    std::ostringstream o;
    for (auto const& d : a.file_diagnostics) o << "file " << dump(d) << '\n';
    for (std::size_t i = 0; i < a.interchanges.size(); ++i) {
        auto const& ic = a.interchanges[i];
        o << "ISA " << ic.summary.control_number << '\n';
        for (auto const& d : ic.diagnostics) o << "  " << dump(d) << '\n';
        for (auto const& g : ic.groups) {
            o << " GS " << g.summary.control_number << ' ' << g.sets.size() << '\n';
            for (auto const& d : g.diagnostics) o << "  " << dump(d) << '\n';
            for (auto const& s : g.sets) {
                o << "  ST " << s.id << ' ' << s.control_number << ' ' << s.fingerprint << ' ' << s.offset << ' '
                  << s.accepted_997() << s.accepted_999() << '\n';
                for (auto const& d : s.diagnostics) o << "   " << dump(d) << '\n';
            }
        }
        if (i < a.results.size()) o << "acks\n" << a.results[i].acks.ta1 << '\n' << a.results[i].acks.functional << '\n';
    }
    for (auto const& r : a.orders) {
        o << "order " << r.interchange << '/' << r.group << '/' << r.set << ' ' << boost::json::serialize(mappings::to_json(r.order))
          << " not_processed=" << r.not_processed << '\n';
        for (auto const& d : r.mapping_diagnostics) o << "  mapping " << dump(d) << '\n';
        if (r.decision) {
            o << "  decision " << r.decision->bak02 << ' ' << static_cast<int>(r.decision->action) << '\n';
            for (auto const& oc : r.decision->outcomes) o << "   " << oc.code << ' ' << oc.message << ' ' << oc.set_position << '\n';
        }
        for (auto const& s : r.outcome_segments) o << "  at " << s << '\n';
    }
    return o.str();
}

pipeline::inbound_options options(std::vector<partners::profile> const& all, partners::profile const* forced)
{
    pipeline::inbound_options io;
    io.profiles = &all;
    io.partner = forced;
    io.received_date = "as-sent";
    io.ack_date = "20240315";
    io.ack_time = "1200";
    // "The log" knows every PO whose number ends in 7.
    io.known_po = [](partners::profile const* p, std::string_view po) { return p && !po.empty() && po.back() == '7'; };
    // Asked a batch at a time by analyse_bytes, one by one by analyse_file.
    io.known_pos = [k = io.known_po](partners::profile const* p, std::vector<std::string_view> const& pos) {
        std::vector<bool> out;
        for (auto po : pos) out.push_back(k(p, po));
        return out;
    };
    return io;
}

std::string same_both_ways(std::string const& bytes, std::vector<partners::profile> const& all, partners::profile const* forced)
{
    auto const tmp = fs::temp_directory_path() / ("edigw-inbound-" + std::to_string(::getpid()) + ".x12");
    std::ofstream(tmp, std::ios::binary) << bytes;
    auto io = options(all, forced);
    auto streamed = dump(pipeline::analyse_file(tmp, io));
    auto batched = dump(pipeline::analyse_bytes(bytes, tmp.string(), io));
    fs::remove(tmp);
    REQUIRE(streamed == batched);
    return batched;
}

std::vector<partners::profile> profiles()
{
    std::vector<partners::profile> all;
    partners::profile_error err;
    REQUIRE(partners::load_profiles(fs::path(EDIGW_SOURCE_DIR) / "partners", all, err));
    return all;
}

} // namespace

TEST_CASE("analyse_bytes in batches and analyse_file streamed agree on every corpus file and sample", "[inbound]")
{
    auto const all = profiles();
    std::size_t n = 0;
    for (auto const& e : test::corpus()) {
        INFO(e.path);
        same_both_ways(test::read_file(test::corpus_dir() + "/" + e.path), all, nullptr);
        ++n;
    }
    for (auto const& f : fs::directory_iterator(EDIGW_SAMPLES_DIR)) {
        if (f.path().extension() != ".x12") continue;
        INFO(f.path());
        same_both_ways(test::read_file(f.path().string()), all, nullptr);
        ++n;
    }
    CHECK(n > 40);
}

TEST_CASE("analyse_bytes in batches: findings, rules and duplicates across batch boundaries as analyse_file finds them",
          "[inbound]")
{
    auto const all = profiles();
    partners::profile const* buyerco = nullptr;
    for (auto const& p : all)
        if (p.id == "buyerco") buyerco = &p;
    REQUIRE(buyerco);
    // 1,500 orders (several batches, two groups), spoiled here and there: a
    // date that is not one, a PO sent twice (the second in a later batch), a
    // cancellation of an earlier PO, a wrong SE count, a purpose we refuse.
    std::string file = bench::generate_string(1500);
    auto spoil = [&](std::string const& from, std::string const& to) {
        auto at = file.find(from);
        REQUIRE(at != std::string::npos);
        file.replace(at, from.size(), to);
    };
    spoil("BEG*00*SA*PO-3**20240315", "BEG*00*SA*PO-3**20241345");
    spoil("BEG*00*SA*PO-900**20240315", "BEG*00*SA*PO-12**20240315");
    spoil("BEG*00*SA*PO-1200**20240315", "BEG*01*SA*PO-40**20240315");
    spoil("BEG*00*SA*PO-1300**20240315", "BEG*09*SA*PO-1300**20240315");
    spoil("BEG*00*SA*PO-1400**20240315", "BEG*07*SA*PO-1400**20240315");
    auto se = file.find("SE*", file.find("PO-700*"));
    REQUIRE(se != std::string::npos);
    file.replace(se, 3, "SE*9");
    auto const said = same_both_ways(file, all, buyerco);
    // The spoils were found (the comparison is not between two empty stories).
    for (char const* what : {"duplicate-po PO PO-12 was already received", "cancel PO PO-40 is cancelled", "[09] [BEG*09*SA*PO-1300",
                             "duplicate-copy", "SE01 says 9", "'20241345'"})
        CHECK(said.find(what) != std::string::npos);
    same_both_ways(file, all, nullptr);
}
