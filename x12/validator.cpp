#include "x12/validator.hpp"

#include "x12/detail/text.hpp"

#include <algorithm>
#include <charconv>

namespace edigw::x12 {

bool parse_element_ref(std::string_view text, tightening::element_ref& out)
{
    // TAG (2-3 upper-case letters/digits) + 2 digits, optionally "-N" for a component.
    std::size_t tag_len = 0;
    while (tag_len < text.size() && tag_len < 3
           && ((text[tag_len] >= 'A' && text[tag_len] <= 'Z') || (tag_len > 0 && text[tag_len] >= '0' && text[tag_len] <= '9')))
        ++tag_len;
    // A 3-character tag ending in a digit (TA1, IK3) is ambiguous with TAG+digit;
    // the element number is always the last two digits before any '-'.
    std::size_t dash = text.find('-');
    std::string_view head = text.substr(0, dash);
    if (head.size() < 4 || head.size() > 5) return false;
    std::string_view tag = head.substr(0, head.size() - 2), num = head.substr(head.size() - 2);
    if (tag.size() < 2 || !(tag[0] >= 'A' && tag[0] <= 'Z')) return false;
    for (char c : tag)
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
    unsigned el = 0, comp = 0;
    if (std::from_chars(num.data(), num.data() + 2, el).ptr != num.data() + 2 || el == 0) return false;
    if (dash != std::string_view::npos) {
        std::string_view c = text.substr(dash + 1);
        if (c.empty() || std::from_chars(c.data(), c.data() + c.size(), comp).ptr != c.data() + c.size() || comp == 0)
            return false;
    }
    (void)tag_len;
    out.tag.assign(tag);
    out.element = static_cast<std::uint16_t>(el);
    out.component = static_cast<std::uint16_t>(comp);
    return true;
}

namespace {

std::string two(unsigned n) { return (n < 10 ? "0" : "") + std::to_string(n); }

std::string elem_name(std::string_view tag, unsigned el, unsigned comp = 0)
{
    std::string s = std::string(tag) + two(el);
    if (comp) s += "-" + std::to_string(comp);
    return s;
}

bool all_digits(std::string_view s) noexcept
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Digits of an R value (sign and decimal point excluded), or -1 when it is not a number.
int r_digits(std::string_view v) noexcept
{
    std::size_t i = 0;
    if (i < v.size() && v[i] == '-') ++i;
    int digits = 0;
    bool point = false;
    for (; i < v.size(); ++i) {
        if (v[i] >= '0' && v[i] <= '9') ++digits;
        else if (v[i] == '.' && !point) point = true;
        else return -1;
    }
    return digits > 0 ? digits : -1;
}

int n_digits(std::string_view v) noexcept
{
    if (!v.empty() && v[0] == '-') v.remove_prefix(1);
    return all_digits(v) ? static_cast<int>(v.size()) : -1;
}

struct frame {
    structure_node const* loop;
    std::size_t index;  // the child last matched
    std::uint32_t uses; // how often children[index] was used (segment uses or loop repeats)
};

bool contains_tag(structure_node const& n, std::string_view tag)
{
    if (!n.is_loop) return n.tag == tag;
    for (auto const& c : n.children)
        if (contains_tag(c, tag)) return true;
    return false;
}

std::string_view first_tag(structure_node const& n) { return n.is_loop ? n.children.front().tag : std::string_view(n.tag); }

class run {
public:
    run(validator const& v, dictionary const& d, std::vector<tightening> const& t, transaction_set const& ts,
        std::vector<diagnostic>& out)
        : v_(v), d_(d), tight_(t), ts_(ts), out_(out)
    {
        if (ts.interchange) {
            delims_ = ts.interchange->delimiters;
        }
        version_ = ts.group ? std::string_view(ts.group->version) : std::string_view(d.release());
        for (auto const& tt : tight_)
            if (tt.set_id.empty() || tt.set_id == ts.id) active_.push_back(&tt);
    }

