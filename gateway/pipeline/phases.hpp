// Where a file's time went: its steps in order, with the milliseconds each
// took. The service puts them in its "file.received" event, so that an
// operator looking at a slow file sees whether the parse, the log or the
// answers took the time, and the benchmarks print them beside the total.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace edigw::pipeline {

class phases {
public:
    using clock = std::chrono::steady_clock;

    // The step that ends now, timed from the end of the previous one (or
    // from construction).
    void lap(char const* name)
    {
        auto const now = clock::now();
        items_.push_back({name, std::chrono::duration<double, std::milli>(now - last_).count()});
        last_ = now;
    }
    // Another record's steps, under `prefix` ("855." for the answers'); the
    // clock goes on from now.
    void add(phases const& other, std::string const& prefix = {})
    {
        for (auto const& [n, ms] : other.items_) items_.push_back({prefix + n, ms});
        last_ = clock::now();
    }

    // "read=1.2 analyse=250.4 ..." (milliseconds, one decimal).
    std::string text() const
    {
        std::string out;
        char b[32];
        for (auto const& [n, ms] : items_) {
            std::snprintf(b, sizeof b, "=%.1f", ms);
            out += (out.empty() ? "" : " ") + n + b;
        }
        return out;
    }

private:
    struct item {
        std::string name;
        double ms;
    };
    std::vector<item> items_;
    clock::time_point last_ = clock::now();
};

} // namespace edigw::pipeline
