#include "gateway/service/api.hpp"

#include "gateway/log/json.hpp"
#include "gateway/log/queries.hpp"
#include "gateway/pipeline/receive.hpp"
#include "mappings/json.hpp"
#include "mappings/map_850.hpp"
#include "x12/document.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <map>

namespace edigw::service {

namespace json = boost::json;

bool url_decode(std::string_view in, std::string& out)
{
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        char ch = in[i];
        if (ch == '+') {
            out += ' ';
        } else if (ch == '%') {
            if (i + 2 >= in.size()) return false;
            int v = 0;
            auto [p, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, v, 16);
            if (ec != std::errc() || p != in.data() + i + 3) return false;
            out += static_cast<char>(v);
            i += 2;
        } else {
            out += ch;
        }
    }
    return true;
}

namespace {

api_response reply(unsigned status, json::value const& v)
{
    return {status, "application/json", json::serialize(v) + "\n"};
}

api_response problem(unsigned status, std::string const& message)
{
    return reply(status, json::object{{"error", message}});
}

bool utf8_text(std::string_view s)
{
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!n || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
        if (n == 1 && c < 0x20 && c != '\n' && c != '\r' && c != '\t') return false;
        i += n;
    }
    return true;
}

// A transmission in full, for its page: the row, the raw X12 split into
// segments (with offsets, for highlighting the findings' places), the
// canonical orders read from it, its sets and findings, what we answered
// (with their bytes), their acknowledgments of it, and the audit trail.
api_response transmission(api_context const& c, std::int64_t id)
{
    auto d = log::show_transmission(c.st, id);
    if (!d) return problem(404, "no transmission " + std::to_string(id));
    json::object o;
    o["transmission"] = log::to_json(d->t);
    json::array sets, findings, replies, audit, segments, orders;
    for (auto const& s : d->sets) sets.push_back(log::to_json(s));
    for (auto const& f : d->findings) findings.push_back(log::to_json(f));
    for (auto const& r : d->replies) {
        json::value v = log::to_json(r);
        if (auto bytes = c.st.archived(r.sha256); bytes && utf8_text(*bytes)) v.as_object()["raw"] = *bytes;
        replies.push_back(std::move(v));
    }
    for (auto const& a : d->audit) audit.push_back(log::to_json(a));
    auto raw = c.st.archived(d->t.sha256);
    if (!raw) {
        o["raw"] = nullptr;
        o["raw_note"] = "the bytes are no longer in the archive (retention)";
    } else {
        if (utf8_text(*raw)) o["raw"] = *raw;
        else o["raw"] = nullptr, o["raw_note"] = "binary or non-UTF-8 bytes (EBCDIC, control-character delimiters): see the segments";
        auto doc = x12::document::parse(*raw);
        for (auto const& s : doc.segments()) {
            std::string text(s.text());
            if (!utf8_text(text)) text = "(" + std::to_string(text.size()) + " bytes not shown)";
            segments.push_back(json::object{{"index", s.index()}, {"offset", s.offset()}, {"tag", std::string(s.tag())}, {"text", text}});
        }
        for (auto const& ref : doc.sets()) {
            auto ts = doc.transaction(ref);
            if (ts.id != "850") continue;
            mappings::order ord;
            std::vector<x12::diagnostic> diags;
            mappings::map_850(ts, ord, diags);
            orders.push_back(mappings::to_json(ord));
        }
    }
    // Their acknowledgments of what we sent.
    json::array their_acks;
    if (d->t.direction == "out") {
        log::sql::statement q(c.st.db(), "SELECT g.functional_id, g.control_number, coalesce(g.status, ''), coalesce(g.ack_received_at, ''), "
                                         "coalesce(g.ack_due_at, ''), coalesce(g.ack_transmission_id, 0) FROM groups g JOIN interchanges i "
                                         "ON g.interchange_id = i.id WHERE i.transmission_id = ? AND g.ack_expected = 1 ORDER BY g.id");
        q.bind(1, id);
        while (q.step())
            their_acks.push_back(json::object{{"functional_id", q.text(0)},
                                              {"group_control_number", q.text(1)},
                                              {"status", q.text(2)},
                                              {"received_at", q.text(3)},
                                              {"due_at", q.text(4)},
                                              {"ack_transmission_id", q.integer(5)}});
    }
    o["segments"] = std::move(segments);
    o["orders"] = std::move(orders);
    o["sets"] = std::move(sets);
    o["findings"] = std::move(findings);
    o["replies"] = std::move(replies);
    o["their_acks"] = std::move(their_acks);
    o["audit"] = std::move(audit);
    return reply(200, o);
}

