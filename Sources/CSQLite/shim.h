#include <sqlite3.h>

/* What Swift cannot spell itself: SQLITE_TRANSIENT (a cast of -1 to a function pointer),
   sqlite3_mprintf (variadic), and structs that begin with SQLite's own so that SQLite's
   pointer to a virtual table or cursor leads back to the Swift object behind it. */

typedef struct trc_vtab {
    sqlite3_vtab base;
    void *owner;
} trc_vtab;

typedef struct trc_cursor {
    sqlite3_vtab_cursor base;
    void *owner;
} trc_cursor;

static inline char *trc_strdup(const char *s) { return sqlite3_mprintf("%s", s); }

static inline void trc_result_text(sqlite3_context *c, const char *s, int n) {
    sqlite3_result_text(c, s ? s : "", n, SQLITE_TRANSIENT);  /* an empty Swift buffer has no address: still '', not NULL */
}

static inline void trc_result_blob(sqlite3_context *c, const void *p, int n) {
    sqlite3_result_blob(c, p ? p : "", n, SQLITE_TRANSIENT);
}

static inline int trc_bind_text(sqlite3_stmt *s, int i, const char *p, int n) {
    return sqlite3_bind_text(s, i, p ? p : "", n, SQLITE_TRANSIENT);
}

static inline int trc_bind_blob(sqlite3_stmt *s, int i, const void *p, int n) {
    return sqlite3_bind_blob(s, i, p ? p : "", n, SQLITE_TRANSIENT);
}

