#ifndef TLSRPT_RESOLV_H
#define TLSRPT_RESOLV_H
#include <stddef.h>

/// Outcome of a TXT query.
enum tlsrpt_dns_status {
    TLSRPT_DNS_OK = 0,          // records written to `out`
    TLSRPT_DNS_NOT_FOUND = 1,   // NXDOMAIN, or the name has no TXT record
    TLSRPT_DNS_TEMPORARY = 2,   // no answer in time, SERVFAIL: try again later
    TLSRPT_DNS_ERROR = 3        // anything else (malformed answer, bad arguments)
};

/// Asks for the TXT records of `name` through glibc's resolver (res_nquery with a private
/// resolver state: thread-safe), from the system's servers or, when `server` is an IPv4 address,
/// from that one server on `port`. Each record's strings are joined (DKIM keys come split);
/// records are separated by a 0 byte in `out`, which holds `*out_len` bytes after a success.
/// `timeout` is in seconds per try, `tries` how many (TCP fallback for truncated answers is the
/// resolver's own).
int tlsrpt_query_txt(const char *name, const char *server, int port, int timeout, int tries,
                     unsigned char *out, size_t out_cap, size_t *out_len);

#endif
