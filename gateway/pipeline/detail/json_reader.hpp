// Reading input JSON (shipments, invoices) member by member, with the JSON
// path of the first problem. Internal to gateway/pipeline.
#pragma once

#include "gateway/pipeline/shipment.hpp"
#include "x12/decimal.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <initializer_list>
#include <string>

namespace edigw::pipeline::detail {

namespace json = boost::json;

// Reads a JSON document field by field, remembering the path for errors.
class reader {
public:
    explicit reader(shipment_error& err) : err_(err) {}

    bool fail(std::string const& path, std::string msg)
    {
        if (!failed_) err_ = {path, std::move(msg)};
        failed_ = true;
        return false;
    }
    bool failed() const noexcept { return failed_; }

    json::object const* object(json::value const& v, std::string const& path)
    {
        if (!v.is_object()) {
            fail(path, "expected an object");
            return nullptr;
        }
        return &v.as_object();
    }

    // A string member; `required` refuses it missing or empty.
    std::string str(json::object const& o, std::string_view key, std::string const& path, bool required,
                    std::size_t max_len = 80)
    {
        auto const* v = o.if_contains(key);
        std::string p = path + "." + std::string(key);
        if (!v || v->is_null()) {
            if (required) fail(p, "is required");
            return {};
        }
        if (!v->is_string()) {
            fail(p, "expected a string");
            return {};
        }
        std::string s(v->as_string());
        if (required && s.empty()) fail(p, "may not be empty");
        if (s.size() > max_len) fail(p, "is longer than " + std::to_string(max_len) + " characters");
        return s;
    }

    std::string date(json::object const& o, std::string_view key, std::string const& path, bool required)
    {
        std::string s = str(o, key, path, required, 10);
        if (!s.empty() && (s.size() != 10 || s[4] != '-' || s[7] != '-'))
            fail(path + "." + std::string(key), "expected a date YYYY-MM-DD, found '" + s + "'");
        return s;
    }

    std::string decimal(json::object const& o, std::string_view key, std::string const& path, bool required, bool positive)
    {
        std::string p = path + "." + std::string(key);
        auto const* v = o.if_contains(key);
        if (v && (v->is_double() || v->is_int64() || v->is_uint64())) {
            fail(p, "expected a decimal written as a string (\"10\", \"18.5\"): numbers in JSON are binary floating point");
            return {};
        }
        std::string s = str(o, key, path, required, 20);
        if (s.empty()) return s;
        auto d = x12::decimal::parse_r(s);
        if (!d) fail(p, "expected a decimal such as \"10\" or \"18.5\", found '" + s + "'");
        else if (positive && d->coefficient() <= 0) fail(p, "must be greater than zero");
        return s;
    }

    json::array const* array(json::object const& o, std::string_view key, std::string const& path, bool required)
    {
        auto const* v = o.if_contains(key);
        std::string p = path + "." + std::string(key);
        if (!v || v->is_null()) {
            if (required) fail(p, "is required");
            return nullptr;
        }
        if (!v->is_array()) {
            fail(p, "expected an array");
            return nullptr;
        }
        if (required && v->as_array().empty()) fail(p, "may not be empty");
        return &v->as_array();
    }

    // Refuses members the schema does not define (a typo must not be ignored).
    void only(json::object const& o, std::initializer_list<std::string_view> keys, std::string const& path)
    {
        for (auto const& kv : o)
            if (std::find(keys.begin(), keys.end(), kv.key()) == keys.end())
                fail(path + "." + std::string(kv.key()), "is not a member of this object (a typo?)");
    }

private:
    shipment_error& err_;
    bool failed_ = false;
};


} // namespace edigw::pipeline::detail
