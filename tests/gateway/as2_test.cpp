// AS2 as partners meet it. `openssl cms` and `curl` play the partner against
// a real `edigw serve` on 127.0.0.1: signed, encrypted, compressed and plain
// messages, synchronous and asynchronous MDNs, a tampered signature, a wrong
// certificate, an unknown partner and an oversized body. MICs are checked
// against digests computed by openssl itself, and signed MDNs are verified by
// `openssl cms -verify`. Then our AS2 client posts to a second gateway.
#include "harness.hpp"
#include "support.hpp"

#include "gateway/log/store.hpp"
#include "gateway/transport/as2_client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
namespace as2 = edigw::transport::as2;
using namespace std::chrono_literals;
using edigw::test::read_file;

namespace {

using edigw::test::free_port;


edigw::test::shell_result sh(std::string const& cmd) { return edigw::test::shell(cmd, true); }

std::string q(fs::path const& p) { return "'" + p.string() + "'"; }

void write(fs::path const& p, std::string const& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

// Key pairs made once per run: ours (SELLERCO), the partner's (BUYERCO), and a stranger's.
struct key_dir {
    fs::path dir;
    ~key_dir() { fs::remove_all(dir); }
};

fs::path const& keys()
{
    static key_dir kd{[] {
        fs::path d = fs::temp_directory_path() / ("edigw-as2-keys-" + std::to_string(::getpid()));
        fs::create_directories(d);
        for (char const* who : {"sellerco", "buyerco", "stranger"}) {
            auto r = sh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" + std::string(who) + " -keyout "
                        + q(d / (std::string(who) + "-key.pem")) + " -out " + q(d / (std::string(who) + "-cert.pem")));
            REQUIRE(r.code == 0);
        }
        // The HTTPS listener's certificate, for 127.0.0.1.
        auto r = sh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout "
                    + q(d / "tls-key.pem") + " -out " + q(d / "tls-cert.pem"));
        REQUIRE(r.code == 0);
        return d;
    }()};
    return kd.dir;
}

fs::path key(std::string const& who) { return keys() / (who + "-key.pem"); }
fs::path cert(std::string const& who) { return keys() / (who + "-cert.pem"); }

