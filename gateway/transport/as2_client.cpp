#include "gateway/transport/as2_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace edigw::transport::as2 {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

bool split_url(std::string const& url, bool& tls, std::string& host, std::string& port, std::string& target)
{
    std::string rest;
    if (url.rfind("http://", 0) == 0) {
        tls = false;
        rest = url.substr(7);
    } else if (url.rfind("https://", 0) == 0) {
        tls = true;
        rest = url.substr(8);
    } else {
        return false;
    }
    auto slash = rest.find('/');
    std::string hostport = rest.substr(0, slash);
    target = slash == std::string::npos ? "/" : rest.substr(slash);
    auto colon = hostport.rfind(':');
    if (colon != std::string::npos && hostport.find(']') == std::string::npos) {
        host = hostport.substr(0, colon);
        port = hostport.substr(colon + 1);
    } else {
        host = hostport;
        port = tls ? "443" : "80";
    }
    return !host.empty() && !port.empty() && port.find_first_not_of("0123456789") == std::string::npos;
}

namespace {

template <class Stream>
http_result exchange(Stream& stream, http::request<http::string_body>& req, std::chrono::seconds timeout)
{
    http_result r;
    beast::error_code ec;
    beast::get_lowest_layer(stream).expires_after(timeout);
    http::write(stream, req, ec);
    if (ec) {
        r.error = "sending failed: " + ec.message();
        return r;
    }
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(16u << 20);
    beast::get_lowest_layer(stream).expires_after(timeout);
    http::read(stream, buf, parser, ec);
    if (ec && !parser.is_done()) {
        r.error = "no complete answer: " + ec.message();
        return r;
    }
    auto const& res = parser.get();
    r.ok = true;
    r.status = static_cast<int>(res.result_int());
    r.content_type = std::string(res[http::field::content_type]);
    r.body = res.body();
    return r;
}

} // namespace

namespace {

http_result http_call(http::verb verb, std::string const& url, std::vector<std::pair<std::string, std::string>> const& headers,
                      std::string body, std::string const& tls_ca, std::chrono::seconds timeout)
{
    http_result r;
    bool tls = false;
    std::string host, port, target;
    if (!split_url(url, tls, host, port, target)) {
        r.error = "'" + url + "' is not an http:// or https:// URL";
        return r;
    }
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, host + ":" + port);
    req.set(http::field::user_agent, "edigw");
    for (auto const& [k, v] : headers) req.set(k, v);
    req.body() = std::move(body);
    req.prepare_payload();

    asio::io_context ioc;
    beast::error_code ec;
    asio::ip::tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, port, ec);
    if (ec) {
        r.error = "cannot resolve " + host + ": " + ec.message();
        return r;
    }
    if (!tls) {
        beast::tcp_stream stream(ioc);
        stream.expires_after(timeout);
        stream.connect(endpoints, ec);
        if (ec) {
            r.error = "cannot connect to " + host + ":" + port + ": " + ec.message();
            return r;
        }
        r = exchange(stream, req, timeout);
        stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
        return r;
    }
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    if (tls_ca.empty()) ctx.set_default_verify_paths(ec);
    else ctx.load_verify_file(tls_ca, ec);
    if (ec) {
        r.error = "cannot load the CA certificates" + (tls_ca.empty() ? std::string() : " from " + tls_ca) + ": " + ec.message();
        return r;
    }
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    // SNI, and the certificate must name the host we asked for.
    SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
    stream.set_verify_callback(asio::ssl::host_name_verification(host));
    beast::get_lowest_layer(stream).expires_after(timeout);
    beast::get_lowest_layer(stream).connect(endpoints, ec);
    if (ec) {
        r.error = "cannot connect to " + host + ":" + port + ": " + ec.message();
        return r;
    }
    stream.handshake(asio::ssl::stream_base::client, ec);
    if (ec) {
        r.error = "TLS with " + host + ":" + port + " failed: " + ec.message();
        return r;
    }
    r = exchange(stream, req, timeout);
    stream.shutdown(ec); // close_notify; a peer that just closes is fine
    return r;
}

} // namespace

http_result http_post(std::string const& url, std::vector<std::pair<std::string, std::string>> const& headers, std::string body,
                      std::string const& tls_ca, std::chrono::seconds timeout)
{
    return http_call(http::verb::post, url, headers, std::move(body), tls_ca, timeout);
}

http_result http_get(std::string const& url, std::vector<std::pair<std::string, std::string>> const& headers, std::string const& tls_ca,
                     std::chrono::seconds timeout)
{
    return http_call(http::verb::get, url, headers, {}, tls_ca, timeout);
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
                 std::string const& async_mdn_url, std::chrono::seconds timeout, std::string const& message_id)
{
    send_result r;
    message m;
    if (!pack(payload, filename, s, c, m, r.error, message_id)) return r;
    r.message_id = m.message_id;
    r.mic = m.mic;
    std::vector<std::pair<std::string, std::string>> h(m.head.list.begin(), m.head.list.end());
    h.emplace_back("AS2-Version", "1.2");
    h.emplace_back("AS2-From", "\"" + s.our_as2_id + "\"");
    h.emplace_back("AS2-To", "\"" + s.their_as2_id + "\"");
    h.emplace_back("Message-ID", m.message_id);
    h.emplace_back("Subject", "EDI " + filename);
    bool const want_mdn = s.mdn != "none";
    if (want_mdn) {
        h.emplace_back("Disposition-Notification-To", s.our_as2_id);
        if (s.mdn_signed)
            h.emplace_back("Disposition-Notification-Options",
                           "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, " + m.mic_alg);
        if (s.mdn == "async") {
            if (async_mdn_url.empty()) {
                r.error = "the profile asks for asynchronous MDNs but the service has no as2_public_url to receive them";
                return r;
            }
            h.emplace_back("Receipt-Delivery-Option", async_mdn_url);
        }
    }
    auto res = http_post(s.url, h, std::move(m.body), c.tls_ca, timeout);
    if (!res.ok) {
        r.error = s.url + ": " + res.error;
        return r;
    }
    if (res.status / 100 != 2) {
        r.error = s.url + " answered HTTP " + std::to_string(res.status);
        return r;
    }
    if (!want_mdn || s.mdn == "async") {
        r.delivered = true;
        r.mdn_pending = s.mdn == "async";
        return r;
    }
    auto mdn = read_mdn(res.content_type, res.body, c);
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
