// The X12 template language: a template lists the segments of one
// transaction set (ST and SE, the group and the interchange are the writer's
// job) with placeholders bound to data: JSON (Boost.JSON values), or a typed
// view that answers the same names (see `data_source`):
//
//   # comment
//   BAK*00*{decision.bak02}*{order.po_number|trunc:22}*{order.order_date|date8}
//   {for line in order.lines}
//   PO1*{line.line_id}*{line.quantity|r}*{line.uom}*{line.unit_price|r}
//   {for a in line.acks}
//   ACK*{a.status}*{a.quantity|r}*{a.uom}*{if a.date}068{end}*{a.date|date8}
//   {end}
//   {end}
//   {if order.currency}
//   CUR*SE*{order.currency}
//   {end}
//   CTT*{order.lines|count}*{order.lines|sum:quantity|r}
//
// Elements are separated by '*', components by ':' and repetitions by '^' in
// the template; the writer uses the partner's delimiters. A literal '*', ':',
// '^', '{', '}' or '\' is written '\*' etc. Blocks ({for}, {if}/{else}, {end})
// stand on lines of their own; an inline {if x}text{end} is allowed inside an
// element. Filters, applied left to right:
//   date8 date6     ISO date (2024-03-15) -> CCYYMMDD / YYMMDD
//   time4 time6     ISO time (09:30[:15]) -> HHMM / HHMMSS
//   r               an R number: no trailing zeros, no point for integers
//   n0 .. n9        an implied-decimal number (n2: 147.5 -> 14750)
//   pad:N trunc:N   left-justify with blanks to N / cut to N characters
//   zpad:N          right-justify with zeros to N digits
//   fit             cut to the dictionary's maximum length of this element,
//                   and pad to its minimum (numbers with zeros, text with blanks)
//   upper           upper case
//   default:X       X when the value is empty
//   map:TABLE       translate through a table declared with
//                   {table TABLE FROM=TO FROM=TO ...} (unmatched values pass)
//   count           the number of items of an array
//   sum:FIELD       the exact decimal sum of FIELD over an array
//   first           the first item of an array
// A segment all of whose elements render empty is not written.
//
// A template is compiled once (parse errors name the file, line, column and
// what was expected) and rendered many times. Threading: a compiled template
// is immutable; render() may run on several threads at once.
#pragma once

#include "x12/dictionary.hpp"

#include <boost/json/value.hpp>

#include "x12/decimal.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace edigw::mappings {

// ---- what a template reads -----------------------------------------------------------
//
// A tree of objects, lists and scalars, as JSON has. A JSON value is one such
// tree; a caller can give its own, a typed view over structures it already
// holds, which costs nothing to build (the data of a batch of 855s, built as
// JSON, cost more than rendering them). A view must answer exactly as the JSON
// form of the same data would: tests compare the two.
class data_source;
enum class data_kind : std::uint8_t { null, scalar, list, object };

// One node of such a tree: which source answers for it, and the source's own
// handle (a pointer and a number: an item's index, a variant's tag). A
// default datum is nothing (a missing member).
struct datum {
    data_source const* src = nullptr;
    void const* p = nullptr;
    std::size_t n = 0;

    explicit operator bool() const noexcept { return src != nullptr; }

    // Asked of its own source (nothing answers as null, "", false, no member, no item).
    data_kind kind() const;
    std::string scalar() const;
    bool truthy() const;
    datum member(std::string_view name) const;
    std::size_t size() const;
    datum item(std::size_t i) const;
    x12::decimal const* decimal() const; // see data_source::decimal

    // Ready-made nodes over values the caller keeps alive while it renders.
    static datum null() noexcept;                             // a JSON null
    static datum json(boost::json::value const& v) noexcept;
    static datum text(std::string const& s) noexcept;         // a JSON string, even when empty
    static datum text_or_null(std::string const& s) noexcept; // null when empty, as the JSON forms write it
    static datum number(x12::decimal const& d) noexcept;      // its exact string, as the JSON forms write decimals
    static datum number_or_null(std::optional<x12::decimal> const& d) noexcept;
    static datum index(std::size_t k) noexcept;               // a loop's NAME_index: an integer
};

class data_source {
public:
    virtual ~data_source() = default;
    virtual data_kind kind(datum const& d) const = 0;
    // The text of a scalar (a JSON number or boolean as JSON writes it); empty for the rest.
    virtual std::string scalar(datum const& d) const = 0;
    // JSON's idea of true: not null, false, zero, "", [] or {}.
    virtual bool truthy(datum const& d) const = 0;
    // An object's member; nothing when absent or not an object.
    virtual datum member(datum const& d, std::string_view name) const = 0;
    // A list's size and items; 0 when not a list.
    virtual std::size_t size(datum const& d) const = 0;
    virtual datum item(datum const& d, std::size_t i) const = 0;
    // The decimal a scalar holds as such (not as text), for the number
    // filters to format without a trip through its text; null otherwise.
    virtual x12::decimal const* decimal(datum const&) const { return nullptr; }
};

inline data_kind datum::kind() const { return src ? src->kind(*this) : data_kind::null; }
inline std::string datum::scalar() const { return src ? src->scalar(*this) : std::string(); }
inline bool datum::truthy() const { return src && src->truthy(*this); }
inline datum datum::member(std::string_view name) const { return src ? src->member(*this, name) : datum{}; }
inline std::size_t datum::size() const { return src ? src->size(*this) : 0; }
inline datum datum::item(std::size_t i) const { return src ? src->item(*this, i) : datum{}; }
inline x12::decimal const* datum::decimal() const { return src ? src->decimal(*this) : nullptr; }

struct template_error {
    std::string file;
    std::uint32_t line = 0, column = 0;
    std::string message;
    std::string what() const;
};

// One rendered segment: its tag and elements. Inside an element, components
// are separated by component_mark and repetitions by repetition_mark (control
// characters no rendered value may hold), so the writer can join them with
// the partner's delimiters, and refuse data that holds a delimiter, without a
// nest of vectors per segment.
inline constexpr char component_mark = '\x1F';
inline constexpr char repetition_mark = '\x1E';

struct rendered_segment {
    std::string tag;
    std::vector<std::string> elements;
    std::uint32_t template_line = 0;
};

class compiled_template {
public:
    // Compiles template text; null and `err` filled when it is wrong.
    static std::shared_ptr<compiled_template const> compile(std::string_view text, std::string file, template_error& err);
    static std::shared_ptr<compiled_template const> load(std::filesystem::path const& file, template_error& err);

    // Renders the segments between ST and SE. `dict` (may be null) serves `fit`.
    // Returns false with `err` (template line, what) when the data does not fit
    // (a filter given a value it cannot format).
    bool render(datum const& data, x12::dictionary const* dict, std::vector<rendered_segment>& out, template_error& err) const;
    bool render(boost::json::value const& data, x12::dictionary const* dict, std::vector<rendered_segment>& out,
                template_error& err) const
    {
        return render(datum::json(data), dict, out, err);
    }

    std::string const& file() const noexcept { return file_; }
    std::string const& set_id() const noexcept { return set_id_; } // from an optional {set 855} header

    struct node;
    struct impl;

private:
    std::string file_, set_id_;
    std::shared_ptr<impl const> impl_;
};

} // namespace edigw::mappings
