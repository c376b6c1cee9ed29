#include "gateway/transport/as2.hpp"

#include "gateway/transport/sftp.hpp" // safe_name

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <zlib.h>

#include <fcntl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace edigw::transport::as2 {

void x509_free::operator()(X509* p) const noexcept { X509_free(p); }
void pkey_free::operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }

namespace {

namespace fs = std::filesystem;

struct bio_free {
    void operator()(BIO* p) const noexcept { BIO_free_all(p); }
};
struct cms_free {
    void operator()(CMS_ContentInfo* p) const noexcept { CMS_ContentInfo_free(p); }
};
struct certs_free {
    void operator()(STACK_OF(X509) * p) const noexcept { sk_X509_free(p); } // the certificates are not owned
};
using bio_ptr = std::unique_ptr<BIO, bio_free>;
using cms_ptr = std::unique_ptr<CMS_ContentInfo, cms_free>;
using certs_ptr = std::unique_ptr<STACK_OF(X509), certs_free>;

bio_ptr mem(std::string_view s)
{
    return bio_ptr(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())));
}

std::string drain(BIO* b)
{
    char* p = nullptr;
    long n = BIO_get_mem_data(b, &p);
    return n > 0 ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

// OpenSSL's reason for the last failure, one line, then its queue cleared.
std::string ssl_error()
{
    unsigned long e = ERR_get_error();
    std::string s;
    if (e) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        s = buf;
    }
    ERR_clear_error();
    return s;
}

std::string lower(std::string_view s)
{
    std::string r(s);
    for (auto& ch : r) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return r;
}

std::string trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
    return std::string(s);
}

EVP_MD const* md_for(std::string const& canonical)
{
    if (canonical == "sha-1") return EVP_sha1();
    if (canonical == "sha-256") return EVP_sha256();
    if (canonical == "sha-384") return EVP_sha384();
    if (canonical == "sha-512") return EVP_sha512();
    return nullptr;
}

EVP_CIPHER const* cipher_for(std::string const& name)
{
    if (name == "aes128-cbc") return EVP_aes_128_cbc();
    if (name == "aes192-cbc") return EVP_aes_192_cbc();
    if (name == "aes256-cbc") return EVP_aes_256_cbc();
    if (name == "des-ede3-cbc") return EVP_des_ede3_cbc();
    return nullptr;
}

// A MIME entity: its headers and where its body starts. Accepts CRLF or LF
// line ends and folded header lines.
struct entity {
    headers head;
    std::string_view body;
};

bool parse_entity(std::string_view bytes, entity& out)
{
    std::size_t pos = 0;
    std::string name, value;
    auto flush = [&] {
        if (!name.empty()) out.head.list.emplace_back(trim(name), trim(value));
        name.clear();
        value.clear();
    };
    while (pos < bytes.size()) {
        std::size_t eol = bytes.find('\n', pos);
        if (eol == std::string_view::npos) return false; // no blank line: not an entity
        std::string_view line = bytes.substr(pos, eol - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        pos = eol + 1;
        if (line.empty()) {
            flush();
            out.body = bytes.substr(pos);
            return true;
        }
        if (line[0] == ' ' || line[0] == '\t') { // folded
            value += ' ';
            value += trim(line);
            continue;
        }
        flush();
        auto colon = line.find(':');
        if (colon == std::string_view::npos) return false;
        name = std::string(line.substr(0, colon));
        value = std::string(line.substr(colon + 1));
    }
    return false;
}

// The parts of a multipart body: each part's bytes, headers included, without
// the line break that belongs to the next delimiter (RFC 2046 §5.1.1).
bool split_multipart(std::string_view body, std::string const& boundary, std::vector<std::string_view>& parts)
{
    if (boundary.empty()) return false;
    std::string const delim = "--" + boundary;
    std::size_t pos = 0;
    // The first delimiter may start the body or follow a preamble.
    std::size_t first = body.substr(0, delim.size()) == delim ? 0 : body.find("\n" + delim);
    if (first == std::string_view::npos) return false;
    pos = first == 0 ? delim.size() : first + 1 + delim.size();
    while (true) {
        if (body.substr(pos, 2) == "--") return !parts.empty(); // the closing delimiter
        std::size_t eol = body.find('\n', pos);
        if (eol == std::string_view::npos) return false;
        std::size_t start = eol + 1;
        std::size_t next = body.find("\n" + delim, start);
        if (next == std::string_view::npos) return false;
        std::size_t end = next;
        if (end > start && body[end - 1] == '\r') --end;
        parts.push_back(body.substr(start, end - start));
        pos = next + 1 + delim.size();
    }
}

std::string decode_body(entity const& e, bool& ok)
{
    std::string cte = lower(e.head.get("Content-Transfer-Encoding"));
    ok = true;
    if (cte == "base64") {
        std::string out;
        ok = unbase64(e.body, out);
        return out;
    }
    return std::string(e.body);
}

std::string crlf(std::string_view s)
{
    std::string out;
    out.reserve(s.size() + s.size() / 32);
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
        out += s[i];
    }
    return out;
}

