// Peak memory and throughput of a streamed parse of a generated file of at
// least 1 GB (size in MB as the first argument; default 1024). The file is
// written to a temporary path, parsed in a child process whose peak resident
// set is read with wait4, checked (every order seen, no diagnostics), removed.
#include "generator.hpp"
#include "mappings/map_850.hpp"
#include "x12/parser.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace edigw;

namespace {
struct sink : x12::handler {
    std::uint64_t orders = 0, bad = 0;
    std::vector<x12::diagnostic> diags;
    mappings::order o;
    void on_transaction_set(x12::transaction_set const& ts) override
    {
        if (!mappings::map_850(ts, o, diags) || o.po_number != "PO-" + std::to_string(orders)) ++bad;
        ++orders;
    }
    void on_diagnostic(x12::diagnostic const&) override { ++bad; }
};
} // namespace

int main(int argc, char** argv)
{
    double const mb = argc > 1 ? std::atof(argv[1]) : 1024;
    std::uint64_t const target = static_cast<std::uint64_t>(mb * 1024 * 1024);
    char path[] = "/tmp/edigw_bigfile_XXXXXX";
    int fd = ::mkstemp(path);
    if (fd < 0) return 2;
    // ~1.2 KB per order on average: pick N to pass the target size.
    std::uint64_t orders = target / 900 + 1; // ~950 bytes per generated order
    std::uint64_t written = 0;
    auto g = bench::generate(orders, [&](std::string const& s) {
        if (::write(fd, s.data(), s.size()) != static_cast<ssize_t>(s.size())) std::exit(2);
        written += s.size();
    });
    ::close(fd);
    std::printf("file: %.1f MB, %llu orders, %llu lines\n", written / 1048576.0, static_cast<unsigned long long>(g.orders),
                static_cast<unsigned long long>(g.lines));

    auto t0 = std::chrono::steady_clock::now();
    pid_t pid = ::fork();
    if (pid == 0) {
        int in = ::open(path, O_RDONLY);
        sink s;
        x12::parser p(s, {.keep_set_summaries = false});
        x12::parse_stats st;
        auto ec = p.parse([in](char* d, std::size_t n) -> std::ptrdiff_t { return ::read(in, d, n); }, st);
        bool ok = !ec && s.bad == 0 && s.orders == g.orders && st.errors == 0;
        std::_Exit(ok ? 0 : 1);
    }
    int status = 0;
    rusage ru{};
    ::wait4(pid, &status, 0, &ru);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ::unlink(path);
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    std::printf("streamed parse to canonical orders: %s, %.2f s, %.0f MB/s, peak RSS %.1f MB\n", ok ? "checked OK" : "WRONG RESULT",
                secs, written / 1048576.0 / secs, ru.ru_maxrss / 1024.0);
    return ok ? 0 : 1;
}
