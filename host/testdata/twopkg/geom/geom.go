// Package geom holds a type that the twopkg plugin's exports name: a plugin
// whose signatures use a second package, as go-bind-plugin's complex
// fixture does.
package geom

// Point is a point on a grid.
type Point struct{ X, Y int }