std::string boundary_token()
{
    unsigned char r[12];
    RAND_bytes(r, sizeof r);
    static char const hex[] = "0123456789abcdef";
    std::string s = "----=_edigw_";
    for (auto b : r) {
        s += hex[b >> 4];
        s += hex[b & 15];
    }
    return s;
}

// Signs `entity` (detached, binary) and wraps both in multipart/signed.
bool sign_entity(std::string const& ent, credentials const& c, std::string const& alg, message& out, std::string& err)
{
    EVP_MD const* md = md_for(alg);
    if (!md || !c.our_cert || !c.our_key) {
        err = "cannot sign: no key or unknown digest '" + alg + "'";
        return false;
    }
    auto in = mem(ent);
    unsigned const flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
    cms_ptr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags));
    if (!cms || !CMS_add1_signer(cms.get(), c.our_cert.get(), c.our_key.get(), md, flags)
        || !CMS_final(cms.get(), in.get(), nullptr, flags)) {
        err = "signing failed: " + ssl_error();
        return false;
    }
    unsigned char* der = nullptr;
    int n = i2d_CMS_ContentInfo(cms.get(), &der);
    if (n <= 0) {
        err = "signing failed: " + ssl_error();
        return false;
    }
    std::string sig(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
    OPENSSL_free(der);
    std::string const b = boundary_token();
    out.head.set("Content-Type", "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=" + alg + "; boundary=\"" + b + "\"");
    out.body = "--" + b + "\r\n" + ent + "\r\n--" + b + "\r\n"
             + "Content-Type: application/pkcs7-signature; name=smime.p7s\r\n"
               "Content-Transfer-Encoding: base64\r\n"
               "Content-Disposition: attachment; filename=smime.p7s\r\n\r\n"
             + base64(sig) + "\r\n--" + b + "--\r\n";
    return true;
}

// Verifies a detached signature over `content` with the partner's pinned
// certificate. Returns "" or the failure modifier.
std::string verify(std::string_view content, std::string const& sig_der, credentials const& c, std::string& detail,
                   std::string& sig_alg)
{
    auto sb = mem(sig_der);
    cms_ptr cms(d2i_CMS_bio(sb.get(), nullptr));
    if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
        detail = "the signature part is not a CMS SignedData structure";
        ERR_clear_error();
        return "integrity-check-failed";
    }
    auto* infos = CMS_get0_SignerInfos(cms.get());
    if (!infos || sk_CMS_SignerInfo_num(infos) < 1) {
        detail = "the signature has no signer";
        return "integrity-check-failed";
    }
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
    X509_ALGOR* dig = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, nullptr);
    if (dig) {
        ASN1_OBJECT const* obj = nullptr;
        X509_ALGOR_get0(&obj, nullptr, nullptr, dig);
        char name[64];
        OBJ_obj2txt(name, sizeof name, obj, 0);
        sig_alg = canonical_alg(name);
    }
    if (!c.their_cert || CMS_SignerInfo_cert_cmp(si, c.their_cert.get()) != 0) {
        detail = "the message is signed with a certificate other than the one in the partner's profile";
        return "authentication-failed";
    }
    certs_ptr certs(sk_X509_new_null());
    sk_X509_push(certs.get(), c.their_cert.get());
    auto data = mem(content);
    if (CMS_verify(cms.get(), certs.get(), nullptr, data.get(), nullptr,
                   CMS_BINARY | CMS_NOINTERN | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
        detail = "the signature does not match the content (" + ssl_error() + ")";
        return "integrity-check-failed";
    }
    return {};
}

