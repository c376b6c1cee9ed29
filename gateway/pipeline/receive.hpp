// The inbound path with the log: what `edigw receive` does offline and what
// the service does for every file a transport delivers.
//
//   1. archive the bytes (content-addressed): a large file is written to a
//      file of its own and fsynced while it is analysed, a small one goes
//      into the transaction of 4 (the sender keeps them until we answer);
//   2. the same file content again from this partner: recorded as a duplicate
//      and answered with the acks sent the first time, not processed again;
//   3. analyse (parse, validate, map, rules) with the log's memory: a PO number
//      already received, an ISA13 already received from this sender (TA1 025),
//      a set already received (same GS06, ST02 and content);
//   4. in ONE transaction: the transmission, its interchanges, groups, sets,
//      every finding, the acks with control numbers issued from the log, the
//      acks partners sent us matched to what we sent, and the audit trail;
//   5. only after the commit are the acks handed out (written to the outbox).
// A crash before 5 leaves nothing half-recorded (the transaction rolls back)
// and nothing acknowledged; running the file again finishes the job.
#pragma once

#include "x12/document.hpp"

#include "gateway/log/store.hpp"
#include "gateway/pipeline/inbound.hpp"
#include "gateway/pipeline/phases.hpp"

#include <functional>
#include <string>
#include <vector>

namespace edigw::pipeline {

struct receive_options {
    std::string transport = "cli";      // folder, sftp, as2, cli
    std::string remote_name;            // the name the file had where it came from
    std::string actor = "edigw receive"; // who did it, for the audit trail
    std::string received_date;          // ISO, for the date rules; empty = today
    std::string ack_date, ack_time;     // for reproducible output; empty = now
    bool with_855 = false;              // answer every processed order with its 855, in the same transaction
    // Reprocessing transmission N (after a catalog or profile fix): its bytes
    // are not a duplicate file or interchange; its sets that were accepted
    // before are skipped (no second 855), the others are judged again; no
    // second 997/999/TA1 goes out (the partner has them). Audited both ways.
    std::int64_t reprocess_of = 0;
    // The bytes' SHA-256 (hex) when the caller has it already (the service
    // names and looks up files by it); checked against the archive's own.
    std::string sha256;
    // Something the caller records with the file, in its transaction, just
    // before the commit (the AS2 server's audit of the MDN it answers with):
    // one commit, not two. Given the file's transmission id; false rolls the
    // file back as any failure would.
    std::function<bool(log::store&, std::int64_t transmission_id)> also_record;
};

struct outbound_doc {
    std::int64_t transmission_id = 0;
    std::string document;   // "TA1", "997", "999"
    std::string bytes;
    std::string file_name;  // as written to the outbox
};

struct receive_result {
    bool ok = false;
    std::string error;                 // when !ok: nothing was recorded
    std::int64_t transmission_id = 0;
    std::string status;                // processed, rejected, partial, duplicate
    std::int64_t duplicate_of = 0;     // when the same file came before
    std::string partner;
    analysis an;                       // empty for a duplicate file
    std::vector<outbound_doc> acks;    // what to send back (the first time's, for a duplicate)
    std::size_t sets = 0, orders_accepted = 0, orders_rejected = 0, acks_matched = 0;
    std::vector<outbound_doc> documents; // the 855s made for this file (with_855)
    phases steps;                      // where the time went
};

// `forced` may be null: the partner is then found by the ISA sender.
receive_result receive_bytes(log::store& st, std::string bytes, std::string const& file_name,
                             partners::profile const* forced, std::vector<partners::profile> const& profiles,
                             receive_options const& opts);

// Runs a received transmission (rejected or partial) through the pipeline
// again from the archive, as `receive_options::reprocess_of` describes. The
// partner is the one it was logged under when it still has a profile.
receive_result reprocess(log::store& st, std::int64_t id, std::vector<partners::profile> const& profiles, receive_options opts);

// Records a document we send (an 855, 856, 810 ...) with its control numbers,
// expecting the partner's 997/999 within its window. Returns the transmission id, 0 on error.
std::int64_t record_outbound(log::store& st, partners::profile const& p, std::string const& bytes, std::string const& document,
                             std::string const& transport, std::string const& actor, std::string& err);

// The same inside the caller's transaction (with the inbound transmission it answers, or 0).
// `parsed`: the bytes parsed already; `archived_sha256`: the bytes archived
// and synced already (store::archive), by that SHA-256.
std::int64_t record_outbound_in(log::store& st, partners::profile const& p, std::string const& bytes, std::string const& document,
                                std::string const& transport, std::string const& actor, std::int64_t reply_to, std::string& err,
                                x12::document const* parsed = nullptr, std::string const& archived_sha256 = {});

// Records something received that a transport refused before it could be read
// as X12 (an AS2 message that failed to decrypt or verify, say): archived as
// received, status 'rejected', `document` naming the transport's unit ("AS2"),
// the reason in the message and the audit trail. Returns the transmission id.
std::int64_t record_refused(log::store& st, std::string const& partner, std::string const& transport, std::string const& remote_name,
                            std::string_view bytes, std::string const& document, std::string const& reason, std::string const& actor,
                            std::string& err);

// Writes `bytes` durably to data/outbox/<partner>/<name> (temporary name, fsync, rename).
bool write_outbox(log::store& st, std::string const& partner, std::string const& name, std::string const& bytes, std::string& err);

} // namespace edigw::pipeline
