package arraylen

// N is a constant of this package, which the package main cannot name.
const N = 2

// Sum takes an array whose length is that constant.
func Sum(a [N]int) int { return a[0] + a[1] }
