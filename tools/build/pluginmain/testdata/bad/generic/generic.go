package generic

// Map is generic: plugin.Lookup cannot find an uninstantiated function.
func Map[T any](v T) T { return v }
