// The AS2 client: posts one of our documents to a partner (packed per its
// profile), reads the synchronous MDN and checks it: signed by the partner
// when we asked for a signed receipt, about our Message-ID, "processed", and
// returning the MIC we computed. Blocking (Beast over a plain socket, with a
// deadline): run it on a worker thread.
#pragma once

#include "gateway/transport/as2.hpp"

#include <chrono>

namespace edigw::transport::as2 {

struct send_result {
    bool delivered = false;     // the partner has it: an MDN processed (or processed/warning), MIC matching; or 2xx for async
    std::string message_id;
    std::string disposition;    // as the MDN said it
    std::string mic;            // ours
    bool mdn_pending = false;   // asked for an asynchronous MDN; it arrives later
    std::string error;          // why not delivered (transport, HTTP status, MDN)
};

// `async_mdn_url`: when the profile asks for an asynchronous MDN, where it is to be posted.
// `message_id`: the same for every attempt at one document, so that a resend
// after a crash is a duplicate-document to the partner, not a second order.
send_result send(std::string_view payload, std::string const& filename, partners::as2_settings const& s, credentials const& c,
                 std::string const& async_mdn_url = {}, std::chrono::seconds timeout = std::chrono::seconds(30),
                 std::string const& message_id = {});

// Splits http[s]://host[:port]/path; false when it is not such a URL.
bool split_url(std::string const& url, bool& tls, std::string& host, std::string& port, std::string& target);

// One POST (blocking, with a deadline). https:// verifies the server's
// certificate and host name against `tls_ca` (a PEM file) or the system's CAs.
struct http_result {
    bool ok = false; // a complete response was read
    int status = 0;
    std::string content_type, body;
    std::string error;
};
http_result http_post(std::string const& url, std::vector<std::pair<std::string, std::string>> const& headers, std::string body,
                      std::string const& tls_ca, std::chrono::seconds timeout);
http_result http_get(std::string const& url, std::vector<std::pair<std::string, std::string>> const& headers, std::string const& tls_ca,
                     std::chrono::seconds timeout);

// "automatic-action/MDN-sent-automatically; processed/warning: x" -> "processed/warning: x"
std::string disposition_outcome(std::string const& disposition);

} // namespace edigw::transport::as2