// The profile up to its transports, then the AS2 table given.
void profile(fs::path const& dir, std::string const& id, std::string const& as2_table)
{
    fs::copy(fs::path(EDIGW_SOURCE_DIR) / "partners" / id, dir / id, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    std::string t = read_file((fs::path(EDIGW_SOURCE_DIR) / "partners" / (id + ".toml")).string());
    t = t.substr(0, t.find("[transport"));
    write(dir / (id + ".toml"), t + as2_table);
}

struct gateway_process {
    fs::path root, partners, data;
    std::uint16_t port = 0, admin = 0, tls_port = 0;
    pid_t pid = -1;

    explicit gateway_process(std::string const& name)
    {
        root = fs::temp_directory_path() / ("edigw-as2-" + name + "-" + std::to_string(::getpid()));
        fs::remove_all(root);
        partners = root / "partners";
        data = root / "data";
        fs::create_directories(partners);
        port = free_port();
        admin = free_port();
        tls_port = free_port();
    }
    ~gateway_process()
    {
        stop();
        fs::remove_all(root);
    }

    void start(std::vector<std::string> extra = {}, char const* crash_at = nullptr)
    {
        std::vector<std::string> args{"serve", "--data", data.string(), "--partners", partners.string(),
                                      "--as2-port", std::to_string(port), "--admin-port", std::to_string(admin),
                                      "--as2-tls-port", std::to_string(tls_port), "--tls-cert", cert("tls").string(),
                                      "--tls-key", key("tls").string(), "--received", "2024-03-15"};
        args.insert(args.end(), extra.begin(), extra.end());
        std::vector<std::pair<std::string, std::string>> env{{"EDIGW_ADMIN_TOKEN", "as2-test-token-0123456789"}};
        if (crash_at) env.emplace_back("EDIGW_CRASH_AT", crash_at);
        pid = edigw::test::spawn_edigw(args, root / "serve.log", env);
        for (int i = 0; i < 100; ++i) {
            if (sh("curl -s -m 2 -H 'Authorization: Bearer as2-test-token-0123456789' http://127.0.0.1:" + std::to_string(admin) + "/healthz")
                    .out.find("ok")
                != std::string::npos)
                return;
            std::this_thread::sleep_for(50ms);
        }
        FAIL("the gateway did not come up: " << read_file((root / "serve.log").string()));
    }

    // True when the process ended (by a crash point or a kill); reaps it.
    bool dead()
    {
        int st = 0;
        if (pid > 0 && ::waitpid(pid, &st, WNOHANG) == pid) pid = -1;
        return pid <= 0;
    }

    void kill9()
    {
        if (pid <= 0) return;
        ::kill(pid, SIGKILL);
        int st = 0;
        ::waitpid(pid, &st, 0);
        pid = -1;
    }

    void stop()
    {
        if (pid <= 0) return;
        ::kill(pid, SIGTERM);
        int st = 0;
        ::waitpid(pid, &st, 0);
        pid = -1;
    }

    std::int64_t sql(std::string const& query) const
    {
        std::string err;
        auto st = edigw::log::store::open(data, err);
        REQUIRE(st);
        edigw::log::sql::statement s(st->db(), query);
        REQUIRE(s.step());
        return s.integer(0);
    }

    std::string metrics() const
    {
        return sh("curl -s -m 5 -H 'Authorization: Bearer as2-test-token-0123456789' http://127.0.0.1:" + std::to_string(admin) + "/metrics")
            .out;
    }
};

struct http_answer {
    int status = 0;
    std::string headers, body;
    std::string header(std::string const& name) const
    {
        std::string lh = headers, ln = name;
        for (auto& c : lh) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (auto& c : ln) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto at = lh.find("\n" + ln + ":");
        if (at == std::string::npos) return {};
        auto start = at + 1 + ln.size() + 1;
        auto end = headers.find('\n', start);
        std::string v = headers.substr(start, end - start);
        while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.pop_back();
        while (!v.empty() && v.front() == ' ') v.erase(0, 1);
        return v;
    }
};

// curl as the partner's AS2 software.
http_answer post(std::uint16_t port, fs::path const& body, std::vector<std::string> const& headers, fs::path const& work,
                 bool tls = false)
{
    std::string cmd = "curl -s -m 20 " + (tls ? "--cacert " + q(cert("tls")) + " " : std::string()) + "-o " + q(work / "answer.body") + " -D " + q(work / "answer.head") + " -w '%{http_code}' --data-binary @" + q(body);
    for (auto const& h : headers) cmd += " -H '" + h + "'";
    cmd += (tls ? " https://127.0.0.1:" : " http://127.0.0.1:") + std::to_string(port) + "/as2";
    fs::remove(work / "answer.head");
    fs::remove(work / "answer.body");
    auto r = sh(cmd);
    http_answer a;
    a.status = std::atoi(r.out.c_str());
    // Nothing at all when the connection broke (a killed gateway).
    if (fs::exists(work / "answer.head")) a.headers = "\n" + read_file((work / "answer.head").string());
    if (fs::exists(work / "answer.body")) a.body = read_file((work / "answer.body").string());
    return a;
}

std::vector<std::string> as2_headers(std::string const& from, std::string const& message_id, std::string const& content_type,
                                     std::string const& options = "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256")
{
    std::vector<std::string> h{"AS2-Version: 1.2", "AS2-From: " + from, "AS2-To: SELLERCO", "Message-ID: " + message_id,
                               "Content-Type: " + content_type, "Disposition-Notification-To: edi@partner.example"};
    if (!options.empty()) h.push_back("Disposition-Notification-Options: " + options);
    return h;
}

// The MDN's fields, after `openssl cms -verify` checked its signature when signed.
std::string mdn_text(http_answer const& a, fs::path const& work, bool& verified)
{
    verified = false;
    fs::remove(work / "mdn.txt");
    std::string ct = a.header("Content-Type");
    if (ct.rfind("multipart/signed", 0) != 0) return a.body;
    write(work / "mdn.smime", "Content-Type: " + ct + "\r\n\r\n" + a.body);
    auto r = sh("openssl cms -verify -in " + q(work / "mdn.smime") + " -CAfile " + q(cert("sellerco")) + " -out " + q(work / "mdn.txt"));
    verified = r.code == 0;
    return verified ? read_file((work / "mdn.txt").string()) : std::string();
}

std::string b64_digest(fs::path const& f, std::string const& alg)
{
    auto r = sh("openssl dgst -" + alg + " -binary " + q(f) + " | base64 -w0");
    return r.out;
}

std::string sample(std::string const& name) { return read_file(std::string(EDIGW_SAMPLES_DIR) + "/" + name); }

// The partner's S/MIME: the X12 as a MIME entity, signed by `signer` with `md`
// (detached, binary, as AS2 does), then encrypted for `to` with `cipher`.
struct partner_message {
    fs::path entity, signed_, body;
};

partner_message make(fs::path const& work, std::string const& x12, std::string const& signer, std::string const& md,
                     std::string const& to, std::string const& cipher, std::function<void(std::string&)> const& tamper = {},
                     std::string const& entity_prefix = {})
{
    partner_message m;
    m.entity = work / "part.mime";
    write(m.entity, entity_prefix.empty()
                        ? "Content-Type: application/edi-x12\r\nContent-Disposition: attachment; filename=\"../../etc/po.x12\"\r\n\r\n" + x12
                        : entity_prefix);
    fs::path current = m.entity;
    if (!signer.empty()) {
        m.signed_ = work / "signed.smime";
        auto r = sh("openssl cms -sign -binary -crlfeol -md " + md + " -in " + q(m.entity) + " -signer " + q(cert(signer)) + " -inkey "
                    + q(key(signer)) + " -out " + q(m.signed_));
        REQUIRE(r.code == 0);
        if (tamper) {
            std::string s = read_file(m.signed_.string());
            tamper(s);
            write(m.signed_, s);
        }
        current = m.signed_;
    }
    if (!to.empty()) {
        m.body = work / "enc.der";
        auto r = sh("openssl cms -encrypt -binary -" + cipher + " -in " + q(current) + " -outform DER -out " + q(m.body) + " " + q(cert(to)));
        REQUIRE(r.code == 0);
    } else if (!signer.empty()) {
        // Signed, not encrypted: the multipart/signed body; its Content-Type goes into the HTTP headers.
        std::string s = read_file(current.string());
        auto blank = s.find("\r\n\r\n");
        m.body = work / "signed.body";
        write(m.body, s.substr(blank + 4));
    } else {
        m.body = m.entity;
    }
    return m;
}

std::string const enveloped = "application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m";

// BuyerCo's own gateway, which knows us as its partner "sellerco": BuyerCo's
// profile with the ISA ids swapped, and AS2 with the keys the other way round.
void partner_side(fs::path const& partners)
{
    std::string t = read_file((fs::path(EDIGW_SOURCE_DIR) / "partners" / "buyerco.toml").string());
    t = t.substr(0, t.find("[transport"));
    for (auto at = t.find("BUYERID"); at != std::string::npos; at = t.find("BUYERID", at + 1)) t.replace(at, 7, "@@@@@@@");
    for (auto at = t.find("SELLERID"); at != std::string::npos; at = t.find("SELLERID", at + 1)) t.replace(at, 8, "BUYERID");
    for (auto at = t.find("@@@@@@@"); at != std::string::npos; at = t.find("@@@@@@@", at + 1)) t.replace(at, 7, "SELLERID");
    for (auto at = t.find("buyerco/"); at != std::string::npos; at = t.find("buyerco/", at + 1)) t.replace(at, 8, "sellerco/");
    fs::copy(fs::path(EDIGW_SOURCE_DIR) / "partners" / "buyerco", partners / "sellerco", fs::copy_options::recursive);
    write(partners / "sellerco.toml",
          t + "[transport.as2]\ntheir_as2_id = \"SELLERCO\"\nour_as2_id = \"BUYERCO\"\ntheir_certificate = \"" + cert("sellerco").string()
              + "\"\nour_certificate = \"" + cert("buyerco").string() + "\"\nour_private_key = \"" + key("buyerco").string() + "\"\n");
}

// A partner's HTTP endpoint on 127.0.0.1 that answers every request 200 with
// nothing in it: the async MDN endpoint we post to (`once`: it takes one
// request and keeps it), or an AS2 server that takes every message and never
// sends the MDN it was asked for.
struct stub_endpoint {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor acc{ioc, {boost::asio::ip::make_address("127.0.0.1"), 0}};
    std::string body, content_type; // of the request taken (once)
    std::atomic<int> taken{0};
    std::thread t;
    explicit stub_endpoint(bool once)
    {
        t = std::thread([this, once] {
            do {
                boost::system::error_code ec;
                boost::asio::ip::tcp::socket s(ioc);
                acc.accept(s, ec);
                if (ec) return;
                boost::beast::flat_buffer b;
                boost::beast::http::request<boost::beast::http::string_body> req;
                boost::beast::http::read(s, b, req, ec);
                if (ec) continue;
                if (once) {
                    body = req.body();
                    content_type = std::string(req[boost::beast::http::field::content_type]);
                }
                boost::beast::http::response<boost::beast::http::string_body> res{boost::beast::http::status::ok, 11};
                res.prepare_payload();
                boost::beast::http::write(s, res, ec);
                ++taken;
            } while (!once);
        });
    }
    std::uint16_t port() const { return acc.local_endpoint().port(); }
    void wait()
    {
        if (t.joinable()) t.join();
    }
    ~stub_endpoint()
    {
        // shutdown() wakes a blocking accept() on Linux; close() alone does not.
        ::shutdown(acc.native_handle(), SHUT_RDWR);
        wait();
        boost::system::error_code ec;
        acc.close(ec);
    }
};

} // namespace

