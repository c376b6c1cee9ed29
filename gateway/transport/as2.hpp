// AS2 (RFC 4130) messages without the network: opening what a partner sent
// (decrypt, verify, decompress, MIC), packing what we send (compress, sign,
// encrypt), and building and reading MDNs. The HTTP server and client around
// it live in the service and in as2_client.cpp.
//
// The crypto is OpenSSL 3's CMS, except compression: Debian's OpenSSL is
// built without zlib, so CMS CompressedData (RFC 3274, used by AS2 per RFC
// 5402) is encoded and decoded here with zlib directly.
//
// A partner is authenticated by the certificate pinned in its profile: a
// signature must verify with exactly that certificate (no chain building, as
// AS2 partners exchange self-signed certificates out of band).
#pragma once

#include "partners/profile.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;

namespace edigw::transport::as2 {

struct x509_free {
    void operator()(X509* p) const noexcept;
};
struct pkey_free {
    void operator()(EVP_PKEY* p) const noexcept;
};
using cert_ptr = std::unique_ptr<X509, x509_free>;
using key_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

struct credentials {
    cert_ptr our_cert;
    key_ptr our_key;
    cert_ptr their_cert;
    std::string tls_ca; // the profile's tls_ca, resolved to a path ("" = the system's CAs)
};

// Reads the PEM files an [transport.as2] table names (relative to `base`).
// The error names the file; never the key's content.
bool load_credentials(partners::as2_settings const& s, std::filesystem::path const& base, credentials& out, std::string& err);

// Header names compare case-insensitively (RFC 5322).
struct headers {
    std::vector<std::pair<std::string, std::string>> list;
    std::string get(std::string_view name) const;
    void set(std::string name, std::string value);
};

// A Content-Type parameter ("boundary", "smime-type", ...), unquoted; "" when absent.
std::string param(std::string_view content_type, std::string_view name);
// The media type alone, lower case ("multipart/signed").
std::string media_type(std::string_view content_type);
// An AS2 name as sent (quotes removed, as RFC 4130 allows "quoted" names).
std::string unquote(std::string_view s);

// ---- what a partner sent ---------------------------------------------------------------------

struct opened {
    std::string payload;       // the EDI bytes
    std::string content_type;  // of the payload
    std::string filename;      // from Content-Disposition, sanitised ("" when none)
    bool was_signed = false, was_encrypted = false, was_compressed = false;
    std::string mic;           // base64 digest, per RFC 4130 §7.3.1
    std::string mic_alg;       // "sha-256" ...
    // "" when the message opened; else the MDN disposition modifier:
    // authentication-failed, decryption-failed, integrity-check-failed,
    // decompression-failed, insufficient-message-security, unexpected-processing-error.
    std::string failure;
    std::string detail; // for the log and the MDN's text; never key material
};

// `mic_alg` is the algorithm the partner asked for in
// Disposition-Notification-Options ("" for the signature's own, else sha-256);
// `disposition` the HTTP Content-Disposition, for an unwrapped payload's name.
opened open(std::string_view content_type, std::string_view transfer_encoding, std::string_view body,
            credentials const& c, partners::as2_settings const& s, std::string const& mic_alg, std::string_view disposition = {});

// Disposition-Notification-To / -Options / Receipt-Delivery-Option.
struct mdn_request {
    bool wanted = false;
    bool want_signed = false;
    std::string micalg;    // the first one we support, "" when none was asked
    std::string micalg_as_asked; // its spelling in the request ("sha1" or "sha-1"), echoed in Received-Content-MIC
    std::string async_url; // empty: synchronous
};
mdn_request read_mdn_request(headers const& h);

// ---- MDNs ---------------------------------------------------------------------------------------

struct mdn_fields {
    std::string original_message_id;
    std::string reporting_ua = "edigw";
    std::string our_as2_id, their_as2_id;
    std::string disposition; // "processed", "processed/error: decryption-failed", "processed/warning: duplicate-document"
    std::string mic, mic_alg;
    std::string text;        // the human-readable part
};

struct message {
    headers head; // Content-Type and friends (for HTTP, or for a MIME entity)
    std::string body;
    std::string message_id; // for outbound messages
    std::string mic, mic_alg;
};

// Signed with `sign_with` and `micalg` when it is non-null.
message build_mdn(mdn_fields const& f, credentials const* sign_with, std::string const& micalg);

struct mdn_read {
    bool ok = false;            // parsed (and, when signed, verified with their certificate)
    bool was_signed = false;
    std::string disposition;    // as sent
    std::string original_message_id, mic, mic_alg;
    std::string error;
};
mdn_read read_mdn(std::string_view content_type, std::string_view body, credentials const& c);

// ---- what we send -----------------------------------------------------------------------------

// Packs `payload` per the profile (compress, sign, encrypt in its order) and
// returns the HTTP headers and body; `mic` is what the MDN must return.
// `message_id` empty: a fresh one.
bool pack(std::string_view payload, std::string const& filename, partners::as2_settings const& s, credentials const& c,
          message& out, std::string& err, std::string const& message_id = {});

// A new RSA-2048 key and a self-signed certificate for it (CN = `name`,
// valid `days`), written as PEM; the key file is created 0600. For demos and
// tests: real partners exchange certificates out of band.
bool make_self_signed(std::string const& name, std::filesystem::path const& key_file, std::filesystem::path const& cert_file, int days,
                      std::string& err);

// A fresh Message-ID: <time.random@host>.
std::string new_message_id(std::string_view our_as2_id);

// ---- helpers exposed for tests ---------------------------------------------------------------

std::string base64(std::string_view bytes, bool wrap = true);
bool unbase64(std::string_view text, std::string& out);
std::string digest_b64(std::string_view bytes, std::string const& alg); // alg: sha-1 sha1 sha-256 ...; "" on unknown
std::string canonical_alg(std::string_view alg);                          // "sha256" / "SHA-256" -> "sha-256"; "" when unknown
bool compress(std::string_view entity, std::string& der);                 // CMS CompressedData (zlib)
bool decompress(std::string_view der, std::string& entity, std::uint64_t limit, std::string& err);

} // namespace edigw::transport::as2