void der_len(std::string& out, std::size_t n)
{
    if (n < 0x80) {
        out += static_cast<char>(n);
        return;
    }
    std::string b;
    while (n) {
        b.insert(b.begin(), static_cast<char>(n & 0xff));
        n >>= 8;
    }
    out += static_cast<char>(0x80 | b.size());
    out += b;
}

std::string der(unsigned char tag, std::string const& content)
{
    std::string out(1, static_cast<char>(tag));
    der_len(out, content.size());
    return out + content;
}

} // namespace

// ---- small helpers ---------------------------------------------------------------------------

std::string headers::get(std::string_view name) const
{
    for (auto const& [k, v] : list)
        if (k.size() == name.size() && lower(k) == lower(name)) return v;
    return {};
}

void headers::set(std::string name, std::string value)
{
    for (auto& [k, v] : list)
        if (lower(k) == lower(name)) {
            v = std::move(value);
            return;
        }
    list.emplace_back(std::move(name), std::move(value));
}

std::string media_type(std::string_view ct)
{
    return lower(trim(ct.substr(0, ct.find(';'))));
}

std::string param(std::string_view ct, std::string_view name)
{
    std::size_t pos = ct.find(';');
    while (pos != std::string_view::npos) {
        ++pos;
        std::size_t eq = ct.find('=', pos);
        if (eq == std::string_view::npos) return {};
        std::string key = lower(trim(ct.substr(pos, eq - pos)));
        std::size_t v = eq + 1;
        while (v < ct.size() && ct[v] == ' ') ++v;
        std::string value;
        if (v < ct.size() && ct[v] == '"') {
            std::size_t close = ct.find('"', v + 1);
            if (close == std::string_view::npos) return {};
            value = std::string(ct.substr(v + 1, close - v - 1));
            pos = ct.find(';', close);
        } else {
            std::size_t semi = ct.find(';', v);
            value = trim(ct.substr(v, semi == std::string_view::npos ? std::string_view::npos : semi - v));
            pos = semi;
        }
        if (key == lower(name)) return value;
    }
    return {};
}

std::string unquote(std::string_view s)
{
    std::string t = trim(s);
    if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
    return t;
}

std::string base64(std::string_view bytes, bool wrap)
{
    std::string enc(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(enc.data()), reinterpret_cast<unsigned char const*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    enc.resize(static_cast<std::size_t>(n));
    if (!wrap) return enc;
    std::string out;
    for (std::size_t i = 0; i < enc.size(); i += 76) {
        if (i) out += "\r\n";
        out += enc.substr(i, 76);
    }
    return out;
}

bool unbase64(std::string_view text, std::string& out)
{
    std::string clean;
    clean.reserve(text.size());
    for (char ch : text)
        if (!(ch == '\r' || ch == '\n' || ch == ' ' || ch == '\t')) clean += ch;
    if (clean.size() % 4) return false;
    out.assign(clean.size() / 4 * 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<unsigned char const*>(clean.data()),
                            static_cast<int>(clean.size()));
    if (n < 0) return false;
    std::size_t pad = 0;
    if (!clean.empty() && clean.back() == '=') ++pad;
    if (clean.size() > 1 && clean[clean.size() - 2] == '=') ++pad;
    out.resize(static_cast<std::size_t>(n) - pad);
    return true;
}

std::string canonical_alg(std::string_view alg)
{
    std::string a = lower(trim(alg));
    a.erase(std::remove(a.begin(), a.end(), '-'), a.end());
    if (a == "sha1") return "sha-1";
    if (a == "sha256") return "sha-256";
    if (a == "sha384") return "sha-384";
    if (a == "sha512") return "sha-512";
    return {};
}

std::string digest_b64(std::string_view bytes, std::string const& alg)
{
    EVP_MD const* md = md_for(canonical_alg(alg));
    if (!md) return {};
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(bytes.data(), bytes.size(), d, &n, md, nullptr);
    return base64(std::string_view(reinterpret_cast<char*>(d), n), false);
}

std::string new_message_id(std::string_view our_as2_id)
{
    unsigned char r[8];
    RAND_bytes(r, sizeof r);
    std::string s = "<" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count()) + ".";
    static char const hex[] = "0123456789abcdef";
    for (auto b : r) {
        s += hex[b >> 4];
        s += hex[b & 15];
    }
    std::string id;
    for (char ch : our_as2_id) id += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    return s + "@" + id + ".edigw>";
}