TEST_CASE("as2: pack and open agree for every signing, encryption and compression setting", "[as2]")
{
    edigw::partners::as2_settings s;
    s.their_as2_id = "SELLERCO";
    s.our_as2_id = "BUYERCO";
    s.their_certificate = cert("sellerco").string();
    s.our_certificate = cert("buyerco").string();
    s.our_private_key = key("buyerco").string();
    as2::credentials sender, receiver;
    std::string err;
    REQUIRE(as2::load_credentials(s, "/", sender, err));
    edigw::partners::as2_settings r = s;
    r.their_certificate = cert("buyerco").string();
    r.our_certificate = cert("sellerco").string();
    r.our_private_key = key("sellerco").string();
    REQUIRE(as2::load_credentials(r, "/", receiver, err));
    std::string const x12 = sample("850-005010-original.x12");
    for (std::string sign : {"none", "sha1", "sha256", "sha384", "sha512"})
        for (std::string enc : {"none", "aes128-cbc", "aes256-cbc", "des-ede3-cbc"})
            for (std::string comp : {"none", "before-signing", "after-signing"}) {
                INFO(sign << " " << enc << " " << comp);
                s.sign = r.sign = sign;
                s.encrypt = r.encrypt = enc;
                s.compress = comp;
                s.transfer_encoding = (sign.size() + comp.size()) % 2 ? "base64" : "binary"; // both, across the combinations
                as2::message m;
                REQUIRE(as2::pack(x12, "po.x12", s, sender, m, err));
                auto o = as2::open(m.head.get("Content-Type"), m.head.get("Content-Transfer-Encoding"), m.body, receiver, r, m.mic_alg,
                                   m.head.get("Content-Disposition"));
                REQUIRE(o.failure == "");
                CHECK(o.payload == x12);
                CHECK(o.filename == "po.x12");
                CHECK(o.mic == m.mic);
                CHECK(o.was_signed == (sign != "none"));
                CHECK(o.was_encrypted == (enc != "none"));
                CHECK(o.was_compressed == (comp != "none"));
            }
    SECTION("a requirement the message does not meet")
    {
        s.sign = "none";
        s.encrypt = "none";
        s.compress = "none";
        s.transfer_encoding = "binary";
        as2::message m;
        REQUIRE(as2::pack(x12, "po.x12", s, sender, m, err));
        r.sign = "sha256";
        auto o = as2::open(m.head.get("Content-Type"), "", m.body, receiver, r, "");
        CHECK(o.failure == "insufficient-message-security");
    }
    SECTION("a decompression bomb stops at the limit")
    {
        std::string big(8u << 20, 'A'), der, out;
        REQUIRE(as2::compress("Content-Type: text/plain\r\n\r\n" + big, der));
        CHECK(der.size() < 64 * 1024);
        CHECK_FALSE(as2::decompress(der, out, 1u << 20, err));
        CHECK(err.find("larger than") != std::string::npos);
        CHECK(as2::decompress(der, out, 16u << 20, err));
        // openssl reads our CompressedData (it cannot inflate it: Debian's is built without zlib).
        fs::path f = keys() / "c.der";
        write(f, der);
        auto p = sh("openssl cms -cmsout -print -inform DER -in " + q(f));
        CHECK(p.out.find("compressedData") != std::string::npos);
        CHECK(p.out.find("zlib compression (1.2.840.113549.1.9.16.3.8)") != std::string::npos);
    }
    SECTION("MDNs: built, signed, read back; a forged one refused")
    {
        as2::mdn_fields f{"<m1@x>", "edigw", "SELLERCO", "BUYERCO", "processed", "abc=", "sha-256", "ok"};
        auto mdn = as2::build_mdn(f, &receiver, "sha-256");
        auto rd = as2::read_mdn(mdn.head.get("Content-Type"), mdn.body, sender);
        REQUIRE(rd.ok);
        CHECK(rd.was_signed);
        CHECK(rd.disposition == "automatic-action/MDN-sent-automatically; processed");
        CHECK(rd.original_message_id == "<m1@x>");
        CHECK(rd.mic == "abc=");
        CHECK(rd.mic_alg == "sha-256");
        auto forged = mdn.body;
        forged.replace(forged.find("; processed"), 11, "; processeD");
        CHECK_FALSE(as2::read_mdn(mdn.head.get("Content-Type"), forged, sender).ok);
        // Signed by us, read as if from the partner: the wrong certificate.
        CHECK_FALSE(as2::read_mdn(mdn.head.get("Content-Type"), mdn.body, receiver).ok);
    }
    SECTION("the Disposition-Notification-Options spellings")
    {
        as2::headers h;
        h.set("Disposition-Notification-To", "x");
        h.set("Disposition-Notification-Options", "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha1, md5");
        auto a = as2::read_mdn_request(h);
        CHECK(a.wanted);
        CHECK(a.want_signed);
        CHECK(a.micalg == "sha-1");
        CHECK(a.micalg_as_asked == "sha1");
        h.set("Disposition-Notification-Options", "signed-receipt-protocol=required,pkcs7-signature; signed-receipt-micalg=required,md5,SHA-512");
        CHECK(as2::read_mdn_request(h).micalg == "sha-512");
    }
}

