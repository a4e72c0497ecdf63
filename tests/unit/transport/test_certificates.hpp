#pragma once
// Certificates made at run time for the TLS tests (OpenSSL API, P-256
// keys): a CA, leaves it signs with chosen names and validity, written as
// PEM files in a temporary directory that is removed afterwards.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace sippet::transport::testing {

class CertificateDirectory {
 public:
  CertificateDirectory() {
    char pattern[] = "/tmp/sippet-tls-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~CertificateDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  CertificateDirectory(const CertificateDirectory&) = delete;
  CertificateDirectory& operator=(const CertificateDirectory&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct KeyAndCertificate {
  EVP_PKEY* key = nullptr;
  X509* certificate = nullptr;
  KeyAndCertificate() = default;
  KeyAndCertificate(const KeyAndCertificate&) = delete;
  KeyAndCertificate& operator=(const KeyAndCertificate&) = delete;
  ~KeyAndCertificate() {
    EVP_PKEY_free(key);
    X509_free(certificate);
  }
  void write(const std::string& certificate_file, const std::string& key_file) const {
    FILE* out = std::fopen(certificate_file.c_str(), "w");
    PEM_write_X509(out, certificate);
    std::fclose(out);
    out = std::fopen(key_file.c_str(), "w");
    PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(out);
  }
};

inline void add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
}

// `names`: a subjectAltName value ("DNS:localhost,IP:127.0.0.1"), or empty
// for none. Valid from `not_before_days` to `not_after_days` from now.
// Self-signed when `issuer` is null (then a CA).
inline void make_certificate(KeyAndCertificate& out, const std::string& common_name,
                             const std::string& names, const KeyAndCertificate* issuer,
                             long not_before_days = -1, long not_after_days = 30) {
  out.key = EVP_EC_gen("P-256");
  out.certificate = X509_new();
  X509_set_version(out.certificate, 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(out.certificate), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(out.certificate), not_before_days * 86400);
  X509_gmtime_adj(X509_getm_notAfter(out.certificate), not_after_days * 86400);
  X509_set_pubkey(out.certificate, out.key);
  X509_NAME* name = X509_get_subject_name(out.certificate);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509* issuer_certificate = issuer ? issuer->certificate : out.certificate;
  X509_set_issuer_name(out.certificate, X509_get_subject_name(issuer_certificate));
  if (issuer == nullptr) {
    add_extension(out.certificate, out.certificate, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(out.certificate, out.certificate, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(out.certificate, issuer_certificate, NID_basic_constraints, "CA:FALSE");
  }
  if (!names.empty())
    add_extension(out.certificate, issuer_certificate, NID_subject_alt_name, names.c_str());
  X509_sign(out.certificate, issuer ? issuer->key : out.key, EVP_sha256());
}

}  // namespace sippet::transport::testing