bool make_self_signed(std::string const& name, fs::path const& key_file, fs::path const& cert_file, int days, std::string& err)
{
    key_ptr key(EVP_RSA_gen(2048));
    cert_ptr cert(X509_new());
    if (!key || !cert) {
        err = "cannot make a key: " + ssl_error();
        return false;
    }
    X509_set_version(cert.get(), 2);
    unsigned char serial[8];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * days);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* subject = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<unsigned char const*>(name.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), subject);
    if (!X509_sign(cert.get(), key.get(), EVP_sha256())) {
        err = "cannot sign the certificate: " + ssl_error();
        return false;
    }
    int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE* kf = fd >= 0 ? ::fdopen(fd, "w") : nullptr;
    if (!kf) {
        if (fd >= 0) ::close(fd);
        err = key_file.string() + ": cannot write";
        return false;
    }
    bool ok = PEM_write_PrivateKey(kf, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
    ok = std::fclose(kf) == 0 && ok;
    FILE* cf = std::fopen(cert_file.c_str(), "w");
    ok = ok && cf && PEM_write_X509(cf, cert.get()) == 1;
    if (cf) ok = std::fclose(cf) == 0 && ok;
    if (!ok) err = "cannot write " + key_file.string() + " or " + cert_file.string();
    return ok;
}

bool load_credentials(partners::as2_settings const& s, fs::path const& base, credentials& out, std::string& err)
{
    auto path = [&](std::string const& p) { return fs::path(p).is_absolute() ? fs::path(p) : base / p; };
    auto read_cert = [&](std::string const& f, cert_ptr& into) {
        std::ifstream in(path(f), std::ios::binary);
        std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto b = mem(pem);
        into.reset(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
        if (!into) err = path(f).string() + ": not a readable PEM certificate";
        ERR_clear_error();
        return static_cast<bool>(into);
    };
    if (!read_cert(s.their_certificate, out.their_cert) || !read_cert(s.our_certificate, out.our_cert)) return false;
    std::ifstream in(path(s.our_private_key), std::ios::binary);
    std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto b = mem(pem);
    out.our_key.reset(PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr));
    OPENSSL_cleanse(pem.data(), pem.size());
    ERR_clear_error();
    if (!out.our_key) {
        err = path(s.our_private_key).string() + ": not a readable, unencrypted PEM private key";
        return false;
    }
    if (!s.tls_ca.empty()) {
        out.tls_ca = path(s.tls_ca).string();
        if (!fs::exists(out.tls_ca)) {
            err = out.tls_ca + ": tls_ca does not exist";
            return false;
        }
    }
    if (X509_check_private_key(out.our_cert.get(), out.our_key.get()) != 1) {
        ERR_clear_error();
        err = path(s.our_private_key).string() + ": the key does not belong to " + path(s.our_certificate).string();
        return false;
    }
    return true;
}

// ---- compression (RFC 3274 CompressedData with zlib) ----------------------------------------

