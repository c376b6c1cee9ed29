#include "partners/profile.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <set>

namespace edigw::partners {

std::string profile::outbound_isa_version() const
{
    return outbound_version.rfind("004010", 0) == 0 ? "00401" : "00501";
}

namespace {

namespace fs = std::filesystem;

// Reads one table of the profile, refusing keys it does not know and values
// of the wrong type or outside their allowed set. The first problem wins.
class table_reader {
public:
    table_reader(toml::table const& t, std::string path, profile_error& err, std::string const& file)
        : t_(t), path_(std::move(path)), err_(err), file_(file)
    {
    }

    // Call after reading every key: any key not read is unknown.
    bool done()
    {
        if (failed_) return false;
        for (auto const& [k, v] : t_) {
            std::string key(k.str());
            if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
                std::string list;
                for (auto const& kn : known_) list += (list.empty() ? "" : ", ") + kn;
                return fail(v, "unknown key '" + name(key) + "'" + (list.empty() ? "" : " (expected one of: " + list + ")"));
            }
        }
        return true;
    }

    bool fail(toml::node const& n, std::string message)
    {
        if (failed_) return false;
        failed_ = true;
        err_.file = file_;
        err_.line = static_cast<std::uint32_t>(n.source().begin.line);
        err_.column = static_cast<std::uint32_t>(n.source().begin.column);
        err_.message = std::move(message);
        return false;
    }
    bool fail_here(std::string message)
    {
        if (failed_) return false;
        failed_ = true;
        err_.file = file_;
        err_.line = static_cast<std::uint32_t>(t_.source().begin.line);
        err_.column = static_cast<std::uint32_t>(t_.source().begin.column);
        err_.message = std::move(message);
        return false;
    }
    bool ok() const noexcept { return !failed_; }

    toml::node const* get(std::string const& key)
    {
        known_.push_back(key);
        return t_.get(key);
    }

    void string(std::string const& key, std::string& out, bool required = false,
                std::vector<std::string> const& allowed = {})
    {
        auto const* n = get(key);
        if (!n) {
            if (required) fail_here("missing key '" + name(key) + "' (a string)");
            return;
        }
        auto const* s = n->as_string();
        if (!s) {
            fail(*n, "'" + name(key) + "' must be a string");
            return;
        }
        std::string v = s->get();
        if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
            std::string list;
            for (auto const& a : allowed) list += (list.empty() ? "" : ", ") + ("\"" + a + "\"");
            fail(*n, "'" + name(key) + "' is \"" + v + "\"; expected one of " + list);
            return;
        }
        out = v;
    }

    void boolean(std::string const& key, bool& out)
    {
        auto const* n = get(key);
        if (!n) return;
        auto const* b = n->as_boolean();
        if (!b) {
            fail(*n, "'" + name(key) + "' must be true or false");
            return;
        }
        out = b->get();
    }

    template <typename Int>
    void integer(std::string const& key, Int& out, std::int64_t min, std::int64_t max)
    {
        auto const* n = get(key);
        if (!n) return;
        auto const* i = n->as_integer();
        if (!i) {
            fail(*n, "'" + name(key) + "' must be an integer");
            return;
        }
        if (i->get() < min || i->get() > max) {
            fail(*n, "'" + name(key) + "' must be between " + std::to_string(min) + " and " + std::to_string(max));
            return;
        }
        out = static_cast<Int>(i->get());
    }

    void decimal(std::string const& key, x12::decimal& out)
    {
        auto const* n = get(key);
        if (!n) return;
        if (n->is_floating_point()) {
            fail(*n, "'" + name(key) + "' must be written as a string such as \"0.5\" (exact decimal, not a float)");
            return;
        }
        if (auto const* i = n->as_integer()) {
            out = x12::decimal(i->get(), 0);
            return;
        }
        auto const* s = n->as_string();
        auto d = s ? x12::decimal::parse_r(s->get()) : std::nullopt;
        if (!d) {
            fail(*n, "'" + name(key) + "' must be a decimal number such as \"0.5\"");
            return;
        }
        out = *d;
    }

