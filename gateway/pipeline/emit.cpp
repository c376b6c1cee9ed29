#include "gateway/pipeline/emit.hpp"
#include "gateway/pipeline/parallel.hpp"

#include "gateway/pipeline/inbound.hpp"
#include "gateway/pipeline/receive.hpp"
#include "gateway/pipeline/invoice.hpp"
#include "gateway/pipeline/shipment.hpp"
#include "mappings/json.hpp"
#include "x12/document.hpp"
#include "x12/validator.hpp"
#include "x12/writer.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <ctime>
#include <map>
#include <mutex>

namespace edigw::pipeline {

namespace fs = std::filesystem;
namespace json = boost::json;

fs::path find_template(partners::profile const& p, std::string const& document)
{
    if (auto it = p.templates.find(document); it != p.templates.end()) return it->second;
    std::string const name = document + ".x12t";
    if (char const* env = std::getenv("EDIGW_TEMPLATES"); env && *env && fs::exists(fs::path(env) / name))
        return fs::path(env) / name;
    // mappings/templates beside the partners folder (a checkout or an install), else the source tree.
    fs::path beside = p.dir.empty() ? fs::path() : p.dir.parent_path() / "mappings" / "templates" / name;
    if (!beside.empty() && fs::exists(beside)) return beside;
#ifdef EDIGW_SOURCE_DIR
    return fs::path(EDIGW_SOURCE_DIR) / "mappings" / "templates" / name;
#else
    return fs::path("mappings") / "templates" / name;
#endif
}

namespace {

// Templates are compiled once per file and reused.
std::shared_ptr<mappings::compiled_template const> compiled(fs::path const& file, mappings::template_error& err)
{
    static std::mutex m;
    static std::map<std::string, std::shared_ptr<mappings::compiled_template const>> cache;
    std::lock_guard lock(m);
    auto& slot = cache[file.string()];
    if (!slot) slot = mappings::compiled_template::load(file, err);
    return slot;
}

std::string today_iso_local() { return today_iso(); }

std::string now_field(char const* fmt)
{
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char b[16];
    std::strftime(b, sizeof b, fmt, &tm);
    return b;
}

// Joins one rendered element with the partner's delimiters (components and
// repetitions come marked), refusing data that holds one of them.
bool join_element(std::string const& el, x12::delimiters const& d, std::string& out, std::string& bad)
{
    out.clear();
    for (char ch : el) {
        if (ch == mappings::component_mark) out += d.component;
        else if (ch == mappings::repetition_mark) out += d.repetition ? d.repetition : '^';
        else if (ch == d.element || ch == d.segment || ch == d.component || (d.repetition && ch == d.repetition)) {
            bad = el;
            for (auto& c : bad)
                if (c == mappings::component_mark || c == mappings::repetition_mark) c = ' ';
            return false;
        } else out += ch;
    }
    // Trailing empty components are dropped, as X12 requires.
    while (!out.empty() && out.back() == d.component) out.pop_back();
    return true;
}

// Each line's decision: decisions are in line order, so each is looked for
// from where the last one matched. data_855 and data_855_view both use it.
std::vector<partners::line_decision const*> decisions_by_line(mappings::order const& o, partners::order_decision const& d)
{
    std::vector<partners::line_decision const*> out(o.lines.size());
    std::size_t next = 0;
    for (std::size_t i = 0; i < o.lines.size() && !d.lines.empty(); ++i)
        for (std::size_t k = 0; k < d.lines.size(); ++k) {
            auto const& ld = d.lines[(next + k) % d.lines.size()];
            if (ld.line_id != o.lines[i].line_id) continue;
            out[i] = &ld;
            next = (next + k + 1) % d.lines.size();
            break;
        }
    return out;
}

mappings::party const* ship_to_of(mappings::order const& o)
{
    for (auto const& p : o.parties)
        if (p.role == "ST") return &p;
    return nullptr;
}

} // namespace

json::value data_855(mappings::order const& o, partners::order_decision const& d, emit_options const& opts)
{
    json::value po = mappings::to_json(o);
    auto& lines = po.as_object().at("lines").as_array();
    auto const decided = decisions_by_line(o, d);
    for (std::size_t i = 0; i < lines.size() && i < o.lines.size(); ++i) {
        json::array acks;
        if (decided[i])
            for (auto const& a : decided[i]->acks) {
                json::object ao;
                ao.emplace("status", a.status);
                ao.emplace("quantity", a.quantity.to_string());
                ao.emplace("uom", a.uom);
                ao.emplace("date", a.date);
                if (a.price) ao.emplace("price", a.price->to_string());
                acks.emplace_back(std::move(ao));
            }
        lines[i].as_object()["acks"] = std::move(acks);
    }
    auto const* st = ship_to_of(o);
    json::object out;
    out.emplace("po", std::move(po));
    out.emplace("bak02", d.bak02);
    out.emplace("ship_to", st ? mappings::to_json(*st) : json::value(nullptr));
    out.emplace("seller_order_number", opts.seller_order_number.empty() ? "SO-" + o.po_number : opts.seller_order_number);
    out.emplace("today", opts.today.empty() ? today_iso_local() : opts.today);
    return out;
}

data_855_view::data_855_view(mappings::order const& o, partners::order_decision const& d, emit_options const& opts)
    : order_data(o), d_(d), decided_(decisions_by_line(o, d)), ship_to_(ship_to_of(o)),
      seller_order_number_(opts.seller_order_number.empty() ? "SO-" + o.po_number : opts.seller_order_number),
      today_(opts.today.empty() ? today_iso_local() : opts.today)
{
}

mappings::data_kind data_855_view::kind(mappings::datum const& x) const
{
    switch (tag_of(x)) {
    case root_node:
    case ack_node: return mappings::data_kind::object;
    case acks_node: return mappings::data_kind::list;
    default: return order_data::kind(x);
    }
}

bool data_855_view::truthy(mappings::datum const& x) const
{
    switch (tag_of(x)) {
    case root_node:
    case ack_node: return true;
    case acks_node: return size(x) > 0;
    default: return order_data::truthy(x);
    }
}

mappings::datum data_855_view::member(mappings::datum const& x, std::string_view name) const
{
    using mappings::datum;
    switch (tag_of(x)) {
    case root_node:
        if (name == "po") return root();
        if (name == "bak02") return datum::text(d_.bak02);
        if (name == "ship_to") return ship_to_ ? party_of_order(*ship_to_) : datum::null();
        if (name == "seller_order_number") return datum::text(seller_order_number_);
        if (name == "today") return datum::text(today_);
        return {};
    case ack_node: {
        auto const& a = *static_cast<partners::line_ack const*>(x.p);
        if (name == "status") return datum::text(a.status);
        if (name == "quantity") return datum::number(a.quantity);
        if (name == "uom") return datum::text(a.uom);
        if (name == "date") return datum::text(a.date);
        if (name == "price" && a.price) return datum::number(*a.price);
        return {};
    }
    case acks_node: return {};
    default: return order_data::member(x, name);
    }
}

std::size_t data_855_view::size(mappings::datum const& x) const
{
    if (tag_of(x) == acks_node) return x.p ? static_cast<partners::line_decision const*>(x.p)->acks.size() : 0;
    return tag_of(x) < first_own_tag ? order_data::size(x) : 0;
}

mappings::datum data_855_view::item(mappings::datum const& x, std::size_t i) const
{
    if (tag_of(x) == acks_node)
        return i < size(x) ? node(&static_cast<partners::line_decision const*>(x.p)->acks[i], ack_node) : mappings::datum{};
    return tag_of(x) < first_own_tag ? order_data::item(x, i) : mappings::datum{};
}

// Every line has its acks, as data_855 gives it (a list, empty when the line had no decision).
mappings::datum data_855_view::line_extra(std::size_t line, std::string_view name) const
{
    if (name != "acks") return {};
    return node(line < decided_.size() ? decided_[line] : nullptr, acks_node);
}

emit_result emit_document(partners::profile const& p, std::string const& document, std::string const& functional_id,
                          mappings::datum const& data, emit_options const& opts)
{
    std::vector<mappings::datum> one{data};
    auto r = emit_batch(p, document, functional_id, one, opts);
    if (r.ok && !r.refused.empty()) {
        // A single document either goes or does not.
        r.ok = false;
        r.error = r.refused.front().second;
        r.interchange.clear();
    }
    return r;
}

std::optional<batch_numbers> take_numbers(partners::profile const& p, std::size_t count, emit_options const& opts, std::string& err)
{
    batch_numbers n;
    if (!opts.st) return n;
    auto& st = *opts.st;
    auto i = st.next_control_number(p.id, "isa");
    auto g = st.next_control_number(p.id, "gs");
    auto s = st.next_control_numbers(p.id, "st", std::max<std::size_t>(count, 1));
    if (!i || !g || !s) {
        err = "the log cannot issue control numbers: " + st.db().last_error();
        return std::nullopt;
    }
    n.isa = *i, n.gs = *g, n.st = *s;
    return n;
}

namespace {

// One document of a batch, rendered and written with the partner's
// delimiters: its content segments (no ST, no SE: the numbers are given when
// the sets are put in order) and the template line of each.
struct written_set {
    std::string body;
    std::uint32_t segments = 0;
    std::vector<std::uint32_t> lines;
};

} // namespace

prepared_batch prepare_batch(partners::profile const& p, std::string const& document, std::string const& functional_id,
                             std::size_t count, batch_data const& data, batch_numbers const& numbers, emit_options const& opts,
                             std::function<void()> const& rendered)
{
    prepared_batch out;
    emit_result& r = out.result;
    mappings::template_error terr;
    auto tpl = compiled(find_template(p, document), terr);
    if (!tpl) {
        r.error = terr.what();
        return out;
    }
    auto const* dict = x12::dictionary::standard(p.outbound_version);
    x12::delimiters delims = p.delimiters;
    if (p.outbound_isa_version() < "00402") delims.repetition = '\0';

    // Each document's data viewed, rendered and written on a few threads for
    // a large batch (a compiled template renders on several at once); a view
    // lives only while its document is rendered.
    std::vector<written_set> all(count);
    std::vector<std::string> why(count), bad(count);
    std::array<bool, 256> special{}; // the characters join_element has to look at
    for (char c : {mappings::component_mark, mappings::repetition_mark, delims.element, delims.segment, delims.component,
                   delims.repetition})
        if (c) special[static_cast<unsigned char>(c)] = true;
    parallel_ranges(count).run([&](std::size_t b, std::size_t e, std::size_t) {
        mappings::template_error te;
        std::vector<mappings::rendered_segment> segs;
        std::vector<std::string> joined;
        std::vector<std::string_view> views;
        for (std::size_t i = b; i < e; ++i) {
            std::unique_ptr<mappings::data_source> keep;
            segs.clear();
            if (!tpl->render(data(i, keep), dict, segs, te)) {
                why[i] = te.what();
                continue;
            }
            auto& w = all[i];
            w.lines.reserve(segs.size());
            for (auto const& sg : segs) {
                joined.resize(sg.elements.size());
                views.clear();
                std::string fault;
                for (std::size_t k = 0; k < sg.elements.size(); ++k) {
                    // Most elements hold no mark and no delimiter: written as rendered.
                    std::string const& el = sg.elements[k];
                    if (std::none_of(el.begin(), el.end(), [&](char c) { return special[static_cast<unsigned char>(c)]; })) {
                        views.push_back(el);
                        continue;
                    }
                    if (!join_element(el, delims, joined[k], fault)) {
                        bad[i] = tpl->file() + ":" + std::to_string(sg.template_line) + ": " + sg.tag + (k < 9 ? "0" : "")
                                 + std::to_string(k + 1) + " would carry '" + fault + "', which holds one of " + p.id
                                 + "'s delimiters";
                        break;
                    }
                    views.push_back(joined[k]);
                }
                if (!bad[i].empty()) break;
                if (auto ec = x12::append_segment(w.body, sg.tag, views, delims, p.line_breaks)) {
                    bad[i] = tpl->file() + ":" + std::to_string(sg.template_line) + ": " + sg.tag + ": " + ec.message();
                    break;
                }
                ++w.segments;
                w.lines.push_back(sg.template_line);
            }
        }
    });
    r.steps.lap("render");
    if (rendered) rendered();
    std::vector<std::size_t> index; // the k-th set written renders data index[k]
    index.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        if (!why[i].empty()) r.refused.emplace_back(i, std::move(why[i]));
        else if (!bad[i].empty()) {
            // Data that would break the partner's parse is the batch's error, not one order's.
            r.error = std::move(bad[i]);
            return out;
        } else index.push_back(i);
    }
    if (index.empty()) {
        r.error = r.refused.empty() ? "nothing to send" : r.refused.front().second;
        return out;
    }
    std::string const date8 = opts.date.empty() ? now_field("%Y%m%d") : opts.date;
    std::string const time4 = opts.time.empty() ? now_field("%H%M") : opts.time;

