// 855s rendered per second: a 10-line order, the default template, the
// partner's envelope. `render` is the template alone (from the view a batch
// uses, and from the same data built as JSON); `emit` adds the writer and
// the release rule (parse + validate). Each checks its output.
#include "gateway/pipeline/emit.hpp"
#include "mappings/template.hpp"

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

#include <filesystem>
#include <optional>

namespace fs = std::filesystem;
using namespace edigw;

namespace {

partners::profile const& buyerco()
{
    static partners::profile p = [] {
        std::vector<partners::profile> v;
        partners::profile_error err;
        if (!partners::load_profiles(fs::path(EDIGW_SOURCE_DIR) / "partners", v, err)) std::abort();
        for (auto& x : v)
            if (x.id == "buyerco") return x;
        std::abort();
    }();
    return p;
}

std::pair<mappings::order, partners::order_decision> ten_lines()
{
    mappings::order o;
    o.po_number = "PO-1";
    o.purpose = "00";
    o.order_date = "2024-03-15";
    mappings::party st;
    st.role = "ST";
    st.name = "BUYERCO DC 17";
    st.id_qualifier = "92";
    st.id = "0017";
    o.parties.push_back(st);
    partners::order_decision d;
    d.bak02 = "AD";
    for (int i = 1; i <= 10; ++i) {
        mappings::order_line l;
        l.line_id = std::to_string(i);
        l.quantity = x12::decimal(10 * i, 0);
        l.uom = "EA";
        l.unit_price = x12::decimal(425, 2);
        l.price_basis = "PE";
        l.product_ids = {{"UP", "01234567890" + std::to_string(i % 10)}, {"VP", "WID-" + std::to_string(i)}};
        o.lines.push_back(l);
        partners::line_decision ld;
        ld.line_id = l.line_id;
        ld.acks.push_back({"IA", *l.quantity, "EA", "2024-03-19", {}});
        d.lines.push_back(ld);
    }
    return {o, d};
}

// Renders one ten-line order's 855 from `data`, as a batch renders each.
template <class MakeData>
void render_855_from(benchmark::State& state, MakeData make)
{
    auto [o, d] = ten_lines();
    mappings::template_error err;
    auto t = mappings::compiled_template::load(pipeline::find_template(buyerco(), "855"), err);
    if (!t) {
        state.SkipWithError(err.what().c_str());
        return;
    }
    pipeline::emit_options eo;
    eo.today = "2024-03-16";
    std::vector<mappings::rendered_segment> segs;
    for (auto _ : state) {
        segs.clear();
        if (!make(o, d, eo, [&](mappings::datum const& data) { return t->render(data, nullptr, segs, err); }) || segs.size() != 23
            || segs[2].elements[0] != "1") {
            state.SkipWithError("wrong render");
            break;
        }
        benchmark::DoNotOptimize(segs.data());
    }
    state.counters["855/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// The data as a batch gives it: a view over the order and its decision, made for each 855.
void render_855_view(benchmark::State& state)
{
    render_855_from(state, [](auto const& o, auto const& d, auto const& eo, auto render) {
        pipeline::data_855_view v(o, d, eo);
        return render(v.data());
    });
}

// The same data built as JSON for each 855 (as batches did until the view): the ratio to the view is what it saves.
void render_855_json(benchmark::State& state)
{
    render_855_from(state, [](auto const& o, auto const& d, auto const& eo, auto render) {
        auto v = pipeline::data_855(o, d, eo);
        return render(mappings::datum::json(v));
    });
}

void emit_855_released(benchmark::State& state)
{
    auto [o, d] = ten_lines();
    pipeline::emit_options eo;
    eo.today = "2024-03-16";
    eo.date = "20240316";
    eo.time = "0800";
    for (auto _ : state) {
        auto r = pipeline::emit_855(buyerco(), o, d, eo);
        if (!r.ok || r.interchange.find("CTT*10*550~") == std::string::npos) {
            state.SkipWithError(("wrong 855: " + r.error).c_str());
            break;
        }
        benchmark::DoNotOptimize(r.interchange.data());
    }
    state.counters["855/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

} // namespace

BENCHMARK(render_855_view);
BENCHMARK(render_855_json);
BENCHMARK(emit_855_released);
BENCHMARK_MAIN();
