// Command basic is the fixture plugin of go-bind-plugin's README: one
// function and one variable.
package main

// BuildVersion is read by the host.
var BuildVersion = "1.0.0"

// AddTwoInts adds.
func AddTwoInts(a, b int) int { return a + b }

func main() {}