TEST_CASE("as2: serve answers openssl+curl partners with the right MDN or status", "[as2][service]")
{
    gateway_process g("server");
    std::string const strict = "[transport.as2]\ntheir_as2_id = \"BUYERCO\"\nour_as2_id = \"SELLERCO\"\ntheir_certificate = \""
                               + cert("buyerco").string() + "\"\nour_certificate = \"" + cert("sellerco").string() + "\"\nour_private_key = \""
                               + key("sellerco").string() + "\"\nsign = \"sha256\"\nencrypt = \"aes256-cbc\"\n";
    profile(g.partners, "buyerco", strict);
    // acme: a partner on plain HTTP (no signing, no encryption) with a small body limit.
    profile(g.partners, "acme",
            "[transport.as2]\ntheir_as2_id = \"ACME\"\nour_as2_id = \"SELLERCO\"\ntheir_certificate = \"" + cert("stranger").string()
                + "\"\nour_certificate = \"" + cert("sellerco").string() + "\"\nour_private_key = \"" + key("sellerco").string()
                + "\"\nsign = \"none\"\nencrypt = \"none\"\nmdn_signed = false\nmax_body_bytes = 4096\n");
    g.start();
    fs::path work = g.root / "work";
    fs::create_directories(work);
    bool verified = false;

    SECTION("signed (sha-256) and encrypted (AES-256): processed, signed MDN, MIC of the signed entity")
    {
        auto m = make(work, sample("850-005010-original.x12"), "buyerco", "sha256", "sellerco", "aes256");
        auto a = post(g.port, m.body, as2_headers("BUYERCO", "<msg-1@buyerco>", enveloped), work);
        REQUIRE(a.status == 200);
        CHECK(a.header("AS2-From") == "\"SELLERCO\"");
        CHECK(a.header("AS2-To") == "\"BUYERCO\"");
        CHECK(a.header("Content-Type").rfind("multipart/signed", 0) == 0);
        auto t = mdn_text(a, work, verified);
        CHECK(verified);
        CHECK(t.find("Disposition: automatic-action/MDN-sent-automatically; processed\r\n") != std::string::npos);
        CHECK(t.find("Original-Message-ID: <msg-1@buyerco>") != std::string::npos);
        CHECK(t.find("Received-Content-MIC: " + b64_digest(m.entity, "sha256") + ", sha-256") != std::string::npos);
        CHECK(g.sql("SELECT count(*) FROM transmissions WHERE direction = 'in' AND transport = 'as2' AND remote_name = '<msg-1@buyerco>' AND status = 'processed'") == 1);
        CHECK(g.sql("SELECT count(*) FROM audit WHERE action = 'mdn' AND new_value = 'processed'") == 1);
        // Its TA1 (asked for in ISA14), 999 and 855 are made and wait for delivery (this profile has no URL).
        CHECK(g.sql("SELECT count(*) FROM transmissions WHERE direction = 'out'") == 3);

        // The same Message-ID again: a warning, not a second order.
        auto again = post(g.port, m.body, as2_headers("BUYERCO", "<msg-1@buyerco>", enveloped), work);
        REQUIRE(again.status == 200);
        CHECK(mdn_text(again, work, verified).find("processed/warning: duplicate-document") != std::string::npos);
        CHECK(verified);
        CHECK(g.sql("SELECT count(*) FROM transmissions WHERE direction = 'in'") == 1);
        CHECK(g.sql("SELECT count(*) FROM transmissions WHERE direction = 'out'") == 3);
        CHECK(g.metrics().find("edigw_as2_messages_total 1") != std::string::npos);
    }
    SECTION("over HTTPS: the same message, the same MDN")
    {
        auto m = make(work, sample("850-005010-original.x12"), "buyerco", "sha256", "sellerco", "aes256");
        auto a = post(g.tls_port, m.body, as2_headers("BUYERCO", "<tls-1@buyerco>", enveloped), work, true);
        REQUIRE(a.status == 200);
        auto t = mdn_text(a, work, verified);
        CHECK(verified);
        CHECK(t.find("Received-Content-MIC: " + b64_digest(m.entity, "sha256") + ", sha-256") != std::string::npos);
        CHECK(g.sql("SELECT count(*) FROM transmissions WHERE direction = 'in' AND transport = 'as2' AND status = 'processed'") == 1);
        // A client that does not trust our certificate does not get through.
        auto untrusted = sh("curl -s -m 5 -o /dev/null -w '%{http_code}' --data-binary x https://127.0.0.1:" + std::to_string(g.tls_port) + "/as2");
        CHECK(untrusted.out == "000");
    }
    SECTION("sha1 (spelled 'sha1') with 3DES; sha-512 with AES-128; the MIC algorithm echoed as asked")
    {
        auto m = make(work, sample("850-005010-bad-date.x12"), "buyerco", "sha1", "sellerco", "des3");
        auto a = post(g.port, m.body,
                      as2_headers("BUYERCO", "<msg-2@buyerco>", enveloped,
                                  "signed-receipt-protocol=required, pkcs7-signature; signed-receipt-micalg=required, sha1"),
                      work);
        REQUIRE(a.status == 200);
        CHECK(a.header("Content-Type").find("micalg=sha-1") != std::string::npos);
        auto t = mdn_text(a, work, verified);
        CHECK(verified);
        CHECK(t.find("; processed\r\n") != std::string::npos);
        CHECK(t.find("Received-Content-MIC: " + b64_digest(m.entity, "sha1") + ", sha1\r\n") != std::string::npos);

        auto m2 = make(work, sample("buyerco-850-duplicate-po.x12"), "buyerco", "sha512", "sellerco", "aes128");
        auto b = post(g.port, m2.body,
                      as2_headers("BUYERCO", "<msg-3@buyerco>", enveloped,
                                  "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-512"),
                      work);
        auto t2 = mdn_text(b, work, verified);
        CHECK(verified);
        CHECK(t2.find("Received-Content-MIC: " + b64_digest(m2.entity, "sha512") + ", sha-512\r\n") != std::string::npos);
        CHECK(g.sql("SELECT count(*) FROM transmissions WHERE direction = 'in' AND transport = 'as2'") == 2);
    }
    SECTION("compressed before signing (RFC 5402), signed and encrypted")
    {
        std::string const x12 = sample("850-005010-original.x12");
        std::string der;
        REQUIRE(as2::compress("Content-Type: application/edi-x12\r\n\r\n" + x12, der));
        std::string const entity = "Content-Type: application/pkcs7-mime; smime-type=compressed-data; name=smime.p7z\r\n"
                                   "Content-Transfer-Encoding: binary\r\n\r\n" + der;
        auto m = make(work, "", "buyerco", "sha256", "sellerco", "aes192", {}, entity);
        auto a = post(g.port, m.body, as2_headers("BUYERCO", "<msg-z@buyerco>", enveloped), work);
        auto t = mdn_text(a, work, verified);
        CHECK(verified);
        CHECK(t.find("; processed\r\n") != std::string::npos);
        // The MIC covers what was signed: the compressed entity.
        CHECK(t.find("Received-Content-MIC: " + b64_digest(m.entity, "sha256") + ", sha-256") != std::string::npos);
        CHECK(g.sql("SELECT count(*) FROM transmissions WHERE direction = 'in' AND status = 'processed'") == 1);
    }
    SECTION("a tampered signature, a wrong certificate, encryption for someone else, no signature")
    {
        std::string const x12 = sample("850-005010-original.x12");
        auto tampered = make(work, x12, "buyerco", "sha256", "sellerco", "aes256", [](std::string& s) {
            auto at = s.find("BEG*00");
            REQUIRE(at != std::string::npos);
            s[at + 4] = '1'; // BEG01 00 -> 10 inside the signed part
        });
        auto a = post(g.port, tampered.body, as2_headers("BUYERCO", "<bad-1@buyerco>", enveloped), work);
        auto t = mdn_text(a, work, verified);
        CHECK(verified); // our MDN is still signed
        CHECK(t.find("processed/error: integrity-check-failed") != std::string::npos);

        auto stranger = make(work, x12, "stranger", "sha256", "sellerco", "aes256");
        t = mdn_text(post(g.port, stranger.body, as2_headers("BUYERCO", "<bad-2@buyerco>", enveloped), work), work, verified);
        CHECK(t.find("processed/error: authentication-failed") != std::string::npos);

        auto elsewhere = make(work, x12, "buyerco", "sha256", "stranger", "aes256");
        t = mdn_text(post(g.port, elsewhere.body, as2_headers("BUYERCO", "<bad-3@buyerco>", enveloped), work), work, verified);
        CHECK(t.find("processed/error: decryption-failed") != std::string::npos);

        auto unsigned_ = make(work, x12, "", "", "sellerco", "aes256");
        t = mdn_text(post(g.port, unsigned_.body, as2_headers("BUYERCO", "<bad-4@buyerco>", enveloped), work), work, verified);
        CHECK(t.find("processed/error: insufficient-message-security") != std::string::npos);

        auto garbage = work / "garbage";
        write(garbage, "this is not CMS");
        t = mdn_text(post(g.port, garbage, as2_headers("BUYERCO", "<bad-5@buyerco>", enveloped), work), work, verified);
        CHECK(t.find("processed/error: decryption-failed") != std::string::npos);

        // Each is in the log as received and refused, with its reason; none was processed.
        CHECK(g.sql("SELECT count(*) FROM transmissions WHERE direction = 'in'") == 5);
        CHECK(g.sql("SELECT count(*) FROM transmissions WHERE direction = 'in' AND status = 'rejected' AND document = 'AS2'") == 5);
        CHECK(g.sql("SELECT count(*) FROM transmissions WHERE remote_name = '<bad-1@buyerco>' AND message LIKE 'AS2 integrity-check-failed: %'") == 1);
        CHECK(g.sql("SELECT count(*) FROM sets") == 0);
        CHECK(g.sql("SELECT count(*) FROM transmissions WHERE direction = 'out'") == 0);
        // The partner fixes its signature and sends again under the same Message-ID: processed now.
        auto fixed = make(work, x12, "buyerco", "sha256", "sellerco", "aes256");
        t = mdn_text(post(g.port, fixed.body, as2_headers("BUYERCO", "<bad-1@buyerco>", enveloped), work), work, verified);
        CHECK(t.find("; processed\r\n") != std::string::npos);
        CHECK(g.metrics().find("edigw_as2_refused_total 5") != std::string::npos);
    }
    SECTION("an unknown partner; a plain partner; its body limit; an asynchronous MDN; bad requests")
    {
        fs::path body = work / "po.x12";
        write(body, sample("acme-850-two-orders.x12"));
        auto a = post(g.port, body, as2_headers("NOBODY", "<u-1@nobody>", "application/edi-x12", ""), work);
        CHECK(a.status == 200);
        CHECK(a.body.find("processed/error: unknown-trading-partner") != std::string::npos);
        auto silent = as2_headers("NOBODY", "<u-2@nobody>", "application/edi-x12", "");
        silent.erase(silent.begin() + 5); // no MDN asked: a plain refusal
        CHECK(post(g.port, body, silent, work).status == 403);

        auto p = post(g.port, body, as2_headers("ACME", "<p-1@acme>", "application/edi-x12", ""), work);
        REQUIRE(p.status == 200);
        CHECK(p.header("Content-Type").rfind("multipart/report", 0) == 0);
        // Unsigned, unencrypted: the MIC is over the content alone.
        CHECK(p.body.find("Received-Content-MIC: " + b64_digest(body, "sha256") + ", sha-256") != std::string::npos);
        CHECK(p.body.find("; processed\r\n") != std::string::npos);

        fs::path big = work / "big";
        write(big, std::string(10000, 'x'));
        CHECK(post(g.port, big, as2_headers("ACME", "<p-2@acme>", "application/edi-x12", ""), work).status == 413);

        stub_endpoint catcher(true);
        auto h = as2_headers("ACME", "<p-3@acme>", "application/edi-x12", "");
        h.push_back("Receipt-Delivery-Option: http://127.0.0.1:" + std::to_string(catcher.port()) + "/mdn");
        fs::path body2 = work / "po2.x12";
        write(body2, sample("acme-850-unknown-item-and-price.x12"));
        auto async = post(g.port, body2, h, work);
        CHECK(async.status == 200);
        CHECK(async.body.empty());
        catcher.wait();
        CHECK(catcher.content_type.rfind("multipart/report", 0) == 0);
        CHECK(catcher.body.find("Original-Message-ID: <p-3@acme>") != std::string::npos);
        CHECK(catcher.body.find("; processed\r\n") != std::string::npos);
        CHECK(g.sql("SELECT count(*) FROM transmissions WHERE direction = 'in' AND partner = 'acme'") == 2);

        auto get = sh("curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:" + std::to_string(g.port) + "/as2");
        CHECK(get.out == "405");
        auto noid = sh("curl -s -m 5 -o /dev/null -w '%{http_code}' -H 'AS2-From: ACME' -H 'AS2-To: SELLERCO' --data-binary x http://127.0.0.1:"
                       + std::to_string(g.port) + "/as2");
        CHECK(noid.out == "400");
    }
}