    void strings(std::string const& key, std::vector<std::string>& out)
    {
        auto const* n = get(key);
        if (!n) return;
        auto const* a = n->as_array();
        if (!a) {
            fail(*n, "'" + name(key) + "' must be an array of strings");
            return;
        }
        out.clear();
        for (auto const& e : *a) {
            auto const* s = e.as_string();
            if (!s) {
                fail(e, "'" + name(key) + "' must hold only strings");
                return;
            }
            out.push_back(s->get());
        }
    }

    toml::table const* table(std::string const& key)
    {
        auto const* n = get(key);
        if (!n) return nullptr;
        auto const* t = n->as_table();
        if (!t) fail(*n, "'" + name(key) + "' must be a table ([" + name(key) + "])");
        return t;
    }

    std::string name(std::string const& key) const { return path_.empty() ? key : path_ + "." + key; }
    std::string const& path() const noexcept { return path_; }
    std::string const& file() const noexcept { return file_; }
    profile_error& err() noexcept { return err_; }

private:
    toml::table const& t_;
    std::string path_;
    profile_error& err_;
    std::string const& file_;
    std::vector<std::string> known_;
    bool failed_ = false;
};

bool read_ids(table_reader& parent, std::string const& key, party_ids& ids, std::string* gs1_prefix, bool required)
{
    auto const* t = parent.table(key);
    if (!t) {
        if (required && parent.ok()) return parent.fail_here("missing table [" + parent.name(key) + "]");
        return parent.ok();
    }
    table_reader r(*t, parent.name(key), parent.err(), parent.file());
    static std::vector<std::string> const quals = {"01", "02", "08", "09", "12", "14", "16", "20", "27", "28", "29", "30", "33", "ZZ"};
    r.string("isa_qualifier", ids.isa_qualifier, true, quals);
    r.string("isa_id", ids.isa_id, true);
    r.string("gs_id", ids.gs_id);
    if (gs1_prefix) r.string("gs1_company_prefix", *gs1_prefix);
    if (!r.done()) return false;
    if (ids.isa_id.empty() || ids.isa_id.size() > 15)
        return r.fail(*t->get("isa_id"), "'" + r.name("isa_id") + "' must be 1 to 15 characters");
    if (ids.gs_id.empty()) ids.gs_id = ids.isa_id;
    if (gs1_prefix && !gs1_prefix->empty()
        && (gs1_prefix->size() < 6 || gs1_prefix->size() > 11
            || !std::all_of(gs1_prefix->begin(), gs1_prefix->end(), [](char c) { return c >= '0' && c <= '9'; })))
        return r.fail(*t->get("gs1_company_prefix"), "'" + r.name("gs1_company_prefix") + "' must be 6 to 11 digits");
    return true;
}

bool read_delimiter(table_reader& r, toml::table const& t, std::string const& key, char& out)
{
    std::string v;
    r.string(key, v);
    if (!r.ok()) return false;
    if (!t.get(key)) return true;
    if (v.size() != 1 || std::isalnum(static_cast<unsigned char>(v[0])) || v[0] == ' ')
        return r.fail(*t.get(key), "'" + r.name(key) + "' must be one character that is not a letter, digit or blank");
    out = v[0];
    return true;
}

} // namespace

