#include "gateway/log/json.hpp"

#include <boost/json.hpp>

namespace edigw::log {

namespace json = boost::json;

json::value to_json(transmission_row const& t)
{
    return json::object{{"id", t.id},
                        {"partner", t.partner},
                        {"direction", t.direction},
                        {"transport", t.transport},
                        {"remote_name", t.remote_name},
                        {"document", t.document},
                        {"size", t.size},
                        {"sha256", t.sha256},
                        {"received_at", t.received_at},
                        {"completed_at", t.completed_at},
                        {"status", t.status},
                        {"sets", t.sets},
                        {"rejected_sets", t.rejected},
                        {"duplicate_of", t.duplicate_of ? json::value(t.duplicate_of) : json::value(nullptr)},
                        {"reply_to", t.reply_to ? json::value(t.reply_to) : json::value(nullptr)},
                        {"message", t.message}};
}

json::value to_json(finding_row const& f)
{
    return json::object{{"set_id", f.set_id ? json::value(f.set_id) : json::value(nullptr)},
                        {"kind", f.kind},
                        {"code", f.code},
                        {"severity", f.severity},
                        {"message", f.message},
                        {"ack_code", f.ack_code},
                        {"segment_tag", f.segment_tag},
                        {"value", f.value},
                        {"segment_text", f.segment_text},
                        {"byte_offset", f.byte_offset},
                        {"line", f.line},
                        {"column", f.column},
                        {"segment_index", f.segment_index},
                        {"set_position", f.set_position},
                        {"element", f.element},
                        {"component", f.component}};
}

json::value to_json(set_row const& s)
{
    return json::object{{"id", s.id},
                        {"type", s.type},
                        {"control_number", s.control_number},
                        {"document_number", s.document_number},
                        {"status", s.status},
                        {"syntax_status", s.syntax_status},
                        {"decision", s.decision},
                        {"reason", s.reason},
                        {"their_ack", s.ack_status},
                        {"group_control_number", s.group_control_number},
                        {"interchange_control_number", s.interchange_control_number},
                        {"sender", s.sender},
                        {"byte_offset", s.byte_offset}};
}

json::value to_json(audit_row const& a)
{
    return json::object{{"at", a.at},           {"actor", a.actor},         {"entity", a.entity},
                        {"entity_id", a.entity_id}, {"action", a.action},   {"old_value", a.old_value},
                        {"new_value", a.new_value}, {"detail", a.detail}};
}

json::value to_json(rejected_row const& r)
{
    json::array reasons, sent;
    for (auto const& f : r.reasons) reasons.push_back(to_json(f));
    for (auto const& s : r.sent_back) sent.push_back(json::value(s));
    return json::object{{"transmission_id", r.transmission_id},
                        {"set_id", r.set_id},
                        {"partner", r.partner},
                        {"file", r.file},
                        {"received_at", r.received_at},
                        {"interchange", r.interchange},
                        {"group", r.group},
                        {"set", r.set_control},
                        {"type", r.type},
                        {"po_number", r.po_number},
                        {"status", r.status},
                        {"reason", r.reason},
                        {"reasons", std::move(reasons)},
                        {"sent_back", std::move(sent)}};
}

json::value to_json(kpis const& k)
{
    return json::object{{"orders_received", k.orders_received},
                        {"orders_accepted", k.orders_accepted},
                        {"orders_changed", k.orders_changed},
                        {"orders_rejected", k.orders_rejected},
                        {"orders_duplicate", k.orders_duplicate},
                        {"exceptions_per_1000_orders", k.exceptions_per_1000},
                        {"our_ack_latency_seconds", k.our_ack_latency_s},
                        {"our_acks", k.our_acks},
                        {"their_ack_latency_seconds", k.their_ack_latency_s},
                        {"their_acks", k.their_acks},
                        {"order_to_855_seconds", k.order_to_855_s},
                        {"orders_with_855", k.orders_with_855},
                        {"overdue_acks", k.overdue_acks},
                        {"transmissions_in", k.transmissions_in},
                        {"transmissions_out", k.transmissions_out},
                        {"duplicates", k.duplicates}};
}

json::value to_json(overdue_row const& o)
{
    return json::object{{"partner", o.partner},
                        {"transmission_id", o.transmission_id},
                        {"functional_id", o.functional_id},
                        {"control_number", o.control_number},
                        {"due_at", o.due_at}};
}

json::value to_json(day_row const& d)
{
    return json::object{{"day", d.day},
                        {"orders", d.orders},
                        {"accepted", d.accepted},
                        {"changed", d.changed},
                        {"rejected", d.rejected},
                        {"exceptions_per_1000_orders", d.orders ? 1000.0 * static_cast<double>(d.changed + d.rejected) / static_cast<double>(d.orders) : 0.0},
                        {"our_ack_latency_seconds", d.our_ack_latency_s},
                        {"overdue_acks", d.overdue_acks}};
}

} // namespace edigw::log
