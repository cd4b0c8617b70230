package signatures

import (
	"time"

	"example.com/plugkit/pluginapi"
)

// Second names pluginapi under its own name, where a.go says api.
func Second(g pluginapi.Greeter, d time.Duration) string { return g.Greet() + d.String() }
