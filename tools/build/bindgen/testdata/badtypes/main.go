// Command badtypes is a fixture plugin whose exports can't be bound: a type
// declared in package main, and a struct type with unexported fields.
package main

// Local is declared in package main, so a host can't name it.
type Local struct{ A int }

// MakeLocal returns a main-package type.
func MakeLocal() Local { return Local{} }

// Hidden has unexported fields.
var Hidden struct{ x int }

// Fine is bindable.
func Fine() int { return Hidden.x }

func main() {}