bool compress(std::string_view ent, std::string& out)
{
    uLongf n = compressBound(static_cast<uLong>(ent.size()));
    std::string z(n, '\0');
    if (compress2(reinterpret_cast<Bytef*>(z.data()), &n, reinterpret_cast<Bytef const*>(ent.data()),
                  static_cast<uLong>(ent.size()), Z_DEFAULT_COMPRESSION)
        != Z_OK)
        return false;
    z.resize(n);
    static std::string const oid_compressed("\x06\x0b\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x09", 13);
    static std::string const oid_zlib("\x06\x0b\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x03\x08", 13);
    static std::string const oid_data("\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01", 11);
    std::string encap = der(0x30, oid_data + der(0xa0, der(0x04, z)));
    std::string cd = der(0x30, std::string("\x02\x01\x00", 3) + der(0x30, oid_zlib) + encap);
    out = der(0x30, oid_compressed + der(0xa0, cd));
    return true;
}

bool decompress(std::string_view in, std::string& out, std::uint64_t limit, std::string& err)
{
    auto b = mem(in);
    cms_ptr cms(d2i_CMS_bio(b.get(), nullptr));
    if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_id_smime_ct_compressedData) {
        ERR_clear_error();
        err = "not a CMS CompressedData structure";
        return false;
    }
    ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
    if (!content || !*content) {
        err = "the compressed data has no content";
        return false;
    }
    z_stream zs{};
    if (inflateInit(&zs) != Z_OK) {
        err = "zlib failed to start";
        return false;
    }
    zs.next_in = const_cast<Bytef*>(ASN1_STRING_get0_data(*content));
    zs.avail_in = static_cast<uInt>(ASN1_STRING_length(*content));
    out.clear();
    char buf[65536];
    int rc = Z_OK;
    while (rc == Z_OK) {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(buf, sizeof buf - zs.avail_out);
        if (out.size() > limit) {
            inflateEnd(&zs);
            err = "the decompressed content is larger than the partner's limit (" + std::to_string(limit) + " bytes)";
            return false;
        }
        if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;
    }
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        err = "the zlib stream is damaged or cut short";
        return false;
    }
    return true;
}

// ---- opening ----------------------------------------------------------------------------------

