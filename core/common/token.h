/* The "006" AccessToken format (docs/abi.md, "Tokens"): building for rtm_token_build and
 * rtm-token, verifying for rtmd. Pure functions; OpenSSL for HMAC-SHA256 and base64. */
#ifndef RTM_COMMON_TOKEN_H
#define RTM_COMMON_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "rtm/rtm.h"

#define RTM_TOKEN_PRIVILEGE_LOGIN 1000

/* Builds a token for user_id ("" allowed here: the packer's known-answer test uses other
 * ids) with one privilege. The generic packer: signs app_id || channel || uid || m with
 * crc32(channel) and crc32(uid) in the content, as the 006 format does; RTM login tokens use
 * channel = the user id and uid = "". Returns a malloc'd string or NULL (*err set). */
char *rtm_token_pack(const char *app_id, const char *app_certificate, const char *channel,
                     const char *uid, uint16_t privilege, uint32_t privilege_expire_ts,
                     uint32_t salt, uint32_t ts, rtm_err_t *err);

/* Checks a login token against the server's app id and certificate for user_id at time now
 * (seconds since the epoch). RTM_OK and *expire_ts (the token's effective end: the earlier
 * of ts and the login privilege's expire_ts when that is non-zero) on success;
 * RTM_ERR_TOKEN_EXPIRED when now is past either; RTM_ERR_INVALID_TOKEN for anything else
 * (malformed, bad signature, another app id, another user). */
rtm_err_t rtm_token_verify(const char *token, size_t token_len, const char *app_id,
                           const char *app_certificate, const char *user_id, size_t user_len,
                           uint32_t now, uint32_t *expire_ts);

/* CRC-32 (IEEE 802.3, as zlib's crc32) of len bytes. */
uint32_t rtm_crc32(const void *data, size_t len);

#endif
