package notimport

// Use names a package this file does not import: only go/parser reads it,
// so pluginmain says so before the compiler does.
func Use(t other.Type) {}