opened open(std::string_view content_type, std::string_view transfer_encoding, std::string_view body, credentials const& c,
            partners::as2_settings const& s, std::string const& mic_alg_asked, std::string_view disposition)
{
    opened r;
    r.filename = param(disposition, "filename");
    std::string ct(content_type), cte = lower(trim(transfer_encoding));
    std::string current(body);
    std::string mic_source; // what the MIC is computed over, per RFC 4130 §7.3.1
    bool mic_from_signed = false;
    std::string signature_alg;
    std::uint64_t const limit = std::max<std::uint64_t>(s.max_body_bytes * 16, 1u << 20);
    auto fail = [&](std::string modifier, std::string detail) {
        r.failure = std::move(modifier);
        r.detail = std::move(detail);
        return r;
    };
    for (int depth = 0; depth < 6; ++depth) {
        std::string const type = media_type(ct);
        if (cte == "base64") {
            std::string dec;
            if (!unbase64(current, dec)) return fail("unexpected-processing-error", "the body is not valid base64");
            current = std::move(dec);
        }
        cte.clear();
        if (type == "application/pkcs7-mime" || type == "application/x-pkcs7-mime") {
            std::string smime = lower(param(ct, "smime-type"));
            auto b = mem(current);
            cms_ptr cms(d2i_CMS_bio(b.get(), nullptr));
            int nid = cms ? OBJ_obj2nid(CMS_get0_type(cms.get())) : NID_undef;
            ERR_clear_error();
            std::string inner;
            if (nid == NID_pkcs7_enveloped || smime == "enveloped-data") {
                if (!cms) return fail("decryption-failed", "the encrypted body is not a CMS structure");
                auto outb = bio_ptr(BIO_new(BIO_s_mem()));
                if (CMS_decrypt(cms.get(), c.our_key.get(), c.our_cert.get(), nullptr, outb.get(), CMS_BINARY) != 1)
                    return fail("decryption-failed", "cannot decrypt with our key (" + ssl_error()
                                                         + "): encrypted for another certificate, or damaged");
                inner = drain(outb.get());
                r.was_encrypted = true;
                if (!r.was_signed) mic_source = inner; // encrypted, unsigned: the decrypted entity
            } else if (nid == NID_id_smime_ct_compressedData || smime == "compressed-data") {
                std::string e;
                if (!decompress(current, inner, limit, e)) return fail("decompression-failed", e);
                r.was_compressed = true;
            } else {
                return fail("unexpected-processing-error", "unsupported S/MIME type '" + smime + "'");
            }
            entity en;
            if (!parse_entity(inner, en)) return fail("unexpected-processing-error", "the content inside the S/MIME layer has no MIME headers");
            ct = en.head.get("Content-Type");
            cte = lower(en.head.get("Content-Transfer-Encoding"));
            if (ct.empty()) ct = "application/octet-stream";
            // The innermost entity names the file; outer layers name their wrappers (smime.p7m ...).
            if (auto cd = en.head.get("Content-Disposition"); !cd.empty()) r.filename = param(cd, "filename");
            current = std::string(en.body);
            continue;
        }
        if (type == "multipart/signed") {
            std::vector<std::string_view> parts;
            std::string const b = param(ct, "boundary");
            if (!split_multipart(current, b, parts) || parts.size() != 2)
                return fail("integrity-check-failed", "multipart/signed without its two parts (boundary '" + b + "')");
            entity sig;
            if (!parse_entity(parts[1], sig)) return fail("integrity-check-failed", "the signature part has no MIME headers");
            bool ok = false;
            std::string sig_der = decode_body(sig, ok);
            if (!ok) return fail("integrity-check-failed", "the signature part is not valid base64");
            std::string detail;
            if (auto f = verify(parts[0], sig_der, c, detail, signature_alg); !f.empty()) return fail(f, detail);
            r.was_signed = true;
            mic_source = std::string(parts[0]);
            mic_from_signed = true;
            entity en;
            if (!parse_entity(parts[0], en)) return fail("unexpected-processing-error", "the signed content has no MIME headers");
            ct = en.head.get("Content-Type");
            cte = lower(en.head.get("Content-Transfer-Encoding"));
            if (ct.empty()) ct = "application/octet-stream";
            // The innermost entity names the file; outer layers name their wrappers (smime.p7m ...).
            if (auto cd = en.head.get("Content-Disposition"); !cd.empty()) r.filename = param(cd, "filename");
            current = std::string(en.body);
            continue;
        }
        if (type.rfind("multipart/", 0) == 0)
            return fail("unexpected-processing-error", "unexpected " + type + " where the EDI content should be");
        // The payload itself.
        r.payload = std::move(current);
        r.content_type = ct;
        if (!r.filename.empty()) r.filename = safe_name(r.filename);
        if (!r.was_signed && !r.was_encrypted) mic_source = r.payload; // unsigned, unencrypted: the content alone
        break;
    }
    if (r.payload.empty() && r.content_type.empty()) return fail("unexpected-processing-error", "S/MIME layers nested too deep");
    // What the profile demands.
    if (s.sign != "none" && !r.was_signed)
        return fail("insufficient-message-security", "the partner's profile requires signed messages; this one is not signed");
    if (s.encrypt != "none" && !r.was_encrypted)
        return fail("insufficient-message-security", "the partner's profile requires encrypted messages; this one is not encrypted");
    r.mic_alg = canonical_alg(mic_alg_asked);
    if (r.mic_alg.empty()) r.mic_alg = !signature_alg.empty() ? signature_alg : "sha-256";
    if (s.mic == "canonical" && !mic_from_signed) mic_source = crlf(mic_source);
    r.mic = digest_b64(mic_source, r.mic_alg);
    return r;
}

