#include "x12/decimal.hpp"

#include <algorithm>
#include <cstdlib>

namespace edigw::x12 {
namespace {

constexpr std::int64_t pow10(unsigned n) noexcept
{
    std::int64_t p = 1;
    while (n--) p *= 10;
    return p;
}

// Brings both to the larger scale (values stay exact: at most 18 digits in X12).
void align(decimal& a, decimal& b) noexcept
{
    unsigned s = std::max(a.scale(), b.scale());
    a = a.rescaled(s);
    b = b.rescaled(s);
}

} // namespace

std::optional<decimal> decimal::parse_r(std::string_view s) noexcept
{
    bool neg = false;
    if (!s.empty() && s.front() == '-') { neg = true; s.remove_prefix(1); }
    std::int64_t coef = 0;
    unsigned scale = 0, digits = 0;
    bool point = false;
    for (char c : s) {
        if (c == '.') {
            if (point) return std::nullopt;
            point = true;
            continue;
        }
        if (c < '0' || c > '9') return std::nullopt;
        if (++digits > 18) return std::nullopt;
        coef = coef * 10 + (c - '0');
        if (point) ++scale;
    }
    if (digits == 0) return std::nullopt;
    return decimal(neg ? -coef : coef, static_cast<std::uint8_t>(scale));
}

std::optional<decimal> decimal::parse_n(std::string_view s, unsigned implied) noexcept
{
    if (s.find('.') != std::string_view::npos || implied > 9) return std::nullopt;
    auto d = parse_r(s);
    if (!d) return std::nullopt;
    return decimal(d->coef_, static_cast<std::uint8_t>(implied));
}

decimal decimal::rescaled(unsigned scale) const noexcept
{
    if (scale == scale_) return *this;
    if (scale > scale_) return {coef_ * pow10(scale - scale_), static_cast<std::uint8_t>(scale)};
    std::int64_t div = pow10(scale_ - scale);
    std::int64_t q = coef_ / div, r = coef_ % div;
    if (std::llabs(r) * 2 >= div) q += coef_ < 0 ? -1 : 1;
    return {q, static_cast<std::uint8_t>(scale)};
}

std::string decimal::to_string() const
{
    std::string digits = std::to_string(coef_ < 0 ? -coef_ : coef_);
    if (scale_ > 0) {
        if (digits.size() <= scale_) digits.insert(0, scale_ - digits.size() + 1, '0');
        digits.insert(digits.size() - scale_, 1, '.');
    }
    return coef_ < 0 ? "-" + digits : digits;
}

std::string decimal::to_r() const
{
    std::string s = to_string();
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    return s == "-0" ? "0" : s;
}

std::string decimal::to_n(unsigned implied) const
{
    return std::to_string(rescaled(implied).coef_);
}

decimal operator+(decimal a, decimal b) noexcept
{
    align(a, b);
    return {a.coef_ + b.coef_, a.scale_};
}

decimal operator-(decimal a, decimal b) noexcept
{
    align(a, b);
    return {a.coef_ - b.coef_, a.scale_};
}

decimal operator*(decimal a, decimal b) noexcept
{
    __int128 c = static_cast<__int128>(a.coef_) * b.coef_;
    unsigned s = a.scale_ + b.scale_;
    // Keep the product within 64 bits by dropping scale beyond what is needed.
    while (s > 0 && (c > INT64_MAX || c < INT64_MIN || s > 18)) {
        __int128 r = c % 10;
        c /= 10;
        if (r >= 5) ++c; else if (r <= -5) --c;
        --s;
    }
    return {static_cast<std::int64_t>(c), static_cast<std::uint8_t>(s)};
}

std::strong_ordering operator<=>(decimal a, decimal b) noexcept
{
    align(a, b);
    return a.coef_ <=> b.coef_;
}

} // namespace edigw::x12