TEST_CASE("as2: our client delivers the 999 and 855 to a partner's AS2 server and checks its MDNs", "[as2][service]")
{
    // The partner's side: a second edigw that knows us as its partner "sellerco".
    gateway_process them("partner");
    partner_side(them.partners);
    them.start();

    gateway_process us("us");
    profile(us.partners, "buyerco",
            "[transport.as2]\ntheir_as2_id = \"BUYERCO\"\nour_as2_id = \"SELLERCO\"\nurl = \"https://127.0.0.1:" + std::to_string(them.tls_port)
                + "/as2\"\ntls_ca = \"" + cert("tls").string() + "\"\ntheir_certificate = \"" + cert("buyerco").string() + "\"\nour_certificate = \"" + cert("sellerco").string()
                + "\"\nour_private_key = \"" + key("sellerco").string() + "\"\nsign = \"sha384\"\nencrypt = \"aes192-cbc\"\ncompress = \"after-signing\"\n");
    us.start();
    fs::path work = us.root / "work";
    fs::create_directories(work);
    auto m = make(work, sample("850-005010-original.x12"), "buyerco", "sha256", "sellerco", "aes256");
    auto a = post(us.port, m.body, as2_headers("BUYERCO", "<c-1@buyerco>", enveloped), work);
    REQUIRE(a.status == 200);

    auto wait = [](std::function<bool()> const& f) {
        for (int i = 0; i < 300 && !f(); ++i) std::this_thread::sleep_for(50ms);
        return f();
    };
    // Our TA1, 999 and 855 go out over AS2; the partner's MDNs come back signed, MIC matching.
    auto const out = [&] { return us.sql("SELECT count(*) FROM transmissions WHERE direction = 'out'"); };
    auto const sent = [&] { return us.sql("SELECT count(*) FROM transmissions WHERE direction = 'out' AND status = 'sent' AND transport = 'as2'"); };
    INFO(read_file((us.root / "serve.log").string()) << read_file((them.root / "serve.log").string()));
    REQUIRE(wait([&] { return out() == 3 && sent() == 3; }));
    CHECK(us.sql("SELECT count(*) FROM audit WHERE action = 'sent' AND detail LIKE '%MDN automatic-action/MDN-sent-automatically; processed%'") == 3);
    CHECK(them.sql("SELECT count(*) FROM transmissions WHERE direction = 'in' AND transport = 'as2'") == 3);
    CHECK(us.metrics().find("edigw_as2_sent_total 3") != std::string::npos);
    // Over HTTPS; a server certificate we do not trust is refused.
    auto wrong_ca = as2::http_post("https://127.0.0.1:" + std::to_string(them.tls_port) + "/as2", {}, "x", cert("stranger").string(), 5s);
    CHECK_FALSE(wrong_ca.ok);
    CHECK(wrong_ca.error.find("TLS") != std::string::npos);

    // The partner goes away: what we owe waits, and goes when it is back.
    them.stop();
    auto m2 = make(work, sample("buyerco-850-duplicate-po.x12"), "buyerco", "sha256", "sellerco", "aes256");
    REQUIRE(post(us.port, m2.body, as2_headers("BUYERCO", "<c-2@buyerco>", enveloped), work).status == 200);
    REQUIRE(wait([&] { return us.metrics().find("edigw_as2_send_failed_total 0") == std::string::npos; }));
    auto const owed = out();
    CHECK(owed > 3);
    CHECK(sent() == 3);
    them.start();
    REQUIRE(wait([&] { return sent() == owed; }));
    CHECK(them.sql("SELECT count(*) FROM transmissions WHERE direction = 'in' AND transport = 'as2'") == owed);
}

