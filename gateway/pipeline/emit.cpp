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

} // namespace

json::value data_855(mappings::order const& o, partners::order_decision const& d, emit_options const& opts, json::storage_ptr sp,
                     mappings::order_json_parts const& parts)
{
    // The order's own JSON, each line given its acks in place (no copies:
    // building the data is part of every 855's cost).
    json::value po = mappings::to_json(o, sp, parts);
    auto& lines = po.as_object().at("lines").as_array();
    std::size_t next = 0;
    for (std::size_t i = 0; i < lines.size() && i < o.lines.size(); ++i) {
        json::array acks(sp);
        std::string const& id = o.lines[i].line_id;
        // Decisions are in line order; look from where the last one matched.
        for (std::size_t k = 0; k < d.lines.size(); ++k) {
            auto const& ld = d.lines[(next + k) % d.lines.size()];
            if (ld.line_id != id) continue;
            for (auto const& a : ld.acks) {
                json::object ao({{"status", a.status}, {"quantity", a.quantity.to_string()}, {"uom", a.uom}, {"date", a.date}}, sp);
                if (a.price) ao["price"] = a.price->to_string();
                acks.push_back(std::move(ao));
            }
            next = (next + k + 1) % d.lines.size();
            break;
        }
        lines[i].as_object()["acks"] = std::move(acks);
    }
    json::value ship_to(nullptr, sp);
    for (auto const& p : o.parties)
        if (p.role == "ST") {
            ship_to = mappings::to_json(p, sp);
            break;
        }
    return json::value(json::object({{"po", std::move(po)},
                                     {"bak02", d.bak02},
                                     {"ship_to", std::move(ship_to)},
                                     {"seller_order_number",
                                      opts.seller_order_number.empty() ? "SO-" + o.po_number : opts.seller_order_number},
                                     {"today", opts.today.empty() ? today_iso_local() : opts.today}},
                                    sp),
                       sp);
}

mappings::order_json_parts parts_855(partners::profile const& p)
{
    mappings::template_error terr;
    auto tpl = compiled(find_template(p, "855"), terr);
    if (!tpl) return {}; // emit_batch reports the template's fault
    return mappings::order_json_parts::only([&](std::string_view name) { return tpl->uses(name); });
}

emit_result emit_document(partners::profile const& p, std::string const& document, std::string const& functional_id,
                          json::value const& data, emit_options const& opts)
{
    std::vector<json::value const*> one{&data};
    auto r = emit_batch(p, document, functional_id, one, opts);
    if (r.ok && !r.refused.empty()) {
        // A single document either goes or does not.
        r.ok = false;
        r.error = r.refused.front().second;
        r.interchange.clear();
    }
    return r;
}

