// Command exporttypes exports variables and functions of many types, for the
// types Inspect reads from the DWARF debug info.
package main

import (
	"context"
	"io"
	"strings"

	"example.com/plugkit/pluginapi"
)

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{
	Name:       "loadertest/exporttypes",
	Version:    "1.0.0",
	APIVersion: pluginapi.APIVersion,
}

// Point is a type of the plugin's own.
type Point struct{ X, Y int }

// Variables of many kinds of types.
var (
	Count    int
	Names    []string
	Labels   pluginapi.Labels
	Index    map[string][]*Point
	Origin   *Point
	Any      any
	Reader   io.Reader
	Callback func(context.Context, ...string) (int, error)
	Bytes    [4]byte
	Events   <-chan struct{}
)

// Add has named parameters and one unnamed result.
func Add(a, b int) int { return a + b }

// Join is variadic and has named results.
func Join(sep string, parts ...string) (s string, n int) {
	return strings.Join(parts, sep), len(parts)
}

// Pair has unnamed parameters and results.
func Pair(int, string) (bool, error) { return false, nil }

// Noop has neither parameters nor results.
func Noop() {}

// Twice is inlined into Quad, so the compiler describes it twice: as an
// abstract function and as the concrete copy the plugin exports.
func Twice(x int) int { return 2 * x }

// Quad inlines Twice.
func Quad(x int) int { return Twice(Twice(x)) }

// Scale takes and returns the plugin's own types.
func Scale(p *Point, by map[string]float64) Point { return *p }