namespace {

std::string order(int n)
{
    std::string cn = std::to_string(100000000 + n);
    return "ISA*00*          *00*          *ZZ*BUYERID        *ZZ*SELLERID       *240315*0930*^*00501*" + cn + "*0*P*:~"
           "GS*PO*BUYERID*SELLERID*20240315*0930*" + std::to_string(n) + "*X*005010~ST*850*0001~BEG*00*SA*PO-K" + std::to_string(n)
           + "**20240315~DTM*038*20240319~N1*ST*BUYERCO DC 17*92*0017~PO1*1*10*EA*4.25*PE*UP*012345678905~CTT*1*10~SE*7*0001~"
             "GE*1*" + std::to_string(n) + "~IEA*1*" + cn + "~";
}

// Both sides of a crash test: "us" (killed) and the partner's gateway that
// receives our answers over AS2 (never killed), with the test posting the
// partner's orders the way AS2 software does: the same Message-ID again until
// an MDN says processed.
struct crash_pair {
    gateway_process them{"crash-them"}, us{"crash-us"};
    fs::path work;
    crash_pair()
    {
        partner_side(them.partners);
        profile(us.partners, "buyerco",
                "[transport.as2]\ntheir_as2_id = \"BUYERCO\"\nour_as2_id = \"SELLERCO\"\nurl = \"http://127.0.0.1:" + std::to_string(them.port)
                    + "/as2\"\ntheir_certificate = \"" + cert("buyerco").string() + "\"\nour_certificate = \"" + cert("sellerco").string()
                    + "\"\nour_private_key = \"" + key("sellerco").string() + "\"\n");
        work = us.root / "work";
        fs::create_directories(work);
        them.start();
    }

