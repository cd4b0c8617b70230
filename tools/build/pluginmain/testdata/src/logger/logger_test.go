package logger

import "testing"

// TestExported is here for pluginmain to skip: go_sources hands it every
// .go file of the library, and a test's exports are not the plugin's.
func TestExported(t *testing.T) {}

// Exported would be re-exported if pluginmain read test files.
func Exported() {}
