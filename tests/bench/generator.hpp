// Deterministic generator of 850 interchanges for benchmarks: the same N
// always gives the same bytes. Orders have 3-12 lines, two N1 loops, dates,
// carrier and terms, like a retailer's 850; 1,000 sets per functional group.
#pragma once

#include <cstdint>
#include <string>

namespace edigw::bench {

struct generated {
    std::uint64_t orders = 0;
    std::uint64_t lines = 0;
};

// Appends order `i` (an ST..SE set) to out and returns its line count.
inline unsigned append_order(std::string& out, std::uint64_t i)
{
    std::uint64_t x = i * 2654435761u + 12345;
    unsigned lines = 3 + static_cast<unsigned>(x % 10);
    std::string cn = std::to_string(1000 + i % 900000000);
    std::size_t start_segments = 0;
    (void)start_segments;
    unsigned segs = 0;
    auto seg = [&](std::string const& s) {
        out += s;
        out += "~\n";
        ++segs;
    };
    seg("ST*850*" + cn);
    seg("BEG*00*SA*PO-" + std::to_string(i) + "**20240315");
    seg("CUR*BY*USD");
    seg("REF*DP*0" + std::to_string(x % 90 + 10));
    seg("PER*BD*JANE DOE*TE*5555550100");
    seg("FOB*PP");
    seg("ITD*01*3*2**10**30");
    seg("DTM*002*20240322");
    seg("DTM*038*20240319");
    seg("TD5**2*ABCD*M");
    seg("N1*BT*BUYERCO INC*92*HQ01");
    seg("N3*100 MAIN ST");
    seg("N4*SPRINGFIELD*IL*62701*US");
    seg("N1*ST*BUYERCO DC " + std::to_string(x % 40) + "*92*00" + std::to_string(x % 40 + 10));
    seg("N3*200 WAREHOUSE RD");
    seg("N4*SPRINGFIELD*IL*62702*US");
    std::uint64_t qty_total = 0;
    for (unsigned l = 1; l <= lines; ++l) {
        unsigned qty = 1 + static_cast<unsigned>((x >> l) % 48);
        qty_total += qty;
        seg("PO1*" + std::to_string(l) + "*" + std::to_string(qty) + "*EA*" + std::to_string(1 + (x + l) % 90) + "."
            + std::to_string(10 + (x * l) % 89) + "*PE*UP*0123456" + std::to_string(10000 + (x + l) % 89999) + "*VP*WID-"
            + std::to_string(l * 100 + x % 100));
        seg("PID*F****WIDGET NUMBER " + std::to_string(l) + " BLUE");
    }
    seg("CTT*" + std::to_string(lines) + "*" + std::to_string(qty_total));
    seg("SE*" + std::to_string(segs + 1) + "*" + cn);
    return lines;
}

inline std::string isa_header(std::uint64_t control)
{
    std::string cn = std::to_string(control);
    cn.insert(0, 9 - cn.size(), '0');
    return "ISA*00*          *00*          *ZZ*BUYERID        *ZZ*SELLERID       *240315*0930*^*00501*" + cn
           + "*0*P*:~\n";
}

// Calls sink(chunk) with the file in pieces of about `piece` bytes, so a file
// larger than memory can be written. Returns what was generated.
template <typename Sink>
generated generate(std::uint64_t orders, Sink&& sink, std::size_t piece = std::size_t{4} << 20)
{
    generated g;
    std::string out;
    out.reserve(piece + 65536);
    out += isa_header(1);
    std::uint64_t groups = 0;
    for (std::uint64_t i = 0; i < orders; ++i) {
        if (i % 1000 == 0) {
            if (i) out += "GE*1000*" + std::to_string(groups) + "~\n";
            ++groups;
            out += "GS*PO*BUYERID*SELLERID*20240315*0930*" + std::to_string(groups) + "*X*005010~\n";
        }
        g.lines += append_order(out, i);
        ++g.orders;
        if (out.size() >= piece) {
            sink(out);
            out.clear();
        }
    }
    std::uint64_t last = orders % 1000 == 0 ? 1000 : orders % 1000;
    if (orders) out += "GE*" + std::to_string(last) + "*" + std::to_string(groups) + "~\n";
    out += "IEA*" + std::to_string(groups) + "*000000001~\n";
    sink(out);
    return g;
}

inline std::string generate_string(std::uint64_t orders, generated* info = nullptr)
{
    std::string all;
    auto g = generate(orders, [&](std::string const& s) { all += s; });
    if (info) *info = g;
    return all;
}

} // namespace edigw::bench
