/*
 * Test helper for dist/test-windows.sh: opens FILE the way a viewer or an
 * editor may, sharing reading but not deletion (so that it cannot be
 * replaced while open), prints "open" and keeps it open for MS
 * milliseconds.
 *
 * Usage: hold-open.exe FILE MS
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

int wmain(int argc, wchar_t **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: hold-open FILE MS\n");
        return 2;
    }
    HANDLE file = CreateFileW(argv[1], GENERIC_READ, FILE_SHARE_READ, NULL,
                              OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "hold-open: cannot open (error %lu)\n", GetLastError());
        return 1;
    }
    printf("open\n");
    fflush(stdout);
    Sleep((DWORD)wcstoul(argv[2], NULL, 10));
    CloseHandle(file);
    return 0;
}
