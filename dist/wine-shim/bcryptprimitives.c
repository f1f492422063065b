/*
 * Test-only stand-in for Windows' bcryptprimitives.dll, which Wine 8
 * (Debian 12) lacks. Rust's standard library (1.78 and later) imports
 * ProcessPrng from it for random numbers (HashMap seeds, temporary file
 * names), so without it mediascrub.exe does not start under that Wine.
 * ProcessPrng is answered with RtlGenRandom (advapi32's SystemFunction036),
 * which Wine implements. Built and installed into a throwaway Wine prefix
 * by dist/test-windows.sh; never part of a release.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