    // The partner's retry loop for one message; restarts "us" when it is down.
    void deliver(int n)
    {
        fs::path dir = work / std::to_string(n);
        fs::create_directories(dir);
        auto m = make(dir, order(n), "buyerco", "sha256", "sellerco", "aes256");
        for (int attempt = 0; attempt < 20; ++attempt) {
            if (us.dead()) us.start();
            auto a = post(us.port, m.body, as2_headers("BUYERCO", "<k-" + std::to_string(n) + "@buyerco>", enveloped), dir);
            bool verified = false;
            if (a.status == 200 && mdn_text(a, dir, verified).find("; processed") != std::string::npos && verified) return;
            std::this_thread::sleep_for(100ms);
        }
        FAIL("message " << n << " was never acknowledged with a processed MDN");
    }

    std::int64_t answers_owed() { return us.sql("SELECT count(*) FROM transmissions WHERE direction = 'out' AND status <> 'sent'"); }
};

} // namespace

TEST_CASE("as2: killed at every step and at random moments, each message is processed once and each answer sent once", "[as2][service][crash]")
{
    crash_pair c;
    int n = 0;
    for (char const* point : {"after-archive", "before-commit", "after-commit", "as2-after-receive", "as2-after-send"}) {
        INFO(point);
        ++n;
        c.us.start({}, point);
        fs::path dir = c.work / ("first-" + std::to_string(n));
        fs::create_directories(dir);
        auto m = make(dir, order(n), "buyerco", "sha256", "sellerco", "aes256");
        (void)post(c.us.port, m.body, as2_headers("BUYERCO", "<k-" + std::to_string(n) + "@buyerco>", enveloped), dir);
        bool died = false;
        for (int i = 0; i < 200 && !(died = c.us.dead()); ++i) std::this_thread::sleep_for(50ms);
        CHECK(died);
        c.deliver(n); // restarts, resends until processed
        for (int i = 0; i < 300 && c.answers_owed() > 0; ++i) std::this_thread::sleep_for(50ms);
        CHECK(c.answers_owed() == 0);
        c.us.stop();
    }
    // Random kills while messages arrive.
    std::mt19937 rng(20261127);
    for (int round = 0; round < 4; ++round) {
        c.us.start();
        std::vector<std::thread> senders;
        for (int k = 0; k < 3; ++k) senders.emplace_back([&c, id = ++n] { c.deliver(id); });
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 800)(rng)));
        c.us.kill9();
        for (auto& t : senders) t.join(); // each sender restarted us as needed and got its MDN
        c.us.stop();
    }
    c.us.start();
    for (int i = 0; i < 400 && c.answers_owed() > 0; ++i) std::this_thread::sleep_for(50ms);
    c.us.stop();
    c.them.stop();
    // Every message once; every answer (999 + 855 per order, no TA1 asked) made once and sent once.
    CHECK(c.us.sql("SELECT count(*) FROM transmissions WHERE direction = 'in'") == n);
    CHECK(c.us.sql("SELECT count(*) FROM transmissions WHERE direction = 'in' AND status = 'processed'") == n);
    CHECK(c.us.sql("SELECT count(*) FROM transmissions WHERE direction = 'out'") == 2 * n);
    CHECK(c.us.sql("SELECT count(*) FROM transmissions WHERE direction = 'out' AND status = 'sent'") == 2 * n);
    CHECK(c.us.sql("SELECT count(*) FROM transmissions WHERE direction = 'out' AND document = '855'") == n);
    // The partner received each of our documents once: a resend after a crash
    // carried the same Message-ID and was answered as a duplicate.
    CHECK(c.them.sql("SELECT count(*) FROM transmissions WHERE direction = 'in' AND transport = 'as2'") == 2 * n);
    CHECK(c.them.sql("SELECT count(*) FROM transmissions WHERE status = 'duplicate'") == 0);
}

