/* Checking rtmd's certificate and key (see tls.h) with OpenSSL, in a throwaway context. */
#include "tls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* The reason OpenSSL gave first, or a fallback. */
static const char *ssl_reason(void)
{
    unsigned long e = ERR_peek_error(); /* the first: the cause, not the summary */
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : "unreadable or not PEM";
}

static bool readable(const char *what, const char *path, char *why, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(why, cap, "cannot read the TLS %s %s: %s", what, path, strerror(errno));
        return false;
    }
    fclose(f);
    return true;
}

bool rtmd_tls_check(const char *cert_file, const char *key_file, char *why, size_t cap)
{
    if (!readable("certificate", cert_file, why, cap) || !readable("key", key_file, why, cap))
        return false;
    bool ok = false;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        snprintf(why, cap, "cannot set up TLS: %s", ssl_reason());
        goto out;
    }
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
        snprintf(why, cap, "cannot load the TLS certificate %s: %s", cert_file, ssl_reason());
        goto out;
    }
    ERR_clear_error();
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
        if (ERR_GET_REASON(ERR_peek_error()) == X509_R_KEY_VALUES_MISMATCH)
            snprintf(why, cap, "the TLS key %s does not belong to the certificate %s", key_file,
                     cert_file);
        else
            snprintf(why, cap, "cannot load the TLS key %s (a PEM private key): %s", key_file,
                     ssl_reason());
        goto out;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        snprintf(why, cap, "the TLS key %s does not belong to the certificate %s", key_file,
                 cert_file);
        goto out;
    }
    ok = true;
out:
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return ok;
}