    // Writes the interchange: the k-th set kept gets ST02 numbers.st + k.
    auto write = [&](std::string& text) {
        x12::interchange_envelope env;
        env.sender_qualifier = p.ours.isa_qualifier;
        env.sender_id = p.ours.isa_id;
        env.receiver_qualifier = p.their.isa_qualifier;
        env.receiver_id = p.their.isa_id;
        env.date = date8.substr(2);
        env.time = time4;
        env.version = p.outbound_isa_version();
        env.control_number = numbers.isa;
        env.delimiters = delims;
        env.line_breaks = p.line_breaks;
        x12::writer w(env);
        w.begin_group(functional_id, p.ours.gs_id, p.their.gs_id, date8, time4, numbers.gs, p.outbound_version);
        for (std::size_t k = 0; k < index.size(); ++k) {
            char st[16];
            std::snprintf(st, sizeof st, "%04llu", static_cast<unsigned long long>((numbers.st + k - 1) % 999999999 + 1));
            w.begin_set(document, st, {});
            auto const& ws = all[index[k]];
            w.segments(ws.body, ws.segments);
            w.end_set();
        }
        w.end_group();
        text = w.finish();
    };

    // The release rule: parse and validate before anything is recorded or
    // sent; a set that fails is left out and reported, with the template
    // line. What is validated is byte for byte what is sent. Should a set be
    // refused, the ST02s of the sets after it move up and the last number
    // taken is simply not used (X12 allows gaps).
    for (int pass = 0; pass < 2 && !index.empty(); ++pass) {
        r.interchange.clear();
        write(r.interchange);
        r.steps.lap("write");
        out.parsed.emplace(x12::document::parse(r.interchange));
        r.steps.lap("parse");
        auto& doc = *out.parsed;
        std::vector<std::size_t> failed;
        for (auto const& d : doc.diagnostics())
            if (d.severity != x12::severity::warning) {
                r.error = "the " + document + " interchange for " + p.id + " is not valid X12: " + x12::format(d, "generated");
                r.interchange.clear();
                out.parsed.reset();
                return out;
            }
        if (dict) {
            // The partner's own guide for this document tightens the check too.
            std::vector<x12::tightening> guide;
            for (auto const& t : p.tightenings)
                if (t.set_id == document) guide.push_back(t);
            x12::validator v(*dict, std::move(guide));
            auto refs = doc.sets();
            std::size_t const n = std::min(refs.size(), index.size());
            // Validated on a few threads for a large batch (a validator and a
            // parsed document are read-only here), reported in order.
            std::vector<std::vector<x12::diagnostic>> found(n);
            parallel_ranges(n).run([&](std::size_t b, std::size_t e, std::size_t) {
                for (std::size_t k = b; k < e; ++k) v.validate(doc.transaction(refs[k]), found[k]);
            });
            r.steps.lap("validate");
            for (std::size_t k = 0; k < n; ++k) {
                for (auto& d : found[k]) {
                    if (d.severity == x12::severity::warning) continue;
                    doc.locate(d.where);
                    auto const& lines = all[index[k]].lines;
                    std::string where;
                    if (d.where.set_position >= 2 && d.where.set_position - 2 < lines.size())
                        where = " (made by " + tpl->file() + ":" + std::to_string(lines[d.where.set_position - 2]) + ")";
                    std::string msg = "the " + document + " for " + p.id + " is not valid X12 " + p.outbound_version
                                      + ", not released: " + x12::format(d, "generated") + where;
                    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
                    r.refused.emplace_back(index[k], std::move(msg));
                    failed.push_back(k);
                    break;
                }
            }
        }
        if (failed.empty()) break;
        for (auto it = failed.rbegin(); it != failed.rend(); ++it) index.erase(index.begin() + static_cast<std::ptrdiff_t>(*it));
        out.parsed.reset();
    }
    if (index.empty() || !out.parsed) {
        r.error = r.refused.empty() ? "nothing to send" : r.refused.front().second;
        r.interchange.clear();
        out.parsed.reset();
        return out;
    }
    std::sort(r.refused.begin(), r.refused.end(), [](auto const& a, auto const& b) { return a.first < b.first; });
    r.released = index;
    r.isa13 = numbers.isa;
    r.gs06 = numbers.gs;
    r.ok = true;
    return out;
}

