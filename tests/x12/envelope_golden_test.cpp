// Golden tests for the delimiter rules and every envelope code, in 4010 and
// 5010: each tests/golden/envelope/NAME.x12 is parsed and rendered as text
// (the delimiters and envelope tree found, then every diagnostic with its ack
// codes and position) and compared with NAME.expect, reviewed by hand.
// EDIGW_UPDATE_GOLDEN=1 rewrites the .expect files instead; `git diff` is then
// the review.
#include "support.hpp"

#include "x12/ack.hpp"
#include "x12/parser.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace edigw;

namespace {

std::string show(char c)
{
    if (c == '\0') return "none";
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7F) {
        char b[8];
        std::snprintf(b, sizeof b, "0x%02X", u);
        return b;
    }
    return std::string("'") + c + "'";
}

std::string opt(std::optional<std::uint64_t> const& v) { return v ? std::to_string(*v) : "-"; }

struct render : x12::handler {
    std::ostringstream out;
    std::string version; // ISA12 of the interchange being read
    x12::delimiters delims;
    void on_interchange_begin(x12::interchange_summary const& ic) override
    {
        version = ic.version;
        delims = ic.delimiters;
        set_details.clear();
    }
    // Elements holding repetitions or components are shown split, so the
    // repetition rule (5010 only) is visible in the goldens.
    std::vector<std::string> set_details; // per set of the interchange, in order
    void on_transaction_set(x12::transaction_set const& ts) override
    {
        std::ostringstream out;
        for (auto const& seg : ts.segments) {
            for (std::size_t n = 1; n <= seg.size(); ++n) {
                auto v = seg.element(n);
                for (char sep : {delims.repetition, delims.component}) {
                    if (sep == '\0' || v.find(sep) == std::string_view::npos) continue;
                    out << "    " << seg.tag() << (n < 10 ? "0" : "") << n
                        << (sep == delims.repetition ? " repetitions" : " components");
                    for (auto piece : x12::split(v, sep)) out << " [" << piece << "]";
                    out << "\n";
                }
            }
        }
        set_details.push_back(out.str());
    }
    void on_interchange_end(x12::interchange_summary const& ic) override
    {
        auto const& d = ic.delimiters;
        out << "interchange " << ic.control_number << " version " << ic.version << " from " << ic.sender_qualifier << ":"
            << ic.sender_id << " to " << ic.receiver_qualifier << ":" << ic.receiver_id << "\n"
            << "  delimiters element " << show(d.element) << " component " << show(d.component) << " repetition "
            << show(d.repetition) << " segment " << show(d.segment) << "\n"
            << "  groups " << ic.group_count << " (IEA01 " << opt(ic.declared_groups) << ") IEA02 "
            << (ic.has_trailer ? ic.trailer_control_number : "missing") << (ic.envelope_ok ? "" : " envelope-error") << "\n";
        std::size_t k = 0;
        for (auto const& g : ic.groups) {
            out << "  group " << g.control_number << " " << g.functional_id << " " << g.version << " sets " << g.set_count
                << " (GE01 " << opt(g.declared_sets) << ") GE02 " << (g.has_trailer ? g.trailer_control_number : "missing")
                << " rejected " << g.rejected_sets << "\n";
            for (auto const& s : g.sets)
                out << "    set " << s.id << " " << s.control_number << " segments " << s.segment_count << " (SE01 "
                    << opt(s.declared_count) << ")" << (s.has_trailer ? "" : " SE missing")
                    << (s.accepted ? " accepted" : " rejected") << "\n"
                    << (k < set_details.size() ? set_details[k++] : std::string());
        }
    }
    void on_diagnostic(x12::diagnostic const& d) override
    {
        static char const* sev[] = {"warning", "error", "fatal"};
        auto code = [](std::string_view c) { return c.empty() ? std::string("-") : std::string(c); };
        out << sev[static_cast<int>(d.severity)] << " " << x12::name(d.code) << " TA1=" << code(x12::ta1_note_code(d.code))
            << " AK905=" << code(x12::ak905_code(d.code, version)) << " AK502=" << code(x12::ak502_code(d.code, version))
            << " at byte " << d.where.offset << " line " << d.where.line << " col " << d.where.column;
        if (d.where.segment_index) out << " segment " << d.where.segment_index;
        if (d.where.set_position) out << " set-position " << d.where.set_position;
        if (!d.where.tag.empty()) {
            out << " " << d.where.tag;
            if (d.where.element) out << (d.where.element < 10 ? "0" : "") << d.where.element;
        }
        if (!d.value.empty()) out << " value '" << d.value << "'";
        out << "\n  " << d.message << "\n";
    }
};

