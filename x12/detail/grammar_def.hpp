// Rule definitions of the X12 segment grammar. Include only from grammar.cpp.
#pragma once

#include "x12/detail/grammar.hpp"

#include <boost/spirit/home/x3.hpp>

#include <functional>

namespace edigw::x12::detail::grammar {

namespace x3 = boost::spirit::x3;

struct table_tag;   // context key: scan_table const&
struct output_tag;  // context key: std::vector<std::string_view>&
struct sep_tag;     // context key: char (for split_by)

// A run of data bytes (possibly empty). Always succeeds: an empty element is
// an element. The loop is the hot path of the whole parser: one table lookup
// per byte and nothing else.
struct field_parser : x3::parser<field_parser> {
    using attribute_type = x3::unused_type;
    static bool const has_attribute = false;

    template <typename It, typename Ctx, typename RCtx, typename Attr>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr&) const
    {
        auto const& cls = x3::get<table_tag>(ctx).get().cls;
        It it = first;
        while (it != last && cls[static_cast<std::uint8_t>(*it)] == data) ++it;
        first = it;
        return true;
    }
};

// One byte of the given class.
template <std::uint8_t Class>
struct class_char : x3::parser<class_char<Class>> {
    using attribute_type = x3::unused_type;
    static bool const has_attribute = false;

    template <typename It, typename Ctx, typename RCtx, typename Attr>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr&) const
    {
        auto const& cls = x3::get<table_tag>(ctx).get().cls;
        if (first == last || cls[static_cast<std::uint8_t>(*first)] != Class) return false;
        ++first;
        return true;
    }
};

// Bytes up to a run-time separator (for components and repetitions).
struct piece_parser : x3::parser<piece_parser> {
    using attribute_type = x3::unused_type;
    static bool const has_attribute = false;

    template <typename It, typename Ctx, typename RCtx, typename Attr>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr&) const
    {
        char const sep = x3::get<sep_tag>(ctx);
        It it = first;
        while (it != last && *it != sep) ++it;
        first = it;
        return true;
    }
};

struct sep_parser : x3::parser<sep_parser> {
    using attribute_type = x3::unused_type;
    static bool const has_attribute = false;

    template <typename It, typename Ctx, typename RCtx, typename Attr>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr&) const
    {
        if (first == last || *first != x3::get<sep_tag>(ctx)) return false;
        ++first;
        return true;
    }
};

field_parser const field{};
class_char<element_sep> const element_separator{};
piece_parser const piece{};
sep_parser const separator{};

// Appends the matched text to the output vector in the context.
struct push_view {
    template <typename Ctx>
    void operator()(Ctx& ctx) const
    {
        auto const& range = x3::_attr(ctx);
        auto& out = x3::get<output_tag>(ctx).get();
        out.emplace_back(&*range.begin(), static_cast<std::size_t>(range.end() - range.begin()));
    }
};

// x3::raw over an empty range cannot dereference begin() safely at the end of
// a buffer, so the action takes the pointers from the range directly.
struct push_range {
    template <typename Ctx>
    void operator()(Ctx& ctx) const
    {
        auto const& range = x3::_attr(ctx);
        auto& out = x3::get<output_tag>(ctx).get();
        char const* b = range.begin();
        out.emplace_back(b, static_cast<std::size_t>(range.end() - b));
    }
};

auto const tag = x3::raw[field][push_range{}];
auto const element = x3::raw[field][push_range{}];
auto const segment = tag >> *(element_separator >> element);

auto const component = x3::raw[piece][push_range{}];
auto const pieces = component % separator;

} // namespace edigw::x12::detail::grammar
