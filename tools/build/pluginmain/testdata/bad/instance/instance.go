package instance

import "sync/atomic"

// Load takes an instance of a generic type.
func Load(p *atomic.Pointer[int]) int { return *p.Load() }
