// Exact decimal numbers for X12 R (explicit decimal) and Nn (implied decimal)
// values: quantities, prices, amounts. Never binary floating point.
//
// A decimal is a signed 64-bit coefficient and a scale (digits after the
// point), so "4.25" is {425, 2}. Up to 18 significant digits, which covers
// every X12 numeric element (R is at most 1/18 digits in 004010 and 005010).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edigw::x12 {

class decimal {
public:
    constexpr decimal() noexcept = default;
    constexpr decimal(std::int64_t coefficient, std::uint8_t scale) noexcept : coef_(coefficient), scale_(scale) {}

    // An R value: optional '-', digits, optional '.', digits ("-1.5", ".5", "15.").
    // Exponent notation is not accepted in 004010/005010.
    static std::optional<decimal> parse_r(std::string_view s) noexcept;
    // An Nn value: optional '-', digits only, n implied decimal places (N2 "1500" = 15.00).
    static std::optional<decimal> parse_n(std::string_view s, unsigned implied) noexcept;

    std::int64_t coefficient() const noexcept { return coef_; }
    unsigned scale() const noexcept { return scale_; }

    // "4.25", "-0.5", "30": the scale is kept ("15.00" stays "15.00").
    std::string to_string() const;
    // As an R element: no trailing zeros after the point, no point for integers ("15.00" -> "15").
    std::string to_r() const;
    // As an Nn element: scaled to n places and rounded half away from zero ("147.5", 2 -> "14750").
    std::string to_n(unsigned implied) const;

    decimal rescaled(unsigned scale) const noexcept; // rounds half away from zero when reducing
    decimal abs() const noexcept { return {coef_ < 0 ? -coef_ : coef_, scale_}; }

    friend decimal operator+(decimal a, decimal b) noexcept;
    friend decimal operator-(decimal a, decimal b) noexcept;
    friend decimal operator*(decimal a, decimal b) noexcept;
    friend std::strong_ordering operator<=>(decimal a, decimal b) noexcept;
    friend bool operator==(decimal a, decimal b) noexcept { return (a <=> b) == 0; }

private:
    std::int64_t coef_ = 0;
    std::uint8_t scale_ = 0;
};

} // namespace edigw::x12
