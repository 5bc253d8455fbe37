// A C face over libphonenumber's C++ API, so Swift can call it.
#include "fs_phone.h"

#include <phonenumbers/phonenumberutil.h>

#include <cstring>
#include <set>
#include <string>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

extern "C" int fs_phone_e164(const char *input, const char *region, char *output, int output_length) {
    if (input == nullptr || region == nullptr || output == nullptr || output_length <= 0) return -1;
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    PhoneNumber number;
    if (util->Parse(std::string(input), std::string(region), &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
        return -1;
    }
    if (!util->IsValidNumber(number)) return 0;
    std::string formatted;
    util->Format(number, PhoneNumberUtil::E164, &formatted);
    if (formatted.size() + 1 > static_cast<size_t>(output_length)) return -1;
    std::memcpy(output, formatted.c_str(), formatted.size() + 1);
    return 1;
}

extern "C" int fs_phone_region_supported(const char *region) {
    if (region == nullptr) return 0;
    std::set<std::string> regions;
    PhoneNumberUtil::GetInstance()->GetSupportedRegions(&regions);
    return regions.count(std::string(region)) > 0 ? 1 : 0;
}
