#include <curl/curl.h>

// curl_easy_setopt is variadic, which Swift cannot call: one POST is set up and run here.
// Every request gets a connection of its own: libcurl silently resends a request whose reused
// connection died before any answer, and an INSERT that did land would then land twice. The
// exporter retries itself, after checking what landed.
typedef size_t (*trc_curl_write_fn)(char *, size_t, size_t, void *);

static inline int trc_curl_post(CURL *h, const char *url, const void *body, size_t length,
                                long timeout_ms, trc_curl_write_fn write, void *context,
                                long *status, char *error_buffer) {
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)length);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, context);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    // No "Expect: 100-continue": it costs a round trip (or a 1 s wait) per batch.
    struct curl_slist *headers = curl_slist_append(NULL, "Expect:");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    CURLcode rc = curl_easy_perform(h);
    *status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(headers);
    return (int)rc;
}

static inline char *trc_curl_escape(CURL *h, const char *s, int length) {
    return curl_easy_escape(h, s, length);
}
