#include "tlsrpt_resolv.h"
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

int tlsrpt_query_txt(const char *name, const char *server, int port, int timeout, int tries,
                     unsigned char *out, size_t out_cap, size_t *out_len) {
    struct __res_state st;
    memset(&st, 0, sizeof st);
    if (res_ninit(&st) != 0) return TLSRPT_DNS_ERROR;
    if (server && *server) {
        struct in_addr addr;
        if (inet_pton(AF_INET, server, &addr) != 1) {
            res_nclose(&st);
            return TLSRPT_DNS_ERROR;
        }
        st.nscount = 1;
        st.nsaddr_list[0].sin_family = AF_INET;
        st.nsaddr_list[0].sin_addr = addr;
        st.nsaddr_list[0].sin_port = htons((unsigned short)port);
    }
    st.retrans = timeout > 0 ? timeout : 5;
    st.retry = tries > 0 ? tries : 2;
    st.options &= ~(RES_DNSRCH | RES_DEFNAMES);  // the name as given, no search list
    unsigned char answer[65536];
    int n = res_nquery(&st, name, ns_c_in, ns_t_txt, answer, sizeof answer);
    int herr = st.res_h_errno;
    res_nclose(&st);
    if (n < 0) {
        if (herr == HOST_NOT_FOUND || herr == NO_DATA) return TLSRPT_DNS_NOT_FOUND;
        if (herr == TRY_AGAIN) return TLSRPT_DNS_TEMPORARY;
        return TLSRPT_DNS_TEMPORARY;  // NO_RECOVERY (SERVFAIL, REFUSED) or no server answered
    }
    ns_msg msg;
    if (ns_initparse(answer, n, &msg) != 0) return TLSRPT_DNS_ERROR;
    size_t used = 0;
    int count = ns_msg_count(msg, ns_s_an);
    int found = 0;
    for (int i = 0; i < count; i++) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) return TLSRPT_DNS_ERROR;
        if (ns_rr_type(rr) != ns_t_txt) continue;  // a CNAME on the way
        const unsigned char *p = ns_rr_rdata(rr);
        const unsigned char *end = p + ns_rr_rdlen(rr);
        found++;
        // Each record: its length (4 bytes, big endian), then its strings joined.
        if (used + 4 > out_cap) return TLSRPT_DNS_ERROR;
        size_t start = used;
        used += 4;
        while (p < end) {
            size_t len = *p++;
            if (p + len > end || used + len > out_cap) return TLSRPT_DNS_ERROR;
            memcpy(out + used, p, len);
            used += len;
            p += len;
        }
        size_t rlen = used - start - 4;
        out[start] = (unsigned char)(rlen >> 24);
        out[start + 1] = (unsigned char)(rlen >> 16);
        out[start + 2] = (unsigned char)(rlen >> 8);
        out[start + 3] = (unsigned char)rlen;
    }
    *out_len = used;
    return found > 0 ? TLSRPT_DNS_OK : TLSRPT_DNS_NOT_FOUND;
}
