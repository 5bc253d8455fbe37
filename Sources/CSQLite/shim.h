#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer: Swift cannot
// import it. Binding with it makes SQLite copy the bytes before returning.
static inline void (*csqlite_transient(void))(void *) {
    return SQLITE_TRANSIENT;
}

// sqlite3_config is variadic, which Swift cannot call. Memory statistics take a
// global mutex on every allocation; fansync never reads them, so they are off
// (must run before SQLite initializes; later calls are harmless no-ops).
static inline void csqlite_disable_memstatus(void) {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
