// Rule definitions of the X12 segment grammar. Include only from grammar.cpp.
#pragma once

#include "x12/detail/grammar.hpp"

#include <boost/spirit/home/x3.hpp>

#include <functional>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace edigw::x12::detail::grammar {

namespace x3 = boost::spirit::x3;

struct table_tag;   // context key: scan_table const&
struct output_tag;  // context key: std::vector<std::string_view>&
struct sep_tag;     // context key: char (for split_by)
struct cursor_tag;  // context key: block_cursor& (vectorised field scan)

// The last 16-byte block compared against the stop bytes, and which of its
// bytes are stops. Lives for one scan_segment call.
struct block_cursor {
    char const* block = nullptr; // compared as an address only
    unsigned mask = 0;
};

// A run of data bytes (possibly empty), appended as a view to the output
// vector in the context. Always succeeds: an empty element is an element.
// This is the hot path of the whole parser, so it appends the view itself
// rather than through raw[] and a semantic action (measured with callgrind:
// the action call was a fifth of all instructions of the parse).
struct field_parser : x3::parser<field_parser> {
    using attribute_type = x3::unused_type;
    static bool const has_attribute = false;

    template <typename Ctx>
    static char const* find_stop(char const* it, char const* last, Ctx const& ctx)
    {
        auto const& table = x3::get<table_tag>(ctx).get();
#if defined(__SSE2__)
        // Fields are short (4 bytes on average) and of varying length, so a
        // byte loop mispredicts its exit on nearly every field. Instead one
        // 16-byte block is compared against the four stop bytes at once and
        // the resulting bit mask is kept in the cursor: the next fields of the
        // same block are found with a shift and a count of trailing zeros.
        auto& cur = x3::get<cursor_tag>(ctx).get();
        for (;;) {
            // One unsigned compare: addresses below the block wrap to large values.
            auto const off = reinterpret_cast<std::uintptr_t>(it) - reinterpret_cast<std::uintptr_t>(cur.block);
            if (off < 16) {
                unsigned const m = cur.mask >> off;
                if (m != 0) return it + __builtin_ctz(m);
                it = cur.block + 16;
                continue;
            }
            if (last - it < 16) break;
            auto const* sv = reinterpret_cast<__m128i const*>(table.stop_vectors.data());
            __m128i const v = _mm_loadu_si128(reinterpret_cast<__m128i const*>(it));
            __m128i const hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_load_si128(sv)),
                                                          _mm_cmpeq_epi8(v, _mm_load_si128(sv + 1))),
                                             _mm_or_si128(_mm_cmpeq_epi8(v, _mm_load_si128(sv + 2)),
                                                          _mm_cmpeq_epi8(v, _mm_load_si128(sv + 3))));
            cur.block = it;
            cur.mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
        }
#endif
        auto const& cls = table.cls;
        while (it != last && cls[static_cast<std::uint8_t>(*it)] == data) ++it;
        return it;
    }

    template <typename Ctx, typename RCtx, typename Attr>
    bool parse(char const*& first, char const* const& last, Ctx const& ctx, RCtx&, Attr&) const
    {
        char const* const end = find_stop(first, last, ctx);
        x3::get<output_tag>(ctx).get().emplace_back(first, static_cast<std::size_t>(end - first));
        first = end;
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

auto const tag = field;
auto const element = field;
auto const segment = tag >> *(element_separator >> element);

auto const component = x3::raw[piece][push_range{}];
auto const pieces = component % separator;

} // namespace edigw::x12::detail::grammar