emit_result record_batch(partners::profile const& p, std::string const& document, prepared_batch&& b, emit_options const& opts)
{
    emit_result r = std::move(b.result);
    if (!r.ok || !opts.st) return r;
    // Released: recorded with the numbers it carries, from the parse just made.
    std::string err;
    r.transmission_id = record_outbound_in(*opts.st, p, r.interchange, document, opts.transport, opts.actor, opts.reply_to, err,
                                           &*b.parsed, b.archived_sha256);
    r.steps.lap("record");
    if (!r.transmission_id) {
        r.ok = false;
        r.error = "cannot record the " + document + ": " + (err.empty() ? opts.st->db().last_error() : err);
        r.interchange.clear();
    }
    return r;
}

emit_result emit_batch(partners::profile const& p, std::string const& document, std::string const& functional_id,
                       std::vector<mappings::datum> const& datas, emit_options const& opts)
{
    // The control numbers first, from the log in the same transaction as the
    // record (or 1 when there is no log): the interchange is then written
    // once. A batch that is not released in our own transaction takes
    // nothing (it rolls back).
    std::optional<log::sql::transaction> tx;
    if (opts.st && !opts.in_transaction) {
        tx.emplace(opts.st->db());
        if (!tx->began()) {
            emit_result r;
            r.error = "the log cannot issue control numbers: " + opts.st->db().last_error();
            return r;
        }
    }
    std::string err;
    auto numbers = take_numbers(p, datas.size(), opts, err);
    if (!numbers) {
        emit_result r;
        r.error = err;
        return r;
    }
    auto b = prepare_batch(
        p, document, functional_id, datas.size(),
        [&](std::size_t i, std::unique_ptr<mappings::data_source>&) { return datas[i]; }, *numbers, opts);
    auto r = record_batch(p, document, std::move(b), opts);
    if (!r.ok || !tx) return r;
    // On our own transaction the archive is synced before the commit; in the
    // caller's, the caller does it once for all it archived.
    if (!opts.st->sync_archive(err) || !tx->commit()) {
        r.ok = false;
        r.error = "cannot record the " + document + ": " + (err.empty() ? opts.st->db().last_error() : err);
        r.interchange.clear();
        r.transmission_id = 0;
    }
    return r;
}

