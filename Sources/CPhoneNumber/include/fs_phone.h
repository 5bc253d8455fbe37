#ifndef FS_PHONE_H
#define FS_PHONE_H

#ifdef __cplusplus
extern "C" {
#endif

/// Formats `input` as E.164 with libphonenumber, reading numbers without a
/// country code as numbers of `region` (ISO 3166 alpha-2, e.g. "US").
/// Returns 1 and writes a NUL-terminated E.164 string into `output` when the
/// number is valid; 0 when it parses but is not a valid number; -1 when it
/// cannot be parsed at all or `output` is too small.
int fs_phone_e164(const char *input, const char *region, char *output, int output_length);

/// Returns 1 when `region` is a region libphonenumber knows.
int fs_phone_region_supported(const char *region);

#ifdef __cplusplus
}
#endif

#endif
