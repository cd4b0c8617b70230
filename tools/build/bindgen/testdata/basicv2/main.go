// Command basicv2 is the basic fixture after an incompatible change:
// AddTwoInts takes int64s and BuildVersion is gone. Bindings generated for
// basic must refuse it, reporting both problems.
package main

// AddTwoInts adds, in 64 bits.
func AddTwoInts(a, b int64) int64 { return a + b }

func main() {}
