// Small text helpers shared inside x12/: trimming, counts, X12 dates and times.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace edigw::x12::detail {

inline std::string_view trim_right(std::string_view s) noexcept
{
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

inline std::string_view trim(std::string_view s) noexcept
{
    s = trim_right(s);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return s;
}

inline bool all_digits(std::string_view s) noexcept
{
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// An N0 count such as SE01 ("31" or zero-padded "0000000031").
inline std::optional<std::uint64_t> parse_count(std::string_view s) noexcept
{
    if (!all_digits(s) || s.size() > 18) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) v = v * 10 + static_cast<std::uint64_t>(c - '0');
    return v;
}

inline int two(std::string_view s, std::size_t at) noexcept { return (s[at] - '0') * 10 + (s[at + 1] - '0'); }

inline bool leap(int y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

inline bool valid_ymd(int y, int m, int d) noexcept
{
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1) return false;
    return d <= days[m - 1] + (m == 2 && leap(y) ? 1 : 0);
}

// YYMMDD or CCYYMMDD. Two-digit years follow the usual X12 window: 00-49 are 20xx.
inline bool valid_date(std::string_view s) noexcept
{
    if (!all_digits(s)) return false;
    if (s.size() == 6) {
        int yy = two(s, 0);
        return valid_ymd(yy < 50 ? 2000 + yy : 1900 + yy, two(s, 2), two(s, 4));
    }
    if (s.size() == 8) return valid_ymd(two(s, 0) * 100 + two(s, 2), two(s, 4), two(s, 6));
    return false;
}

// HHMM, HHMMSS, HHMMSSD or HHMMSSDD.
inline bool valid_time(std::string_view s) noexcept
{
    if (!all_digits(s) || s.size() < 4 || s.size() > 8 || s.size() == 5) return false;
    if (two(s, 0) > 23 || two(s, 2) > 59) return false;
    if (s.size() >= 6 && two(s, 4) > 59) return false;
    return true;
}

} // namespace edigw::x12::detail
