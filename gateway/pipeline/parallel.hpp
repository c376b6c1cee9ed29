// Splitting pure, per-item work (building an order's 855 data, rendering a
// template) over a few threads for a large batch: a 10,000-order file is
// answered by one worker, and on a small machine the other cores would
// otherwise wait. Small batches stay on the calling thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace edigw::pipeline {

// Calls fn(begin, end, part) for `parts()` contiguous ranges covering [0, n),
// in parallel when n is large; returns when all are done. `fn` must not throw.
class parallel_ranges {
public:
    explicit parallel_ranges(std::size_t n, std::size_t min_per_part = 256) : n_(n)
    {
        std::size_t const hw = std::max<std::size_t>(1, std::thread::hardware_concurrency());
        parts_ = std::clamp<std::size_t>(n / std::max<std::size_t>(1, min_per_part), 1, std::min<std::size_t>(hw, 8));
    }
    std::size_t parts() const noexcept { return parts_; }

    template <class F>
    void run(F&& fn) const
    {
        auto range = [&](std::size_t k) { return std::pair{n_ * k / parts_, n_ * (k + 1) / parts_}; };
        if (parts_ == 1) {
            fn(std::size_t{0}, n_, std::size_t{0});
            return;
        }
        std::vector<std::thread> threads;
        threads.reserve(parts_ - 1);
        for (std::size_t k = 1; k < parts_; ++k)
            threads.emplace_back([&, k] {
                auto [b, e] = range(k);
                fn(b, e, k);
            });
        auto [b, e] = range(0);
        fn(b, e, std::size_t{0});
        for (auto& t : threads) t.join();
    }

private:
    std::size_t n_, parts_ = 1;
};

} // namespace edigw::pipeline
