#include "tlsrpt_resolv.h"
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

/// Sends the query (a private resolver state; `server` or the system's servers). Returns the
/// answer's length in `answer`, or -1 with the status in `*status`.
static int ask(const char *name, int type, const char *server, int port, int timeout, int tries,
               unsigned char *answer, int answer_cap, int *status) {
    struct __res_state st;
    memset(&st, 0, sizeof st);
    *status = TLSRPT_DNS_ERROR;
    if (res_ninit(&st) != 0) return -1;
    if (server && *server) {
        struct in_addr addr;
        if (inet_pton(AF_INET, server, &addr) != 1) {
            res_nclose(&st);
            return -1;
        }
        st.nscount = 1;
        st.nsaddr_list[0].sin_family = AF_INET;
        st.nsaddr_list[0].sin_addr = addr;
        st.nsaddr_list[0].sin_port = htons((unsigned short)port);
    }
    st.retrans = timeout > 0 ? timeout : 5;
    st.retry = tries > 0 ? tries : 2;
    st.options &= ~(RES_DNSRCH | RES_DEFNAMES);  // the name as given, no search list
    int n = res_nquery(&st, name, ns_c_in, type, answer, answer_cap);
    int herr = st.res_h_errno;
    res_nclose(&st);
    if (n < 0) {
        // NO_RECOVERY (SERVFAIL, REFUSED), TRY_AGAIN or no server answered: temporary.
        *status = (herr == HOST_NOT_FOUND || herr == NO_DATA) ? TLSRPT_DNS_NOT_FOUND : TLSRPT_DNS_TEMPORARY;
    }
    return n;
}

int tlsrpt_query_rr(const char *name, int type, const char *server, int port, int timeout, int tries,
                    unsigned char *out, size_t out_cap, size_t *out_len) {
    unsigned char answer[65536];
    int status;
    int n = ask(name, type, server, port, timeout, tries, answer, sizeof answer, &status);
    if (n < 0) return status;
    ns_msg msg;
    if (ns_initparse(answer, n, &msg) != 0) return TLSRPT_DNS_ERROR;
    size_t used = 0;
    int count = ns_msg_count(msg, ns_s_an);
    int found = 0;
    for (int i = 0; i < count; i++) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) return TLSRPT_DNS_ERROR;
        if (ns_rr_type(rr) != type) continue;  // a CNAME on the way
        const unsigned char *rdata = ns_rr_rdata(rr);
        size_t rdlen = ns_rr_rdlen(rr);
        unsigned char expanded[2 + NS_MAXDNAME];
        const unsigned char *record = rdata;
        size_t len = rdlen;
        if (type == ns_t_mx) {
            // Preference, then the exchange's name expanded (it may point into the message).
            if (rdlen < 3) return TLSRPT_DNS_ERROR;
            char host[NS_MAXDNAME];
            if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), rdata + 2, host, sizeof host) < 0)
                return TLSRPT_DNS_ERROR;
            size_t hl = strlen(host);
            expanded[0] = rdata[0];
            expanded[1] = rdata[1];
            memcpy(expanded + 2, host, hl);
            record = expanded;
            len = 2 + hl;
        }
        if (used + 4 + len > out_cap) return TLSRPT_DNS_ERROR;
        out[used] = (unsigned char)(len >> 24);
        out[used + 1] = (unsigned char)(len >> 16);
        out[used + 2] = (unsigned char)(len >> 8);
        out[used + 3] = (unsigned char)len;
        memcpy(out + used + 4, record, len);
        used += 4 + len;
        found++;
    }
    *out_len = used;
    return found > 0 ? TLSRPT_DNS_OK : TLSRPT_DNS_NOT_FOUND;
}
