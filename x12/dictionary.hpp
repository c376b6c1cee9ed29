// The X12 dictionary: segments with their elements (data element number,
// type, lengths, requirement), composites, syntax notes, code lists and the
// structure of each transaction set (segment order, loops, requirement, max
// use), per release.
//
// The definitions are data (x12/dictionary/*.dict, format in x12/README.md),
// embedded in the library at build time so no installation path is needed; a
// dictionary file can also be loaded from disk. A release may extend another
// (005010 extends 004010) and replace any of its definitions.
//
// Threading: a dictionary is immutable once loaded; share it freely. The
// built-in ones live for the whole program.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace edigw::x12 {

enum class data_type : std::uint8_t { an, id, dt, tm, r, n, composite };
enum class requirement : std::uint8_t { mandatory, optional, relational }; // M, O, X

struct composite_def;

struct syntax_note {
    char kind = 'P';                       // P R E C L
    std::vector<std::uint16_t> positions;  // element (or component) positions, 1-based
};

struct element_def {
    std::uint16_t position = 0;   // 1-based
    std::string ref;              // data element number ("373", "I12") or composite ID ("C040")
    data_type type = data_type::an;
    std::uint8_t decimals = 0;    // Nn: implied decimals
    std::uint16_t min_length = 0, max_length = 0;
    requirement req = requirement::optional;
    std::uint16_t max_repeat = 1;
    composite_def const* composite = nullptr;           // when type == composite
    std::set<std::string, std::less<>> const* codes = nullptr; // code list of an ID element, when the dictionary has one
};

struct composite_def {
    std::string id, name;
    std::vector<element_def> components;
    std::vector<syntax_note> notes;
};

struct segment_def {
    std::string tag, name;
    std::vector<element_def> elements;
    std::vector<syntax_note> notes;
};

// One position in a set's structure: a segment, or a loop whose first child
// is its trigger segment.
struct structure_node {
    bool is_loop = false;
    std::uint32_t key = 0;         // the (trigger) segment tag packed by tag_key(), for fast matching
    std::string tag;               // the segment tag, or the loop ID (its trigger's tag)
    bool mandatory = false;
    std::uint32_t max = 1;         // max use (segment) or max repeat (loop); 0 = unbounded
    std::vector<structure_node> children; // loops only
};

struct set_def {
    std::string id, name, functional_id; // "850", "Purchase Order", "PO"
    structure_node root;                 // a pseudo-loop holding ST .. SE
};

// Where a dictionary file is wrong: file, line, column and what was expected.
struct dictionary_error {
    std::string file;
    std::uint32_t line = 0, column = 0;
    std::string message;
    std::string what() const;
};

// A segment tag (at most 3 characters) packed into an integer: matching tags
// is then one compare, not a memcmp call, on the validator's hot path.
constexpr std::uint32_t tag_key(std::string_view tag) noexcept
{
    if (tag.size() > 3) return 0xFFFFFFFFu;
    std::uint32_t k = static_cast<std::uint32_t>(tag.size());
    for (char c : tag) k = (k << 8) | static_cast<unsigned char>(c);
    return k;
}

class dictionary {
public:
    // The built-in dictionary for a release: "004010" or "005010", or any GS08
    // / ISA12 that starts with one ("005010X231A1", "00501"). Null when none.
    static dictionary const* standard(std::string_view version);

    // Parses dictionary text. `base` is consulted for `extends`; null for none.
    // Returns null and fills `err` when the text is wrong.
    static std::unique_ptr<dictionary> parse(std::string_view text, std::string_view file_name,
                                             dictionary_error& err,
                                             dictionary const* (*base)(std::string_view) = &standard);

    std::string_view release() const noexcept { return release_; }
    segment_def const* segment(std::string_view tag) const noexcept;
    composite_def const* composite(std::string_view id) const noexcept;
    std::set<std::string, std::less<>> const* codes(std::string_view data_element) const noexcept;
    set_def const* set(std::string_view id) const noexcept;
    // Any segment ID this release knows, defined or only listed.
    bool known_tag(std::string_view tag) const noexcept;

    std::map<std::string, set_def, std::less<>> const& sets() const noexcept { return sets_; }

private:
    void resolve();

    std::string release_;
    std::map<std::string, segment_def, std::less<>> segments_;
    std::map<std::string, composite_def, std::less<>> composites_;
    std::map<std::string, std::set<std::string, std::less<>>, std::less<>> codes_;
    std::map<std::string, set_def, std::less<>> sets_;
    std::set<std::string, std::less<>> tags_;
    std::map<std::uint32_t, segment_def const*> by_key_; // segments_ by tag_key

    friend struct dictionary_loader;
};

// The text of a built-in dictionary file ("004010"), empty when there is none.
std::string_view embedded_dictionary_text(std::string_view release) noexcept;

} // namespace edigw::x12
