// AS2 messages per second through `edigw serve`: 16 concurrent clients (our
// AS2 client) post signed (SHA-256, RSA-2048) and encrypted (AES-256) orders
// over HTTP and wait for the signed synchronous MDN, which they verify
// (signature, Message-ID, MIC). Client and server share this 2-core machine,
// so the figure counts both sides' crypto. Reports messages/s and the p50/p99
// latency of one POST-to-verified-MDN, after checking that every message is
// in the log once and every MDN said processed.
//
// usage: edigw_bench_as2 [MESSAGES] [CLIENTS] [WORKERS]   (defaults 800 16 2)
#include "partner.hpp"
#include "gateway/log/store.hpp"
#include "gateway/service/service.hpp"
#include "gateway/transport/as2_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace edigw;

namespace {

std::string order(int n)
{
    std::string cn = std::to_string(100000000 + n);
    return "ISA*00*          *00*          *ZZ*BUYERID        *ZZ*SELLERID       *240315*0930*^*00501*" + cn + "*0*P*:~"
           "GS*PO*BUYERID*SELLERID*20240315*0930*" + std::to_string(n) + "*X*005010~ST*850*0001~BEG*00*SA*PO-B" + std::to_string(n)
           + "**20240315~DTM*038*20240319~N1*ST*BUYERCO DC 17*92*0017~PO1*1*10*EA*4.25*PE*UP*012345678905~CTT*1*10~SE*7*0001~"
             "GE*1*" + std::to_string(n) + "~IEA*1*" + cn + "~";
}

std::uint16_t free_port()
{
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

} // namespace

int main(int argc, char** argv)
{
    int const messages = argc > 1 ? std::atoi(argv[1]) : 800;
    int const clients = argc > 2 ? std::atoi(argv[2]) : 16;
    fs::path root = fs::temp_directory_path() / ("edigw-bench-as2-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root);
    for (char const* who : {"sellerco", "buyerco"}) {
        std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" + std::string(who) + " -keyout " + (root / who).string()
                          + "-key.pem -out " + (root / who).string() + "-cert.pem 2>/dev/null";
        if (std::system(cmd.c_str()) != 0) {
            std::fprintf(stderr, "openssl req failed\n");
            return 2;
        }
    }
    auto clean = bench::clean_buyerco();
    if (!clean) return 2;
    partners::profile p = *clean;
    partners::as2_settings server_side;
    server_side.their_as2_id = "BUYERCO";
    server_side.our_as2_id = "SELLERCO";
    server_side.their_certificate = (root / "buyerco-cert.pem").string();
    server_side.our_certificate = (root / "sellerco-cert.pem").string();
    server_side.our_private_key = (root / "sellerco-key.pem").string();
    p.as2 = server_side;
    p.sftp.reset();
    p.folder.reset();

    service::config cfg;
    cfg.data_dir = root / "data";
    cfg.workers = argc > 3 ? std::atoi(argv[3]) : 2; // the service default
    cfg.received_date = "2024-03-15";
    cfg.as2_port = free_port();
    service::gateway g(cfg, {p});
    std::thread server([&] { g.run({}); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));

    partners::as2_settings client_side = server_side;
    client_side.their_as2_id = "SELLERCO";
    client_side.our_as2_id = "BUYERCO";
    client_side.their_certificate = server_side.our_certificate;
    client_side.our_certificate = server_side.their_certificate;
    client_side.our_private_key = (root / "buyerco-key.pem").string();
    client_side.url = "http://127.0.0.1:" + std::to_string(cfg.as2_port) + "/as2";
    transport::as2::credentials creds;
    std::string err;
    if (!transport::as2::load_credentials(client_side, "/", creds, err)) {
        std::fprintf(stderr, "%s\n", err.c_str());
        return 2;
    }

    std::atomic<int> next{0}, failed{0};
    std::vector<std::vector<double>> lat(static_cast<std::size_t>(clients));
    std::string first_error;
    std::mutex mu;
    auto const t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> ts;
    for (int c = 0; c < clients; ++c)
        ts.emplace_back([&, c] {
            for (int n; (n = next++) < messages;) {
                auto const s = std::chrono::steady_clock::now();
                auto r = transport::as2::send(order(n + 1), "po.x12", client_side, creds);
                lat[static_cast<std::size_t>(c)].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
                if (!r.delivered) {
                    ++failed;
                    std::lock_guard lock(mu);
                    if (first_error.empty()) first_error = r.error;
                }
            }
        });
    for (auto& t : ts) t.join();
    double const seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    g.stop();
    server.join();

    // Check before reporting: every message delivered with a verified, processed MDN and logged once.
    std::int64_t logged = 0;
    {
        auto st = log::store::open(cfg.data_dir, err);
        log::sql::statement q(st->db(), "SELECT count(DISTINCT remote_name) FROM transmissions WHERE direction = 'in' AND transport = 'as2'");
        if (q.step()) logged = q.integer(0);
    }
    fs::remove_all(root);
    if (failed || logged != messages) {
        std::fprintf(stderr, "FAILED: %d of %d not delivered (%s); %lld logged\n", failed.load(), messages, first_error.c_str(),
                     static_cast<long long>(logged));
        return 1;
    }
    std::vector<double> all_lat;
    for (auto const& v : lat) all_lat.insert(all_lat.end(), v.begin(), v.end());
    std::sort(all_lat.begin(), all_lat.end());
    auto pct = [&](double q) { return all_lat[static_cast<std::size_t>(q * static_cast<double>(all_lat.size() - 1))]; };
    std::printf("AS2 signed+encrypted, signed sync MDN, %d clients: %d messages in %.2f s = %.0f msg/s; p50 %.1f ms, p99 %.1f ms\n", clients,
                messages, seconds, messages / seconds, pct(0.5), pct(0.99));
    return 0;
}