bool load_profile(fs::path const& file, profile& out, profile_error& err)
{
    out = profile{};
    out.id = file.stem().string();
    out.file = file;
    out.dir = file.parent_path();
    std::string const fname = file.string();
    err = profile_error{};
    err.file = fname;

    // The file name is the partner ID everywhere: keep it to safe characters.
    if (out.id.empty() || !std::all_of(out.id.begin(), out.id.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        })) {
        err.message = "a partner ID (the file name) must be lower-case letters, digits, '-' or '_'";
        return false;
    }

    toml::table root;
    try {
        root = toml::parse_file(fname);
    } catch (toml::parse_error const& e) {
        err.line = static_cast<std::uint32_t>(e.source().begin.line);
        err.column = static_cast<std::uint32_t>(e.source().begin.column);
        err.message = std::string(e.description());
        return false;
    }

    table_reader top(root, "", err, fname);
    top.string("name", out.name, true);
    if (!read_ids(top, "their", out.their, nullptr, true)) return false;
    if (!read_ids(top, "ours", out.ours, &out.sscc_company_prefix, true)) return false;

    if (auto const* t = top.table("versions")) {
        table_reader r(*t, "versions", err, fname);
        r.string("inbound", out.inbound_version, false, {"004010", "005010"});
        r.string("outbound", out.outbound_version, false, {"004010", "005010"});
        if (!r.done()) return false;
    }
    out.acks.isa_version = out.outbound_isa_version();

    if (auto const* t = top.table("acknowledgment")) {
        table_reader r(*t, "acknowledgment", err, fname);
        std::string fk = "by-version", ta1 = "requested-or-error";
        r.string("functional", fk, false, {"997", "999", "by-version"});
        r.string("ta1", ta1, false, {"never", "on-error", "always", "requested", "requested-or-error"});
        r.boolean("detail_accepted", out.acks.detail_accepted);
        r.integer("window_minutes", out.ack_window_minutes, 1, 60 * 24 * 30);
        if (!r.done()) return false;
        out.acks.kind = fk == "997" ? x12::fa_kind::always_997 : fk == "999" ? x12::fa_kind::always_999 : x12::fa_kind::by_version;
        out.acks.ta1 = ta1 == "never"       ? x12::ta1_policy::never
                       : ta1 == "on-error"  ? x12::ta1_policy::on_error
                       : ta1 == "always"    ? x12::ta1_policy::always
                       : ta1 == "requested" ? x12::ta1_policy::requested
                                            : x12::ta1_policy::requested_or_error;
    }
    if (out.acks.kind == x12::fa_kind::always_999 && out.outbound_version == "004010") {
        err.message = "acknowledgment.functional = \"999\" needs versions.outbound = \"005010\" (the 999 is a 005010 set)";
        return false;
    }

    if (auto const* t = top.table("delimiters")) {
        table_reader r(*t, "delimiters", err, fname);
        if (!read_delimiter(r, *t, "element", out.delimiters.element)) return false;
        if (!read_delimiter(r, *t, "component", out.delimiters.component)) return false;
        if (!read_delimiter(r, *t, "repetition", out.delimiters.repetition)) return false;
        if (!read_delimiter(r, *t, "segment", out.delimiters.segment)) return false;
        r.boolean("line_breaks", out.line_breaks);
        if (!r.done()) return false;
        auto const& d = out.delimiters;
        std::set<char> distinct{d.element, d.component, d.repetition, d.segment};
        if (distinct.size() != 4) return r.fail_here("the four delimiters must differ from each other");
    }
    out.acks.outbound_delimiters = out.delimiters;
    out.acks.line_breaks = out.line_breaks;

    if (auto const* t = top.table("files")) {
        table_reader r(*t, "files", err, fname);
        std::string cat, inv;
        r.string("catalog", cat);
        r.string("inventory", inv);
        if (!r.done()) return false;
        file_error fe;
        if (!cat.empty() && !load_catalog(out.dir / cat, out.products, fe)) {
            err = fe;
            return false;
        }
        if (!inv.empty() && !load_inventory(out.dir / inv, out.stock, fe)) {
            err = fe;
            return false;
        }
    }

    if (auto const* t = top.table("rules")) {
        table_reader r(*t, "rules", err, fname);
        auto& rs = out.rules;
        r.boolean("check_catalog", rs.check_catalog);
        r.decimal("price_tolerance_percent", rs.price_tolerance_percent);
        r.boolean("check_pack_size", rs.check_pack_size);
        r.boolean("check_stock", rs.check_stock);
        r.boolean("require_ship_to", rs.require_ship_to);
        r.strings("ship_to_locations", rs.ship_to_locations);
        r.boolean("reject_past_dates", rs.reject_past_dates);
        r.strings("currencies", rs.currencies);
        r.boolean("reject_duplicate_po", rs.reject_duplicate_po);
        r.integer("duplicate_window_days", rs.duplicate_window_days, 1, 3650);
        if (!r.done()) return false;
        if (rs.price_tolerance_percent.coefficient() < 0)
            return r.fail(*t->get("price_tolerance_percent"), "'rules.price_tolerance_percent' may not be negative");
        for (auto const& c : rs.currencies)
            if (c.size() != 3 || !std::all_of(c.begin(), c.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; }))
                return r.fail(*t->get("currencies"), "'rules.currencies' holds '" + c + "'; expected ISO 4217 codes such as \"USD\"");
    }

    if (auto const* t = top.table("dictionary")) {
        table_reader r(*t, "dictionary", err, fname);
        x12::tightening tt;
        tt.set_id = "850";
        r.string("set", tt.set_id, false, {"850", "855", "856", "810"});
        r.strings("require_segments", tt.required_segments);
        if (auto const* req = r.get("require")) {
            auto const* arr = req->as_array();
            if (!arr) return r.fail(*req, "'dictionary.require' must be an array of tables ([[dictionary.require]])");
            for (auto const& e : *arr) {
                auto const* et = e.as_table();
                if (!et) return r.fail(e, "'dictionary.require' must hold tables with element = \"N103\" [and when = \"N101=ST\"]");
                table_reader er(*et, "dictionary.require", err, fname);
                std::string el, when;
                er.string("element", el, true);
                er.string("when", when);
                if (!er.done()) return false;
                x12::tightening::required_element re;
                if (!x12::parse_element_ref(el, re.what))
                    return er.fail(*et->get("element"), "'dictionary.require.element' must name an element such as \"N103\" or \"REF04-2\"");
                if (!when.empty()) {
                    auto eq = when.find('=');
                    x12::tightening::element_ref w;
                    if (eq == std::string::npos || !x12::parse_element_ref(when.substr(0, eq), w) || w.tag != re.what.tag
                        || w.component != 0 || eq + 1 >= when.size())
                        return er.fail(*et->get("when"), "'dictionary.require.when' must be \"" + re.what.tag
                                                             + "NN=VALUE\" (an element of the same segment)");
                    re.when_element = w.element;
                    re.when_value = when.substr(eq + 1);
                }
                tt.required_elements.push_back(std::move(re));
            }
        }
        if (auto const* codes = r.table("codes")) {
            for (auto const& [k, v] : *codes) {
                x12::tightening::code_list cl;
                if (!x12::parse_element_ref(k.str(), cl.what))
                    return r.fail(v, "'dictionary.codes." + std::string(k.str()) + "': the key must name an element such as BEG02");
                auto const* a = v.as_array();
                if (!a || a->empty()) return r.fail(v, "'dictionary.codes." + std::string(k.str()) + "' must be a non-empty array of codes");
                for (auto const& c : *a) {
                    auto const* s = c.as_string();
                    if (!s) return r.fail(c, "'dictionary.codes." + std::string(k.str()) + "' must hold only strings");
                    cl.codes.push_back(s->get());
                }
                tt.codes.push_back(std::move(cl));
            }
        }
        if (!r.done()) return false;
        out.tightenings.push_back(std::move(tt));
    }

    if (auto const* t = top.table("log")) {
        table_reader r(*t, "log", err, fname);
        r.integer("retention_days", out.retention_days, 1, 36500);
        if (!r.done()) return false;
    }

    if (auto const* t = top.table("templates")) {
        table_reader r(*t, "templates", err, fname);
        for (std::string doc : {"855", "856", "810", "997", "999"}) {
            std::string path;
            r.string(doc, path);
            if (!path.empty()) {
                if (path.find("..") != std::string::npos || fs::path(path).is_absolute())
                    return r.fail(*t->get(doc), "'templates." + doc + "' must be a path inside the partner's folder");
                out.templates[doc] = out.dir / path;
            }
        }
        if (!r.done()) return false;
    }

    if (auto const* t = top.table("transport")) {
        table_reader r(*t, "transport", err, fname);
        if (auto const* s = r.table("sftp")) {
            table_reader sr(*s, "transport.sftp", err, fname);
            sftp_settings v;
            sr.string("host", v.host, true);
            sr.integer("port", v.port, 1, 65535);
            sr.string("user", v.user, true);
            sr.string("private_key", v.private_key);
            sr.string("password_env", v.password_env);
            sr.string("host_key_sha256", v.host_key_sha256, true);
            sr.string("inbound_dir", v.inbound_dir, true);
            sr.string("outbound_dir", v.outbound_dir, true);
            sr.string("pattern", v.pattern);
            sr.integer("poll_seconds", v.poll_seconds, 1, 86400);
            sr.string("after_download", v.after_download, false, {"delete", "move", "leave"});
            sr.string("move_to", v.move_to);
            if (!sr.done()) return false;
            if (v.private_key.empty() && v.password_env.empty())
                return sr.fail_here("[transport.sftp] needs private_key (or password_env naming an environment variable)");
            if (v.after_download == "move" && v.move_to.empty())
                return sr.fail_here("[transport.sftp] after_download = \"move\" needs move_to");
            out.sftp = std::move(v);
        }
        if (auto const* s = r.table("as2")) {
            table_reader ar(*s, "transport.as2", err, fname);
            as2_settings v;
            ar.string("their_as2_id", v.their_as2_id, true);
            ar.string("our_as2_id", v.our_as2_id, true);
            ar.string("url", v.url);
            ar.string("their_certificate", v.their_certificate, true);
            ar.string("our_certificate", v.our_certificate, true);
            ar.string("our_private_key", v.our_private_key, true);
            ar.string("sign", v.sign, false, {"none", "sha1", "sha256", "sha384", "sha512"});
            ar.string("encrypt", v.encrypt, false, {"none", "aes128-cbc", "aes192-cbc", "aes256-cbc", "des-ede3-cbc"});
            ar.string("compress", v.compress, false, {"none", "before-signing", "after-signing"});
            ar.string("mdn", v.mdn, false, {"sync", "async", "none"});
            ar.boolean("mdn_signed", v.mdn_signed);
            ar.string("mic", v.mic, false, {"binary", "canonical"});
            ar.string("transfer_encoding", v.transfer_encoding, false, {"binary", "base64"});
            ar.integer("max_body_bytes", v.max_body_bytes, 1024, std::int64_t{1} << 34);
            ar.integer("mdn_timeout_minutes", v.mdn_timeout_minutes, 1, 60 * 24 * 7);
            ar.string("tls_ca", v.tls_ca);
            if (!v.url.empty() && v.url.rfind("http://", 0) != 0 && v.url.rfind("https://", 0) != 0)
                return ar.fail_here("[transport.as2] url must start with http:// or https://");
            if (!ar.done()) return false;
            out.as2 = std::move(v);
        }
        if (auto const* s = r.table("folder")) {
            table_reader fr(*s, "transport.folder", err, fname);
            folder_settings v;
            fr.string("inbound", v.inbound, true);
            fr.string("outbound", v.outbound, true);
            if (!fr.done()) return false;
            out.folder = std::move(v);
        }
        if (!r.done()) return false;
    }

    if (!top.done()) return false;
    err = profile_error{};
    return true;
}

