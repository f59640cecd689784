// Test-only: makes dlclose() a no-op for this test process. SDL_Quit unloads the X11 (and GL) libraries
// it dlopen()ed; memory those libraries keep in their globals would then show up in LeakSanitizer as
// leaks from "<unknown module>", which no suppression can match. Kept loaded, their allocations stay
// reachable (or attributable to tests/lsan.supp). Production code is not affected.
extern "C" int dlclose(void*) { return 0; }
