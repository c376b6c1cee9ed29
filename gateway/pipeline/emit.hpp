// Outbound documents from templates: the 855 today (856 and 810 follow).
//
// The release rule: the interchange is rendered, written with the partner's
// IDs, version and delimiters, parsed again and validated against the
// dictionary before anything leaves; a failure is an error with its position
// (and the template line that made the segment), never an output. Control
// numbers are taken from the log only for a document that is released.
//
// Template lookup, first found wins:
//   1. the partner profile's [templates] "855" (a file in the partner's folder);
//   2. $EDIGW_TEMPLATES/855.x12t;
//   3. mappings/templates/855.x12t (beside ./partners, or in the source tree).
#pragma once

#include "gateway/log/store.hpp"
#include "gateway/pipeline/phases.hpp"
#include "mappings/json.hpp"
#include "mappings/order.hpp"
#include "mappings/order_data.hpp"
#include "mappings/template.hpp"
#include "partners/profile.hpp"
#include "partners/rules.hpp"
#include "x12/document.hpp"

#include <boost/json/value.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace edigw::pipeline {

std::filesystem::path find_template(partners::profile const& p, std::string const& document);

struct emit_options {
    std::string today;               // ISO date of the document (default today, UTC)
    std::string date, time;          // CCYYMMDD / HHMM of the envelope (default now)
    std::string seller_order_number; // BAK08; default "SO-" + PO number
    log::store* st = nullptr;        // control numbers from the log and the outbound record; null = numbers from 1
    std::string transport = "cli";
    std::string actor = "edigw emit";
    std::int64_t reply_to = 0;       // the inbound transmission it answers, when known
    bool in_transaction = false;     // the caller holds a transaction on `st` (the 855s of a received file go with it)
};

struct emit_result {
    bool ok = false;
    std::string error;               // with file, line and what when a template or the data is at fault
    std::string interchange;         // the X12 to send
    std::int64_t transmission_id = 0;
    std::uint64_t isa13 = 0, gs06 = 0;
    std::vector<std::size_t> released;                      // emit_batch: which of the data went out
    std::vector<std::pair<std::size_t, std::string>> refused; // emit_batch: which did not, and why
    phases steps;                                           // where the time went
};

// The data a 855 template sees, as JSON (docs/templates.md): po (the
// canonical order, each line given its acks), bak02, ship_to,
// seller_order_number and today.
boost::json::value data_855(mappings::order const& o, partners::order_decision const& d, emit_options const& opts);

// The same data as a view over the order and its decision, which is what
// the 855s are rendered from: it answers every name data_855 has, with the
// same values, without building the JSON (which cost more than the
// rendering). The order and decision must outlive it.
class data_855_view final : public mappings::order_data {
public:
    data_855_view(mappings::order const& o, partners::order_decision const& d, emit_options const& opts);
    mappings::datum data() const noexcept { return node(nullptr, root_node); }

    // Its nodes, like order_data's, are objects and lists (no text of their own).

    mappings::data_kind kind(mappings::datum const& d) const override;
    bool truthy(mappings::datum const& d) const override;
    mappings::datum member(mappings::datum const& d, std::string_view name) const override;
    std::size_t size(mappings::datum const& d) const override;
    mappings::datum item(mappings::datum const& d, std::size_t i) const override;

private:
    enum own : std::uint8_t { root_node = first_own_tag, acks_node, ack_node };
    mappings::datum line_extra(std::size_t line, std::string_view name) const override;

    partners::order_decision const& d_;
    std::vector<partners::line_decision const*> decided_; // each line's decision (null: none)
    mappings::party const* ship_to_ = nullptr;
    std::string seller_order_number_, today_;
};

emit_result emit_855(partners::profile const& p, mappings::order const& o, partners::order_decision const& d,
                     emit_options const& opts);

// The 856 from a shipment JSON (schema in docs/templates.md). SSCC serials for
// cartons without one come from the log ("sscc" sequence) when a store is given.
emit_result emit_856(partners::profile const& p, boost::json::value const& shipment, emit_options const& opts);

// The 810 from an invoice JSON, or from an order and its shipment.
emit_result emit_810(partners::profile const& p, boost::json::value const& invoice, emit_options const& opts);
emit_result emit_810_from(partners::profile const& p, mappings::order const& o, boost::json::value const& shipment,
                          std::string const& invoice_number, emit_options const& opts);

// Renders any template into an interchange for the partner, validates it and
// (with a store) records it: the general form emit_855 uses.
emit_result emit_document(partners::profile const& p, std::string const& document, std::string const& functional_id,
                          mappings::datum const& data, emit_options const& opts);

// The control numbers of a batch: its ISA13, GS06 and the first of its ST02s.
struct batch_numbers {
    std::uint64_t isa = 1, gs = 1, st = 1;
};
// Takes them from opts.st (in the caller's transaction) for `count` sets;
// all 1 without a log.
std::optional<batch_numbers> take_numbers(partners::profile const& p, std::size_t count, emit_options const& opts, std::string& err);

// Item i of a batch's data: a view made for it and kept in `keep` until it is
// rendered (an 855's data_855_view), or data the caller holds.
// Called on the batch's threads, for different items at once.
using batch_data = std::function<mappings::datum(std::size_t i, std::unique_ptr<mappings::data_source>& keep)>;

// A batch rendered, written with its numbers and checked by the release rule,
// not recorded yet.
struct prepared_batch {
    emit_result result;                  // ok, interchange, released, refused (or error)
    std::optional<x12::document> parsed; // the interchange as the release rule parsed it
    std::string archived_sha256;         // set when the caller archived the interchange (store::archive) already
};
// Touches no log: it may run on another thread while the log's own thread
// records the file the batch answers.
// `rendered`, when given, is called once the documents are rendered and
// written (the part that takes every core), before the release rule's parse,
// which takes one: a caller with work for the other core starts it then.
prepared_batch prepare_batch(partners::profile const& p, std::string const& document, std::string const& functional_id,
                             std::size_t count, batch_data const& data, batch_numbers const& numbers, emit_options const& opts,
                             std::function<void()> const& rendered = {});
// Records a prepared batch in opts.st, in the caller's transaction; without a log it only hands it back.
emit_result record_batch(partners::profile const& p, std::string const& document, prepared_batch&& b, emit_options const& opts);

// Several documents of one kind in one interchange (one group, a set each),
// as a received file's 855s go: a set the release rule refuses is left out
// and reported in `refused`; the rest go.
emit_result emit_batch(partners::profile const& p, std::string const& document, std::string const& functional_id,
                       std::vector<mappings::datum> const& datas, emit_options const& opts);

} // namespace edigw::pipeline