bool load_profiles(fs::path const& dir, std::vector<profile>& out, profile_error& err)
{
    out.clear();
    std::error_code ec;
    std::vector<fs::path> files;
    for (auto const& e : fs::directory_iterator(dir, ec))
        if (e.is_regular_file() && e.path().extension() == ".toml") files.push_back(e.path());
    if (ec) {
        err = profile_error{dir.string(), 0, 0, "cannot read the partners folder: " + ec.message()};
        return false;
    }
    std::sort(files.begin(), files.end());
    for (auto const& f : files) {
        profile p;
        if (!load_profile(f, p, err)) return false;
        out.push_back(std::move(p));
    }
    return true;
}

profile const* find_by_sender(std::vector<profile> const& all, std::string_view qualifier, std::string_view id)
{
    for (auto const& p : all)
        if (p.their.isa_id == id && (qualifier.empty() || p.their.isa_qualifier == qualifier)) return &p;
    return nullptr;
}

fs::path default_partners_dir()
{
    if (char const* env = std::getenv("EDIGW_PARTNERS"); env && *env) return env;
    if (fs::is_directory("partners")) return "partners";
#ifdef EDIGW_SOURCE_DIR
    return fs::path(EDIGW_SOURCE_DIR) / "partners";
#else
    return "partners";
#endif
}

} // namespace edigw::partners
