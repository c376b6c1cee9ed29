#include "gateway/transport/as2_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace edigw::transport::as2 {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

bool split_url(std::string const& url, std::string& host, std::string& port, std::string& target)
{
    std::string const scheme = "http://";
    if (url.compare(0, scheme.size(), scheme) != 0) return false;
    std::string rest = url.substr(scheme.size());
    auto slash = rest.find('/');
    std::string hostport = rest.substr(0, slash);
    target = slash == std::string::npos ? "/" : rest.substr(slash);
    auto colon = hostport.rfind(':');
    if (colon != std::string::npos && hostport.find(']') == std::string::npos) {
        host = hostport.substr(0, colon);
        port = hostport.substr(colon + 1);
    } else {
        host = hostport;
        port = "80";
    }
    return !host.empty() && !port.empty();
}

std::string disposition_outcome(std::string const& d)
{
    auto semi = d.find(';');
    std::string s = semi == std::string::npos ? d : d.substr(semi + 1);
    while (!s.empty() && s.front() == ' ') s.erase(0, 1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
    return s;
}

send_result send(std::string_view payload, std::string const& filename, partners::as2_settings const& s, credentials const& c,
                 std::string const& async_mdn_url, std::chrono::seconds timeout)
{
    send_result r;
    message m;
    if (!pack(payload, filename, s, c, m, r.error)) return r;
    r.message_id = m.message_id;
    r.mic = m.mic;
    std::string host, port, target;
    if (!split_url(s.url, host, port, target)) {
        r.error = "the partner's AS2 url '" + s.url + "' is not an http:// URL";
        return r;
    }
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, host + ":" + port);
    req.set(http::field::user_agent, "edigw");
    for (auto const& [k, v] : m.head.list) req.set(k, v);
    req.set("AS2-Version", "1.2");
    req.set("AS2-From", "\"" + s.our_as2_id + "\"");
    req.set("AS2-To", "\"" + s.their_as2_id + "\"");
    req.set("Message-ID", m.message_id);
    req.set("Subject", "EDI " + filename);
    bool const want_mdn = s.mdn != "none";
    if (want_mdn) {
        req.set("Disposition-Notification-To", s.our_as2_id);
        if (s.mdn_signed)
            req.set("Disposition-Notification-Options",
                    "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, " + m.mic_alg);
        if (s.mdn == "async") req.set("Receipt-Delivery-Option", async_mdn_url);
    }
    req.body() = std::move(m.body);
    req.prepare_payload();

    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    beast::error_code ec;
    asio::ip::tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, port, ec);
    if (ec) {
        r.error = "cannot resolve " + host + ": " + ec.message();
        return r;
    }
    stream.expires_after(timeout);
    stream.connect(endpoints, ec);
    if (ec) {
        r.error = "cannot connect to " + host + ":" + port + ": " + ec.message();
        return r;
    }
    stream.expires_after(timeout);
    http::write(stream, req, ec);
    if (ec) {
        r.error = "sending to " + s.url + " failed: " + ec.message();
        return r;
    }
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(16u << 20);
    stream.expires_after(timeout);
    http::read(stream, buf, parser, ec);
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    if (ec && ec != beast::errc::not_connected) {
        if (!parser.is_done()) {
            r.error = "no answer from " + s.url + ": " + ec.message();
            return r;
        }
    }
    auto const& res = parser.get();
    if (res.result_int() / 100 != 2) {
        r.error = s.url + " answered HTTP " + std::to_string(res.result_int());
        return r;
    }
    if (!want_mdn || s.mdn == "async") {
        r.delivered = true;
        r.mdn_pending = s.mdn == "async";
        return r;
    }
    auto mdn = read_mdn(std::string(res[http::field::content_type]), res.body(), c);
    if (!mdn.ok) {
        r.error = "the MDN cannot be used: " + mdn.error;
        return r;
    }
    r.disposition = mdn.disposition;
    if (s.mdn_signed && !mdn.was_signed) {
        r.error = "we asked for a signed MDN and got an unsigned one";
        return r;
    }
    if (unquote(mdn.original_message_id) != m.message_id && mdn.original_message_id != m.message_id) {
        r.error = "the MDN is about another message (" + mdn.original_message_id + ")";
        return r;
    }
    std::string const outcome = disposition_outcome(mdn.disposition);
    if (outcome.rfind("processed", 0) != 0 || outcome.find("error") != std::string::npos
        || outcome.find("failed") != std::string::npos) {
        r.error = "the partner did not process it: " + outcome;
        return r;
    }
    if (mdn.mic != r.mic) {
        r.error = "the MDN's Received-Content-MIC (" + mdn.mic + ") is not ours (" + r.mic + "): the content changed on the way";
        return r;
    }
    r.delivered = true;
    return r;
}

} // namespace edigw::transport::as2