mdn_request read_mdn_request(headers const& h)
{
    mdn_request q;
    q.wanted = !h.get("Disposition-Notification-To").empty();
    q.async_url = trim(h.get("Receipt-Delivery-Option"));
    std::string opts = lower(h.get("Disposition-Notification-Options"));
    // signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256, sha1
    std::size_t p = opts.find("signed-receipt-protocol");
    if (p != std::string::npos) {
        std::size_t end = opts.find(';', p);
        std::string v = opts.substr(p, end == std::string::npos ? std::string::npos : end - p);
        q.want_signed = v.find("pkcs7-signature") != std::string::npos;
    }
    p = opts.find("signed-receipt-micalg");
    if (p != std::string::npos) {
        std::size_t eq = opts.find('=', p);
        std::size_t end = opts.find(';', p);
        std::string v = opts.substr(eq + 1, end == std::string::npos ? std::string::npos : end - eq - 1);
        std::stringstream ss(v);
        std::string item;
        bool first = true;
        while (std::getline(ss, item, ',')) {
            item = trim(item);
            if (first && (item == "optional" || item == "required")) {
                first = false;
                continue;
            }
            first = false;
            if (auto a = canonical_alg(item); !a.empty()) {
                q.micalg = a;
                q.micalg_as_asked = item;
                break;
            }
        }
    }
    return q;
}

// ---- MDNs ---------------------------------------------------------------------------------------

message build_mdn(mdn_fields const& f, credentials const* sign_with, std::string const& micalg)
{
    std::string const b = boundary_token();
    std::string report = "--" + b + "\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" + f.text
                       + "\r\n--" + b + "\r\nContent-Type: message/disposition-notification\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
                       + "Reporting-UA: " + f.reporting_ua + "\r\n"
                       + "Original-Recipient: rfc822; " + f.our_as2_id + "\r\n"
                       + "Final-Recipient: rfc822; " + f.our_as2_id + "\r\n"
                       + "Original-Message-ID: " + f.original_message_id + "\r\n";
    if (!f.mic.empty()) report += "Received-Content-MIC: " + f.mic + ", " + f.mic_alg + "\r\n";
    report += "Disposition: automatic-action/MDN-sent-automatically; " + f.disposition + "\r\n\r\n--" + b + "--\r\n";
    std::string const report_type = "multipart/report; report-type=disposition-notification; boundary=\"" + b + "\"";
    message m;
    m.message_id = new_message_id(f.our_as2_id);
    std::string err;
    if (sign_with && sign_with->our_key) {
        std::string ent = "Content-Type: " + report_type + "\r\n\r\n" + report;
        if (sign_entity(ent, *sign_with, micalg.empty() ? "sha-256" : micalg, m, err)) return m;
    }
    m.head.set("Content-Type", report_type);
    m.body = std::move(report);
    return m;
}

mdn_read read_mdn(std::string_view content_type, std::string_view body, credentials const& c)
{
    mdn_read r;
    std::string ct(content_type);
    std::string current(body);
    if (media_type(ct) == "multipart/signed") {
        std::vector<std::string_view> parts;
        if (!split_multipart(current, param(ct, "boundary"), parts) || parts.size() != 2) {
            r.error = "a signed MDN without its two parts";
            return r;
        }
        entity sig;
        bool ok = parse_entity(parts[1], sig);
        std::string sig_der = ok ? decode_body(sig, ok) : std::string();
        std::string detail, alg;
        if (!ok || !verify(parts[0], sig_der, c, detail, alg).empty()) {
            r.error = "the MDN's signature does not verify with the partner's certificate: " + detail;
            return r;
        }
        r.was_signed = true;
        entity en;
        if (!parse_entity(parts[0], en)) {
            r.error = "the signed MDN content has no headers";
            return r;
        }
        ct = en.head.get("Content-Type");
        current = std::string(en.body);
    }
    if (media_type(ct) != "multipart/report") {
        r.error = "not an MDN (Content-Type " + media_type(ct) + ")";
        return r;
    }
    std::vector<std::string_view> parts;
    if (!split_multipart(current, param(ct, "boundary"), parts)) {
        r.error = "the MDN's parts cannot be read";
        return r;
    }
    for (auto part : parts) {
        entity en;
        if (!parse_entity(part, en) || media_type(en.head.get("Content-Type")) != "message/disposition-notification") continue;
        entity fields; // the notification's fields are header-shaped
        std::string text = std::string(en.body) + "\r\n\r\n";
        if (!parse_entity(text, fields)) break;
        r.disposition = fields.head.get("Disposition");
        r.original_message_id = fields.head.get("Original-Message-ID");
        std::string mic = fields.head.get("Received-Content-MIC");
        if (auto comma = mic.find(','); comma != std::string::npos) {
            r.mic = trim(mic.substr(0, comma));
            r.mic_alg = canonical_alg(mic.substr(comma + 1));
        }
        r.ok = !r.disposition.empty();
        if (!r.ok) r.error = "the MDN has no Disposition field";
        return r;
    }
    r.error = "the MDN has no message/disposition-notification part";
    return r;
}