    void go()
    {
        set_def const* def = d_.set(ts_.id);
        if (!def) {
            diagnostic d;
            d.code = error::set_not_supported;
            d.severity = severity::error;
            d.message = "transaction set " + std::string(ts_.id) + " is not defined in the X12 " + std::string(d_.release())
                        + " dictionary";
            if (!ts_.segments.empty()) place(d, ts_.segments.front(), 1);
            d.value.assign(ts_.id);
            out_.push_back(std::move(d));
            return;
        }
        std::vector<frame> stack{{&def->root, 0, 1}}; // ST matched
        std::vector<std::string_view> seen;
        if (!ts_.segments.empty()) elements(ts_.segments.front(), "");
        for (std::size_t i = 1; i < ts_.segments.size(); ++i) {
            segment const& s = ts_.segments[i];
            std::string_view tag = s.tag();
            std::string_view loop;
            if (match(stack, s, loop)) {
                elements(s, loop);
                if (!active_.empty()) seen.push_back(tag);
            }
        }
        for (auto const* tt : active_)
            for (auto const& req : tt->required_segments)
                if (std::find(seen.begin(), seen.end(), req) == seen.end() && !ts_.segments.empty()) {
                    auto const& last = ts_.segments.back();
                    diagnostic d = make(error::segment_impl_missing,
                                        "segment " + req + " is required by the partner's implementation guide but missing",
                                        last, "", 0);
                    d.where.tag = req;
                    out_.push_back(std::move(d));
                }
    }

private:
    // ---- structure -----------------------------------------------------------------

    bool match(std::vector<frame>& stack, segment const& s, std::string_view& loop_id)
    {
        std::string_view tag = s.tag();
        std::uint32_t const key = tag_key(tag);
        for (std::size_t depth = stack.size(); depth-- > 0;) {
            frame& f = stack[depth];
            auto const& kids = f.loop->children;
            bool const is_root = depth == 0;
            for (std::size_t i = std::max<std::size_t>(f.index, is_root ? 0 : 1); i < kids.size(); ++i) {
                auto const& c = kids[i];
                if (c.key != key) continue;
                // Found at this depth: the frames inside are finished.
                while (stack.size() > depth + 1) {
                    finish(stack.back(), s);
                    stack.pop_back();
                }
                if (i == f.index && f.uses > 0) {
                    ++f.uses;
                    if (c.max && f.uses > c.max) {
                        if (c.is_loop)
                            report(error::loop_over_max,
                                   "loop " + c.tag + " occurs " + std::to_string(f.uses) + " times; the set allows "
                                       + std::to_string(c.max),
                                   s, c.tag);
                        else
                            report(error::segment_over_max_use,
                                   "segment " + c.tag + " is used " + std::to_string(f.uses) + " times here; the set allows "
                                       + std::to_string(c.max),
                                   s, is_root ? "" : f.loop->tag);
                    }
                } else {
                    skipped(f, i, s);
                    f.index = i;
                    f.uses = 1;
                }
                if (c.is_loop) {
                    stack.push_back({&c, 0, 1});
                    loop_id = c.tag;
                } else {
                    loop_id = is_root ? std::string_view() : std::string_view(f.loop->tag);
                }
                return true;
            }
        }
        // Not reachable from here: say why.
        std::string_view cur_loop = stack.size() > 1 ? std::string_view(stack.back().loop->tag) : std::string_view();
        if (!valid_tag(tag)) return false; // the parser reported it (AK304 1)
        if (!d_.known_tag(tag)) {
            report(error::segment_unrecognized, "segment ID " + std::string(tag) + " is not an X12 " + std::string(d_.release()) + " segment",
                   s, cur_loop);
            return false;
        }
        set_def const* def = d_.set(ts_.id);
        if (!contains_tag(def->root, tag)) {
            report(error::segment_not_in_set,
                   "segment " + std::string(tag) + " is not part of transaction set " + std::string(ts_.id), s, cur_loop);
            return false;
        }
        for (auto const& f : stack)
            for (std::size_t i = 0; i < f.index && i < f.loop->children.size(); ++i)
                if (contains_tag(f.loop->children[i], tag)) {
                    report(error::segment_out_of_order,
                           "segment " + std::string(tag) + " is out of sequence: the set defines it earlier", s, cur_loop);
                    return false;
                }
        report(error::segment_unexpected,
               "segment " + std::string(tag) + " is not expected here (it belongs in a loop that is not open)", s, cur_loop);
        return false;
    }

