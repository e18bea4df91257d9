// Whether this test build runs under AddressSanitizer (scripts/test-sanitizers): its shadow memory
// makes RSS figures meaningless and its instrumentation (the test code at -O0) makes latency
// bounds tuned for the plain build fail on a loaded machine, so such bounds are checked only in
// the plain build; the sanitizer run keeps every functional check.
#pragma once

namespace cell0::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
inline constexpr bool kAddressSanitizer = __has_feature(address_sanitizer);
#else
inline constexpr bool kAddressSanitizer = false;
#endif

}  // namespace cell0::testing
