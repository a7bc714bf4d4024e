/* RFC 6455 framing and the client's handshake (see ws.h). */
#include "ws.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

/* ---- receiving ----------------------------------------------------------------------- */

#define CUT_RESERVE_MAX 65536 /* bytes reserved for a cut frame beyond those that arrived */

void ws_rx_init(ws_rx_t *rx, size_t max_message)
{
    memset(rx, 0, sizeof(*rx));
    rtm_buf_init(&rx->cut, 0);
    rtm_buf_init(&rx->msg, 0);
    rx->max_message = max_message;
}

void ws_rx_init_server(ws_rx_t *rx, size_t max_message)
{
    ws_rx_init(rx, max_message);
    rx->from_client = true;
}

bool ws_close_code_valid(uint16_t code)
{
    /* RFC 6455 7.4: 1000-1003 and 1007-1011 defined, 1012-1014 registered since; 3000-4999 for
       libraries and applications; 1004-1006 and 1015 never go on the wire */
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

bool ws_rx_idle(const ws_rx_t *rx)
{
    return rx->cut.len == 0 && rx->msg_op == 0;
}

void ws_rx_free(ws_rx_t *rx)
{
    rtm_buf_free(&rx->cut);
    rtm_buf_free(&rx->msg);
    rx->msg_op = 0;
}

typedef struct ws_hdr {
    uint8_t opcode;
    bool fin;
    bool masked;
    uint32_t key; /* the masking key as it appears on the wire */
    uint64_t len;
} ws_hdr_t;

/* The header length announced by a frame's first two bytes (the masking key included). */
static size_t header_need(const uint8_t *p)
{
    uint8_t len7 = p[1] & 0x7f;
    return (len7 == 126 ? 4 : len7 == 127 ? 10 : 2) + (p[1] & 0x80 ? 4 : 0);
}

/* Who sent what rx parses, for the sentences of protocol errors. */
static const char *sender(const ws_rx_t *rx)
{
    return rx->from_client ? "the client" : "the server";
}

static int fail(ws_rx_t *rx, uint16_t code, const char *why)
{
    rx->error_code = code;
    snprintf(rx->why, sizeof(rx->why), "%s", why);
    return WS_RX_ERROR;
}

/* Decodes and checks a whole header (header_need(p) bytes). */
static int header_parse(ws_rx_t *rx, const uint8_t *p, ws_hdr_t *h)
{
    char why[96];
    if (p[0] & 0x70) {
        snprintf(why, sizeof(why), "%s set reserved bits of a WebSocket frame", sender(rx));
        return fail(rx, WS_CLOSE_PROTOCOL, why);
    }
    h->masked = (p[1] & 0x80) != 0;
    if (h->masked != rx->from_client) {
        snprintf(why, sizeof(why), "%s sent %s WebSocket frame", sender(rx),
                 h->masked ? "a masked" : "an unmasked");
        return fail(rx, WS_CLOSE_PROTOCOL, why);
    }
    h->opcode = p[0] & 0x0f;
    h->fin = (p[0] & 0x80) != 0;
    uint8_t len7 = p[1] & 0x7f;
    size_t at = 2;
    if (len7 == 126) {
        h->len = (uint64_t)p[2] << 8 | p[3];
        at = 4;
    } else if (len7 == 127) {
        h->len = 0;
        for (int i = 0; i < 8; i++)
            h->len = h->len << 8 | p[2 + i];
        at = 10;
    } else {
        h->len = len7;
    }
    h->key = 0;
    if (h->masked)
        memcpy(&h->key, p + at, 4);
    switch (h->opcode) {
    case WS_OP_CONT:
        if (!rx->msg_op) {
            snprintf(why, sizeof(why), "%s sent a continuation frame outside a fragmented message",
                     sender(rx));
            return fail(rx, WS_CLOSE_PROTOCOL, why);
        }
        break;
    case WS_OP_TEXT:
    case WS_OP_BINARY:
        if (rx->msg_op) {
            snprintf(why, sizeof(why), "%s began a message inside a fragmented one", sender(rx));
            return fail(rx, WS_CLOSE_PROTOCOL, why);
        }
        break;
    case WS_OP_CLOSE:
    case WS_OP_PING:
    case WS_OP_PONG:
        if (!h->fin || h->len > 125) {
            snprintf(why, sizeof(why), "%s sent a fragmented or over-long control frame",
                     sender(rx));
            return fail(rx, WS_CLOSE_PROTOCOL, why);
        }
        return 0;
    default:
        snprintf(why, sizeof(why), "%s sent a WebSocket frame of unknown opcode", sender(rx));
        return fail(rx, WS_CLOSE_PROTOCOL, why);
    }
    uint64_t so_far = h->opcode == WS_OP_CONT ? rx->msg.len : 0;
    if (h->len > rx->max_message || so_far + h->len > rx->max_message) {
        snprintf(why, sizeof(why), "a message from %s exceeds %zu bytes", sender(rx),
                 rx->max_message);
        return fail(rx, WS_CLOSE_TOO_BIG, why);
    }
    return 0;
}

/* One whole frame: hands out a message or a control frame, or keeps a fragment. */
static int deliver(ws_rx_t *rx, const ws_hdr_t *h, uint8_t *payload, ws_on_frame_fn fn, void *ud)
{
    size_t len = (size_t)h->len;
    if (h->masked)
        ws_mask(payload, len, h->key); /* XOR again: the payload as the client wrote it */
    if (h->opcode >= WS_OP_CLOSE)
        return fn(ud, h->opcode, payload, len);
    if (h->fin && h->opcode != WS_OP_CONT)
        return fn(ud, h->opcode, payload, len);
    if (h->opcode != WS_OP_CONT)
        rx->msg_op = h->opcode;
    if (len && !rtm_buf_append(&rx->msg, payload, len))
        return fail(rx, WS_CLOSE_INTERNAL, "out of memory for a fragmented message");
    if (!h->fin)
        return WS_RX_OK;
    uint8_t op = rx->msg_op;
    rx->msg_op = 0;
    int r = fn(ud, op, rtm_buf_data(&rx->msg), rx->msg.len);
    rtm_buf_free(&rx->msg); /* idle connections hold no buffer */
    return r;
}

int ws_rx_feed(ws_rx_t *rx, uint8_t *in, size_t len, size_t *used, ws_on_frame_fn fn, void *ud)
{
    size_t off = 0;
    int r = WS_RX_OK;
    while (off < len && r == WS_RX_OK) {
        ws_hdr_t h;
        if (rx->cut.len) {
            /* finish the frame the previous read cut: first its header, then its payload */
            size_t need = 2;
            if (rx->cut.len >= 2)
                need = header_need(rtm_buf_data(&rx->cut));
            while (rx->cut.len < need && off < len) {
                size_t take = need - rx->cut.len;
                if (take > len - off)
                    take = len - off;
                if (!rtm_buf_append(&rx->cut, in + off, take))
                    return fail(rx, WS_CLOSE_INTERNAL, "out of memory for a WebSocket frame");
                off += take;
                if (rx->cut.len == 2)
                    need = header_need(rtm_buf_data(&rx->cut));
            }
            if (rx->cut.len < need)
                break;
            uint8_t *p = rtm_buf_data(&rx->cut);
            if (header_parse(rx, p, &h) < 0)
                return WS_RX_ERROR;
            size_t total = need + (size_t)h.len;
            size_t take = total - rx->cut.len;
            if (take > len - off)
                take = len - off;
            if (take && !rtm_buf_append(&rx->cut, in + off, take))
                return fail(rx, WS_CLOSE_INTERNAL, "out of memory for a WebSocket frame");
            off += take;
            if (rx->cut.len < total)
                break;
            r = deliver(rx, &h, rtm_buf_data(&rx->cut) + need, fn, ud);
            rtm_buf_free(&rx->cut);
            continue;
        }
        size_t avail = len - off;
        if (avail < 2 || avail < header_need(in + off)) {
            if (!rtm_buf_append(&rx->cut, in + off, avail))
                return fail(rx, WS_CLOSE_INTERNAL, "out of memory for a WebSocket frame");
            off = len;
            break;
        }
        size_t hl = header_need(in + off);
        if (header_parse(rx, in + off, &h) < 0)
            return WS_RX_ERROR;
        if (h.len > avail - hl) { /* cut by the end of the read: keep it whole */
            /* room for the whole frame at once, but not more than CUT_RESERVE_MAX ahead of
               what arrived: a header alone must not make a peer's connection hold the
               largest message allowed (the rest grows as it comes) */
            size_t want = hl + (size_t)h.len;
            if (want > avail + CUT_RESERVE_MAX)
                want = avail + CUT_RESERVE_MAX;
            if (!rtm_buf_reserve(&rx->cut, want) || !rtm_buf_append(&rx->cut, in + off, avail))
                return fail(rx, WS_CLOSE_INTERNAL, "out of memory for a WebSocket frame");
            off = len;
            break;
        }
        r = deliver(rx, &h, in + off + hl, fn, ud);
        off += hl + (size_t)h.len;
    }
    *used = off;
    return r;
}

/* ---- sending ------------------------------------------------------------------------- */

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void ws_rng_seed(ws_rng_t *r)
{
    memset(r, 0, sizeof(*r));
    if (getrandom(r->s, sizeof(r->s), 0) != (ssize_t)sizeof(r->s)) {
        /* no getrandom: the masking key only has to be unpredictable to scripts in a browser,
           which we are not; any seed works */
        r->s[0] = (uint64_t)(uintptr_t)r ^ 0x9e3779b97f4a7c15ull;
    }
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
        r->s[0] = 1;
}

uint64_t ws_rng_next(ws_rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

size_t ws_header_len(size_t len)
{
    return len < 126 ? 6 : len <= 0xffff ? 8 : 14;
}

void ws_mask(uint8_t *p, size_t len, uint32_t key)
{
    uint8_t k8[8];
    memcpy(k8, &key, 4);
    memcpy(k8 + 4, &key, 4);
    uint64_t k;
    memcpy(&k, k8, 8);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        v ^= k;
        memcpy(p + i, &v, 8);
    }
    for (; i < len; i++)
        p[i] ^= k8[i & 3];
}

size_t ws_frame_finish(uint8_t *dst, uint8_t opcode, size_t len, uint32_t key)
{
    size_t hl = ws_header_len(len);
    dst[0] = (uint8_t)(0x80 | opcode);
    if (hl == 6) {
        dst[1] = (uint8_t)(0x80 | len);
    } else if (hl == 8) {
        dst[1] = 0x80 | 126;
        dst[2] = (uint8_t)(len >> 8);
        dst[3] = (uint8_t)len;
    } else {
        dst[1] = 0x80 | 127;
        for (int i = 0; i < 8; i++)
            dst[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
    }
    memcpy(dst + hl - 4, &key, 4);
    ws_mask(dst + hl, len, key);
    return hl;
}

/* ---- the opening handshake ----------------------------------------------------------- */

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

bool ws_make_key(char key[WS_KEY_LEN + 1])
{
    uint8_t nonce[16];
    if (getrandom(nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce))
        return false;
    EVP_EncodeBlock((unsigned char *)key, nonce, sizeof(nonce));
    return true;
}

size_t ws_upgrade_request(char *dst, size_t cap, const char *host, int port, bool tls,
                          const char *path, const char *key, const char *subprotocol)
{
    char hostport[300];
    bool v6 = strchr(host, ':') != NULL; /* an IPv6 address needs its brackets */
    if (port == (tls ? 443 : 80))
        snprintf(hostport, sizeof(hostport), "%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "");
    else
        snprintf(hostport, sizeof(hostport), "%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", port);
    int n = snprintf(dst, cap,
                     "GET %s HTTP/1.1\r\n"
                     "Host: %s\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\n"
                     "Sec-WebSocket-Protocol: %s\r\n"
                     "\r\n",
                     path, hostport, key, subprotocol);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

size_t ws_reply_head_len(const uint8_t *p, size_t len)
{
    for (size_t i = 3; i < len; i++)
        if (p[i] == '\n' && p[i - 1] == '\r' && p[i - 2] == '\n' && p[i - 3] == '\r')
            return i + 1;
    return 0;
}

/* The value of header name in the head (trimmed), or NULL; *vlen its length. */
static const char *header_value(const char *head, size_t len, const char *name, size_t *vlen)
{
    size_t nlen = strlen(name);
    const char *end = head + len;
    const char *line = memchr(head, '\n', len); /* skip the status line */
    while (line && ++line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol)
            break;
        if ((size_t)(eol - line) > nlen && line[nlen] == ':' &&
            strncasecmp(line, name, nlen) == 0) {
            const char *v = line + nlen + 1, *ve = eol;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            *vlen = (size_t)(ve - v);
            return v;
        }
        line = eol;
    }
    return NULL;
}

/* Whether the comma-separated list v holds token (case-insensitive). */
static bool has_token(const char *v, size_t vlen, const char *token)
{
    size_t tlen = strlen(token);
    const char *end = v + vlen;
    while (v < end) {
        while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
            v++;
        const char *s = v;
        while (v < end && *v != ',')
            v++;
        const char *e = v;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if ((size_t)(e - s) == tlen && strncasecmp(s, token, tlen) == 0)
            return true;
    }
    return false;
}

bool ws_check_reply(const uint8_t *head_bytes, size_t head_len, const char *key,
                    const char *subprotocol, char *why, size_t cap)
{
    const char *head = (const char *)head_bytes;
    const char *eol = memchr(head, '\r', head_len);
    size_t status_len = eol ? (size_t)(eol - head) : 0;
    if (status_len > 80)
        status_len = 80;
    int status = 0;
    bool digits = status_len >= 12;
    for (int i = 9; digits && i < 12; i++) {
        digits = head[i] >= '0' && head[i] <= '9';
        status = status * 10 + (head[i] - '0');
    }
    if (!digits || strncmp(head, "HTTP/1.", 7) != 0 || head[8] != ' ') {
        snprintf(why, cap, "the server's answer to the WebSocket upgrade is not HTTP");
        return false;
    }
    if (status != 101) {
        snprintf(why, cap, "the server refused the WebSocket upgrade: %.*s", (int)status_len, head);
        return false;
    }
    size_t vlen;
    const char *v = header_value(head, head_len, "Upgrade", &vlen);
    if (!v || !has_token(v, vlen, "websocket")) {
        snprintf(why, cap, "the server's 101 reply lacks \"Upgrade: websocket\"");
        return false;
    }
    v = header_value(head, head_len, "Connection", &vlen);
    if (!v || !has_token(v, vlen, "upgrade")) {
        snprintf(why, cap, "the server's 101 reply lacks \"Connection: Upgrade\"");
        return false;
    }
    char src[WS_KEY_LEN + sizeof(WS_GUID)];
    snprintf(src, sizeof(src), "%s%s", key, WS_GUID);
    uint8_t digest[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)src, strlen(src), digest);
    char accept[32];
    EVP_EncodeBlock((unsigned char *)accept, digest, sizeof(digest));
    v = header_value(head, head_len, "Sec-WebSocket-Accept", &vlen);
    if (!v || vlen != strlen(accept) || memcmp(v, accept, vlen) != 0) {
        snprintf(why, cap, "the server's 101 reply has a wrong Sec-WebSocket-Accept");
        return false;
    }
    v = header_value(head, head_len, "Sec-WebSocket-Protocol", &vlen);
    if (!v || vlen != strlen(subprotocol) || memcmp(v, subprotocol, vlen) != 0) {
        snprintf(why, cap, "the server did not accept the WebSocket subprotocol %s", subprotocol);
        return false;
    }
    return true;
}
