// Package api holds what every error case needs.
package api

// Manifest identifies a plugin.
type Manifest struct{ Name string }

// Greeter greets.
type Greeter interface{ Greet() string }
