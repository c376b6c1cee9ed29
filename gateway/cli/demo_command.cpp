// `edigw demo`: the whole gateway from nothing, on this machine. It makes a
// data directory, gives the example partners their transports (acme: a drop
// folder; buyerco: AS2 with freshly made keys, and BuyerCo's own AS2 server,
// a second edigw, to receive our answers and acknowledge our 855s), starts
// the gateway, sends every sample the way its partner would, emits an 856 and
// an 810, waits until everything is answered, and prints the transmission
// log, the rejected-document report and the KPIs.
// With --serve it keeps running for the dashboard.
#include "gateway/cli/commands.hpp"

#include "gateway/log/store.hpp"
#include "gateway/service/service.hpp"
#include "gateway/transport/as2_client.hpp"
#include "x12/document.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <openssl/rand.h>

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <sys/wait.h>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace edigw::cli {

namespace fs = std::filesystem;

namespace {

std::uint16_t free_port()
{
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

std::string slurp(fs::path const& f)
{
    std::ifstream in(f, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The profile as shipped, up to its transports, then the demo's own.
bool write_profile(fs::path const& from_dir, std::string const& id, fs::path const& to_dir, std::string const& transports,
                   std::string const& swap_from = {}, std::string const& swap_to = {})
{
    std::string t = slurp(from_dir / (id + ".toml"));
    if (t.empty()) return false;
    t = t.substr(0, t.find("[transport"));
    std::error_code ec;
    fs::copy(from_dir / id, to_dir / (swap_to.empty() ? id : swap_to), fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    if (!swap_from.empty()) {
        // BuyerCo's view of us: the ISA and GS ids the other way round.
        auto replace_all = [&](std::string const& a, std::string const& b) {
            for (auto at = t.find(a); at != std::string::npos; at = t.find(a, at + b.size())) t.replace(at, a.size(), b);
        };
        replace_all("BUYERID", "\x01");
        replace_all("SELLERID", "BUYERID");
        replace_all("\x01", "SELLERID");
        replace_all(id + "/", swap_to + "/");
    }
    std::ofstream(to_dir / ((swap_to.empty() ? id : swap_to) + ".toml")) << t << transports;
    return true;
}

std::string shell(std::string const& cmd)
{
    std::string out;
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
        char b[512];
        std::size_t n;
        while ((n = std::fread(b, 1, sizeof b, p)) > 0) out.append(b, n);
        ::pclose(p);
    }
    return out;
}

// A local OpenSSH sshd standing in for Acme's SFTP server (127.0.0.1, its own
// host key, our key authorised), when the machine has one. Stopped with the demo.
struct local_sftp {
    pid_t pid = -1;
    std::uint16_t port = 0;
    std::string fingerprint, user;
    fs::path dir;

    bool start(fs::path const& at)
    {
        if (!fs::exists("/usr/sbin/sshd") || shell("command -v ssh-keygen").empty()) return false;
        dir = fs::absolute(at);
        for (char const* d : {"remote/outbox", "remote/inbox", "remote/archive"}) fs::create_directories(dir / d);
        std::error_code ec;
        fs::create_directories("/run/sshd", ec); // sshd's privilege separation directory
        shell("ssh-keygen -q -t ed25519 -N '' -f '" + (dir / "host_key").string() + "' 2>&1");
        shell("ssh-keygen -q -t ed25519 -N '' -C 'edigw demo' -f '" + (dir / "our_key").string() + "' 2>&1");
        fs::copy_file(dir / "our_key.pub", dir / "authorized_keys", fs::copy_options::overwrite_existing, ec);
        std::string fp = shell("ssh-keygen -l -E sha256 -f '" + (dir / "host_key.pub").string() + "'");
        auto a = fp.find("SHA256:");
        if (a == std::string::npos) return false;
        fingerprint = fp.substr(a, fp.find(' ', a) - a);
        user = shell("id -un");
        while (!user.empty() && user.back() == '\n') user.pop_back();
        port = free_port();
        std::ofstream(dir / "sshd_config") << "Port " << port << "\nListenAddress 127.0.0.1\nHostKey " << (dir / "host_key").string()
                                           << "\nPidFile " << (dir / "sshd.pid").string() << "\nAuthorizedKeysFile "
                                           << (dir / "authorized_keys").string()
                                           << "\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                                              "UsePAM no\nStrictModes no\nSubsystem sftp internal-sftp\n";
        pid = ::fork();
        if (pid == 0) {
            int fd = ::open((dir / "sshd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            ::dup2(fd, 2);
            ::dup2(fd, 1);
            ::execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", (dir / "sshd_config").c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        for (int i = 0; i < 60; ++i) {
            boost::asio::io_context ioc;
            boost::asio::ip::tcp::socket sock(ioc);
            boost::system::error_code e;
            sock.connect({boost::asio::ip::make_address("127.0.0.1"), port}, e);
            if (!e) return true;
            int st = 0;
            if (::waitpid(pid, &st, WNOHANG) == pid) { // it could not start (not root, say)
                pid = -1;
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        stop();
        return false;
    }
    void stop()
    {
        if (pid > 0) {
            ::kill(pid, SIGTERM);
            ::waitpid(pid, nullptr, 0);
            pid = -1;
        }
    }
    ~local_sftp() { stop(); }
};

std::string random_token()
{
    unsigned char r[18];
    RAND_bytes(r, sizeof r);
    return transport::as2::base64(std::string_view(reinterpret_cast<char*>(r), sizeof r), false);
}

int run_cli(int (*cmd)(int, char**, std::ostream&, std::ostream&), std::vector<std::string> args, std::ostream& out, std::ostream& err)
{
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return cmd(static_cast<int>(argv.size()), argv.data(), out, err);
}

} // namespace

int demo_command(int argc, char** argv, std::ostream& out, std::ostream& err)
{
    fs::path dir = "var/demo";
    bool serve = false;
    std::uint16_t admin_port = 0;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--help" || a == "-h") {
            out << "usage: edigw demo [--dir DIR] [--serve] [--admin-port N]\n\n"
                   "The gateway from nothing: makes DIR (default var/demo; a previous demo there is\n"
                   "replaced), gives the example partners transports (acme: SFTP to a local sshd, or a\n"
                   "drop folder without one; buyerco: AS2\n"
                   "with new keys, and BuyerCo's own AS2 server to receive our answers), starts the\n"
                   "gateway, sends every sample the way its partner would, waits until all is answered\n"
                   "and prints the transmission log, the rejected-document report and the KPIs.\n"
                   "--serve keeps the gateway running afterwards for the dashboard (Ctrl-C stops it).\n"
                   "The admin token is written to DIR/admin-token (0600), never printed.\n";
            return 0;
        }
        if (a == "--dir" && i + 1 < argc) dir = argv[++i];
        else if (a == "--serve") serve = true;
        else if (a == "--admin-port" && i + 1 < argc) admin_port = static_cast<std::uint16_t>(std::strtoul(argv[++i], nullptr, 10));
        else {
            err << "edigw demo: unknown argument '" << a << "' (see --help)\n";
            return 2;
        }
    }
    fs::path const source = partners::default_partners_dir();
    fs::path const samples = source.parent_path() / "samples";
    if (!fs::exists(source / "acme.toml") || !fs::is_directory(samples)) {
        err << "edigw demo: the example partners and samples are not found next to " << source.string()
            << " (run it from the source tree)\n";
        return 2;
    }
    std::error_code ec;
    if (fs::exists(dir) && !fs::exists(dir / ".edigw-demo")) {
        err << "edigw demo: " << dir.string() << " exists and is not a demo directory; refusing to replace it\n";
        return 2;
    }
    fs::remove_all(dir, ec);
    fs::create_directories(dir / "keys");
    std::ofstream(dir / ".edigw-demo") << "made by edigw demo; replaced by the next one\n";
    out << "edigw demo in " << dir.string() << "\n";

    // Keys: ours, BuyerCo's.
    std::string e;
    for (char const* who : {"sellerco", "buyerco"})
        if (!transport::as2::make_self_signed(std::string(who) + " (edigw demo)", dir / "keys" / (std::string(who) + "-key.pem"),
                                              dir / "keys" / (std::string(who) + "-cert.pem"), 30, e)) {
            err << "edigw demo: " << e << '\n';
            return 2;
        }
    auto keyf = [&](std::string const& n) { return fs::absolute(dir / "keys" / n).string(); };
    std::uint16_t const our_as2 = free_port(), their_as2 = free_port();
    if (!admin_port) admin_port = free_port();

    // Our partners, with the demo's transports.
    fs::path const ours = dir / "partners";
    fs::create_directories(ours);
    // Acme over SFTP when this machine has OpenSSH's sshd, else over a drop folder.
    local_sftp sftp;
    bool const over_sftp = sftp.start(dir / "acme-sftp");
    bool ok = write_profile(source, "acme", ours,
                            over_sftp ? "[transport.sftp]\nhost = \"127.0.0.1\"\nport = " + std::to_string(sftp.port) + "\nuser = \"" + sftp.user
                                            + "\"\nprivate_key = \"" + (sftp.dir / "our_key").string() + "\"\nhost_key_sha256 = \""
                                            + sftp.fingerprint + "\"\ninbound_dir = \"" + (sftp.dir / "remote" / "outbox").string()
                                            + "\"\noutbound_dir = \"" + (sftp.dir / "remote" / "inbox").string()
                                            + "\"\npattern = \"*.x12\"\npoll_seconds = 1\nafter_download = \"move\"\nmove_to = \""
                                            + (sftp.dir / "remote" / "archive").string() + "\"\n"
                                      : std::string("[transport.folder]\ninbound = \"../drop/acme/in\"\noutbound = \"../drop/acme/out\"\n"));
    ok = ok && write_profile(source, "buyerco", ours,
                             "[transport.as2]\ntheir_as2_id = \"BUYERCO\"\nour_as2_id = \"SELLERCO\"\nurl = \"http://127.0.0.1:"
                                 + std::to_string(their_as2) + "/as2\"\ntheir_certificate = \"" + keyf("buyerco-cert.pem")
                                 + "\"\nour_certificate = \"" + keyf("sellerco-cert.pem") + "\"\nour_private_key = \""
                                 + keyf("sellerco-key.pem") + "\"\n");
    // BuyerCo's side: its own gateway, knowing us as its partner "sellerco".
    fs::path const theirs = dir / "buyerco-side" / "partners";
    fs::create_directories(theirs);
    ok = ok && write_profile(source, "buyerco", theirs,
                             "[transport.as2]\ntheir_as2_id = \"SELLERCO\"\nour_as2_id = \"BUYERCO\"\nurl = \"http://127.0.0.1:"
                                 + std::to_string(our_as2) + "/as2\"\ntheir_certificate = \"" + keyf("sellerco-cert.pem") + "\"\nour_certificate = \"" + keyf("buyerco-cert.pem")
                                 + "\"\nour_private_key = \"" + keyf("buyerco-key.pem") + "\"\n",
                             "buyerco", "sellerco");
    std::vector<partners::profile> our_profiles, their_profiles;
    partners::profile_error pe;
    if (!ok || !partners::load_profiles(ours, our_profiles, pe) || !partners::load_profiles(theirs, their_profiles, pe)) {
        err << "edigw demo: cannot make the demo partners: " << pe.what() << '\n';
        return 2;
    }

    std::string const token = random_token();
    {
        int fd = ::open((dir / "admin-token").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) {
            (void)!::write(fd, token.data(), token.size());
            ::close(fd);
        }
    }
    std::ofstream log_file(dir / "serve.log");
    std::mutex log_mu;
    auto log_to_file = [&](std::string const& line) {
        std::lock_guard lock(log_mu);
        log_file << line << std::endl;
    };

    service::config them;
    them.data_dir = dir / "buyerco-side" / "data";
    them.as2_port = their_as2;
    them.poll_ms = 200;
    service::gateway their_gateway(them, their_profiles);
    std::thread their_thread([&] { their_gateway.run([&](std::string const& l) { log_to_file("[buyerco's gateway] " + l); }); });

    service::config us;
    us.data_dir = dir / "data";
    us.as2_port = our_as2;
    us.admin_port = admin_port;
    us.admin_token = token;
    us.poll_ms = 200;
    us.received_date = "as-sent"; // each sample judged as of its own day (BuyerCo's are from 2024, Acme's from 2026)
    service::gateway our_gateway(us, our_profiles);
    std::thread our_thread([&] { our_gateway.run([&](std::string const& l) { log_to_file(l); }); });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    out << (over_sftp ? "Acme's SFTP server (OpenSSH sshd) on 127.0.0.1:" + std::to_string(sftp.port) + ", host key pinned\n"
                      : std::string("no sshd here: acme uses a drop folder\n"));
    out << "gateway up: AS2 on http://127.0.0.1:" << our_as2 << "/, admin on http://127.0.0.1:" << admin_port
        << "/; BuyerCo's AS2 server on http://127.0.0.1:" << their_as2 << "/; log in " << (dir / "serve.log").string() << "\n\n";

    // Every sample, the way its partner sends it.
    partners::as2_settings buyer;
    buyer.their_as2_id = "SELLERCO";
    buyer.our_as2_id = "BUYERCO";
    buyer.url = "http://127.0.0.1:" + std::to_string(our_as2) + "/as2";
    buyer.their_certificate = keyf("sellerco-cert.pem");
    buyer.our_certificate = keyf("buyerco-cert.pem");
    buyer.our_private_key = keyf("buyerco-key.pem");
    transport::as2::credentials buyer_keys;
    if (!transport::as2::load_credentials(buyer, "/", buyer_keys, e)) {
        err << "edigw demo: " << e << '\n';
        return 2;
    }
    std::vector<fs::path> files;
    for (auto const& f : fs::directory_iterator(samples))
        if (f.path().extension() == ".x12") files.push_back(f.path());
    std::sort(files.begin(), files.end());
    // The reference's story in its order: §6.1's original before §6.2, which repeats its PO.
    std::stable_partition(files.begin(), files.end(), [](fs::path const& f) { return f.filename().string().find("original") != std::string::npos; });
    std::size_t dropped = 0, posted = 0;
    for (auto const& f : files) {
        std::string const bytes = slurp(f);
        auto doc = x12::document::parse(bytes);
        std::string const sender = doc.interchanges().empty() ? "" : doc.interchanges()[0].sender_id;
        std::string const name = f.filename().string();
        if (sender == "5165550100") {
            // Written as Acme does: a dot name, then the rename.
            fs::path in = over_sftp ? sftp.dir / "remote" / "outbox" : ours.parent_path() / "drop" / "acme" / "in";
            fs::create_directories(in);
            std::ofstream(in / ("." + name), std::ios::binary) << bytes;
            fs::rename(in / ("." + name), in / name, ec);
            out << (over_sftp ? "  SFTP    acme     " : "  folder  acme     ") << name
                << (over_sftp ? "  on Acme's SFTP server, to be fetched\n" : "  dropped into acme's inbound folder\n");
            ++dropped;
        } else if (sender == "BUYERID") {
            auto r = transport::as2::send(bytes, name, buyer, buyer_keys);
            out << "  AS2     buyerco  " << name << "  "
                << (r.delivered ? "signed + encrypted; MDN " + transport::as2::disposition_outcome(r.disposition) + ", MIC verified"
                                : "not delivered: " + r.error)
                << '\n';
            if (r.delivered) ++posted;
        } else {
            out << "  -       ?        " << name << "  (its sender " << sender << " is no partner of ours: not sent)\n";
        }
    }

    // Our own documents: each partner's ship notices and invoices from their
    // JSON samples, out over the partner's transport like the acks.
    std::vector<fs::path> ours_to_send;
    for (auto const& f : fs::directory_iterator(samples))
        if (f.path().extension() == ".json") ours_to_send.push_back(f.path());
    std::sort(ours_to_send.begin(), ours_to_send.end());
    for (auto const& f : ours_to_send) {
        std::string const file = f.filename().string();
        bool const shipment = file.rfind("shipment-", 0) == 0;
        std::string const partner = file.find("-acme-") != std::string::npos ? "acme" : "buyerco";
        std::string const kind = shipment ? "856" : "810";
        std::ostringstream quiet, why;
        int rc = run_cli(emit_command, {"emit", kind, "--partner", partner, shipment ? "--shipment" : "--invoice", f.string(), "--data",
                                        (dir / "data").string(), "--partners", ours.string()},
                         quiet, why);
        std::string const via = partner == "buyerco" ? "  AS2     " : over_sftp ? "  SFTP    " : "  folder  ";
        out << via << (partner == "acme" ? "acme     " : "buyerco  ") << kind << " from " << file << "  "
            << (rc == 0 ? "made, validated, queued for " + std::string(partner == "acme" ? "Acme" : "BuyerCo") : "not made: " + why.str())
            << '\n';
    }

    // Until every file is in the log and every answer has gone out.
    std::string serr;
    auto st = log::store::open(us.data_dir, serr);
    auto const until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool settled = false;
    while (st && std::chrono::steady_clock::now() < until) {
        // Acme's files taken, nothing of ours waiting to go, and BuyerCo's 999s back for our 855/856/810.
        log::sql::statement in(st->db(), "SELECT count(*) FROM transmissions WHERE direction = 'in' AND transport IN ('folder', 'sftp')");
        log::sql::statement waiting(st->db(), "SELECT count(*) FROM transmissions WHERE direction = 'out' AND status = 'ready'");
        log::sql::statement unacked(st->db(), "SELECT count(*) FROM groups WHERE direction = 'out' AND partner = 'buyerco' "
                                              "AND ack_expected = 1 AND ack_received_at IS NULL");
        if (in.step() && waiting.step() && unacked.step() && static_cast<std::size_t>(in.integer(0)) >= dropped && waiting.integer(0) == 0
            && unacked.integer(0) == 0) {
            settled = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    st.reset();
    std::size_t acme_answers = 0;
    for (auto const& f : fs::directory_iterator(over_sftp ? sftp.dir / "remote" / "inbox" : ours.parent_path() / "drop" / "acme" / "out", ec))
        if (f.is_regular_file() && f.path().filename().string()[0] != '.') ++acme_answers;
    out << "\n" << (settled ? "all answered" : "not everything was answered within 60 s (see serve.log)") << ": " << dropped
        << " file(s) from acme, " << acme_answers << (over_sftp ? " answer(s) uploaded to its SFTP server; " : " answer(s) in its outbound folder; ") << posted
        << " AS2 message(s) from buyerco, our answers and documents delivered to BuyerCo's gateway over AS2 and acknowledged (its log: "
        << (dir / "buyerco-side" / "data").string() << ")\n";

    std::string const data = (dir / "data").string();
    out << "\n== transmission log ==\n";
    run_cli(log_command, {"log", "--data", data, "--limit", "40"}, out, err);
    out << "\n== rejected documents ==\n";
    run_cli(report_command, {"report", "rejected", "--data", data}, out, err);
    out << "\n== KPIs ==\n";
    run_cli(kpi_command, {"kpi", "--data", data}, out, err);

    std::string const url = "http://127.0.0.1:" + std::to_string(admin_port) + "/";
    if (serve) {
        out << "\nDashboard: " << url << " (the token is in " << (dir / "admin-token").string() << "). Ctrl-C stops the gateway.\n"
            << std::flush;
        our_thread.join(); // until SIGINT/SIGTERM, which the gateway handles
        their_gateway.stop();
        their_thread.join();
        return settled ? 0 : 1;
    }
    our_gateway.stop();
    their_gateway.stop();
    our_thread.join();
    their_thread.join();
    out << "\nDashboard: `edigw demo --serve` keeps the gateway running at " << url
        << " (token in " << (dir / "admin-token").string() << "); or\n"
        << "  EDIGW_ADMIN_TOKEN=$(cat " << (dir / "admin-token").string() << ") edigw serve --data " << data << " --partners "
        << ours.string() << " --admin-port 8089\n";
    return settled ? 0 : 1;
}

} // namespace edigw::cli
