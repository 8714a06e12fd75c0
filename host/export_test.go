package host

// BuiltModules returns the builds of the module from the current sources that TestMain made,
// for the tests of package host_test.
func BuiltModules() Modules { return testModules }

// SharedCacheDir returns the compilation cache shared by the tests.
func SharedCacheDir() string { return testCacheDir }

// SetChunk sets the most request bytes one load or append call of r carries.
func SetChunk(r *Ranker, n int) { r.chunk = n }