json::value partner_json(partners::profile const& p)
{
    json::array transports;
    if (p.folder) transports.push_back("folder");
    if (p.sftp) transports.push_back("sftp");
    if (p.as2) transports.push_back("as2");
    return json::object{{"id", p.id},
                        {"name", p.name},
                        {"isa", p.their.isa_qualifier + "/" + p.their.isa_id},
                        {"inbound_version", p.inbound_version},
                        {"outbound_version", p.outbound_version},
                        {"functional_ack", p.acks.kind == x12::fa_kind::always_999 ? "999" : p.acks.kind == x12::fa_kind::always_997 ? "997" : "by version"},
                        {"ack_window_minutes", p.ack_window_minutes},
                        {"transports", std::move(transports)},
                        {"catalog_items", p.products.items.size()}};
}

} // namespace

api_response handle_api(api_context const& c, api_request const& req)
{
    std::string_view target = req.target;
    std::string_view path = target.substr(0, target.find('?'));
    std::map<std::string, std::string> q;
    if (auto qm = target.find('?'); qm != std::string_view::npos) {
        std::string_view rest = target.substr(qm + 1);
        while (!rest.empty()) {
            auto amp = rest.find('&');
            std::string_view pair = rest.substr(0, amp);
            auto eq = pair.find('=');
            std::string k, v;
            if (!url_decode(pair.substr(0, eq), k) || (eq != std::string_view::npos && !url_decode(pair.substr(eq + 1), v)))
                return problem(400, "malformed query string");
            q[k] = v;
            rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        }
    }
    auto number = [&](std::string const& key, std::int64_t dflt, std::int64_t lo, std::int64_t hi, std::int64_t& out) {
        auto it = q.find(key);
        if (it == q.end() || it->second.empty()) {
            out = dflt;
            return true;
        }
        auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), out);
        return ec == std::errc() && p == it->second.data() + it->second.size() && out >= lo && out <= hi;
    };
    auto id_after = [&](std::string_view prefix, std::int64_t& id, std::string_view& tail) {
        if (path.substr(0, prefix.size()) != prefix) return false;
        std::string_view rest = path.substr(prefix.size());
        auto slash = rest.find('/');
        std::string_view digits = rest.substr(0, slash);
        tail = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
        auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
        return !digits.empty() && ec == std::errc() && p == digits.data() + digits.size() && id > 0;
    };
    bool const get = req.method == "GET";
    bool const post = req.method == "POST";

    if (path == "/api/partners") {
        if (!get) return problem(405, "GET only");
        json::array a;
        for (auto const& p : c.profiles) a.push_back(partner_json(p));
        return reply(200, json::object{{"partners", std::move(a)}});
    }
    if (path == "/api/transmissions") {
        if (!get) return problem(405, "GET only");
        log::transmission_filter f;
        f.partner = q["partner"];
        f.direction = q["direction"];
        f.status = q["status"];
        f.since = q["since"];
        std::int64_t limit = 0, offset = 0;
        if (!number("limit", 50, 1, 1000, limit)) return problem(400, "limit must be 1..1000");
        if (!number("offset", 0, 0, INT64_MAX, offset)) return problem(400, "offset must be 0 or more");
        if (!f.direction.empty() && f.direction != "in" && f.direction != "out") return problem(400, "direction must be in or out");
        f.limit = static_cast<std::size_t>(limit) + 1; // one more: is there a next page?
        f.offset = static_cast<std::size_t>(offset);
        auto rows = log::list_transmissions(c.st, f);
        bool const more = rows.size() > static_cast<std::size_t>(limit);
        if (more) rows.pop_back();
        json::array items;
        for (auto const& r : rows) items.push_back(log::to_json(r));
        json::object o{{"items", std::move(items)}, {"limit", limit}, {"offset", offset}};
        o["next_offset"] = more ? json::value(offset + limit) : json::value(nullptr);
        return reply(200, o);
    }
    std::int64_t id = 0;
    std::string_view tail;
    if (id_after("/api/transmissions/", id, tail)) {
        if (tail.empty()) {
            if (!get) return problem(405, "GET only");
            return transmission(c, id);
        }
        if (tail == "/reprocess") {
            if (!post) return problem(405, "POST only");
            pipeline::receive_options o;
            o.transport = "reprocess";
            o.actor = "edigw api";
            o.received_date = c.received_date;
            o.with_855 = true;
            auto r = pipeline::reprocess(c.st, id, c.profiles, o);
            if (!r.ok && !r.transmission_id) return problem(r.error.rfind("no transmission", 0) == 0 ? 404 : 409, r.error);
            return reply(201, json::object{{"transmission_id", r.transmission_id},
                                           {"reprocess_of", id},
                                           {"status", r.status},
                                           {"sets", r.sets},
                                           {"orders_accepted", r.orders_accepted},
                                           {"orders_rejected", r.orders_rejected},
                                           {"documents", r.documents.size()}});
        }
        return problem(404, "no such resource");
    }
    if (path == "/api/rejected") {
        if (!get) return problem(405, "GET only");
        json::array a;
        for (auto const& r : log::rejected_report(c.st, q["partner"], q["since"])) a.push_back(log::to_json(r));
        return reply(200, json::object{{"rejected", std::move(a)}});
    }
    if (path == "/api/kpis") {
        if (!get) return problem(405, "GET only");
        json::array days, overdue;
        for (auto const& d : log::kpis_by_day(c.st, q["partner"], q["since"])) days.push_back(log::to_json(d));
        for (auto const& o : log::overdue_acks(c.st, q["partner"])) overdue.push_back(log::to_json(o));
        return reply(200, json::object{{"totals", log::to_json(log::compute_kpis(c.st, q["partner"], q["since"]))},
                                       {"by_day", std::move(days)},
                                       {"overdue", std::move(overdue)}});
    }
    if (path == "/api/replay") {
        // A sample received as if its partner had sent it (transport "replay"):
        // the answers come back in the response and wait in the log for delivery.
        if (!post) return problem(405, "POST only");
        if (req.body.empty()) return problem(400, "the body must be the X12 to replay");
        partners::profile const* forced = nullptr;
        if (auto const& pid = q["partner"]; !pid.empty()) {
            for (auto const& p : c.profiles)
                if (p.id == pid) forced = &p;
            if (!forced) return problem(404, "no partner '" + pid + "'");
        }
        pipeline::receive_options o;
        o.transport = "replay";
        o.actor = "edigw api";
        o.remote_name = q["name"].empty() ? "replay.x12" : q["name"];
        o.received_date = q["received"].empty() ? c.received_date : q["received"];
        o.with_855 = true;
        auto r = pipeline::receive_bytes(c.st, req.body, "replay:" + o.remote_name, forced, c.profiles, o);
        if (!r.ok && !r.transmission_id) return problem(422, r.error);
        // The answers go back in this response, never to the partner's transport.
        if (r.status != "duplicate") {
            log::sql::statement u(c.st.db(), "UPDATE transmissions SET status = 'returned', completed_at = ? WHERE reply_to = ? "
                                             "AND direction = 'out' AND status = 'ready'");
            u.bind(1, log::now_iso()).bind(2, r.transmission_id);
            if (u.run())
                for (auto const& a : r.acks) (void)c.st.audit("edigw api", "transmission", a.transmission_id, "returned", "ready", "returned", "in the replay response");
            for (auto const& a : r.documents) (void)c.st.audit("edigw api", "transmission", a.transmission_id, "returned", "ready", "returned", "in the replay response");
        }
        json::array answers;
        for (auto const& a : r.acks) answers.push_back(json::object{{"transmission_id", a.transmission_id}, {"document", a.document}, {"x12", a.bytes}});
        for (auto const& a : r.documents)
            answers.push_back(json::object{{"transmission_id", a.transmission_id}, {"document", a.document}, {"x12", a.bytes}});
        return reply(201, json::object{{"transmission_id", r.transmission_id},
                                       {"partner", r.partner},
                                       {"status", r.status},
                                       {"error", r.error},
                                       {"answers", std::move(answers)}});
    }
    return problem(404, "no such resource");
}

} // namespace edigw::service
