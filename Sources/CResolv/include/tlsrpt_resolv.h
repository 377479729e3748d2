#ifndef TLSRPT_RESOLV_H
#define TLSRPT_RESOLV_H
#include <stddef.h>

/// Outcome of a query.
enum tlsrpt_dns_status {
    TLSRPT_DNS_OK = 0,          // records written to `out`
    TLSRPT_DNS_NOT_FOUND = 1,   // NXDOMAIN, or the name has no record of the type
    TLSRPT_DNS_TEMPORARY = 2,   // no answer in time, SERVFAIL: try again later
    TLSRPT_DNS_ERROR = 3        // anything else (malformed answer, bad arguments)
};

/// Asks for the records of `type` (RFC 1035 type number: 16 TXT, 15 MX, 52 TLSA, …) at `name`
/// through glibc's resolver (res_nquery with a private resolver state: thread-safe), from the
/// system's servers or, when `server` is an IPv4 address, from that one server on `port`;
/// `timeout` is in seconds per try, `tries` how many (TCP fallback for truncated answers is the
/// resolver's own). Each record in `out`: its length (4 bytes, big endian), then its
/// RDATA as received, except MX: the 2-byte preference, then the exchange's name as text
/// (expanded from the message's compression, no final dot).
int tlsrpt_query_rr(const char *name, int type, const char *server, int port, int timeout, int tries,
                    unsigned char *out, size_t out_cap, size_t *out_len);

#endif