emit_result emit_batch(partners::profile const& p, std::string const& document, std::string const& functional_id,
                       std::vector<json::value const*> const& datas, emit_options const& opts)
{
    emit_result r;
    mappings::template_error terr;
    auto tpl = compiled(find_template(p, document), terr);
    if (!tpl) {
        r.error = terr.what();
        return r;
    }
    auto const* dict = x12::dictionary::standard(p.outbound_version);
    // Rendered on a few threads for a large batch (a compiled template may
    // render on several at once), then kept in the data's order.
    std::vector<std::vector<mappings::rendered_segment>> all(datas.size());
    std::vector<std::string> why(datas.size());
    parallel_ranges ranges(datas.size());
    ranges.run([&](std::size_t b, std::size_t e, std::size_t) {
        mappings::template_error te;
        for (std::size_t i = b; i < e; ++i)
            if (!tpl->render(*datas[i], dict, all[i], te)) why[i] = te.what();
    });
    r.steps.lap("render");
    std::vector<std::vector<mappings::rendered_segment>> sets;
    std::vector<std::size_t> index; // sets[k] renders datas[index[k]]
    sets.reserve(datas.size());
    index.reserve(datas.size());
    for (std::size_t i = 0; i < datas.size(); ++i) {
        if (!why[i].empty()) {
            r.refused.emplace_back(i, std::move(why[i]));
            continue;
        }
        sets.push_back(std::move(all[i]));
        index.push_back(i);
    }
    std::string const date8 = opts.date.empty() ? now_field("%Y%m%d") : opts.date;
    std::string const time4 = opts.time.empty() ? now_field("%H%M") : opts.time;

    // Writes the interchange with the given control numbers (ST02 counting from st02).
    auto write = [&](std::uint64_t isa13, std::uint64_t gs06, std::uint64_t st02, std::string& out) -> bool {
        x12::interchange_envelope env;
        env.sender_qualifier = p.ours.isa_qualifier;
        env.sender_id = p.ours.isa_id;
        env.receiver_qualifier = p.their.isa_qualifier;
        env.receiver_id = p.their.isa_id;
        env.date = date8.substr(2);
        env.time = time4;
        env.version = p.outbound_isa_version();
        env.control_number = isa13;
        env.delimiters = p.delimiters;
        if (env.version < "00402") env.delimiters.repetition = '\0';
        env.line_breaks = p.line_breaks;
        x12::writer w(env);
        w.begin_group(functional_id, p.ours.gs_id, p.their.gs_id, date8, time4, gs06, p.outbound_version);
        for (std::size_t k = 0; k < sets.size(); ++k) {
            char st[16];
            std::snprintf(st, sizeof st, "%04llu", static_cast<unsigned long long>((st02 + k - 1) % 999999999 + 1));
            w.begin_set(document, st, {});
            for (auto const& s : sets[k]) {
                std::vector<std::string> el(s.elements.size());
                std::string bad;
                for (std::size_t e = 0; e < s.elements.size(); ++e)
                    if (!join_element(s.elements[e], env.delimiters, el[e], bad)) {
                        r.error = tpl->file() + ":" + std::to_string(s.template_line) + ": " + s.tag + (e < 9 ? "0" : "")
                                  + std::to_string(e + 1) + " would carry '" + bad + "', which holds one of " + p.id
                                  + "'s delimiters";
                        return false;
                    }
                if (auto ec = w.segment(s.tag, std::span<std::string const>(el))) {
                    r.error = tpl->file() + ":" + std::to_string(s.template_line) + ": " + s.tag + ": " + ec.message();
                    return false;
                }
            }
            w.end_set();
        }
        w.end_group();
        out = w.finish();
        return true;
    };

    // The control numbers first, from the log in the same transaction as the
    // record (or 1 when there is no log): the interchange is then written
    // once, and what is validated is byte for byte what is sent. Should a
    // set be refused, its ST02 is simply not used (X12 allows gaps); a
    // refused batch in our own transaction takes nothing (it rolls back).
    if (sets.empty()) {
        r.error = r.refused.empty() ? "nothing to send" : r.refused.front().second;
        return r;
    }
    std::optional<log::sql::transaction> tx;
    std::uint64_t isa = 1, gs = 1, stn = 1;
    if (opts.st) {
        auto& st = *opts.st;
        if (!opts.in_transaction) tx.emplace(st.db());
        auto i = st.next_control_number(p.id, "isa");
        auto g = st.next_control_number(p.id, "gs");
        auto n = st.next_control_numbers(p.id, "st", sets.size());
        if ((tx && !tx->began()) || !i || !g || !n) {
            r.error = "the log cannot issue control numbers: " + st.db().last_error();
            return r;
        }
        isa = *i, gs = *g, stn = *n;
    }
    r.steps.lap("numbers");

    // The release rule: parse and validate before anything is recorded or
    // sent; a set that fails is left out and reported, with the template line.
    std::optional<x12::document> doc;
    for (int pass = 0; pass < 2 && !sets.empty(); ++pass) {
        r.interchange.clear();
        if (!write(isa, gs, stn, r.interchange)) return r;
        r.steps.lap("write");
        doc.emplace(x12::document::parse(r.interchange));
        r.steps.lap("parse");
        std::vector<std::size_t> failed;
        for (auto const& d : doc->diagnostics())
            if (d.severity != x12::severity::warning) {
                r.error = "the " + document + " interchange for " + p.id + " is not valid X12: " + x12::format(d, "generated");
                r.interchange.clear();
                return r;
            }
        if (dict) {
            // The partner's own guide for this document tightens the check too.
            std::vector<x12::tightening> guide;
            for (auto const& t : p.tightenings)
                if (t.set_id == document) guide.push_back(t);
            x12::validator v(*dict, std::move(guide));
            auto refs = doc->sets();
            std::size_t const n = std::min(refs.size(), sets.size());
            // Validated on a few threads for a large batch (a validator and a
            // parsed document are read-only here), reported in order.
            std::vector<std::vector<x12::diagnostic>> found(n);
            parallel_ranges(n).run([&](std::size_t b, std::size_t e, std::size_t) {
                for (std::size_t k = b; k < e; ++k) v.validate(doc->transaction(refs[k]), found[k]);
            });
            r.steps.lap("validate");
            for (std::size_t k = 0; k < n; ++k) {
                for (auto& d : found[k]) {
                    if (d.severity == x12::severity::warning) continue;
                    doc->locate(d.where);
                    std::string where;
                    if (d.where.set_position >= 2 && d.where.set_position - 2 < sets[k].size())
                        where = " (made by " + tpl->file() + ":" + std::to_string(sets[k][d.where.set_position - 2].template_line) + ")";
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
        for (auto it = failed.rbegin(); it != failed.rend(); ++it) {
            sets.erase(sets.begin() + static_cast<std::ptrdiff_t>(*it));
            index.erase(index.begin() + static_cast<std::ptrdiff_t>(*it));
        }
        doc.reset();
    }
    if (sets.empty() || !doc) {
        r.error = r.refused.empty() ? "nothing to send" : r.refused.front().second;
        r.interchange.clear();
        return r;
    }
    r.released = index;
    r.isa13 = isa;
    r.gs06 = gs;
    if (!opts.st) {
        r.ok = true;
        return r;
    }

    // Released: recorded with the numbers it carries, from the parse just made.
    auto& st = *opts.st;
    std::string err;
    r.transmission_id = record_outbound_in(st, p, r.interchange, document, opts.transport, opts.actor, opts.reply_to, err, &*doc);
    r.steps.lap("record");
    // On our own transaction the archive is synced before the commit; in the
    // caller's, the caller does it once for all it archived.
    if (r.transmission_id && tx && !st.sync_archive(err)) r.transmission_id = 0;
    if (!r.transmission_id || (tx && !tx->commit())) {
        r.error = "cannot record the " + document + ": " + (err.empty() ? st.db().last_error() : err);
        r.interchange.clear();
        return r;
    }
    r.ok = true;
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
    return emit_document(p, "855", "PR", data_855(o, d, opts), opts);
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
    return emit_document(p, "856", "SH", data, opts);
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
    return emit_document(p, "810", "IN", data, opts);
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
