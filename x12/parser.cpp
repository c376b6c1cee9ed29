#include "x12/parser.hpp"

#include "x12/detail/ebcdic.hpp"
#include "x12/detail/grammar.hpp"
#include "x12/detail/text.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_set>

namespace edigw::x12 {

bool transaction_set::accepted() const noexcept
{
    return std::none_of(diagnostics.begin(), diagnostics.end(),
                        [](diagnostic const& d) { return d.severity != severity::warning; });
}

namespace {

using detail::parse_count;
using detail::trim_right;

bool valid_tag(std::string_view tag) noexcept
{
    if (tag.size() < 2 || tag.size() > 3) return false;
    if (!(tag[0] >= 'A' && tag[0] <= 'Z')) return false;
    return std::all_of(tag.begin(), tag.end(),
                       [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

// Control numbers are at most 9 characters: packed into 64 bits they make a
// compact set that stays small for files with millions of transaction sets.
class control_number_set {
public:
    // Returns false when `cn` was already present.
    bool insert(std::string_view cn)
    {
        if (cn.size() <= 9 && std::all_of(cn.begin(), cn.end(), [](char c) { return static_cast<unsigned char>(c) < 128; })) {
            std::uint64_t key = 1;
            for (char c : cn) key = key * 128 + static_cast<unsigned char>(c);
            return packed_.insert(key).second;
        }
        return other_.emplace(cn).second;
    }
    void clear()
    {
        packed_.clear();
        other_.clear();
    }

private:
    std::unordered_set<std::uint64_t> packed_;
    std::unordered_set<std::string> other_;
};

// Envelope tags are the only ones the state machine reacts to inside a set.
// Checked per segment, so by bytes rather than by memcmp calls.
constexpr bool is(std::string_view tag, char a, char b, char c = 0) noexcept
{
    return c ? (tag.size() == 3 && tag[0] == a && tag[1] == b && tag[2] == c)
             : (tag.size() == 2 && tag[0] == a && tag[1] == b);
}

bool digits(std::string_view s) noexcept
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

struct parser::impl {
    handler& h;
    parser_options opts;
    parser const* self = nullptr;

    // The bytes being parsed: buf[0..len) is file offset base..base+len.
    char* buf = nullptr;
    std::size_t len = 0;
    std::uint64_t base = 0;
    bool eof = false;
    bool streaming = false;
    std::vector<char> storage;
    read_function const* reader = nullptr;
    std::error_code io_error;

    std::size_t pos = 0;        // next byte to scan
    std::uint64_t wrap_segment_abs = UINT64_MAX, wrap_scanned_abs = 0; // a wrapped segment's terminator search
    std::size_t unit_start = 0; // bytes before this may be discarded on refill

    // Line bookkeeping for positions: newlines before buf[0], and a cursor.
    std::uint64_t lines_before = 0;
    std::uint64_t last_nl_before = UINT64_MAX; // absolute offset of the last '\n' before buf[0]
    std::size_t cur_idx = 0;
    std::uint64_t cur_lines = 0;
    std::uint64_t cur_last_nl = UINT64_MAX;
    // The cursor's state at every 64 KiB of the buffer it has passed: a
    // position behind the cursor (a handler locating a batch of sets it was
    // handed earlier) is counted from the nearest one, not from the start.
    struct line_mark {
        std::size_t idx;
        std::uint64_t lines, last_nl;
    };
    std::vector<line_mark> marks;

    enum class state { outside, interchange, group, set, stray } st = state::outside;
    delimiters delims;
    detail::scan_table table;
    std::string term_tail;
    bool ebcdic = false;
    bool any_interchange = false;
    bool garbage_reported = false;
    bool stray_reported = false;

    // Segments of the current unit: tag + elements of each in `elems`.
    struct raw_segment {
        std::uint32_t first;  // index of the tag in elems
        std::uint32_t count;  // elements after the tag
        char const* text;
        std::size_t text_len;
        std::uint64_t offset;
        std::uint64_t index;
    };
    std::vector<std::string_view> elems;
    std::vector<raw_segment> unit;
    std::vector<segment> segs;
    std::deque<std::string> arena; // segments that had line breaks inside, compacted
    std::uint64_t segment_counter = 0;
    std::uint64_t counter_at_unit = 0;

    interchange_summary ic;
    group_summary grp;
    set_summary set;
    std::vector<diagnostic> set_diags;
    std::vector<std::string> group_numbers; // GS06 seen in this interchange
    control_number_set set_numbers;         // ST02 seen in this group
    bool skipping_set = false;
    bool group_open = false;

    parse_stats stats;

    impl(handler& hh, parser_options o) : h(hh), opts(o) {}

    // ---- positions and diagnostics ------------------------------------------------

    void line_col(std::uint64_t abs, std::uint64_t& line, std::uint64_t& col)
    {
        if (abs < base || abs > base + len) { line = 0; col = 0; return; }
        std::size_t idx = static_cast<std::size_t>(abs - base);
        if (idx < cur_idx) {
            auto it = std::upper_bound(marks.begin(), marks.end(), idx, [](std::size_t v, line_mark const& m) { return v < m.idx; });
            if (it == marks.begin()) { cur_idx = 0; cur_lines = lines_before; cur_last_nl = last_nl_before; }
            else { --it; cur_idx = it->idx; cur_lines = it->lines; cur_last_nl = it->last_nl; }
        }
        while (cur_idx < idx) {
            std::size_t const next_mark = (cur_idx | 0xFFFF) + 1;
            std::size_t const stop = std::min(idx, next_mark);
            for (std::size_t i = cur_idx; i < stop; ++i)
                if (buf[i] == '\n') { ++cur_lines; cur_last_nl = base + i; }
            cur_idx = stop;
            if (stop == next_mark && (marks.empty() || marks.back().idx < stop)) marks.push_back({stop, cur_lines, cur_last_nl});
        }
        line = cur_lines + 1;
        col = (cur_last_nl == UINT64_MAX ? abs : abs - cur_last_nl - 1) + 1;
    }

    diagnostic make(error code, severity sev, std::string message, std::uint64_t abs_offset,
                    raw_segment const* seg = nullptr, std::uint16_t element = 0, std::string_view value = {})
    {
        diagnostic d;
        d.code = code;
        d.severity = sev;
        d.message = std::move(message);
        d.where.offset = abs_offset;
        line_col(abs_offset, d.where.line, d.where.column);
        d.value.assign(value);
        if (seg) {
            d.where.segment_index = seg->index;
            d.where.tag.assign(elems[seg->first]);
            if (st == state::set && code != error::set_missing_trailer)
                d.where.set_position = static_cast<std::uint32_t>(seg->index - set.segment_index + 1);
            d.where.element = element;
            std::string_view text(seg->text, seg->text_len);
            std::uint64_t rel = abs_offset >= seg->offset ? abs_offset - seg->offset : 0;
            // Keep excerpts readable: at most 100 bytes, with the caret inside.
            std::size_t from = rel > 60 ? static_cast<std::size_t>(rel) - 60 : 0;
            if (from > text.size()) from = text.size();
            d.excerpt.assign(text.substr(from, 100));
            d.caret = static_cast<std::uint32_t>(std::min<std::uint64_t>(rel - from, d.excerpt.size()));
        } else if (abs_offset >= base && abs_offset < base + len) {
            std::size_t idx = static_cast<std::size_t>(abs_offset - base);
            std::size_t b = idx, e = idx;
            while (b > 0 && idx - b < 60 && buf[b - 1] != '\n') --b;
            while (e < len && e - idx < 40 && buf[e] != '\n' && buf[e] != '\r') ++e;
            d.excerpt.assign(buf + b, e - b);
            d.caret = static_cast<std::uint32_t>(idx - b);
        }
        return d;
    }

    std::uint64_t element_abs(raw_segment const& s, std::size_t n) const
    {
        if (n == 0 || n > s.count) return s.offset;
        std::string_view e = elems[s.first + n];
        std::ptrdiff_t rel = e.data() - s.text;
        if (rel < 0 || static_cast<std::size_t>(rel) > s.text_len) return s.offset;
        return s.offset + static_cast<std::uint64_t>(rel);
    }

    std::string_view el(raw_segment const& s, std::size_t n) const
    {
        return (n >= 1 && n <= s.count) ? elems[s.first + n] : std::string_view{};
    }

    // Diagnostics found inside a set are held until the set is complete: a
    // refill may make the parser scan the set again, and nothing may be
    // reported twice.
    void emit(diagnostic d)
    {
        if (st == state::set) {
            set_diags.push_back(std::move(d));
            return;
        }
        publish(d);
    }

    void publish(diagnostic const& d)
    {
        if (d.severity == severity::warning) ++stats.warnings; else ++stats.errors;
        if (level_of(d.code) == level::interchange && d.severity != severity::warning) ic.envelope_ok = false;
        h.on_diagnostic(d);
    }

    // ---- buffer management --------------------------------------------------------

    // Makes more bytes available, keeping buf[unit_start..len). `moved`: the
    // bytes moved (memmove or reallocation), every view into the buffer is
    // stale and the caller scans the unit again from unit_start. `grew`: more
    // bytes after the old ones, views stay valid and scanning goes on where it
    // stopped (rescanning the unit on every read made large sets quadratic in
    // the chunk size: the fuzzer's 7-byte chunks took 76 s on a 37 KB set).
    // `none`: the end of the input.
    enum class refilled { none, grew, moved };
    refilled refill()
    {
        auto const result = [](bool moved, bool grew) {
            return moved ? refilled::moved : grew ? refilled::grew : refilled::none;
        };
        if (!streaming || eof) { eof = true; return refilled::none; }
        std::size_t keep = unit_start;
        bool moved = keep > 0;
        if (keep > 0) {
            for (std::size_t i = 0; i < keep; ++i)
                if (buf[i] == '\n') { ++lines_before; last_nl_before = base + i; }
            std::memmove(buf, buf + keep, len - keep);
            len -= keep;
            base += keep;
            pos -= keep;
            unit_start = 0;
            cur_idx = 0;
            cur_lines = lines_before;
            cur_last_nl = last_nl_before;
            marks.clear(); // they count from the old start of the buffer
        }
        if (storage.size() - len < opts.chunk_size) {
            storage.resize(std::max(storage.size() * 2, len + opts.chunk_size));
            moved = moved || buf != storage.data(); // a reallocation moves every view too
            buf = storage.data();
        }
        std::ptrdiff_t n;
        do {
            n = (*reader)(buf + len, storage.size() - len);
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            io_error = std::error_code(errno, std::generic_category());
            eof = true;
            return result(moved, false);
        }
        if (n == 0) { eof = true; return result(moved, false); }
        if (ebcdic) detail::transcode_cp037(buf + len, static_cast<std::size_t>(n));
        len += static_cast<std::size_t>(n);
        stats.bytes += static_cast<std::uint64_t>(n);
        return result(moved, true);
    }

    // After a refill in the middle of a segment: start the unit over only when
    // the buffer moved; otherwise the caller scans the same segment again.
    void after_refill(refilled r)
    {
        if (r == refilled::moved) restart_unit();
    }

    // Drops the segments of the current unit so it can be scanned again after
    // a refill moved the buffer.
    void restart_unit()
    {
        pos = unit_start;
        elems.clear();
        unit.clear();
        segment_counter = counter_at_unit;
        if (st == state::set && !skipping_set) {
            st = state::group;
            set_diags.clear();
        }
    }

    // ---- the main loop -----------------------------------------------------------

    void run()
    {
        for (;;) {
            if (st == state::outside) {
                if (!find_interchange()) break;
                continue;
            }
            while (pos < len && table.skip[static_cast<std::uint8_t>(buf[pos])]) ++pos;
            if (st != state::set && unit.empty()) {
                unit_start = pos;
                // No view into the arena outlives its unit in streaming mode (a
                // document keeps them all). Cleared here, not when a set ends:
                // the segment that interrupts a set may itself live in the arena.
                if (streaming) arena.clear();
            }
            if (pos >= len) {
                auto const r = refill();
                if (r == refilled::moved) { restart_unit(); continue; }
                if (r == refilled::grew) continue;
                if (!unit.empty()) { pos = len; }
                finish_at_eof();
                break;
            }
            // "ISA" at a segment start opens a new interchange: the previous one lacks its IEA.
            if (len - pos >= 4 && buf[pos] == 'I' && buf[pos + 1] == 'S' && buf[pos + 2] == 'A'
                && !std::isalnum(static_cast<unsigned char>(buf[pos + 3]))) {
                close_open_units(error::isa_missing_trailer, base + pos);
                st = state::outside;
                continue;
            }
            if (!scan_one()) continue; // refilled: rescan the unit
        }
    }

    // Scans one segment at pos and dispatches it. Returns false when it had to
    // refill (the unit restarts).
    bool scan_one()
    {
        std::size_t const seg_pos = pos;
        std::size_t const mark = elems.size();
        auto r = detail::scan_segment(buf + pos, buf + len, table, elems);
        char const* text = buf + pos;
        std::size_t text_len = static_cast<std::size_t>(r.stop - text);
        std::size_t next = 0;
        bool unterminated = false;
        if (r.why == detail::scan_stop::terminator) {
            next = static_cast<std::size_t>(r.stop - buf) + 1;
            if (!term_tail.empty()) {
                if (len - next < term_tail.size() && !eof) {
                    elems.resize(mark);
                    after_refill(refill());
                    return false;
                }
                if (std::string_view(buf + next, std::min(term_tail.size(), len - next)) == term_tail)
                    next += term_tail.size();
            }
            if (is_newline_terminator()) {
                // Trailing blanks before a newline terminator are layout, not data.
                rtrim_segment(mark, text, text_len);
            }
        } else if (r.why == detail::scan_stop::end) {
            if (!eof) {
                elems.resize(mark);
                if (unit_too_big()) return true;
                after_refill(refill());
                return false;
            }
            next = len;
            unterminated = true;
        } else {
            // A line break inside the segment: wrapping (80-column files). Copy the
            // segment without its line breaks and split the copy.
            elems.resize(mark);
            std::size_t i = pos;
            // Resume the terminator search where the last read stopped (by
            // absolute offset, which survives the buffer moving).
            if (wrap_segment_abs == base + pos && wrap_scanned_abs > base + pos && wrap_scanned_abs <= base + len)
                i = static_cast<std::size_t>(wrap_scanned_abs - base);
            while (i < len && table.cls[static_cast<std::uint8_t>(buf[i])] != detail::terminator) ++i;
            if (i >= len && !eof) {
                wrap_segment_abs = base + pos;
                wrap_scanned_abs = base + i;
                if (unit_too_big()) return true;
                after_refill(refill());
                return false;
            }
            std::string& copy = arena.emplace_back();
            copy.reserve(i - pos);
            for (std::size_t k = pos; k < i; ++k)
                if (buf[k] != '\r' && buf[k] != '\n') copy.push_back(buf[k]);
            auto r2 = detail::scan_segment(copy.data(), copy.data() + copy.size(), table, elems);
            (void)r2;
            text = copy.data();
            text_len = copy.size();
            next = i < len ? i + 1 : len;
            unterminated = i >= len;
        }
        pos = next;
        raw_segment s{static_cast<std::uint32_t>(mark), static_cast<std::uint32_t>(elems.size() - mark - 1), text,
                      text_len, base + seg_pos, ++segment_counter};
        if (unterminated) {
            emit(make(error::segment_unterminated, severity::warning,
                      "the file ends without a segment terminator after this segment", s.offset + text_len, &s));
        }
        dispatch(s);
        return true;
    }

    bool is_newline_terminator() const noexcept { return delims.segment == '\n' || delims.segment == '\r'; }

    void rtrim_segment(std::size_t mark, char const* text, std::size_t& text_len)
    {
        auto& last = elems.back();
        std::size_t n = last.size();
        while (n > 0 && (last[n - 1] == ' ' || last[n - 1] == '\t')) --n;
        last = last.substr(0, n);
        (void)mark;
        text_len = static_cast<std::size_t>(last.data() + last.size() - text);
    }

    bool unit_too_big()
    {
        if (len - unit_start <= opts.max_set_bytes || st != state::set) return false;
        // Report once, drop what is buffered, and count the rest of the set without keeping it.
        emit(make(error::set_too_large, severity::fatal,
                  "transaction set " + set.control_number + " exceeds the " + std::to_string(opts.max_set_bytes)
                      + "-byte limit; skipped",
                  set.offset));
        skipping_set = true;
        elems.clear();
        unit.clear();
        unit_start = pos;
        counter_at_unit = segment_counter;
        return false;
    }

    // Outside any interchange: find the next ISA, reporting what is skipped.
    bool find_interchange()
    {
        for (;;) {
            // Byte-order mark and blanks before an ISA are tolerated.
            if (base + pos == 0 && len >= 3 && std::memcmp(buf, "\xEF\xBB\xBF", 3) == 0) pos = 3;
            while (pos < len && (buf[pos] == ' ' || buf[pos] == '\t' || buf[pos] == '\r' || buf[pos] == '\n'
                                 || buf[pos] == '\x1A' || buf[pos] == '\0' || (ebcdic && buf[pos] == '\x85')))
                ++pos;
            unit_start = pos;
            if (len - pos < 4 && !eof) {
                if (refill() != refilled::none) continue;
            }
            if (pos >= len) {
                // Nothing but blanks was seen (anything else is reported as it is skipped).
                if (!any_interchange && !garbage_reported) {
                    emit(make(error::empty_input, severity::fatal,
                              base + len == 0 ? "the input is empty" : "the input holds only blank space", base + pos));
                }
                return false;
            }
            // EBCDIC: "ISA" in code page 037 at the very start.
            if (!any_interchange && !ebcdic && len - pos >= 3
                && std::memcmp(buf + pos, detail::ebcdic_isa, 3) == 0) {
                ebcdic = true;
                ic.ebcdic = true;
                detail::transcode_cp037(buf + pos, len - pos);
                continue;
            }
            if (len - pos >= 3 && std::memcmp(buf + pos, "ISA", 3) == 0) {
                isa_header hdr;
                auto r = read_isa(std::string_view(buf + pos, len - pos), eof, hdr);
                if (r.status == isa_status::need_more) {
                    if (refill() != refilled::none) continue;
                    r = read_isa(std::string_view(buf + pos, len - pos), true, hdr);
                }
                if (r.status == isa_status::ok) {
                    begin_interchange(hdr);
                    pos += hdr.consumed;
                    unit_start = pos;
                    return true;
                }
                emit(make(r.code, severity::fatal, r.message, base + pos + r.error_at));
                any_interchange = true; // the problem is reported; no "not X12" on top
                pos += 3;
                skip_to_next_isa();
                continue;
            }
            // Something that is not an ISA.
            std::string_view here(buf + pos, std::min<std::size_t>(len - pos, 64));
            bool binary = std::any_of(here.begin(), here.end(), [](char c) {
                auto u = static_cast<unsigned char>(c);
                return u == 0 || (u < 0x20 && u != '\r' && u != '\n' && u != '\t' && u != 0x1A && u != 0x15 && u != 0x1C
                                  && u != 0x1D && u != 0x1E && u != 0x1F && u != 0x07);
            });
            if (!garbage_reported) {
                error code = !any_interchange ? (binary ? error::binary_input : error::not_x12)
                                              : error::data_outside_interchange;
                std::string msg = !any_interchange
                                      ? (binary ? "binary data where an X12 ISA header was expected"
                                                : "no ISA interchange header where the input starts")
                                      : "data after the IEA trailer and before any next ISA";
                if (any_interchange && here.size() >= 4 && here.substr(0, 3) == "IEA" && here[3] == delims.element) {
                    code = error::iea_without_isa;
                    msg = "IEA without a matching ISA";
                } else if (any_interchange && here.size() >= 3 && here.substr(0, 2) == "GE" && here[2] == delims.element) {
                    code = error::ge_without_gs;
                    msg = "GE without a matching GS";
                }
                emit(make(code, any_interchange ? severity::error : severity::fatal, msg, base + pos));
                garbage_reported = true;
            }
            ++pos;
            skip_to_next_isa();
        }
    }

    void skip_to_next_isa()
    {
        for (;;) {
            void const* hit = len > pos ? memmem(buf + pos, len - pos, "ISA", 3) : nullptr;
            if (hit) {
                pos = static_cast<std::size_t>(static_cast<char const*>(hit) - buf);
                return;
            }
            // Keep two bytes: "IS" may continue in the next chunk.
            pos = len > 2 ? std::max(pos, len - 2) : pos;
            unit_start = pos;
            if (refill() == refilled::none) { pos = len; return; }
        }
    }

    // ---- envelope ------------------------------------------------------------------

    void begin_interchange(isa_header const& hdr)
    {
        st = state::interchange;
        any_interchange = true;
        garbage_reported = false;
        delims = hdr.delimiters;
        term_tail = hdr.terminator_tail;
        table = detail::make_scan_table(delims);
        ic = interchange_summary{};
        ic.ebcdic = ebcdic;
        ic.delimiters = delims;
        ic.offset = base + pos;
        ic.fixed_width = hdr.fixed_width;
        ic.auth_qualifier.assign(hdr.field(1));
        ic.auth_info.assign(hdr.field(2));
        ic.security_qualifier.assign(hdr.field(3));
        ic.security_info.assign(hdr.field(4));
        ic.sender_qualifier.assign(hdr.field(5));
        ic.sender_id.assign(trim_right(hdr.field(6)));
        ic.receiver_qualifier.assign(hdr.field(7));
        ic.receiver_id.assign(trim_right(hdr.field(8)));
        ic.date.assign(hdr.field(9));
        ic.time.assign(hdr.field(10));
        ic.standards_id.assign(hdr.field(11));
        ic.version.assign(hdr.field(12));
        ic.control_number.assign(hdr.field(13));
        ic.ack_requested.assign(hdr.field(14));
        ic.usage.assign(hdr.field(15));
        group_numbers.clear();
        ++stats.interchanges;

        // The ISA as a segment, for handlers that show every segment. Its text
        // is our copy (line breaks removed), kept until the next ISA.
        // In the arena: a document keeps every ISA's views for its lifetime.
        std::string const& isa_text = arena.emplace_back(hdr.text);
        elems.clear();
        elems.emplace_back(std::string_view(isa_text).substr(0, 3));
        for (int i = 1; i <= 16; ++i)
            elems.emplace_back(std::string_view(isa_text).substr(hdr.field_begin[i], hdr.field_size[i]));
        raw_segment s{0, 16, isa_text.data(), isa_text.size(), base + pos, ++segment_counter};
        ic.segment_index = s.index;
        // The handler hears of the interchange before its ISA's findings, so
        // it can file them under it.
        h.on_interchange_begin(ic);
        check_isa(s, hdr);
        deliver_envelope(s);
    }
    void check_isa(raw_segment const& s, isa_header const& hdr)
    {
        auto bad = [&](error code, std::uint16_t n, std::string what) {
            emit(make(code, severity::error, "ISA" + std::string(n < 10 ? "0" : "") + std::to_string(n) + " " + what,
                      element_abs(s, n), &s, n, el(s, n)));
        };
        if (!hdr.terminator_tail.empty()) {
            emit(make(error::isa_invalid_segment_terminator, severity::warning,
                      "segment terminator is a " + std::to_string(hdr.terminator_tail.size() + 1)
                          + "-byte UTF-8 character, not a single byte; read as one terminator",
                      s.offset + s.text_len, &s));
        }
        if (!hdr.fixed_width) {
            emit(make(error::isa_not_fixed_width, severity::warning,
                      "ISA is " + std::to_string(hdr.text.size() + 1)
                          + " bytes, not 106: its fields are not padded to their fixed widths",
                      s.offset, &s));
        }
        auto one_of = [](std::string_view v, std::initializer_list<std::string_view> list) {
            return std::find(list.begin(), list.end(), v) != list.end();
        };
        std::string_view v;
        if (!one_of(el(s, 1), {"00", "01", "02", "03", "04", "05", "06"})) bad(error::isa_invalid_auth_qualifier, 1, "authorization qualifier must be a code such as 00 or 03");
        if (!one_of(el(s, 3), {"00", "01"})) bad(error::isa_invalid_security_qualifier, 3, "security qualifier must be 00 or 01");
        static constexpr std::string_view quals[] = {"01", "02", "03", "04", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32", "33", "34", "35", "36", "37", "38", "AM", "NR", "SA", "SN", "ZZ"};
        auto qual_ok = [&](std::string_view q) { return std::find(std::begin(quals), std::end(quals), q) != std::end(quals); };
        if (!qual_ok(el(s, 5))) bad(error::isa_invalid_sender_qualifier, 5, "sender ID qualifier '" + std::string(el(s, 5)) + "' is not a known code");
        if (trim_right(el(s, 6)).empty()) bad(error::isa_invalid_sender_id, 6, "sender ID is blank");
        if (!qual_ok(el(s, 7))) bad(error::isa_invalid_receiver_qualifier, 7, "receiver ID qualifier '" + std::string(el(s, 7)) + "' is not a known code");
        if (trim_right(el(s, 8)).empty()) bad(error::isa_invalid_receiver_id, 8, "receiver ID is blank");
        v = el(s, 9);
        if (!(v.size() == 6 && detail::valid_date(v))) bad(error::isa_invalid_date, 9, "date '" + std::string(v) + "' is not a valid YYMMDD date");
        v = el(s, 10);
        if (!(v.size() == 4 && detail::valid_time(v))) bad(error::isa_invalid_time, 10, "time '" + std::string(v) + "' is not a valid HHMM time");
        v = el(s, 12);
        if (!(v.size() == 5 && digits(v) && v >= std::string_view("00200") && v <= std::string_view("00899")))
            bad(error::isa_invalid_version, 12, "interchange control version '" + std::string(v) + "' is not a known version (00200..00801)");
        else if (v < std::string_view("00402") && el(s, 11) != "U")
            bad(error::isa_invalid_standards_id, 11, "standards identifier must be U before version 00402");
        v = el(s, 13);
        if (!(v.size() == 9 && digits(v))) bad(error::isa_invalid_control_number, 13, "control number '" + std::string(v) + "' must be 9 digits");
        if (!one_of(el(s, 14), {"0", "1"})) bad(error::isa_invalid_ack_requested, 14, "acknowledgment requested must be 0 or 1");
        if (!one_of(el(s, 15), {"P", "T", "I"})) bad(error::isa_invalid_test_indicator, 15, "usage indicator must be P, T or I");
    }

    void deliver_envelope(raw_segment const& s)
    {
        segment seg(elems[s.first], std::span<std::string_view const>(elems.data() + s.first + 1, s.count),
                    std::string_view(s.text, s.text_len), s.offset, s.index, 0);
        h.on_envelope_segment(seg);
        elems.clear();
        unit.clear();
        unit_start = pos;
        counter_at_unit = segment_counter;
    }

    void dispatch(raw_segment const& s)
    {
        std::string_view tag = elems[s.first];
        if (!valid_tag(tag)) {
            emit(make(error::segment_invalid_tag, severity::error,
                      "segment identifier '" + std::string(tag) + "' is not 2-3 upper-case letters or digits", s.offset, &s));
        }
        switch (st) {
        case state::set: return in_set(s, tag);
        case state::group: return in_group(s, tag);
        case state::stray: return in_stray(s, tag);
        case state::interchange: return in_interchange(s, tag);
        case state::outside: return;
        }
    }

    void in_interchange(raw_segment const& s, std::string_view tag)
    {
        if (tag == "GS") return begin_group(s);
        if (tag == "IEA") return end_interchange(&s);
        if (tag == "TA1") {
            ta1_summary t;
            t.control_number.assign(el(s, 1));
            t.date.assign(el(s, 2));
            t.time.assign(el(s, 3));
            t.status.assign(el(s, 4));
            t.note_code.assign(el(s, 5));
            t.offset = s.offset;
            t.segment_index = s.index;
            ic.ta1s.push_back(std::move(t));
            return deliver_envelope(s);
        }
        if (tag == "GE") {
            emit(make(error::ge_without_gs, severity::error, "GE without a matching GS", s.offset, &s));
            return deliver_envelope(s);
        }
        if (tag == "ST") {
            emit(make(error::isa_invalid_content, severity::error,
                      "transaction set " + std::string(el(s, 2)) + " is not inside a functional group (no GS)", s.offset, &s));
            st = state::stray;
            return deliver_envelope(s);
        }
        emit(make(tag == "SE" ? error::se_without_st : error::isa_invalid_content, severity::error,
                  "segment " + std::string(tag) + " where a GS, TA1 or IEA must be", s.offset, &s));
        deliver_envelope(s);
    }

    // Segments of a set that has no group: reported once at its ST, then skipped to its SE.
    void in_stray(raw_segment const& s, std::string_view tag)
    {
        if (tag == "GS" || tag == "IEA" || tag == "TA1") {
            st = state::interchange;
            return in_interchange(s, tag);
        }
        if (tag == "SE") st = state::interchange;
        deliver_envelope(s);
    }

    void begin_group(raw_segment const& s)
    {
        st = state::group;
        group_open = true;
        grp = group_summary{};
        grp.functional_id.assign(el(s, 1));
        grp.application_sender.assign(el(s, 2));
        grp.application_receiver.assign(el(s, 3));
        grp.date.assign(el(s, 4));
        grp.time.assign(el(s, 5));
        grp.control_number.assign(el(s, 6));
        grp.agency.assign(el(s, 7));
        grp.version.assign(el(s, 8));
        grp.offset = s.offset;
        grp.segment_index = s.index;
        set_numbers.clear();
        stray_reported = false;
        ++stats.groups;
        // The handler hears of the group before its GS's findings (they belong to it).
        h.on_group_begin(ic, grp);
        std::string_view cn = el(s, 6);
        if (!(digits(cn) && cn.size() <= 9)) {
            emit(make(error::group_invalid_control_number, severity::error,
                      "GS06 group control number '" + std::string(cn) + "' must be 1 to 9 digits", element_abs(s, 6), &s, 6, cn));
        } else if (std::find(group_numbers.begin(), group_numbers.end(), cn) != group_numbers.end()) {
            emit(make(error::group_control_number_not_unique, severity::error,
                      "GS06 group control number " + std::string(cn) + " is used twice in interchange " + ic.control_number,
                      element_abs(s, 6), &s, 6, cn));
        } else {
            group_numbers.emplace_back(cn);
        }
        deliver_envelope(s);
    }

    void in_group(raw_segment const& s, std::string_view tag)
    {
        if (tag == "ST") return begin_set(s);
        if (tag == "GE") return end_group(&s);
        if (tag == "GS" || tag == "IEA") {
            emit(make(error::group_missing_trailer, severity::error,
                      "functional group " + grp.control_number + " has no GE trailer before this " + std::string(tag),
                      s.offset, &s));
            end_group(nullptr);
            return in_interchange(s, tag);
        }
        if (tag == "SE") {
            emit(make(error::se_without_st, severity::error, "SE without a matching ST", s.offset, &s));
        } else if (!stray_reported) {
            emit(make(error::segment_outside_set, severity::error,
                      "segment " + std::string(tag) + " is outside any transaction set (between GS/SE and ST)", s.offset, &s));
            stray_reported = true;
        }
        deliver_envelope(s);
    }

    void begin_set(raw_segment const& s)
    {
        st = state::set;
        set = set_summary{};
        set.id.assign(el(s, 1));
        set.control_number.assign(el(s, 2));
        set.implementation_reference.assign(el(s, 3));
        set.offset = s.offset;
        set.segment_index = s.index;
        set_diags.clear();
        skipping_set = false;
        // The unit starts at ST (already scanned into elems): a refill keeps it
        // and scans it again from here.
        unit_start = static_cast<std::size_t>(s.offset - base);
        counter_at_unit = s.index - 1;
        unit.push_back(s);
    }

    void in_set(raw_segment const& s, std::string_view tag)
    {
        if (is(tag, 'S', 'E')) {
            if (!skipping_set) unit.push_back(s);
            ++set.segment_count;
            return end_set(&s);
        }
        if (is(tag, 'S', 'T') || is(tag, 'G', 'E') || is(tag, 'G', 'S') || is(tag, 'I', 'E', 'A') || is(tag, 'T', 'A', '1')) {
            emit(make(error::set_missing_trailer, severity::error,
                      "transaction set " + set.control_number + " has no SE trailer before this " + std::string(tag),
                      s.offset, &s));
            // The interrupting segment is not part of the set: keep its views
            // while end_set clears the unit, then handle it in the group.
            std::vector<std::string_view> saved(elems.begin() + s.first, elems.begin() + s.first + s.count + 1);
            end_set(nullptr);
            elems.assign(saved.begin(), saved.end());
            raw_segment moved = s;
            moved.first = 0;
            return in_group(moved, elems[0]);
        }
        if (!skipping_set) {
            unit.push_back(s);
        } else {
            // Nothing of a skipped set is kept: let a refill drop it.
            elems.resize(s.first);
            if (s.text < buf || s.text >= buf + len) arena.clear();
            unit_start = pos;
            counter_at_unit = segment_counter;
        }
        ++set.segment_count;
    }

    void end_set(raw_segment const* se)
    {
        set.segment_count += 1; // ST itself
        set.has_trailer = se != nullptr;
        if (se) {
            std::string_view se01 = el(*se, 1), se02 = el(*se, 2);
            auto declared = parse_count(se01);
            set.declared_count = declared;
            if (!declared || *declared != set.segment_count) {
                emit(make(error::set_segment_count_mismatch, severity::error,
                          "SE01 says " + std::string(se01) + " segments but transaction set " + set.control_number + " has "
                              + std::to_string(set.segment_count),
                          element_abs(*se, 1), se, 1, se01));
            }
            if (se02 != set.control_number) {
                emit(make(error::set_control_number_mismatch, severity::error,
                          "SE02 " + std::string(se02) + " does not match ST02 " + set.control_number, element_abs(*se, 2), se, 2,
                          se02));
            }
        }
        if (!set_numbers.insert(set.control_number)) {
            raw_segment const* st_seg = unit.empty() ? nullptr : &unit.front();
            emit(make(error::set_control_number_not_unique, severity::error,
                      "ST02 control number " + set.control_number + " is used twice in group " + grp.control_number,
                      st_seg ? element_abs(*st_seg, 2) : set.offset, st_seg, 2, set.control_number));
        }
        for (auto const& d : set_diags) publish(d);
        ++stats.sets;
        ++grp.set_count;

        transaction_set ts;
        segs.clear();
        std::uint32_t n = 0;
        for (auto const& r : unit) {
            segs.emplace_back(elems[r.first], std::span<std::string_view const>(elems.data() + r.first + 1, r.count),
                              std::string_view(r.text, r.text_len), r.offset, r.index, ++n);
        }
        ts.id = set.id;
        ts.control_number = set.control_number;
        ts.implementation_reference = set.implementation_reference;
        ts.segments = segs;
        ts.interchange = &ic;
        ts.group = &grp;
        ts.diagnostics = set_diags;
        ts.has_trailer = set.has_trailer;
        ts.origin = self;
        set.accepted = ts.accepted();
        if (!set.accepted) ++grp.rejected_sets;
        if (!skipping_set) h.on_transaction_set(ts);
        if (opts.keep_set_summaries) grp.sets.push_back(set);

        st = state::group;
        elems.clear();
        unit.clear();
        unit_start = pos;
        counter_at_unit = segment_counter;
        skipping_set = false;
    }

    void end_group(raw_segment const* ge)
    {
        grp.has_trailer = ge != nullptr;
        if (ge) {
            std::string_view ge01 = el(*ge, 1), ge02 = el(*ge, 2);
            auto declared = parse_count(ge01);
            grp.declared_sets = declared;
            grp.trailer_control_number.assign(ge02);
            if (!declared || *declared != grp.set_count) {
                emit(make(error::group_set_count_mismatch, severity::error,
                          "GE01 says " + std::string(ge01) + " transaction sets but group " + grp.control_number + " has "
                              + std::to_string(grp.set_count),
                          element_abs(*ge, 1), ge, 1, ge01));
            }
            if (ge02 != grp.control_number) {
                emit(make(error::group_control_number_mismatch, severity::error,
                          "GE02 " + std::string(ge02) + " does not match GS06 " + grp.control_number, element_abs(*ge, 2), ge, 2,
                          ge02));
            }
        }
        ++ic.group_count;
        group_open = false;
        st = state::interchange;
        h.on_group_end(ic, grp);
        ic.groups.push_back(std::move(grp));
        grp = group_summary{};
        if (ge) deliver_envelope(*ge);
    }

    void end_interchange(raw_segment const* iea)
    {
        ic.has_trailer = iea != nullptr;
        if (iea) {
            std::string_view iea01 = el(*iea, 1), iea02 = el(*iea, 2);
            auto declared = parse_count(iea01);
            ic.declared_groups = declared;
            ic.trailer_control_number.assign(iea02);
            if (!declared || *declared != ic.group_count) {
                emit(make(error::isa_invalid_group_count, severity::error,
                          "IEA01 says " + std::string(iea01) + " functional groups but interchange " + ic.control_number + " has "
                              + std::to_string(ic.group_count),
                          element_abs(*iea, 1), iea, 1, iea01));
            }
            if (iea02 != ic.control_number) {
                emit(make(error::isa_control_number_mismatch, severity::error,
                          "IEA02 " + std::string(iea02) + " does not match ISA13 " + ic.control_number, element_abs(*iea, 2), iea,
                          2, iea02));
            }
        }
        st = state::outside;
        h.on_interchange_end(ic);
        if (iea) deliver_envelope(*iea);
        else { elems.clear(); unit.clear(); }
    }

    // Closes whatever is open, reporting each missing trailer at `abs`.
    void close_open_units(error why, std::uint64_t abs)
    {
        if (st == state::set) {
            emit(make(error::set_missing_trailer, severity::error,
                      "transaction set " + set.control_number + " has no SE trailer", abs));
            end_set(nullptr);
            elems.clear();
        }
        if (st == state::group) {
            emit(make(error::group_missing_trailer, severity::error,
                      "functional group " + grp.control_number + " has no GE trailer", abs));
            end_group(nullptr);
        }
        if (st == state::interchange || st == state::stray) {
            emit(make(why, severity::error,
                      why == error::isa_premature_end
                          ? "the file ends inside interchange " + ic.control_number + " (no IEA trailer)"
                          : "interchange " + ic.control_number + " has no IEA trailer before the next ISA",
                      abs));
            end_interchange(nullptr);
        }
        st = state::outside;
    }

    void finish_at_eof() { close_open_units(error::isa_premature_end, base + len); }
};

parser::parser(handler& h, parser_options opts) : impl_(std::make_unique<impl>(h, opts)) { impl_->self = this; }

void parser::locate(position& p) const { impl_->line_col(p.offset, p.line, p.column); }
parser::~parser() = default;

parse_stats parser::parse(std::span<char> input)
{
    auto& m = *impl_;
    m.streaming = false;
    m.marks.clear();
    m.buf = input.data();
    m.len = input.size();
    m.eof = true;
    m.stats = parse_stats{};
    m.stats.bytes = input.size();
    m.run();
    m.stats.segments = m.segment_counter;
    return m.stats;
}

std::error_code parser::parse(read_function const& read, parse_stats& stats)
{
    auto& m = *impl_;
    m.streaming = true;
    m.marks.clear();
    m.reader = &read;
    m.storage.assign(m.opts.chunk_size * 2, '\0');
    m.buf = m.storage.data();
    m.len = 0;
    m.eof = false;
    m.stats = parse_stats{};
    m.refill();
    m.run();
    m.stats.segments = m.segment_counter;
    stats = m.stats;
    return m.io_error;
}

} // namespace edigw::x12
