// Command rebuild is the fixture plugin the -rebuild test builds itself. It
// is separate from basic because a process can load a pluginpath only once.
package main

// Answer is a constant answer.
func Answer() int { return 42 }

func main() {}