// Our gateway with BuyerCo on AS2 at `partner_port`, asking for asynchronous
// MDNs (to our own listener), started, and sent one order by BuyerCo: our
// TA1, 999 and 855 then go out to the partner. `extra`: more profile keys.
void start_async_and_post(gateway_process& us, std::uint16_t partner_port, std::string const& extra, std::string const& message_id)
{
    profile(us.partners, "buyerco",
            "[transport.as2]\ntheir_as2_id = \"BUYERCO\"\nour_as2_id = \"SELLERCO\"\nurl = \"http://127.0.0.1:" + std::to_string(partner_port)
                + "/as2\"\ntheir_certificate = \"" + cert("buyerco").string() + "\"\nour_certificate = \"" + cert("sellerco").string()
                + "\"\nour_private_key = \"" + key("sellerco").string() + "\"\nmdn = \"async\"\n" + extra);
    us.start({"--as2-public-url", "http://127.0.0.1:" + std::to_string(us.port) + "/as2"});
    fs::path work = us.root / "work";
    fs::create_directories(work);
    auto m = make(work, sample("850-005010-original.x12"), "buyerco", "sha256", "sellerco", "aes256");
    REQUIRE(post(us.port, m.body, as2_headers("BUYERCO", message_id, enveloped), work).status == 200);
}

TEST_CASE("as2: asynchronous MDNs for what we send are matched, their MIC checked", "[as2][service]")
{
    gateway_process them("async-them");
    partner_side(them.partners);
    them.start();
    gateway_process us("async-us");
    start_async_and_post(us, them.port, "transfer_encoding = \"base64\"\n", "<a-1@buyerco>");
    // Our TA1, 999 and 855 go out asking for asynchronous MDNs; BuyerCo's gateway posts them back to us.
    auto received = [&] { return us.sql("SELECT count(*) FROM audit WHERE action = 'mdn-verified' AND new_value = 'processed'"); };
    for (int i = 0; i < 300 && received() < 3; ++i) std::this_thread::sleep_for(50ms);
    INFO(read_file((us.root / "serve.log").string()) << read_file((them.root / "serve.log").string()));
    CHECK(received() == 3); // each matched to its document, signed, the MIC ours
    CHECK(us.sql("SELECT count(*) FROM audit WHERE action = 'mdn-received'") == 3);
    CHECK(us.sql("SELECT count(*) FROM audit WHERE action = 'sent' AND detail LIKE '%(MDN to come)%'") == 3);
    CHECK(them.sql("SELECT count(*) FROM transmissions WHERE direction = 'in' AND transport = 'as2'") == 3);
    CHECK(them.sql("SELECT count(*) FROM audit WHERE action = 'mdn-posted'") == 3);
    // Each was waited for, and came.
    CHECK(us.sql("SELECT count(*) FROM mdns_expected WHERE received_at IS NOT NULL AND verdict = 'processed'") == 3);
}

TEST_CASE("as2: an asynchronous MDN that never comes is reported overdue after the profile's timeout", "[as2][service]")
{
    stub_endpoint them(false);
    gateway_process us("async-silent");
    start_async_and_post(us, them.port(), "mdn_timeout_minutes = 2\n", "<s-1@buyerco>");
    // Our TA1, 999 and 855 are taken by the partner, which sends no MDN: each is waited for, due two minutes after it went.
    auto waited = [&] { return us.sql("SELECT count(*) FROM mdns_expected WHERE received_at IS NULL"); };
    for (int i = 0; i < 300 && waited() < 3; ++i) std::this_thread::sleep_for(50ms);
    INFO(read_file((us.root / "serve.log").string()));
    REQUIRE(waited() == 3);
    CHECK(them.taken == 3);
    CHECK(us.sql("SELECT count(*) FROM mdns_expected WHERE message_id LIKE '<edigw-%@SELLERCO>'") == 3);
    CHECK(us.sql("SELECT count(*) FROM mdns_expected WHERE abs((julianday(due_at) - julianday(sent_at)) * 1440 - 2) < 0.01") == 3);
    auto report = [&] { return sh(std::string(EDIGW_BINARY) + " report overdue --data " + q(us.data)); };
    auto before = report();
    CHECK(before.code == 0);
    CHECK(before.out.find("no overdue acknowledgments") != std::string::npos);
    // Two minutes on (the clock moved, not the test): overdue, with their Message-IDs.
    us.stop();
    {
        std::string err;
        auto st = edigw::log::store::open(us.data, err);
        REQUIRE(st);
        REQUIRE(st->db().exec("UPDATE mdns_expected SET sent_at = strftime('%Y-%m-%dT%H:%M:%fZ', sent_at, '-3 minutes'), "
                              "due_at = strftime('%Y-%m-%dT%H:%M:%fZ', due_at, '-3 minutes')"));
    }
    auto after = report();
    INFO(after.out);
    CHECK(after.code == 1);
    CHECK(after.out.find("buyerco  AS2 message <edigw-") != std::string::npos);
    CHECK(after.out.find("no asynchronous MDN since it was due at") != std::string::npos);
    auto kpi = sh(std::string(EDIGW_BINARY) + " kpi --format json --data " + q(us.data));
    CHECK(kpi.out.find("\"overdue_acks\":3") != std::string::npos); // the 999s we wait for are not due yet: the MDNs
}