emit_result emit_855(partners::profile const& p, mappings::order const& o, partners::order_decision const& d,
                     emit_options const& opts)
{
    if (!d.send_855()) {
        emit_result r;
        r.error = "PO " + o.po_number + " is not answered with an 855 (BEG01 " + o.purpose + ": not processed again)";
        return r;
    }
    data_855_view data(o, d, opts);
    return emit_document(p, "855", "PR", data.data(), opts);
}

emit_result emit_856(partners::profile const& p, json::value const& shipment, emit_options const& opts)
{
    emit_result r;
    json::value data;
    shipment_error err;
    std::function<std::optional<std::uint64_t>()> serial;
    std::uint64_t counter = 0;
    if (opts.st) serial = [&] { return opts.st->next_control_number(p.id, "sscc"); };
    else serial = [&] { return std::optional<std::uint64_t>(++counter); };
    if (!shipment_data(shipment, p, serial, data, err)) {
        r.error = err.what();
        return r;
    }
    return emit_document(p, "856", "SH", mappings::datum::json(data), opts);
}

emit_result emit_810(partners::profile const& p, json::value const& invoice, emit_options const& opts)
{
    emit_result r;
    json::value data;
    shipment_error err;
    if (!invoice_data(invoice, data, err)) {
        r.error = err.what();
        return r;
    }
    return emit_document(p, "810", "IN", mappings::datum::json(data), opts);
}

emit_result emit_810_from(partners::profile const& p, mappings::order const& o, json::value const& shipment,
                          std::string const& invoice_number, emit_options const& opts)
{
    emit_result r;
    json::value invoice;
    shipment_error err;
    if (!invoice_from(o, shipment, invoice_number, opts.today.empty() ? today_iso() : opts.today, invoice, err)) {
        r.error = err.what();
        return r;
    }
    return emit_810(p, invoice, opts);
}

} // namespace edigw::pipeline