std::string golden_dir() { return std::string(EDIGW_GOLDEN_DIR) + "/envelope"; }

} // namespace

TEST_CASE("envelope goldens: delimiters and every envelope code, 4010 and 5010", "[golden][envelope]")
{
    bool const update = std::getenv("EDIGW_UPDATE_GOLDEN") != nullptr;
    std::vector<fs::path> inputs;
    for (auto const& e : fs::directory_iterator(golden_dir()))
        if (e.path().extension() == ".x12") inputs.push_back(e.path());
    std::sort(inputs.begin(), inputs.end());
    REQUIRE(inputs.size() >= 40);

    for (auto const& in : inputs) {
        std::string bytes = test::read_file(in.string());
        render r;
        x12::parser p(r);
        p.parse(std::span<char>(bytes.data(), bytes.size()));
        std::string got = r.out.str();

        // The streamed parse in small chunks must render the same.
        {
            std::string again = test::read_file(in.string());
            render rs;
            x12::parser ps(rs, {.chunk_size = 7});
            std::size_t at = 0;
            x12::parse_stats stats;
            ps.parse(
                [&](char* dst, std::size_t n) -> std::ptrdiff_t {
                    n = std::min(n, again.size() - at);
                    std::memcpy(dst, again.data() + at, n);
                    at += n;
                    return static_cast<std::ptrdiff_t>(n);
                },
                stats);
            INFO(in.filename().string() << " streamed in 7-byte chunks");
            CHECK(rs.out.str() == got);
        }

        // And what the gateway answers (defaults: 997 for 4010, 999 for 5010,
        // a TA1 always so every envelope code shows), byte for byte.
        std::string answer;
        {
            std::string again = test::read_file(in.string());
            auto const* d4 = x12::dictionary::standard("004010");
            auto const* d5 = x12::dictionary::standard("005010");
            x12::validator v4(*d4), v5(*d5);
            x12::ack_collector c([&](x12::group_summary const& g) -> x12::validator const* {
                return x12::is_5010_or_later(g.version) ? &v5 : &v4;
            });
            x12::parser pa(c);
            pa.parse(std::span<char>(again.data(), again.size()));
            auto numbers = x12::counting_from(900);
            x12::ack_options o;
            o.ta1 = x12::ta1_policy::always;
            o.date = "20240316";
            o.time = "0800";
            o.line_breaks = true;
            for (auto const& ic : c.interchanges()) {
                auto out = x12::build_acks(ic, o, numbers);
                answer += out.ta1 + out.functional;
            }
        }

        fs::path expect = in, expect_ack = in;
        expect.replace_extension(".expect");
        expect_ack.replace_extension(".ack");
        if (update) {
            std::ofstream(expect, std::ios::binary) << got;
            std::ofstream(expect_ack, std::ios::binary) << answer;
            continue;
        }
        INFO(in.filename().string() << ": got\n" << got << "\nand the acks\n" << answer);
        REQUIRE(fs::exists(expect));
        CHECK(got == test::read_file(expect.string()));
        REQUIRE(fs::exists(expect_ack));
        CHECK(answer == test::read_file(expect_ack.string()));
    }
}
