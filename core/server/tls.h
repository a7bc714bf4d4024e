/* rtmd's TLS files: checks that --tls-cert and --tls-key load and belong together before
 * libwebsockets is handed them, so that a bad file gets a sentence that names it (lws only
 * fails to create the listener). libwebsockets does the TLS itself. */
#ifndef RTMD_TLS_H
#define RTMD_TLS_H

#include <stdbool.h>
#include <stddef.h>

/* True when cert_file (PEM, a chain allowed) and key_file (PEM) load and the key is the
 * certificate's; else false with a sentence in why. */
bool rtmd_tls_check(const char *cert_file, const char *key_file, char *why, size_t cap);

#endif