// ---- packing ------------------------------------------------------------------------------------

bool pack(std::string_view payload, std::string const& filename, partners::as2_settings const& s, credentials const& c,
          message& out, std::string& err, std::string const& message_id)
{
    std::string const name = safe_name(filename.empty() ? "edi.x12" : filename);
    std::string ent = "Content-Type: application/edi-x12; name=\"" + name + "\"\r\nContent-Transfer-Encoding: binary\r\n"
                      "Content-Disposition: attachment; filename=\"" + name + "\"\r\n\r\n" + std::string(payload);
    std::string mic_source;
    bool signed_it = false;
    auto do_compress = [&](std::string& e) {
        std::string d;
        if (!compress(e, d)) {
            err = "compression failed";
            return false;
        }
        e = "Content-Type: application/pkcs7-mime; smime-type=compressed-data; name=smime.p7z\r\nContent-Transfer-Encoding: binary\r\n"
            "Content-Disposition: attachment; filename=smime.p7z\r\n\r\n" + d;
        return true;
    };
    if (s.compress == "before-signing" && !do_compress(ent)) return false;
    std::string const alg = s.sign == "none" ? std::string("sha-256") : canonical_alg(s.sign);
    if (s.sign != "none") {
        message signed_msg;
        if (!sign_entity(ent, c, alg, signed_msg, err)) return false;
        mic_source = ent; // the MIC covers what was signed
        ent = "Content-Type: " + signed_msg.head.get("Content-Type") + "\r\n\r\n" + signed_msg.body;
        signed_it = true;
    }
    if (s.compress == "after-signing" && !do_compress(ent)) return false;
    std::string content_type;
    if (s.encrypt != "none") {
        certs_ptr certs(sk_X509_new_null());
        sk_X509_push(certs.get(), c.their_cert.get());
        auto in = mem(ent);
        cms_ptr cms(CMS_encrypt(certs.get(), in.get(), cipher_for(s.encrypt), CMS_BINARY));
        unsigned char* d = nullptr;
        int n = cms ? i2d_CMS_ContentInfo(cms.get(), &d) : 0;
        if (n <= 0) {
            err = "encryption failed: " + ssl_error();
            return false;
        }
        if (!signed_it) mic_source = ent; // encrypted, unsigned: the entity that was encrypted
        out.body.assign(reinterpret_cast<char*>(d), static_cast<std::size_t>(n));
        OPENSSL_free(d);
        content_type = "application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m";
    } else {
        entity en;
        parse_entity(ent, en);
        content_type = en.head.get("Content-Type");
        if (auto cd = en.head.get("Content-Disposition"); !cd.empty()) out.head.set("Content-Disposition", cd);
        out.body = std::string(en.body);
        if (!signed_it) mic_source = std::string(payload); // unsigned, unencrypted: the content alone
    }
    if (!signed_it && s.mic == "canonical") mic_source = crlf(mic_source);
    out.head.set("Content-Type", content_type);
    if (s.transfer_encoding == "base64") {
        out.body = base64(out.body);
        out.head.set("Content-Transfer-Encoding", "base64");
    } else {
        out.head.set("Content-Transfer-Encoding", "binary");
    }
    out.head.set("MIME-Version", "1.0");
    out.mic_alg = alg;
    out.mic = digest_b64(mic_source, alg);
    out.message_id = message_id.empty() ? new_message_id(s.our_as2_id) : message_id;
    return true;
}

} // namespace edigw::transport::as2