    static bool valid_tag(std::string_view tag) noexcept
    {
        if (tag.size() < 2 || tag.size() > 3 || !(tag[0] >= 'A' && tag[0] <= 'Z')) return false;
        return std::all_of(tag.begin(), tag.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
    }

    // Children passed over between f.index and `to` (exclusive) must not be mandatory.
    void skipped(frame const& f, std::size_t to, segment const& at)
    {
        std::size_t from = f.index + (f.uses > 0 ? 1 : 0);
        for (std::size_t i = from; i < to; ++i)
            if (f.loop->children[i].mandatory) missing(f, f.loop->children[i], at);
    }

    void finish(frame const& f, segment const& at) { skipped(f, f.loop->children.size(), at); }

    void missing(frame const& f, structure_node const& c, segment const& at)
    {
        if (!c.mandatory) return;
        std::string_view tag = first_tag(c);
        std::string where = f.loop->tag.empty() || f.loop == &d_.set(ts_.id)->root ? std::string("the set")
                                                                                  : "loop " + f.loop->tag;
        diagnostic d = make(error::segment_mandatory_missing,
                            "mandatory segment " + std::string(tag) + " is missing from " + where + " (noticed at "
                                + std::string(at.tag()) + ")",
                            at, c.is_loop ? std::string_view(c.tag) : (f.loop == &d_.set(ts_.id)->root ? "" : std::string_view(f.loop->tag)), 0);
        d.where.tag.assign(tag);
        out_.push_back(std::move(d));
    }

    // ---- elements --------------------------------------------------------------------

    void elements(segment const& s, std::string_view loop)
    {
        segment_def const* def = d_.segment(s.tag());
        if (def) {
            auto const& defs = def->elements;
            for (std::size_t k = defs.size() + 1; k <= s.size(); ++k)
                if (!s.element(k).empty()) {
                    report_el(error::element_too_many,
                              "segment " + std::string(s.tag()) + " has " + std::to_string(s.size()) + " elements; "
                                  + std::to_string(defs.size()) + " are defined",
                              s, loop, static_cast<std::uint16_t>(k), 0, 0, s.element(k), "");
                    break;
                }
            for (auto const& e : defs) element(s, loop, e, s.element(e.position));
            notes(s, loop, def->notes, [&](std::uint16_t p) { return !s.element(p).empty(); }, 0, defs);
        }
        for (auto const* tt : active_) tighten(*tt, s, loop);
    }

    void element(segment const& s, std::string_view loop, element_def const& e, std::string_view v)
    {
        auto const pos = e.position;
        if (v.empty()) {
            if (e.req == requirement::mandatory) element_error(error::element_mandatory_missing, s, loop, e, v, 0);
            return;
        }
        // One pass over the value for both separators (most values hold neither).
        bool has_rep = false, has_comp = false;
        for (char ch : v) {
            has_rep |= ch == delims_.repetition;
            has_comp |= ch == delims_.component;
        }
        has_rep = has_rep && delims_.repetition;
        std::string_view first = v;
        if (has_rep) {
            std::size_t reps = static_cast<std::size_t>(std::count(v.begin(), v.end(), delims_.repetition)) + 1;
            if (reps > e.max_repeat) return element_error(error::element_too_many_repetitions, s, loop, e, v, reps);
            first = v.substr(0, v.find(delims_.repetition));
        }
        if (e.type == data_type::composite) {
            if (e.composite) composite(s, loop, e, first);
            return;
        }
        if (has_comp && delims_.component && first.find(delims_.component) != std::string_view::npos)
            return element_error(error::element_too_many_components, s, loop, e, first, 0);
        simple(s, loop, e, first, pos, 0);
    }

    [[gnu::cold]] [[gnu::noinline]] void element_error(error code, segment const& s, std::string_view loop,
                                                       element_def const& e, std::string_view v, std::size_t reps)
    {
        auto const pos = e.position;
        switch (code) {
        case error::element_mandatory_missing:
            return report_el(code, "mandatory element " + elem_name(s.tag(), pos) + " is missing", s, loop, pos, 0, 0, {}, e.ref);
        case error::element_too_many_repetitions:
            return report_el(code,
                             elem_name(s.tag(), pos) + " has " + std::to_string(reps) + " repetitions; "
                                 + std::to_string(e.max_repeat) + " allowed",
                             s, loop, pos, 0, 2, v, e.ref);
        default:
            return report_el(code, elem_name(s.tag(), pos) + " is a simple element but holds components", s, loop, pos, 0, 0, v,
                             e.ref);
        }
    }

    void composite(segment const& s, std::string_view loop, element_def const& e, std::string_view v)
    {
        auto const& cd = *e.composite;
        std::vector<std::string_view> parts;
        split_into(v, delims_.component, parts);
        if (parts.size() > cd.components.size()) {
            report_el(error::element_too_many_components,
                      elem_name(s.tag(), e.position) + " has " + std::to_string(parts.size()) + " components; composite "
                          + cd.id + " defines " + std::to_string(cd.components.size()),
                      s, loop, e.position, static_cast<std::uint16_t>(cd.components.size() + 1), 0,
                      parts[cd.components.size()], cd.components.back().ref);
        }
        for (auto const& c : cd.components) {
            std::string_view pv = c.position <= parts.size() ? parts[c.position - 1] : std::string_view{};
            if (pv.empty()) {
                if (c.req == requirement::mandatory)
                    report_el(error::element_mandatory_missing,
                              "mandatory component " + elem_name(s.tag(), e.position, c.position) + " is missing", s, loop,
                              e.position, c.position, 0, {}, c.ref);
                continue;
            }
            simple(s, loop, c, pv, e.position, c.position);
        }
        notes(s, loop, cd.notes,
              [&](std::uint16_t p) { return p <= parts.size() && !parts[p - 1].empty(); }, e.position, cd.components);
    }

    // The checks of one simple element or component. The hot path only
    // classifies; messages are built by the cold function below, so the
    // common case (a valid value) touches no strings.
    void simple(segment const& s, std::string_view loop, element_def const& e, std::string_view v, std::uint16_t el,
                std::uint16_t comp)
    {
        std::size_t len = v.size();
        error code = error::ok;
        switch (e.type) {
        case data_type::r: {
            int dg = r_digits(v);
            if (dg < 0) code = error::element_invalid_numeric;
            else len = static_cast<std::size_t>(dg);
            break;
        }
        case data_type::n: {
            int dg = n_digits(v);
            if (dg < 0) code = error::element_invalid_numeric;
            else len = static_cast<std::size_t>(dg);
            break;
        }
        case data_type::dt:
            if (!all_digits(v) || (v.size() != 6 && v.size() != 8) || !detail::valid_date(v)) code = error::element_invalid_date;
            break;
        case data_type::tm:
            if (!all_digits(v) || !(v.size() == 4 || v.size() == 6 || v.size() == 7 || v.size() == 8) || !detail::valid_time(v))
                code = error::element_invalid_time;
            break;
        default:
            for (char c : v) {
                auto u = static_cast<unsigned char>(c);
                if (u < 0x20 || u == 0x7F) code = error::element_invalid_character;
            }
            break;
        }
        if (code == error::ok) {
            if (len < e.min_length) code = error::element_too_short;
            else if (len > e.max_length) code = error::element_too_long;
        }
        if (code == error::ok && e.type == data_type::id) {
            bool decided = false;
            // A partner's list replaces the standard one for this element.
            for (auto const* tt : active_)
                for (auto const& cl : tt->codes)
                    if (!decided && cl.what.element == el && cl.what.component == comp && cl.what.tag == s.tag()) {
                        decided = true;
                        if (std::find(cl.codes.begin(), cl.codes.end(), v) == cl.codes.end())
                            code = e.codes && e.codes->find(v) == e.codes->end() ? error::element_invalid_code
                                                                                 : error::element_impl_code;
                    }
            if (!decided && e.codes && e.codes->find(v) == e.codes->end()) code = error::element_invalid_code;
        }
        if (code != error::ok) simple_error(code, s, loop, e, v, el, comp, len);
    }

    [[gnu::cold]] [[gnu::noinline]] void simple_error(error code, segment const& s, std::string_view loop, element_def const& e,
                                                      std::string_view v, std::uint16_t el, std::uint16_t comp, std::size_t len)
    {
        std::string const name = elem_name(s.tag(), el, comp);
        std::string const val = "'" + std::string(v) + "'";
        std::string msg;
        switch (code) {
        case error::element_invalid_numeric:
            msg = e.type == data_type::r ? name + " " + val + " is not a decimal number"
                                         : name + " " + val + " is not a whole number (N" + std::to_string(e.decimals)
                                               + " has an implied decimal point, never a written one)";
            break;
        case error::element_invalid_date: msg = name + " " + val + " is not a valid date"; break;
        case error::element_invalid_time: msg = name + " " + val + " is not a valid time"; break;
        case error::element_invalid_character: msg = name + " contains a control character"; break;
        case error::element_too_short:
            msg = name + " " + val + " is shorter than its minimum length " + std::to_string(e.min_length);
            break;
        case error::element_too_long:
            msg = name + " is " + std::to_string(len) + " characters, longer than its maximum " + std::to_string(e.max_length);
            break;
        case error::element_impl_code: msg = name + " " + val + " is a valid X12 code but not one the partner uses"; break;
        default: msg = name + " " + val + " is not a valid code for data element " + e.ref; break;
        }
        report_el(code, std::move(msg), s, loop, el, comp, 0, v, e.ref);
    }

    template <typename Present>
    void notes(segment const& s, std::string_view loop, std::vector<syntax_note> const& list, Present present,
               std::uint16_t composite_pos, std::vector<element_def> const& defs)
    {
        auto where = [&](std::uint16_t p, error code, std::string msg, std::string_view value) {
            std::uint16_t el = composite_pos ? composite_pos : p;
            std::uint16_t comp = composite_pos ? p : 0;
            std::string_view de = p <= defs.size() ? std::string_view(defs[p - 1].ref) : std::string_view();
            report_el(code, std::move(msg), s, loop, el, comp, 0, value, de);
        };
        auto label = [&](std::uint16_t p) {
            return composite_pos ? elem_name(s.tag(), composite_pos, p) : elem_name(s.tag(), p);
        };
        auto note_name = [](syntax_note const& n) {
            std::string t(1, n.kind);
            for (auto p : n.positions) t += two(p);
            return t;
        };
        for (auto const& n : list) {
            auto const& ps = n.positions;
            std::size_t count = static_cast<std::size_t>(std::count_if(ps.begin(), ps.end(), present));
            switch (n.kind) {
            case 'P':
                if (count > 0 && count < ps.size())
                    for (auto p : ps)
                        if (!present(p))
                            where(p, error::element_conditional_missing,
                                  label(p) + " is required: syntax note " + note_name(n) + " pairs it with the others present",
                                  {});
                break;
            case 'R':
                if (count == 0)
                    where(ps.front(), error::element_conditional_missing,
                          "at least one of the elements of syntax note " + note_name(n) + " is required", {});
                break;
            case 'E':
                if (count > 1) {
                    bool first = true;
                    for (auto p : ps)
                        if (present(p)) {
                            if (!first) {
                                where(p, error::element_exclusion_violated,
                                      label(p) + " may not be used together with the others of syntax note " + note_name(n),
                                      composite_pos ? std::string_view() : s.element(p));
                                break;
                            }
                            first = false;
                        }
                }
                break;
            case 'C':
                if (present(ps.front()))
                    for (std::size_t i = 1; i < ps.size(); ++i)
                        if (!present(ps[i]))
                            where(ps[i], error::element_conditional_missing,
                                  label(ps[i]) + " is required when " + label(ps.front()) + " is present (syntax note "
                                      + note_name(n) + ")",
                                  {});
                break;
            case 'L':
                if (present(ps.front()) && count == 1)
                    where(ps[1], error::element_conditional_missing,
                          "one of the other elements of syntax note " + note_name(n) + " is required when "
                              + label(ps.front()) + " is present",
                          {});
                break;
            }
        }
    }

    void tighten(tightening const& tt, segment const& s, std::string_view loop)
    {
        for (auto const& r : tt.required_elements) {
            if (r.what.tag != s.tag()) continue;
            if (r.when_element && s.element(r.when_element) != r.when_value) continue;
            std::string_view v = s.element(r.what.element);
            if (r.what.component) {
                std::vector<std::string_view> parts;
                split_into(v, delims_.component, parts);
                v = r.what.component <= parts.size() ? parts[r.what.component - 1] : std::string_view();
            }
            if (!v.empty()) continue;
            segment_def const* def = d_.segment(s.tag());
            std::string de;
            if (def && r.what.element <= def->elements.size()) {
                auto const& e = def->elements[r.what.element - 1];
                de = e.ref;
                if (r.what.component && e.composite && r.what.component <= e.composite->components.size())
                    de = e.composite->components[r.what.component - 1].ref;
            }
            std::string msg = elem_name(s.tag(), r.what.element, r.what.component) + " is required by the partner";
            if (r.when_element) msg += " when " + elem_name(s.tag(), r.when_element) + " is " + r.when_value;
            report_el(error::element_impl_missing, msg, s, loop, r.what.element, r.what.component, 0, {}, de);
            if (r.when_element) {
                trigger_context t;
                t.tag.assign(s.tag());
                t.set_position = s.set_position();
                t.loop_id.assign(loop);
                t.element = r.when_element;
                out_.back().trigger = std::move(t);
            }
        }
    }

    // ---- diagnostics -------------------------------------------------------------------

    void place(diagnostic& d, segment const& s, std::uint32_t set_pos, std::uint64_t offset = UINT64_MAX)
    {
        d.where.offset = offset == UINT64_MAX ? s.offset() : offset;
        d.where.segment_index = s.index();
        d.where.set_position = set_pos;
        d.where.tag.assign(s.tag());
        std::string_view text = s.text();
        std::uint64_t rel = d.where.offset >= s.offset() ? d.where.offset - s.offset() : 0;
        std::size_t from = rel > 60 ? static_cast<std::size_t>(rel) - 60 : 0;
        if (from > text.size()) from = text.size();
        d.excerpt.assign(text.substr(from, 100));
        d.caret = static_cast<std::uint32_t>(std::min<std::uint64_t>(rel - from, d.excerpt.size()));
    }

    diagnostic make(error code, std::string msg, segment const& s, std::string_view loop, std::uint16_t el)
    {
        diagnostic d;
        d.code = code;
        d.severity = severity::error;
        d.message = std::move(msg);
        place(d, s, s.set_position(), el ? s.element_offset(el) : UINT64_MAX);
        d.where.element = el;
        d.loop_id.assign(loop);
        return d;
    }

    void report(error code, std::string msg, segment const& s, std::string_view loop)
    {
        out_.push_back(make(code, std::move(msg), s, loop, 0));
    }

    void report_el(error code, std::string msg, segment const& s, std::string_view loop, std::uint16_t el, std::uint16_t comp,
                   std::uint16_t rep, std::string_view value, std::string_view de)
    {
        diagnostic d = make(code, std::move(msg), s, loop, el);
        if (!value.empty() && el <= s.size()) {
            // Point at the value itself (a component's own offset inside its element).
            std::string_view whole = s.element(el);
            if (value.data() >= whole.data() && value.data() <= whole.data() + whole.size())
                d.where.offset = s.element_offset(el) + static_cast<std::uint64_t>(value.data() - whole.data());
            place(d, s, s.set_position(), d.where.offset);
        } else if (el > s.size()) {
            place(d, s, s.set_position(), s.offset() + s.text().size()); // where it would have been
        }
        d.where.element = el;
        d.where.component = comp;
        d.where.repetition = rep;
        d.value.assign(value);
        d.data_element.assign(de);
        out_.push_back(std::move(d));
    }

    validator const& v_;
    dictionary const& d_;
    std::vector<tightening> const& tight_;
    std::vector<tightening const*> active_;
    transaction_set const& ts_;
    std::vector<diagnostic>& out_;
    delimiters delims_;
    std::string_view version_;
};

} // namespace

validator::validator(dictionary const& dict, std::vector<tightening> tightenings)
    : dict_(dict), tight_(std::move(tightenings))
{
}

void validator::validate(transaction_set const& ts, std::vector<diagnostic>& out) const
{
    run r(*this, dict_, tight_, ts, out);
    r.go();
}

} // namespace edigw::x12
