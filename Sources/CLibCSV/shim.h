#include <csv.h>

// libcsv strips spaces and tabs around unquoted fields unless told which
// bytes are spaces. RFC 4180 keeps them (and tab may be the delimiter), so
// nothing is a space. A C function, not a Swift closure: libcsv calls it for
// every byte, and a Swift thunk there costs a fifth of the parse.
static inline int clibcsv_no_space(unsigned char c) {
    (void)c;
    return 0;
}
